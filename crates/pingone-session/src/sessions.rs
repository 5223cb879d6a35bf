//! `SignOnSessions`: park a stage at the end of one request, take it back — once — at the start
//! of the next, in a store (memory, Redis) or in the cookie itself.

use std::sync::Arc;

use aws_lc_rs::digest::{Context, SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pingone_flow::{OpenError, SealError, SealedStage, SignOnStage, StageSealer};

use crate::store::{FlowStore, StoreError};

/// What the browser keeps between two requests: a random key into the store, or (stateless) the
/// sealed stage itself. A secret: its `Debug` is redacted; put it in an `HttpOnly` cookie.
pub struct SessionToken(String);

impl SessionToken {
    /// The value to put in the cookie.
    #[must_use]
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken([redacted])")
    }
}

/// Why a parked stage could not be taken back, or a stage not parked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// No stage waits under this token: it was taken already (a double submit, the back button,
    /// a second tab, a replay), it expired, or it never existed. Start over.
    #[error("no sign-on waits under this token: used already, expired, or unknown")]
    Missing,
    /// The sealed stage did not open (tampered, another key or app, expired, ...).
    #[error(transparent)]
    Open(#[from] OpenError),
    /// The stage could not be sealed.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The store failed (see [`StoreError::is_transient`]).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SessionError {
    /// Whether the user should simply start a new sign-on (as opposed to a store outage, where
    /// trying again may help, or a misconfiguration).
    #[must_use]
    pub fn is_start_over(&self) -> bool {
        match self {
            SessionError::Missing => true,
            SessionError::Open(e) => !matches!(e, OpenError::WrongBinding(_)),
            SessionError::Seal(_) | SessionError::Store(_) => false,
        }
    }
}

#[derive(Debug)]
enum Carrier {
    Store(Arc<dyn FlowStore>),
    Cookie,
}

/// Carries sign-on stages across requests (and instances) for one application.
///
/// - With a store ([`with_store`](Self::with_store)): the browser holds a random token; the
///   sealed stage waits in the store and [`take`](Self::take) removes it atomically, so each
///   parked stage advances at most once, whichever instance serves the request.
/// - Stateless ([`in_cookie`](Self::in_cookie)): the browser holds the sealed stage itself
///   (at most 1.5 KiB of text). Nothing stops the browser from sending an old cookie again;
///   PingOne's flow then refuses the replayed stage as stale (`FlowError::StaleStage`).
#[derive(Debug)]
pub struct SignOnSessions {
    sealer: StageSealer,
    carrier: Carrier,
}

impl SignOnSessions {
    /// Stages sealed by `sealer`, waiting in `store`.
    #[must_use]
    pub fn with_store(sealer: StageSealer, store: Arc<dyn FlowStore>) -> Self {
        Self { sealer, carrier: Carrier::Store(store) }
    }

    /// Stages sealed by `sealer`, carried by the browser.
    #[must_use]
    pub fn in_cookie(sealer: StageSealer) -> Self {
        Self { sealer, carrier: Carrier::Cookie }
    }

    /// Whether the token is the sealed stage itself (no store).
    #[must_use]
    pub fn is_stateless(&self) -> bool {
        matches!(self.carrier, Carrier::Cookie)
    }

    /// The sealer.
    #[must_use]
    pub fn sealer(&self) -> &StageSealer {
        &self.sealer
    }

    /// Seals `stage` and parks it; returns the token for the browser.
    ///
    /// # Errors
    /// [`SessionError::Seal`], [`SessionError::Store`].
    pub async fn park(&self, stage: impl Into<SignOnStage>) -> Result<SessionToken, SessionError> {
        let sealed = self.sealer.seal(stage)?;
        match &self.carrier {
            Carrier::Cookie => Ok(SessionToken(sealed.to_text())),
            Carrier::Store(store) => {
                let mut random = [0u8; 32];
                aws_lc_rs::rand::fill(&mut random).map_err(|_| SealError::Random)?;
                let token = URL_SAFE_NO_PAD.encode(random);
                store.put(&store_key(&token), sealed, self.sealer.max_age()).await?;
                Ok(SessionToken(token))
            }
        }
    }

    /// Takes the stage parked under `token`. With a store, this removes it: a second `take` of
    /// the same token is [`SessionError::Missing`].
    ///
    /// # Errors
    /// [`SessionError::Missing`], [`SessionError::Open`], [`SessionError::Store`].
    pub async fn take(&self, token: &str) -> Result<SignOnStage, SessionError> {
        let sealed = match &self.carrier {
            Carrier::Cookie => token.parse::<SealedStage>()?,
            Carrier::Store(store) => {
                if token.len() != 43 || !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                    return Err(SessionError::Missing);
                }
                store.take(&store_key(token)).await?.ok_or(SessionError::Missing)?
            }
        };
        Ok(self.sealer.open_any(&sealed)?)
    }
}

/// The store key of a token: a hash, so that reading the store does not yield tokens that a
/// browser could present.
fn store_key(token: &str) -> String {
    let mut ctx = Context::new(&SHA256);
    ctx.update(b"pingone-session/store-key/v1/");
    ctx.update(token.as_bytes());
    URL_SAFE_NO_PAD.encode(ctx.finish().as_ref())
}
