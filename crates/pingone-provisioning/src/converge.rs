//! Converging on one object: the one place that decides whether to create it, to look it up, or
//! both. A create whose answer is lost (no response, or a `5xx`) is resolved by a lookup, never
//! by a blind second POST; a uniqueness conflict means the object is already there.
//!
//! The decisions are pure functions ([`after_create`], [`after_lookup`], [`retry_wait`]), tested
//! below as tables; [`converge`] only runs the calls they ask for.

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

/// How a failed create ended, as far as converging is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CreateFailure {
    /// `UNIQUENESS_VIOLATION`: an object with this name (username, priority) exists already.
    Conflict,
    /// No response, or a server fault: the create may or may not have been committed.
    Unknown,
    /// Refused for another reason (validation, permissions): final.
    Refused,
}

/// An error a create can fail with, classified for converging.
pub(crate) trait Classify {
    /// What the failure means.
    fn failure(&self) -> CreateFailure;
    /// How long the server asked to wait (`Retry-After`), if it did.
    fn retry_after(&self) -> Option<Duration>;
}

impl Classify for Error {
    fn failure(&self) -> CreateFailure {
        if self.has_code(&ErrorCode::UniquenessViolation) {
            CreateFailure::Conflict
        } else if self.outcome_unknown() || matches!(self.status(), Some(500 | 502 | 503 | 504)) {
            CreateFailure::Unknown
        } else {
            CreateFailure::Refused
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|a| a.retry_after)
    }
}

/// Where converging on an object starts.
#[derive(Debug)]
pub(crate) enum Start<T, E> {
    /// Create first (PingOne enforces a unique name): look up only after a conflict or a lost
    /// answer.
    Create,
    /// Look up first (duplicates are possible, or the object probably exists): create only
    /// when nothing is found.
    LookUp,
    /// A lookup was already made, with this result.
    Found(Option<T>),
    /// A create was already sent, with this answer.
    Answered(Result<T, E>),
}

/// What to do after a create failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterCreate {
    /// Look the object up.
    LookUp,
    /// Give up with the create's error.
    Fail,
}

/// What to do after the lookup that followed a failed create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AfterLookup<T> {
    /// Use the object found, with this outcome.
    Use(T, Outcome),
    /// Wait, then send the create again: the lookup proved the earlier one did not commit.
    CreateAgain,
    /// Give up with the create's error.
    Fail,
}

/// How many creates are sent in all when their answers keep being lost.
pub(crate) const CREATE_ATTEMPTS: u32 = 4;

/// The decision after a create failed with `failure`.
pub(crate) fn after_create(failure: CreateFailure) -> AfterCreate {
    match failure {
        CreateFailure::Conflict | CreateFailure::Unknown => AfterCreate::LookUp,
        CreateFailure::Refused => AfterCreate::Fail,
    }
}

/// The decision after looking up an object whose create (the `creates_sent`-th) failed with
/// `failure`.
pub(crate) fn after_lookup<T>(found: Option<T>, failure: CreateFailure, creates_sent: u32) -> AfterLookup<T> {
    match (found, failure) {
        // The answer was lost but the create committed: this run created it.
        (Some(object), CreateFailure::Unknown) => AfterLookup::Use(object, Outcome::Created),
        // It was there already (created earlier, or by a concurrent run).
        (Some(object), _) => AfterLookup::Use(object, Outcome::Reused),
        (None, CreateFailure::Unknown) if creates_sent < CREATE_ATTEMPTS => AfterLookup::CreateAgain,
        // A conflict with nothing to find, or every attempt lost: report the create's error.
        (None, _) => AfterLookup::Fail,
    }
}

/// How long to wait before the `creates_sent + 1`-th create: the server's `Retry-After`, else
/// 100 ms per create sent; never more than 5 s.
pub(crate) fn retry_wait(retry_after: Option<Duration>, creates_sent: u32) -> Duration {
    retry_after.unwrap_or(Duration::from_millis(100 * u64::from(creates_sent))).min(Duration::from_secs(5))
}

