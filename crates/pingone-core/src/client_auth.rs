//! How an OAuth client authenticates at the token endpoint: one type for the worker token and the
//! sign-on's token exchange.

use crate::secret::ClientSecret;

/// How a client authenticates at the token endpoint (PingOne's `tokenEndpointAuthMethod`).
///
/// Used by [`WorkerCredentials`](crate::WorkerCredentials) (which refuses [`ClientAuth::None`]:
/// a worker application always has a secret) and by the sign-on's token exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `CLIENT_SECRET_BASIC`: HTTP Basic with the client ID and secret (PingOne's default).
    SecretBasic(ClientSecret),
    /// `CLIENT_SECRET_POST`: `client_id` and `client_secret` form fields.
    SecretPost(ClientSecret),
    /// `NONE`: a public client sends only its `client_id`; PKCE alone binds the code.
    None,
}

impl ClientAuth {
    /// The secret, for the two secret methods.
    #[must_use]
    pub fn secret(&self) -> Option<&ClientSecret> {
        match self {
            ClientAuth::SecretBasic(secret) | ClientAuth::SecretPost(secret) => Some(secret),
            ClientAuth::None => None,
        }
    }

    /// PingOne's name for the method (`CLIENT_SECRET_BASIC`, `CLIENT_SECRET_POST`, `NONE`).
    #[must_use]
    pub fn method_name(&self) -> &'static str {
        match self {
            ClientAuth::SecretBasic(_) => "CLIENT_SECRET_BASIC",
            ClientAuth::SecretPost(_) => "CLIENT_SECRET_POST",
            ClientAuth::None => "NONE",
        }
    }
}
