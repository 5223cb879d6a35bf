//! `SignOnSessions`: park a stage at the end of one request, take it back — once — at the start
//! of the next, in a store (memory, Redis) or in the cookie itself.

use std::sync::Arc;

use aws_lc_rs::digest::{Context, SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pingone_flow::{OpenError, Recovery, SealError, SealedStage, SignOnStage, StageSealer};

use crate::spent::{Spend, SpentSeals};
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

/// The most text a stateless (cookie-carried) stage may take: browsers keep cookies of up to
/// 4,096 bytes, name and attributes included. A larger stage (a very long device list, many flow
/// cookies) is refused by [`SignOnSessions::park`] rather than silently dropped by the browser.
pub const COOKIE_LIMIT: usize = 3_800;

/// 256 random bits from the operating system, base64url: an opaque ID for a cookie (an app's own
/// session, or a value for a form's CSRF token to be bound to before any stage exists). `None`
/// when the OS random source fails.
#[must_use]
pub fn random_token() -> Option<String> {
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    aws_lc_rs::rand::fill(bytes.as_mut()).ok()?;
    Some(URL_SAFE_NO_PAD.encode(bytes.as_ref()))
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
    /// The sealed stage is too large to be carried in a cookie (see [`COOKIE_LIMIT`]): use a
    /// store.
    #[error("the sealed stage takes {bytes} bytes of cookie text, more than {COOKIE_LIMIT}: use a store")]
    TooLargeForCookie {
        /// Its size as cookie text.
        bytes: usize,
    },
    /// The store failed (see [`StoreError::is_transient`]).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SessionError {
    /// Whether the user should simply start a new sign-on (as opposed to a store outage, where
    /// trying again may help, or a misconfiguration).
    #[must_use]
    pub fn is_start_over(&self) -> bool {
        self.recovery() == Recovery::StartOver
    }

    /// What to do about it, as [`FlowError::recovery`](pingone_flow::FlowError::recovery) says
    /// for a step: start over (used, expired, tampered, another key), retry (a store outage or
    /// a full store; the OS random source), or fix the configuration (a stage in the app's own
    /// store sealed for another application or environment, or with a key this instance lacks;
    /// a stage too large for a cookie; a store that refuses commands). A browser's cookie that
    /// names another key or application is only ever "start over": that input is not trusted.
    #[must_use]
    pub fn recovery(&self) -> Recovery {
        match self {
            SessionError::Missing => Recovery::StartOver,
            SessionError::Open(
                OpenError::WrongBinding(_) | OpenError::WrongKey | OpenError::SealedInTheFuture { .. },
            ) => Recovery::Misconfigured,
            SessionError::Open(_) => Recovery::StartOver,
            SessionError::Seal(SealError::WrongBinding(_)) | SessionError::TooLargeForCookie { .. } => {
                Recovery::Misconfigured
            }
            SessionError::Seal(_) => Recovery::Retry,
            SessionError::Store(e) if e.is_transient() => Recovery::Retry,
            SessionError::Store(_) => Recovery::Misconfigured,
        }
    }
}

#[derive(Debug)]
enum Carrier {
    Store(Arc<dyn FlowStore>),
    Cookie(SpentSeals),
}

/// Carries sign-on stages across requests (and instances) for one application.
///
/// - With a store ([`with_store`](Self::with_store)): the browser holds a random token; the
///   sealed stage waits in the store and [`take`](Self::take) removes it atomically, so each
///   parked stage advances at most once, whichever instance serves the request.
/// - Stateless ([`in_cookie`](Self::in_cookie)): the browser holds the sealed stage itself
///   (about 0.6–1.1 KiB of text for the usual stages; [`park`](Self::park) refuses more than
///   [`COOKIE_LIMIT`]). Each instance remembers the seals it has opened until they could no
///   longer open (the sealer's maximum age plus [`CLOCK_SKEW`](pingone_flow::CLOCK_SKEW)) and
///   refuses a second [`take`](Self::take) of one, so an old cookie sent again (a replay, the
///   back button, a double submit) is [`SessionError::Missing`]. That memory is per process: a
///   replay to another instance, or to this one after a restart, is not caught (some stages, such
///   as a wrong code's `OtpRequired` or a decoy, are still valid then), so a fleet — or an app
///   that restarts while sign-ons are under way and must not let them be replayed — uses a shared
///   store. It holds 200,000 seals; when that many are live, takes fail closed
///   ([`StoreError::Full`], retry) until the oldest lapse.
///
/// Forms are bound to the cookie they are posted with by [`csrf_token`](Self::csrf_token): an
/// HMAC under a key derived from the sealer's key, so a token cannot be computed for a cookie
/// value without the key.
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
        Self { sealer, carrier: Carrier::Cookie(SpentSeals::default()) }
    }

    /// The carrier named by `store`, as a command-line flag would give it: `memory` (a
    /// [`MemoryStore`](crate::MemoryStore)), `cookie` (stateless), or `redis://HOST:PORT[/DB]`
    /// (a `RedisStore`, connected now; needs the `redis` feature).
    ///
    /// # Errors
    /// [`StoreError::InvalidUrl`] for anything else (or Redis without the feature),
    /// [`StoreError::Unreachable`] when Redis does not answer.
    pub async fn from_store_name(sealer: StageSealer, store: &str) -> Result<Self, StoreError> {
        match store {
            "memory" => Ok(Self::with_store(sealer, Arc::new(crate::MemoryStore::new()))),
            "cookie" => Ok(Self::in_cookie(sealer)),
            #[cfg(feature = "redis")]
            url if url.starts_with("redis://") || url.starts_with("rediss://") => {
                Ok(Self::with_store(sealer, Arc::new(crate::RedisStore::connect(url).await?)))
            }
            #[cfg(not(feature = "redis"))]
            url if url.starts_with("redis://") || url.starts_with("rediss://") => {
                Err(StoreError::InvalidUrl { reason: "Redis support is not compiled in (feature `redis`)".into() })
            }
            _ => Err(StoreError::InvalidUrl { reason: "expected memory, cookie or redis://HOST:PORT".into() }),
        }
    }

    /// Whether the token is the sealed stage itself (no store).
    #[must_use]
    pub fn is_stateless(&self) -> bool {
        matches!(self.carrier, Carrier::Cookie(_))
    }

    /// The CSRF token for forms posted with the cookie `value` (a [`SessionToken`]'s secret, or
    /// an app's own session ID): see [`StageSealer::form_token`]. The value never appears in the
    /// page.
    #[must_use]
    pub fn csrf_token(&self, value: &str) -> String {
        self.sealer.form_token(value)
    }

    /// Whether `form_value` is the CSRF token of the cookie `value` (constant time, any key of
    /// the ring). A form whose token does not match the cookie it is posted with was shown for
    /// another stage, in another tab, or was forged.
    #[must_use]
    pub fn csrf_matches(&self, value: &str, form_value: &str) -> bool {
        self.sealer.form_token_matches(value, form_value)
    }

    /// The sealer.
    #[must_use]
    pub fn sealer(&self) -> &StageSealer {
        &self.sealer
    }

    /// Seals `stage` and parks it; returns the token for the browser.
    ///
    /// # Errors
    /// [`SessionError::Seal`], [`SessionError::Store`], and — carried in a cookie —
    /// [`SessionError::TooLargeForCookie`].
    pub async fn park(&self, stage: impl Into<SignOnStage>) -> Result<SessionToken, SessionError> {
        let sealed = self.sealer.seal(stage)?;
        match &self.carrier {
            Carrier::Cookie(_) => {
                let text = sealed.to_text();
                if text.len() > COOKIE_LIMIT {
                    return Err(SessionError::TooLargeForCookie { bytes: text.len() });
                }
                Ok(SessionToken(text))
            }
            Carrier::Store(store) => {
                let token = random_token().ok_or(SealError::Random)?;
                store.put(&store_key(&token), sealed, self.sealer.max_age()).await?;
                Ok(SessionToken(token))
            }
        }
    }

    /// Takes the stage parked under `token`. With a store, this removes it; in a cookie, this
    /// instance remembers the seal: either way a second `take` of the same token is
    /// [`SessionError::Missing`].
    ///
    /// # Errors
    /// [`SessionError::Missing`], [`SessionError::Open`], [`SessionError::Store`] (in a cookie:
    /// [`StoreError::Full`] when the instance remembers as many live seals as it can).
    pub async fn take(&self, token: &str) -> Result<SignOnStage, SessionError> {
        let sealed = match &self.carrier {
            Carrier::Cookie(spent) => {
                let sealed = token.parse::<SealedStage>()?;
                // A browser's cookie is untrusted: a key or binding it merely names cannot be
                // authenticated, so it is tampering (start over), not a misconfiguration.
                let stage = self.sealer.open_any(&sealed).map_err(|e| match e {
                    OpenError::WrongKey | OpenError::WrongBinding(_) => OpenError::Tampered,
                    other => other,
                })?;
                let id = sealed.seal_id_bytes().ok_or(SessionError::Missing)?;
                // A seal this sealer opens lives at most its maximum age from a creation time at
                // most CLOCK_SKEW ahead: remembered that long, every replay is caught.
                let remember = self.sealer.max_age().saturating_add(pingone_flow::CLOCK_SKEW);
                return match spent.first_use(id, remember) {
                    Spend::First => Ok(stage),
                    Spend::Again => Err(SessionError::Missing),
                    Spend::Full => Err(StoreError::Full { capacity: crate::spent::SPENT_CAPACITY }.into()),
                };
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_are_distinct_and_url_safe() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    }
}
