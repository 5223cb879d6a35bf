//! String enums as PingOne spells them, each with an `Unknown` fallback so that a value PingOne
//! adds later does not break deserialisation.

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this crate does not know, as sent.
            Unknown(String),
        }

        impl $name {
            /// The value as PingOne spells it.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Unknown(raw) => raw,
                }
            }

            /// Parses PingOne's spelling; unknown values are kept.
            #[must_use]
            pub fn parse(raw: &str) -> Self {
                match raw {
                    $($wire $(| $alias)* => $name::$variant,)+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::parse(&raw))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// `type` of an application.
    ApplicationType {
        /// `WEB_APP`: a server-side web application (this workflow).
        WebApp = "WEB_APP",
        /// `NATIVE_APP`.
        NativeApp = "NATIVE_APP",
        /// `SINGLE_PAGE_APP`.
        SinglePageApp = "SINGLE_PAGE_APP",
        /// `WORKER`: a management-API client.
        Worker = "WORKER",
        /// `SERVICE`.
        Service = "SERVICE",
        /// `CUSTOM_APP`.
        CustomApp = "CUSTOM_APP",
    }
);

string_enum!(
    /// `protocol` of an application.
    Protocol {
        /// `OPENID_CONNECT`.
        OpenIdConnect = "OPENID_CONNECT",
        /// `SAML`.
        Saml = "SAML",
        /// `WS_FED`.
        WsFed = "WS_FED",
        /// `EXTERNAL_LINK`.
        ExternalLink = "EXTERNAL_LINK",
    }
);

string_enum!(
    /// An OAuth grant type an application may use.
    GrantType {
        /// `AUTHORIZATION_CODE`.
        AuthorizationCode = "AUTHORIZATION_CODE",
        /// `IMPLICIT`.
        Implicit = "IMPLICIT",
        /// `REFRESH_TOKEN`.
        RefreshToken = "REFRESH_TOKEN",
        /// `CLIENT_CREDENTIALS`.
        ClientCredentials = "CLIENT_CREDENTIALS",
        /// `DEVICE_CODE`.
        DeviceCode = "DEVICE_CODE",
        /// `TOKEN_EXCHANGE`.
        TokenExchange = "TOKEN_EXCHANGE",
        /// `CIBA`.
        Ciba = "CIBA",
    }
);

string_enum!(
    /// An OAuth response type an application may request.
    ResponseType {
        /// `CODE`.
        Code = "CODE",
        /// `TOKEN`.
        Token = "TOKEN",
        /// `ID_TOKEN`.
        IdToken = "ID_TOKEN",
    }
);

string_enum!(
    /// How a client authenticates at the token endpoint.
    TokenEndpointAuthMethod {
        /// `CLIENT_SECRET_BASIC`: HTTP Basic.
        ClientSecretBasic = "CLIENT_SECRET_BASIC",
        /// `CLIENT_SECRET_POST`: form fields.
        ClientSecretPost = "CLIENT_SECRET_POST",
        /// `NONE`: a public client (PKCE).
        None = "NONE",
        /// `PRIVATE_KEY_JWT`.
        PrivateKeyJwt = "PRIVATE_KEY_JWT",
        /// `CLIENT_SECRET_JWT`.
        ClientSecretJwt = "CLIENT_SECRET_JWT",
    }
);

string_enum!(
    /// PKCE enforcement of an application.
    PkceEnforcement {
        /// `OPTIONAL`.
        Optional = "OPTIONAL",
        /// `REQUIRED`: a code challenge with any method.
        Required = "REQUIRED",
        /// `S256_REQUIRED`: a code challenge with `S256`.
        S256Required = "S256_REQUIRED",
    }
);

string_enum!(
    /// `type` of a resource.
    ResourceType {
        /// `OPENID_CONNECT`: the built-in `openid` resource.
        OpenIdConnect = "OPENID_CONNECT",
        /// `PINGONE_API` (the docs also spell it `PING_ONE_API`).
        PingOneApi = "PINGONE_API" | "PING_ONE_API",
        /// `CUSTOM`.
        Custom = "CUSTOM",
    }
);

string_enum!(
    /// `type` of a sign-on policy action.
    ActionType {
        /// `LOGIN`: username and password.
        Login = "LOGIN",
        /// `MULTI_FACTOR_AUTHENTICATION`.
        MultiFactorAuthentication = "MULTI_FACTOR_AUTHENTICATION",
        /// `IDENTIFIER_FIRST`.
        IdentifierFirst = "IDENTIFIER_FIRST",
        /// `IDENTITY_PROVIDER`.
        IdentityProvider = "IDENTITY_PROVIDER",
        /// `PROGRESSIVE_PROFILING`.
        ProgressiveProfiling = "PROGRESSIVE_PROFILING",
        /// `AGREEMENT`.
        Agreement = "AGREEMENT",
    }
);

string_enum!(
    /// What an MFA action does for a user without a usable device.
    NoDevicesMode {
        /// `BYPASS`.
        Bypass = "BYPASS",
        /// `BLOCK`.
        Block = "BLOCK",
    }
);

string_enum!(
    /// A duration's unit.
    TimeUnit {
        /// `MINUTES`.
        Minutes = "MINUTES",
        /// `SECONDS`.
        Seconds = "SECONDS",
    }
);

string_enum!(
    /// How the MFA step picks a device.
    DeviceSelection {
        /// `DEFAULT_TO_FIRST`.
        DefaultToFirst = "DEFAULT_TO_FIRST",
        /// `PROMPT_TO_SELECT`.
        PromptToSelect = "PROMPT_TO_SELECT",
        /// `ALWAYS_DISPLAY_DEVICES`.
        AlwaysDisplayDevices = "ALWAYS_DISPLAY_DEVICES",
    }
);

string_enum!(
    /// `type` of an MFA device.
    DeviceType {
        /// `EMAIL`.
        Email = "EMAIL",
        /// `SMS`.
        Sms = "SMS",
        /// `VOICE`.
        Voice = "VOICE",
        /// `TOTP`.
        Totp = "TOTP",
        /// `MOBILE`.
        Mobile = "MOBILE",
        /// `FIDO2`.
        Fido2 = "FIDO2",
    }
);

string_enum!(
    /// `status` of an MFA device.
    DeviceStatus {
        /// `ACTIVE`: usable for sign-on.
        Active = "ACTIVE",
        /// `ACTIVATION_REQUIRED`: paired but not yet activated.
        ActivationRequired = "ACTIVATION_REQUIRED",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_unknown_and_aliases() {
        let parsed: Vec<ResourceType> =
            serde_json::from_str(r#"["OPENID_CONNECT","PING_ONE_API","PINGONE_API","NEW_KIND"]"#).unwrap();
        assert_eq!(
            parsed,
            [
                ResourceType::OpenIdConnect,
                ResourceType::PingOneApi,
                ResourceType::PingOneApi,
                ResourceType::Unknown("NEW_KIND".into())
            ]
        );
        assert_eq!(
            serde_json::to_string(&parsed).unwrap(),
            r#"["OPENID_CONNECT","PINGONE_API","PINGONE_API","NEW_KIND"]"#
        );
        assert_eq!(TokenEndpointAuthMethod::parse("CLIENT_SECRET_BASIC"), TokenEndpointAuthMethod::ClientSecretBasic);
    }
}
