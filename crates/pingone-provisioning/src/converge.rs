//! Idempotent creation: find an existing object first; create only when there is none; resolve a
//! create whose response was lost by a lookup, never by a blind second POST.

use std::future::Future;
use std::time::Duration;

use pingone_core::{Error, ErrorCode};
use serde::{Deserialize, Serialize};

/// What the setup did with one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Created by this run.
    Created,
    /// Found and used as it was.
    Reused,
    /// Found and updated to match the spec.
    Updated,
}

/// Finds an object with `lookup`, or creates it with `create`.
///
/// When `create` fails with an unknown outcome (timeout, connection dropped after sending) or
/// with `UNIQUENESS_VIOLATION` (a concurrent run created it), `lookup` decides: the object is
/// reused if it exists; otherwise the create is sent once more, which is safe because the
/// lookup proved the first one did not commit.
pub(crate) async fn find_or_create<T, L, LF, C, CF>(lookup: L, create: C) -> Result<(T, Outcome), Error>
where
    L: Fn() -> LF,
    LF: Future<Output = Result<Option<T>, Error>>,
    C: Fn() -> CF,
    CF: Future<Output = Result<T, Error>>,
{
    if let Some(found) = lookup().await? {
        return Ok((found, Outcome::Reused));
    }
    create_or_recover(lookup, create).await
}

/// Uses `existing` (the result of an earlier lookup) or creates the object.
pub(crate) async fn existing_or_create<T, L, LF, C, CF>(
    existing: Option<T>,
    lookup: L,
    create: C,
) -> Result<(T, Outcome), Error>
where
    L: Fn() -> LF,
    LF: Future<Output = Result<Option<T>, Error>>,
    C: Fn() -> CF,
    CF: Future<Output = Result<T, Error>>,
{
    match existing {
        Some(found) => Ok((found, Outcome::Reused)),
        None => create_or_recover(lookup, create).await,
    }
}

/// How often a create is sent in all when its answers leave the outcome unknown.
const CREATE_ATTEMPTS: u32 = 4;

/// Whether an error leaves open whether the create was committed: no response (timeout, a
/// connection broken after sending), or a server-side failure (`500`, `502`, `503`, `504`).
fn outcome_unknown(e: &Error) -> bool {
    e.outcome_unknown() || matches!(e.status(), Some(500 | 502 | 503 | 504))
}

/// Creates with `create`. When the answer leaves the outcome unknown, or is a uniqueness
/// conflict, `lookup` decides: an object that exists is used (created by this run after a lost
/// answer; by someone else after a conflict); otherwise, after an unknown outcome, the create is
/// sent again — safe, because the lookup proved the previous one did not commit.
pub(crate) async fn create_or_recover<T, L, LF, C, CF>(lookup: L, create: C) -> Result<(T, Outcome), Error>
where
    L: Fn() -> LF,
    LF: Future<Output = Result<Option<T>, Error>>,
    C: Fn() -> CF,
    CF: Future<Output = Result<T, Error>>,
{
    let mut attempt = 1;
    loop {
        let e = match create().await {
            Ok(created) => return Ok((created, Outcome::Created)),
            Err(e) => e,
        };
        let conflict = e.has_code(&ErrorCode::UniquenessViolation);
        if !conflict && !outcome_unknown(&e) {
            return Err(e);
        }
        tracing::debug!(error = %e, attempt, "create outcome unknown or conflicting: looking the object up");
        if let Some(found) = lookup().await? {
            return Ok((found, if conflict { Outcome::Reused } else { Outcome::Created }));
        }
        if conflict || attempt >= CREATE_ATTEMPTS {
            return Err(e);
        }
        let wait = e.api().and_then(|a| a.retry_after).unwrap_or(Duration::from_millis(100 * u64::from(attempt)));
        tokio::time::sleep(wait.min(Duration::from_secs(5))).await;
        attempt += 1;
    }
}
