//! When to retry a request, and how long to wait: a pure decision, tested as a table.
//!
//! Rules:
//! - `429` and `503` honour `Retry-After` (seconds or an HTTP date), capped at
//!   [`RetryPolicy::retry_after_cap`]; without the header they back off like other faults.
//! - `408`, `500`, `502`, `503`, `504` and broken connections back off exponentially with jitter.
//! - Only idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS) are retried after a response or a
//!   broken connection. A POST is retried only when the server provably did not process it: a
//!   connect error (the request never left), or `429` (rate limiting rejects a request before it
//!   is processed). A caller that knows a particular POST is safe to repeat may mark it so.
//! - Attempts and total time are bounded; [`RetryPolicy::disabled`] turns retries off.

use std::time::{Duration, SystemTime};

use crate::error::TransportKind;

/// Retry limits and delays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = no retries).
    pub max_attempts: u32,
    /// No retry is started once this much time has passed since the first attempt (the wait
    /// before the retry included).
    pub max_elapsed: Duration,
    /// The first back-off delay; doubled on each further attempt.
    pub base_delay: Duration,
    /// The largest back-off delay.
    pub max_delay: Duration,
    /// The largest wait taken from a `Retry-After` header.
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            max_elapsed: Duration::from_secs(30),
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            retry_after_cap: Duration::from_secs(30),
        }
    }
}

/// What one attempt produced, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttemptOutcome<'a> {
    /// A response with this status and `Retry-After` header value.
    Status {
        /// The HTTP status.
        status: u16,
        /// The raw `Retry-After` header, if any.
        retry_after: Option<&'a str>,
    },
    /// No response.
    Transport(TransportKind),
}

/// How long to wait before a retry.
enum Wait<'a> {
    /// The exponential back-off.
    Backoff,
    /// `Retry-After` when it is there and readable, else the back-off.
    AfterOrBackoff(Option<&'a str>),
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryDecision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Return the outcome to the caller.
    Stop,
}

/// Whether a method is idempotent by definition (RFC 9110 §9.2.2).
#[must_use]
pub(crate) fn is_idempotent(method: &reqwest::Method) -> bool {
    use reqwest::Method;
    [Method::GET, Method::HEAD, Method::PUT, Method::DELETE, Method::OPTIONS].contains(method)
}

impl RetryPolicy {
    /// A policy that never retries.
    #[must_use]
    pub fn disabled() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// Decides what to do after attempt number `attempt` (1-based).
    ///
    /// `retry_safe` is whether the request may be repeated after it may have been processed
    /// (true for idempotent methods); `elapsed` is the time since the first attempt; `jitter` is
    /// a random number in `[0, 1)`; `now` is used to read an HTTP-date `Retry-After`. (Tests;
    /// the HTTP client calls [`RetryPolicy::decide_with`].)
    #[cfg(test)]
    #[must_use]
    pub(crate) fn decide(
        &self,
        retry_safe: bool,
        outcome: AttemptOutcome<'_>,
        attempt: u32,
        elapsed: Duration,
        jitter: f64,
        now: SystemTime,
    ) -> RetryDecision {
        self.decide_with(retry_safe, outcome, attempt, || (elapsed, jitter, now))
    }

    /// [`RetryPolicy::decide`], with the elapsed time, the jitter and the current time read only
    /// when a retry is possible at all (the common case, a final answer, reads no clock).
    pub(crate) fn decide_with(
        &self,
        retry_safe: bool,
        outcome: AttemptOutcome<'_>,
        attempt: u32,
        inputs: impl FnOnce() -> (Duration, f64, SystemTime),
    ) -> RetryDecision {
        if attempt >= self.max_attempts {
            return RetryDecision::Stop;
        }
        let wait = match outcome {
            AttemptOutcome::Transport(TransportKind::Connect) => Wait::Backoff,
            AttemptOutcome::Transport(_) if retry_safe => Wait::Backoff,
            AttemptOutcome::Status { status: 429, retry_after } => Wait::AfterOrBackoff(retry_after),
            AttemptOutcome::Status { status: 503, retry_after } if retry_safe => Wait::AfterOrBackoff(retry_after),
            AttemptOutcome::Status { status: 408 | 500 | 502 | 504, .. } if retry_safe => Wait::Backoff,
            AttemptOutcome::Transport(_) | AttemptOutcome::Status { .. } => return RetryDecision::Stop,
        };
        let (elapsed, jitter, now) = inputs();
        let delay = match wait {
            Wait::Backoff => self.backoff(attempt, jitter),
            Wait::AfterOrBackoff(retry_after) => self.after_or_backoff(retry_after, attempt, jitter, now),
        };
        if elapsed.saturating_add(delay) <= self.max_elapsed {
            RetryDecision::RetryAfter(delay)
        } else {
            RetryDecision::Stop
        }
    }

