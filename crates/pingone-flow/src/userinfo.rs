//! The userinfo endpoint (`{auth}/{envID}/as/userinfo`): the signed-on user's claims, for the
//! access token of a completed sign-on, with OIDC Core 5.3.2's check that its `sub` is the ID
//! token's.

use pingone_core::{ApiRequest, Method, Operation};
use serde::Deserialize;
use tracing::Instrument as _;

use crate::client::SignOnClient;
use crate::error::FlowError;
use crate::tokens::Tokens;

/// Reading the user's claims from the userinfo endpoint.
pub(crate) const USERINFO: Operation = Operation::Userinfo;

/// The claims userinfo answered: `sub` always, then what the granted scopes allow.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// The user's ID: always the ID token's `sub` (checked).
    pub sub: String,
    /// E-mail address (`email` scope).
    #[serde(default)]
    pub email: Option<String>,
    /// Whether PingOne verified the address (`email` scope).
    #[serde(default)]
    pub email_verified: Option<bool>,
    /// Username (`profile` scope).
    #[serde(default)]
    pub preferred_username: Option<String>,
    /// Given name (`profile` scope).
    #[serde(default)]
    pub given_name: Option<String>,
    /// Family name (`profile` scope).
    #[serde(default)]
    pub family_name: Option<String>,
    /// Full name (`profile` scope).
    #[serde(default)]
    pub name: Option<String>,
    /// Every other claim, as sent.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl SignOnClient {
    /// Reads the signed-on user's claims (`GET {auth}/{envID}/as/userinfo` with the access token
    /// as a Bearer token), and checks that their `sub` is the ID token's (OIDC Core 5.3.2).
    ///
    /// # Errors
    /// [`FlowError::SubjectMismatch`] when the answer names another user (it must not be used);
    /// [`FlowError::Http`] for PingOne's refusal (`401` with `invalid_token` once the access
    /// token expired: [`Recovery::StartOver`](crate::Recovery::StartOver)), or a transport
    /// failure.
    pub async fn userinfo(&self, tokens: &Tokens) -> Result<UserInfo, FlowError> {
        let url = self.auth_url(&["as", "userinfo"]);
        let request = ApiRequest::new(USERINFO, Method::GET, url).bearer(&tokens.access_token)?.sensitive_response();
        let span = tracing::info_span!("pingone.flow", operation = %USERINFO);
        let response = self.inner.http.execute(&request).instrument(span).await?.error_for_status()?;
        let info: UserInfo = response.json()?;
        if info.sub != tokens.claims.sub {
            return Err(FlowError::SubjectMismatch { operation: USERINFO });
        }
        Ok(info)
    }
}
