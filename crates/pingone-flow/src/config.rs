//! The application's settings, as the sign-on needs them (plain data: provisioning or your own
//! configuration supplies them).

use pingone_core::ClientAuth;

/// The OIDC application the user signs on to.
#[derive(Debug, Clone)]
pub struct OidcApp {
    /// The OAuth `client_id` (the PingOne application's ID).
    pub client_id: String,
    /// The redirect URI registered for the application (exact match).
    pub redirect_uri: String,
    /// Scopes to request. `openid` is always requested (first), listed here or not: the ID
    /// token is what says who signed on.
    pub scopes: Vec<String>,
    /// Client authentication at the token endpoint.
    pub auth: ClientAuth,
    /// Origins (`https://host[:port]`) besides PingOne's own that the authorize redirect may point
    /// to: the application's custom sign-on page (`loginPageUrl`).
    pub sign_on_origins: Vec<String>,
}

impl OidcApp {
    /// An application with the given client ID, redirect URI, scopes and client authentication.
    #[must_use]
    pub fn new(
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
        scopes: &[&str],
        auth: ClientAuth,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            auth,
            sign_on_origins: Vec::new(),
        }
    }

    /// The `scope` parameter: the scopes, with `openid` first whether or not it was listed.
    /// This is a sign-on: an ID token, verified, is what says who signed on.
    pub(crate) fn scope_parameter(&self) -> String {
        std::iter::once("openid")
            .chain(self.scopes.iter().map(String::as_str).filter(|s| *s != "openid"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// How PingOne hands over the flow and the authorization code (`response_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ResponseMode {
    /// The default: authorize answers `302` to the sign-on page with the flow ID, resume `302`
    /// to the redirect URI with the code and `state`.
    #[default]
    Redirect,
    /// `response_mode=pi.flow`, PingOne's mode for embedded and native sign-on: authorize
    /// answers the flow as JSON, and resume answers JSON whose `authorizeResponse` carries the
    /// code and `state` (the state is checked as on a redirect).
    PiFlow,
}