    /// The exponential back-off before attempt `attempt + 1`: `base * 2^(attempt-1)`, capped at
    /// `max_delay`, scaled into `[50%, 100%)` by `jitter`.
    #[must_use]
    pub(crate) fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let raw = self.base_delay.saturating_mul(1u32 << exp).min(self.max_delay);
        raw.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }

    fn after_or_backoff(&self, retry_after: Option<&str>, attempt: u32, jitter: f64, now: SystemTime) -> Duration {
        retry_after
            .and_then(|raw| parse_retry_after(raw, now))
            .map_or_else(|| self.backoff(attempt, jitter), |d| d.min(self.retry_after_cap))
    }
}

/// Parses a `Retry-After` value: delay seconds, or an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37
/// GMT`, read by the `httpdate` crate) turned into the time left from `now` (zero if past).
/// Anything else — including a date or a number of seconds too large to represent — is
/// ignored (`None`), never a panic.
#[must_use]
pub(crate) fn parse_retry_after(raw: &str, now: SystemTime) -> Option<Duration> {
    let raw = raw.trim();
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        // A huge number of seconds does not fit a u64: ignored like any other unusable value.
        return raw.parse::<u64>().ok().map(Duration::from_secs);
    }
    let at = httpdate::parse_http_date(raw).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;

    const NOW: Duration = Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            max_elapsed: Duration::from_secs(30),
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            retry_after_cap: Duration::from_secs(10),
        }
    }

    fn ms(n: u64) -> Option<Duration> {
        Some(Duration::from_millis(n))
    }

    #[test]
    fn decision_table() {
        use AttemptOutcome::{Status, Transport};
        // (method, outcome, attempt, elapsed ms) -> delay (None = stop); jitter fixed at 1.0 - ε ≈ full.
        let rows: Vec<(Method, AttemptOutcome<'_>, u32, u64, Option<Duration>)> = vec![
            // 429 honours Retry-After for every method.
            (Method::GET, Status { status: 429, retry_after: Some("1") }, 1, 0, ms(1000)),
            (Method::POST, Status { status: 429, retry_after: Some("1") }, 1, 0, ms(1000)),
            (Method::PUT, Status { status: 429, retry_after: Some("Sun, 06 Nov 1994 08:49:40 GMT") }, 1, 0, ms(3000)),
            (Method::GET, Status { status: 429, retry_after: Some("Sun, 06 Nov 1994 08:49:00 GMT") }, 1, 0, ms(0)),
            // capped
            (Method::GET, Status { status: 429, retry_after: Some("120") }, 1, 0, ms(10_000)),
            // unparsable or missing Retry-After: back-off
            (Method::GET, Status { status: 429, retry_after: Some("soon") }, 1, 0, ms(100)),
            (Method::GET, Status { status: 429, retry_after: None }, 2, 0, ms(200)),
            // 503 honours Retry-After, idempotent only
            (Method::GET, Status { status: 503, retry_after: Some("2") }, 1, 0, ms(2000)),
            (Method::DELETE, Status { status: 503, retry_after: None }, 3, 0, ms(400)),
            (Method::POST, Status { status: 503, retry_after: Some("2") }, 1, 0, None),
            // other 5xx: idempotent only, exponential
            (Method::GET, Status { status: 500, retry_after: None }, 1, 0, ms(100)),
            (Method::PUT, Status { status: 502, retry_after: None }, 2, 0, ms(200)),
            (Method::DELETE, Status { status: 504, retry_after: None }, 3, 0, ms(400)),
            (Method::GET, Status { status: 408, retry_after: None }, 1, 0, ms(100)),
            (Method::POST, Status { status: 500, retry_after: None }, 1, 0, None),
            (Method::POST, Status { status: 502, retry_after: None }, 1, 0, None),
            (Method::GET, Status { status: 501, retry_after: None }, 1, 0, None),
            // never: success and client errors
            (Method::GET, Status { status: 200, retry_after: None }, 1, 0, None),
            (Method::GET, Status { status: 400, retry_after: None }, 1, 0, None),
            (Method::GET, Status { status: 401, retry_after: None }, 1, 0, None),
            (Method::GET, Status { status: 404, retry_after: None }, 1, 0, None),
            // transport: connect for everyone, the rest idempotent only
            (Method::POST, Transport(TransportKind::Connect), 1, 0, ms(100)),
            (Method::GET, Transport(TransportKind::Timeout), 1, 0, ms(100)),
            (Method::POST, Transport(TransportKind::Timeout), 1, 0, None),
            (Method::POST, Transport(TransportKind::Other), 1, 0, None),
            (Method::PUT, Transport(TransportKind::Other), 2, 0, ms(200)),
            // bounds: attempts
            (Method::GET, Status { status: 500, retry_after: None }, 4, 0, None),
            (Method::GET, Status { status: 429, retry_after: Some("1") }, 4, 0, None),
            // bounds: elapsed time (29.5 s + 1 s > 30 s)
            (Method::GET, Status { status: 429, retry_after: Some("1") }, 1, 29_500, None),
            (Method::GET, Status { status: 500, retry_after: None }, 1, 29_950, None),
            // back-off cap
            (Method::GET, Status { status: 500, retry_after: None }, 3, 0, ms(400)),
        ];
        let now = SystemTime::UNIX_EPOCH + NOW;
        for (i, (method, outcome, attempt, elapsed, want)) in rows.into_iter().enumerate() {
            let got =
                policy().decide(is_idempotent(&method), outcome, attempt, Duration::from_millis(elapsed), 1.0, now);
            let want = want.map_or(RetryDecision::Stop, RetryDecision::RetryAfter);
            assert_eq!(got, want, "row {i}: {method} {outcome:?} attempt {attempt}");
        }
    }

    #[test]
    fn jitter_scales_between_half_and_full() {
        let p = policy();
        assert_eq!(p.backoff(1, 0.0), Duration::from_millis(50));
        assert_eq!(p.backoff(1, 1.0), Duration::from_millis(100));
        assert_eq!(p.backoff(10, 1.0), Duration::from_secs(2));
        assert_eq!(p.backoff(u32::MAX, 1.0), Duration::from_secs(2));
    }

    #[test]
    fn disabled_never_retries() {
        let got = RetryPolicy::disabled().decide(
            true,
            AttemptOutcome::Status { status: 503, retry_after: Some("1") },
            1,
            Duration::ZERO,
            0.5,
            SystemTime::UNIX_EPOCH,
        );
        assert_eq!(got, RetryDecision::Stop);
    }

    #[test]
    fn http_dates() {
        let now = SystemTime::UNIX_EPOCH + NOW;
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now), Some(Duration::from_secs(60)));
        let epoch = SystemTime::UNIX_EPOCH;
        assert_eq!(parse_retry_after("Thu, 01 Jan 1970 00:00:10 GMT", epoch), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after("Tue, 29 Feb 2000 12:00:00 GMT", epoch), Some(Duration::from_secs(951_825_600)));
        for bad in
            ["", "Sun, 06 Nov 1994", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:00:00 GMT", "-1", "1.5"]
        {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }

    /// An absurd date or delay is ignored (the caller then backs off as without the header); it
    /// never panics, in debug builds (overflow checks) or release builds.
    #[test]
    fn absurd_values_are_ignored_without_panicking() {
        let now = SystemTime::UNIX_EPOCH + NOW;
        for absurd in [
            "Sun, 06 Nov 99999 08:49:37 GMT",
            "Fri, 31 Dec 9999999999999999999 23:59:59 GMT",
            "99999999999999999999999999999999",
            "18446744073709551616",
        ] {
            assert_eq!(parse_retry_after(absurd, now), None, "{absurd}");
        }
        // The largest delay that fits is read, and the policy caps it.
        assert_eq!(parse_retry_after("18446744073709551615", now), Some(Duration::from_secs(u64::MAX)));
        let got = policy().decide(
            true,
            AttemptOutcome::Status { status: 429, retry_after: Some("18446744073709551615") },
            1,
            Duration::ZERO,
            1.0,
            now,
        );
        assert_eq!(got, RetryDecision::RetryAfter(Duration::from_secs(10)));
        let got = policy().decide(
            true,
            AttemptOutcome::Status { status: 503, retry_after: Some("Sun, 06 Nov 99999 08:49:37 GMT") },
            2,
            Duration::ZERO,
            1.0,
            now,
        );
        assert_eq!(got, RetryDecision::RetryAfter(Duration::from_millis(200)), "ignored: plain back-off");
    }
}
