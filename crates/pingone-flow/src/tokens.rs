//! The token response (step 20).

use pingone_core::{AccessToken, IdToken, RefreshToken};
use serde::Deserialize;

use crate::cookies::CookieJar;
use crate::id_token::IdTokenClaims;

#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: AccessToken,
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub id_token: Option<IdToken>,
    #[serde(default)]
    pub refresh_token: Option<RefreshToken>,
}

/// The tokens of a completed sign-on. `Debug` shows the claims and metadata, never a token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Tokens {
    /// The access token.
    pub access_token: AccessToken,
    /// The ID token, verified.
    pub id_token: IdToken,
    /// The refresh token, when the application has the refresh grant.
    pub refresh_token: Option<RefreshToken>,
    /// `token_type` (`Bearer`).
    pub token_type: Option<String>,
    /// Access-token lifetime in seconds.
    pub expires_in: Option<u64>,
    /// Granted scopes.
    pub scope: Option<String>,
    /// The verified ID token's claims (always there: `openid` is always requested).
    pub claims: IdTokenClaims,
    /// The cookies PingOne set during the sign-on: its session (`ST`), which
    /// [`SignOnClient::sign_off`](crate::SignOnClient::sign_off) ends.
    pub(crate) session: SessionCookies,
}

/// PingOne's cookies of a finished sign-on. `Debug` shows their names only.
#[derive(Clone, Default)]
pub(crate) struct SessionCookies(pub(crate) CookieJar);

impl std::fmt::Debug for SessionCookies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SessionCookies").field(&self.0.names()).finish()
    }
}

impl Tokens {
    pub(crate) fn new(response: TokenResponse, id_token: IdToken, claims: IdTokenClaims, session: CookieJar) -> Self {
        Self {
            access_token: response.access_token,
            id_token,
            refresh_token: response.refresh_token,
            token_type: response.token_type,
            expires_in: response.expires_in,
            scope: response.scope,
            claims,
            session: SessionCookies(session),
        }
    }
}

/// Decodes a token response body; never panics, whatever the bytes.
///
/// # Errors
/// The kind of decoding error and where (never the decoder's message, which may quote a value).
#[cfg(any(test, feature = "test-hooks"))]
pub(crate) fn decode_token_response(body: &[u8]) -> Result<(), String> {
    serde_json::from_slice::<TokenResponse>(body)
        .map(|_| ())
        .map_err(|e| format!("{:?} error at line {} column {}", e.classify(), e.line(), e.column()))
}
