//! Applications (step 1), their resource grants (step 4) and secret (step 19); resources and
//! scopes (steps 2–3).

use pingone_core::{ClientSecret, Id, Ref};
use serde::{Deserialize, Serialize};

use super::enums::{
    ApplicationType, GrantType, PkceEnforcement, Protocol, ResourceType, ResponseType, TokenEndpointAuthMethod,
};

/// The writable settings of an OIDC application (the body of step 1 and of an update).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OidcApplication {
    /// Display name; the setup finds an existing application by it.
    pub name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the application can be used.
    pub enabled: bool,
    /// `WEB_APP` for this workflow.
    #[serde(rename = "type")]
    pub kind: ApplicationType,
    /// `OPENID_CONNECT`.
    pub protocol: Protocol,
    /// Allowed grant types.
    #[serde(default)]
    pub grant_types: Vec<GrantType>,
    /// Allowed response types.
    #[serde(default)]
    pub response_types: Vec<ResponseType>,
    /// Client authentication at the token endpoint.
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    /// Registered redirect URIs (exact match at authorize).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Registered post-logout redirect URIs: where sign-off (`{auth}/{envID}/as/signoff`) may
    /// send the browser afterwards (exact match).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_logout_redirect_uris: Vec<String>,
    /// PKCE enforcement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pkce_enforcement: Option<PkceEnforcement>,
    /// A custom sign-on page that authorize redirects to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_page_url: Option<String>,
}

impl OidcApplication {
    /// A `WEB_APP` using the authorization code flow with PKCE `S256` and the given client
    /// authentication, with one redirect URI.
    #[must_use]
    pub fn web_app(name: impl Into<String>, redirect_uri: impl Into<String>, auth: TokenEndpointAuthMethod) -> Self {
        Self {
            name: name.into(),
            description: None,
            enabled: true,
            kind: ApplicationType::WebApp,
            protocol: Protocol::OpenIdConnect,
            grant_types: vec![GrantType::AuthorizationCode],
            response_types: vec![ResponseType::Code],
            token_endpoint_auth_method: auth,
            redirect_uris: vec![redirect_uri.into()],
            post_logout_redirect_uris: Vec::new(),
            pkce_enforcement: Some(PkceEnforcement::S256Required),
            login_page_url: None,
        }
    }

    /// The same application with `uri` registered as a post-logout redirect URI.
    #[must_use]
    pub fn with_post_logout_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.post_logout_redirect_uris.push(uri.into());
        self
    }
}

/// An OIDC application as PingOne returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Application {
    /// The ID, which is also the OAuth `client_id`.
    pub id: Id<Application>,
    /// The settings.
    #[serde(flatten)]
    pub settings: OidcApplication,
    /// Creation time (RFC 3339).
    #[serde(default)]
    pub created_at: Option<String>,
}

/// One entry of the applications list: enough to find an application by name, whatever its
/// protocol.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ApplicationSummary {
    /// The ID.
    pub id: Id<Application>,
    /// The name.
    pub name: String,
    /// The type.
    #[serde(rename = "type", default)]
    pub kind: Option<ApplicationType>,
    /// The protocol.
    #[serde(default)]
    pub protocol: Option<Protocol>,
}

/// The application's client secret (step 19).
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct ApplicationSecret {
    /// The secret.
    pub secret: ClientSecret,
}

/// A resource (an API whose scopes applications are granted).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Resource {
    /// The ID.
    pub id: Id<Resource>,
    /// The name (`openid` for the OIDC resource).
    pub name: String,
    /// The kind.
    #[serde(rename = "type")]
    pub kind: ResourceType,
    /// The audience of its access tokens.
    #[serde(default)]
    pub audience: Option<String>,
    /// Access-token lifetime in seconds.
    #[serde(default)]
    pub access_token_validity_seconds: Option<u64>,
}

/// A scope of a resource.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Scope {
    /// The ID.
    pub id: Id<Scope>,
    /// The name (`openid`, `profile`, ...).
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// The resource it belongs to.
    #[serde(default)]
    pub resource: Option<Ref<Resource>>,
}

/// The body of step 4: grant scopes of a resource to an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantSpec {
    /// The resource.
    pub resource: Ref<Resource>,
    /// The granted scopes.
    pub scopes: Vec<Ref<Scope>>,
}

/// A resource grant as PingOne returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Grant {
    /// The ID.
    pub id: Id<Grant>,
    /// The resource and scopes.
    #[serde(flatten)]
    pub settings: GrantSpec,
    /// The application.
    #[serde(default)]
    pub application: Option<Ref<Application>>,
}