/// Converges on one object from `start`: `lookup` finds it (`None` when it does not exist),
/// `create` creates it. Returns the object and what was done.
///
/// # Errors
/// A lookup's error, or the last create's error when the decisions give up.
pub(crate) async fn converge<T, E, L, LF, C, CF>(start: Start<T, E>, lookup: L, create: C) -> Result<(T, Outcome), E>
where
    E: Classify + std::fmt::Display,
    L: Fn() -> LF,
    LF: Future<Output = Result<Option<T>, E>>,
    C: Fn() -> CF,
    CF: Future<Output = Result<T, E>>,
{
    let mut answer = match start {
        Start::Found(Some(object)) => return Ok((object, Outcome::Reused)),
        Start::LookUp => match lookup().await? {
            Some(object) => return Ok((object, Outcome::Reused)),
            None => create().await,
        },
        Start::Found(None) | Start::Create => create().await,
        Start::Answered(answer) => answer,
    };
    let mut creates_sent = 1;
    loop {
        let error = match answer {
            Ok(object) => return Ok((object, Outcome::Created)),
            Err(error) => error,
        };
        let failure = error.failure();
        if after_create(failure) == AfterCreate::Fail {
            return Err(error);
        }
        tracing::debug!(%error, creates_sent, ?failure, "create conflicting or its outcome unknown: looking the object up");
        match after_lookup(lookup().await?, failure, creates_sent) {
            AfterLookup::Use(object, outcome) => return Ok((object, outcome)),
            AfterLookup::Fail => return Err(error),
            AfterLookup::CreateAgain => {
                tokio::time::sleep(retry_wait(error.retry_after(), creates_sent)).await;
                creates_sent += 1;
                answer = create().await;
            }
        }
    }
}

