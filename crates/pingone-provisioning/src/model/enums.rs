//! String enums as PingOne spells them, each with an `Unknown` fallback so that a value PingOne
//! adds later does not break deserialisation (`pingone_core::string_enum!`, the one definition
//! the workspace shares).

pingone_core::string_enum! {
    /// `type` of an application.
    pub enum ApplicationType {
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
}

pingone_core::string_enum! {
    /// `protocol` of an application.
    pub enum Protocol {
        /// `OPENID_CONNECT`.
        OpenIdConnect = "OPENID_CONNECT",
        /// `SAML`.
        Saml = "SAML",
        /// `WS_FED`.
        WsFed = "WS_FED",
        /// `EXTERNAL_LINK`.
        ExternalLink = "EXTERNAL_LINK",
    }
}

pingone_core::string_enum! {
    /// An OAuth grant type an application may use.
    pub enum GrantType {
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
}

pingone_core::string_enum! {
    /// An OAuth response type an application may request.
    pub enum ResponseType {
        /// `CODE`.
        Code = "CODE",
        /// `TOKEN`.
        Token = "TOKEN",
        /// `ID_TOKEN`.
        IdToken = "ID_TOKEN",
    }
}

pingone_core::string_enum! {
    /// How a client authenticates at the token endpoint.
    pub enum TokenEndpointAuthMethod {
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
}

pingone_core::string_enum! {
    /// PKCE enforcement of an application.
    pub enum PkceEnforcement {
        /// `OPTIONAL`.
        Optional = "OPTIONAL",
        /// `REQUIRED`: a code challenge with any method.
        Required = "REQUIRED",
        /// `S256_REQUIRED`: a code challenge with `S256`.
        S256Required = "S256_REQUIRED",
    }
}

pingone_core::string_enum! {
    /// `type` of a resource.
    pub enum ResourceType {
        /// `OPENID_CONNECT`: the built-in `openid` resource.
        OpenIdConnect = "OPENID_CONNECT",
        /// `PINGONE_API` (the docs also spell it `PING_ONE_API`).
        PingOneApi = "PINGONE_API" | "PING_ONE_API",
        /// `CUSTOM`.
        Custom = "CUSTOM",
    }
}

pingone_core::string_enum! {
    /// `type` of a sign-on policy action.
    pub enum ActionType {
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
}

pingone_core::string_enum! {
    /// What an MFA action does for a user without a usable device.
    pub enum NoDevicesMode {
        /// `BYPASS`.
        Bypass = "BYPASS",
        /// `BLOCK`.
        Block = "BLOCK",
    }
}

pingone_core::string_enum! {
    /// A duration's unit.
    pub enum TimeUnit {
        /// `MINUTES`.
        Minutes = "MINUTES",
        /// `SECONDS`.
        Seconds = "SECONDS",
    }
}

pingone_core::string_enum! {
    /// How the MFA step picks a device.
    pub enum DeviceSelection {
        /// `DEFAULT_TO_FIRST`.
        DefaultToFirst = "DEFAULT_TO_FIRST",
        /// `PROMPT_TO_SELECT`.
        PromptToSelect = "PROMPT_TO_SELECT",
        /// `ALWAYS_DISPLAY_DEVICES`.
        AlwaysDisplayDevices = "ALWAYS_DISPLAY_DEVICES",
    }
}

pingone_core::string_enum! {
    /// `type` of an MFA device.
    pub enum DeviceType {
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
}

pingone_core::string_enum! {
    /// `status` of an MFA device.
    pub enum DeviceStatus {
        /// `ACTIVE`: usable for sign-on.
        Active = "ACTIVE",
        /// `ACTIVATION_REQUIRED`: paired but not yet activated.
        ActivationRequired = "ACTIVATION_REQUIRED",
    }
}

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
