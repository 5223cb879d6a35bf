//! Idempotent creation: find an existing object first; create only when there is none; resolve a
//! create whose response was lost by a lookup, never by a blind second POST.

use std::future::Future;

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

/// Creates with `create`; on an unknown outcome or a uniqueness conflict, resolves with
/// `lookup` (see [`find_or_create`]). An object found after a lost response was created by this
/// run; one found after a uniqueness conflict was created by someone else (`Reused`).
pub(crate) async fn create_or_recover<T, L, LF, C, CF>(lookup: L, create: C) -> Result<(T, Outcome), Error>
where
    L: Fn() -> LF,
    LF: Future<Output = Result<Option<T>, Error>>,
    C: Fn() -> CF,
    CF: Future<Output = Result<T, Error>>,
{
    match create().await {
        Ok(created) => Ok((created, Outcome::Created)),
        Err(e) if e.outcome_unknown() || e.has_code(&ErrorCode::UniquenessViolation) => {
            tracing::debug!(error = %e, "create outcome unknown or conflicting: looking the object up");
            let outcome = if e.outcome_unknown() { Outcome::Created } else { Outcome::Reused };
            match lookup().await? {
                Some(found) => Ok((found, outcome)),
                None if e.outcome_unknown() => create().await.map(|t| (t, Outcome::Created)),
                None => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}