/// Updates a reused object that differs from the spec: `matches` compares, `update` sends the
/// spec. Objects created by this run are never updated.
///
/// # Errors
/// The update's error.
pub(crate) async fn update_if_changed<T, E, U, UF>(
    (object, outcome): (T, Outcome),
    matches: impl FnOnce(&T) -> bool,
    update: U,
) -> Result<(T, Outcome), E>
where
    U: FnOnce(T) -> UF,
    UF: Future<Output = Result<T, E>>,
{
    if outcome == Outcome::Reused && !matches(&object) {
        Ok((update(object).await?, Outcome::Updated))
    } else {
        Ok((object, outcome))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use std::sync::Mutex;

    use super::*;

    #[test]
    fn decisions_after_a_failed_create() {
        assert_eq!(after_create(CreateFailure::Conflict), AfterCreate::LookUp);
        assert_eq!(after_create(CreateFailure::Unknown), AfterCreate::LookUp);
        assert_eq!(after_create(CreateFailure::Refused), AfterCreate::Fail);
    }

    #[test]
    fn decisions_after_the_lookup() {
        use CreateFailure::{Conflict, Refused, Unknown};
        let table: [(Option<&str>, CreateFailure, u32, AfterLookup<&str>); 8] = [
            (Some("x"), Unknown, 1, AfterLookup::Use("x", Outcome::Created)),
            (Some("x"), Unknown, CREATE_ATTEMPTS, AfterLookup::Use("x", Outcome::Created)),
            (Some("x"), Conflict, 1, AfterLookup::Use("x", Outcome::Reused)),
            (None, Unknown, 1, AfterLookup::CreateAgain),
            (None, Unknown, CREATE_ATTEMPTS - 1, AfterLookup::CreateAgain),
            (None, Unknown, CREATE_ATTEMPTS, AfterLookup::Fail),
            (None, Conflict, 1, AfterLookup::Fail),
            (None, Refused, 1, AfterLookup::Fail),
        ];
        for (found, failure, sent, expected) in table {
            assert_eq!(after_lookup(found, failure, sent), expected, "{found:?} {failure:?} {sent}");
        }
    }

    #[test]
    fn waits_follow_retry_after_and_are_capped() {
        assert_eq!(retry_wait(None, 1), Duration::from_millis(100));
        assert_eq!(retry_wait(None, 3), Duration::from_millis(300));
        assert_eq!(retry_wait(Some(Duration::from_secs(2)), 1), Duration::from_secs(2));
        assert_eq!(retry_wait(Some(Duration::from_secs(60)), 1), Duration::from_secs(5));
    }

    #[test]
    fn the_core_error_classification() {
        // Errors built from what a client decodes: a uniqueness detail, a 503, a 400.
        let body = |status: u16, code: &str, detail: Option<&str>| {
            let details = detail.map_or_else(String::new, |d| format!(r#","details":[{{"code":"{d}"}}]"#));
            let context = pingone_core::internal::request_context(
                pingone_core::Step::CreateUser,
                pingone_core::Method::POST,
                "/v1/environments/e/users",
            );
            let body = format!(r#"{{"code":"{code}"{details}}}"#).into_bytes();
            pingone_core::internal::response(context, status, pingone_core::HeaderMap::new(), body).into_error()
        };
        assert_eq!(body(400, "INVALID_DATA", Some("UNIQUENESS_VIOLATION")).failure(), CreateFailure::Conflict);
        assert_eq!(body(503, "UNEXPECTED_ERROR", None).failure(), CreateFailure::Unknown);
        assert_eq!(body(500, "UNEXPECTED_ERROR", None).failure(), CreateFailure::Unknown);
        assert_eq!(body(400, "INVALID_DATA", Some("INVALID_VALUE")).failure(), CreateFailure::Refused);
        assert_eq!(body(403, "ACCESS_FAILED", None).failure(), CreateFailure::Refused);
    }

    /// A scripted failure.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Scripted(CreateFailure);

    impl std::fmt::Display for Scripted {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{:?}", self.0)
        }
    }

    impl Classify for Scripted {
        fn failure(&self) -> CreateFailure {
            self.0
        }
        fn retry_after(&self) -> Option<Duration> {
            Some(Duration::from_millis(1))
        }
    }

    /// Scripted answers for creates and lookups, and a log of the calls made.
    #[derive(Default)]
    struct Script {
        creates: Mutex<Vec<Result<&'static str, Scripted>>>,
        lookups: Mutex<Vec<Option<&'static str>>>,
        calls: Mutex<Vec<&'static str>>,
    }

    impl Script {
        fn new(creates: &[Result<&'static str, CreateFailure>], lookups: &[Option<&'static str>]) -> Self {
            let mut creates: Vec<_> = creates.iter().map(|c| c.map_err(Scripted)).collect();
            let mut lookups = lookups.to_vec();
            creates.reverse();
            lookups.reverse();
            Self { creates: Mutex::new(creates), lookups: Mutex::new(lookups), calls: Mutex::default() }
        }

        async fn run(
            &self,
            start: Start<&'static str, Scripted>,
        ) -> (Result<(&'static str, Outcome), Scripted>, String) {
            let result = converge(
                start,
                || async {
                    self.calls.lock().unwrap().push("lookup");
                    Ok(self.lookups.lock().unwrap().pop().unwrap_or_else(|| panic!("an unscripted lookup")))
                },
                || async {
                    self.calls.lock().unwrap().push("create");
                    self.creates.lock().unwrap().pop().unwrap_or_else(|| panic!("an unscripted create"))
                },
            )
            .await;
            (result, self.calls.lock().unwrap().join(" "))
        }
    }

    #[tokio::test]
    async fn create_first_uses_what_it_created() {
        let (result, calls) = Script::new(&[Ok("new")], &[]).run(Start::Create).await;
        assert_eq!(result, Ok(("new", Outcome::Created)));
        assert_eq!(calls, "create");
    }

    #[tokio::test]
    async fn a_conflict_is_resolved_by_a_lookup_never_a_second_create() {
        let script = Script::new(&[Err(CreateFailure::Conflict)], &[Some("old")]);
        let (result, calls) = script.run(Start::Create).await;
        assert_eq!(result, Ok(("old", Outcome::Reused)));
        assert_eq!(calls, "create lookup");
        // A conflict with nothing to find reports the conflict.
        let script = Script::new(&[Err(CreateFailure::Conflict)], &[None]);
        let (result, calls) = script.run(Start::Create).await;
        assert_eq!(result, Err(Scripted(CreateFailure::Conflict)));
        assert_eq!(calls, "create lookup");
    }

    #[tokio::test]
    async fn a_lost_answer_is_resolved_by_a_lookup() {
        // Committed: found, counted as created, no second POST.
        let (result, calls) = Script::new(&[Err(CreateFailure::Unknown)], &[Some("mine")]).run(Start::Create).await;
        assert_eq!(result, Ok(("mine", Outcome::Created)));
        assert_eq!(calls, "create lookup");
        // Not committed: the lookup proves it, then the create is sent again.
        let script = Script::new(&[Err(CreateFailure::Unknown), Ok("second")], &[None]);
        let (result, calls) = script.run(Start::Create).await;
        assert_eq!(result, Ok(("second", Outcome::Created)));
        assert_eq!(calls, "create lookup create");
    }

    #[tokio::test]
    async fn lost_answers_are_retried_a_bounded_number_of_times() {
        let creates = [Err(CreateFailure::Unknown); CREATE_ATTEMPTS as usize];
        let script = Script::new(&creates, &[None; CREATE_ATTEMPTS as usize]);
        let (result, calls) = script.run(Start::Create).await;
        assert_eq!(result, Err(Scripted(CreateFailure::Unknown)));
        assert_eq!(calls, "create lookup create lookup create lookup create lookup");
    }

    #[tokio::test]
    async fn a_refusal_is_final() {
        let (result, calls) = Script::new(&[Err(CreateFailure::Refused)], &[]).run(Start::Create).await;
        assert_eq!(result, Err(Scripted(CreateFailure::Refused)));
        assert_eq!(calls, "create");
    }

    #[tokio::test]
    async fn lookup_first_creates_only_what_is_missing() {
        let (result, calls) = Script::new(&[], &[Some("old")]).run(Start::LookUp).await;
        assert_eq!(result, Ok(("old", Outcome::Reused)));
        assert_eq!(calls, "lookup");
        let (result, calls) = Script::new(&[Ok("new")], &[None]).run(Start::LookUp).await;
        assert_eq!(result, Ok(("new", Outcome::Created)));
        assert_eq!(calls, "lookup create");
    }

    #[tokio::test]
    async fn a_lookup_already_made_or_a_create_already_answered() {
        let (result, calls) = Script::new(&[], &[]).run(Start::Found(Some("old"))).await;
        assert_eq!(result, Ok(("old", Outcome::Reused)));
        assert_eq!(calls, "");
        let (result, calls) = Script::new(&[Ok("new")], &[]).run(Start::Found(None)).await;
        assert_eq!(result, Ok(("new", Outcome::Created)));
        assert_eq!(calls, "create");
        let script = Script::new(&[], &[Some("old")]);
        let (result, calls) = script.run(Start::Answered(Err(Scripted(CreateFailure::Conflict)))).await;
        assert_eq!(result, Ok(("old", Outcome::Reused)));
        assert_eq!(calls, "lookup");
    }

    #[tokio::test]
    async fn only_reused_objects_that_differ_are_updated() {
        let update = |_: &str| async { Ok::<_, Scripted>("updated") };
        let same = |_: &&str| true;
        let differs = |_: &&str| false;
        assert_eq!(update_if_changed(("x", Outcome::Reused), differs, update).await, Ok(("updated", Outcome::Updated)));
        assert_eq!(update_if_changed(("x", Outcome::Reused), same, update).await, Ok(("x", Outcome::Reused)));
        assert_eq!(update_if_changed(("x", Outcome::Created), differs, update).await, Ok(("x", Outcome::Created)));
    }
}
