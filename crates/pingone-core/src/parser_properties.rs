//! Property tests of every parser of network data in this crate (security audit item 3): no
//! input makes one panic. 10,000 cases each, arbitrary bytes and structured near-valid inputs:
//! `Retry-After` values and the retry decision, the worker token response, error bodies and
//! their classification, body snippets, and typed OTPs.
//!
//! The inputs come from `pingone-test-inputs` (a test-only crate, shared with `pingone-flow`),
//! drawn by hand from proptest's RNG; a failing input is reported whole, not shrunk.

// Test input generation: wrapping and overflow here are the generator's, not the parsers'.
#![allow(clippy::arithmetic_side_effects)]

use std::time::{Duration, SystemTime};

use pingone_test_inputs::{Gen, PRINTABLE, drawn};
use proptest::prelude::*;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};

use crate::error::{Error, RequestContext};
use crate::error_body::{DecodedErrorBody, ErrorCode, decode_error_body, snippet};
use crate::otp::InvalidOtp;
use crate::response::ApiResponse;
use crate::retry::{AttemptOutcome, RetryDecision, RetryPolicy, parse_retry_after};
use crate::secret::Otp;
use crate::step::Operation;
use crate::token::{MAX_LIFETIME, cache_entry};

const CASES: u32 = 10_000;

const DIGITS: &str = "0123456789";

fn response(
    status: u16,
    content_type: Option<&'static str>,
    retry_after: Option<&str>,
    body: Vec<u8>,
    sensitive: bool,
) -> ApiResponse {
    let mut headers = HeaderMap::new();
    if let Some(ct) = content_type {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    if let Some(value) = retry_after.and_then(|raw| HeaderValue::from_str(raw).ok()) {
        headers.insert(RETRY_AFTER, value);
    }
    let context = RequestContext {
        operation: Operation::WorkerToken,
        method: reqwest::Method::POST,
        path: "/env/as/token".to_owned(),
    };
    ApiResponse { context, status, headers, body: body.into(), sensitive }
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::weighted(
        0.9,
        prop::sample::select(vec![
            "application/json",
            "application/json; charset=utf-8",
            "APPLICATION/HAL+JSON",
            "text/html",
            "text/plain",
        ]),
    )
}

fn time(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

// --- Retry-After ---------------------------------------------------------------------------

/// A `Retry-After` value: any text, digits (beyond `u64` too), signed or decimal numbers, or an
/// HTTP date in one of RFC 9110's three forms with fields in and out of range.
fn retry_after_value(g: &mut Gen) -> String {
    match g.below(5) {
        0 => g.any_text(40),
        1 => format!("{}{}{}", g.text(" \t", 2), g.text(DIGITS, 40), g.text(" \t", 2)),
        2 => g.next_u64().to_string(),
        3 => g.text("-.0123456789", 8),
        _ => {
            let wd = g.pick(&["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sunday", "Xyz", ""]);
            let mon =
                g.pick(&["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Foo"]);
            let day = g.below(41);
            let year = match g.below(3) {
                0 => g.below(3001) as u64,
                1 => 3000 + g.below(100_000) as u64,
                _ => g.next_u64(),
            };
            let (h, m, s) = (g.below(100), g.below(100), g.below(100));
            let zone = g.pick(&["GMT", "UTC", "", "+0100"]);
            match g.below(3) {
                0 => format!("{wd}, {day:02} {mon} {year} {h:02}:{m:02}:{s:02} {zone}"),
                1 => format!("{wd}, {day:02}-{mon}-{year} {h:02}:{m:02}:{s:02} {zone}"),
                _ => format!("{wd} {mon} {day:>2} {h:02}:{m:02}:{s:02} {year}"),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// `Retry-After` never panics, is read exactly when it is a number of seconds, and never
    /// makes the retry decision wait longer than the policy's caps.
    #[test]
    fn retry_after_never_panics_and_stays_capped(
        raw in drawn(retry_after_value),
        now in 0_u64..(1 << 40),
        status in prop::sample::select(vec![429_u16, 503]),
        attempt in 1_u32..6,
    ) {
        let now = time(now);
        let parsed = parse_retry_after(&raw, now);
        let trimmed = raw.trim();
        if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            prop_assert_eq!(parsed, trimmed.parse::<u64>().ok().map(Duration::from_secs));
        }
        let policy = RetryPolicy::default();
        let outcome = AttemptOutcome::Status { status, retry_after: Some(&raw) };
        if let RetryDecision::RetryAfter(delay) = policy.decide(true, outcome, attempt, Duration::ZERO, 0.5, now) {
            prop_assert!(delay <= policy.retry_after_cap.max(policy.max_delay), "{:?}", delay);
        }
        let with_header = response(status, Some("application/json"), Some(&raw), Vec::new(), false);
        let from_header = with_header.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        prop_assert_eq!(with_header.retry_after(now), from_header.and_then(|v| parse_retry_after(&v, now)));
        let _ = with_header.into_error().to_string();
    }
}

// --- The worker token response -------------------------------------------------------------

/// A token response body, damaged or not, or arbitrary bytes.
fn token_body(g: &mut Gen) -> Vec<u8> {
    if g.percent(20) {
        return g.bytes(256);
    }
    let text = g.object(&[
        ("access_token", &|g| {
            format!("\"TOK{}\"", g.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 24))
        }),
        ("token_type", &|g| g.pick(&["\"Bearer\"", "\"bearer\"", "\"MAC\"", "\"\""]).to_owned()),
        ("expires_in", &|g| if g.percent(50) { g.next_u64().to_string() } else { g.below(100_000).to_string() }),
        ("scope", &|g| g.json_string("abcdefghijklmnopqrstuvwxyz: ", 20)),
    ]);
    g.damaged(text)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// The worker token response never panics (an `expires_in` of `u64::MAX` did), a token is
    /// refreshed within the clamped lifetime, and a failed decode of a success body never
    /// prints the token.
    #[test]
    fn worker_token_response_never_panics(
        status in prop_oneof![6 => Just(200_u16), 1 => 100_u16..600],
        content_type in content_type(),
        body in drawn(token_body),
        requested_at in 0_u64..(1 << 40),
    ) {
        let token = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("access_token").and_then(|t| t.as_str()).map(str::to_owned))
            .filter(|t| t.starts_with("TOK"));
        let requested_at = time(requested_at);
        match cache_entry(response(status, content_type, None, body, true), requested_at) {
            Ok(cached) => {
                prop_assert!(cached.refresh_at >= requested_at);
                prop_assert!(cached.refresh_at <= requested_at + MAX_LIFETIME);
            }
            Err(error) => {
                let printed = format!("{error} {error:?}");
                if (200..300).contains(&status) && let Some(token) = token {
                    prop_assert!(!printed.contains(&token), "{}", printed);
                }
            }
        }
    }
}

// --- Error bodies ------------------------------------------------------------------------

fn error_code(g: &mut Gen) -> String {
    if g.percent(50) {
        format!("\"{}\"", g.pick(&["INVALID_DATA", "INVALID_OTP", "REQUEST_LIMITED", "NOT_FOUND", "INVALID_TOKEN"]))
    } else {
        g.json_string("ABCDEFGHIJKLMNOPQRSTUVWXYZ_", 20)
    }
}

fn detail(g: &mut Gen) -> String {
    g.object(&[
        ("code", &error_code),
        ("target", &|g| g.json_string("abcdefghijklmnopqrstuvwxyz.", 10)),
        ("message", &|g| g.json_string(PRINTABLE, 20)),
        ("innerError", &|g| g.json_value(2).to_string()),
    ])
}

/// A PingOne error body, an OAuth error body (damaged or not), or arbitrary bytes.
fn error_body(g: &mut Gen) -> Vec<u8> {
    let text = match g.below(6) {
        0 => return g.bytes(256),
        1 | 2 => g.object(&[
            ("error", &|g| g.json_string("abcdefghijklmnopqrstuvwxyz_", 20)),
            ("error_description", &|g| g.json_string(PRINTABLE, 30)),
            ("error_uri", &|g| g.json_string(PRINTABLE, 30)),
        ]),
        _ => g.object(&[
            ("id", &|g| g.json_string("0123456789abcdef-", 36)),
            ("code", &error_code),
            ("message", &|g| g.json_string(PRINTABLE, 30)),
            ("details", &|g| format!("[{}]", (0..g.below(4)).map(|_| detail(g)).collect::<Vec<_>>().join(","))),
        ]),
    };
    g.damaged(text)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// Error bodies: the decoder, the classification into a typed error, its `Display` and
    /// `Debug`, and the snippet never panic; the typed error agrees with the decoder.
    #[test]
    fn error_bodies_never_panic(
        status in prop_oneof![3 => 300_u16..600, 1 => 100_u16..300],
        content_type in content_type(),
        retry_after in prop::option::of(drawn(retry_after_value)),
        body in drawn(error_body),
        snippet_len in 0_usize..300,
    ) {
        let decoded = decode_error_body(&body);
        let excerpt = snippet(&body, snippet_len);
        prop_assert!(excerpt.chars().count() <= snippet_len.saturating_add(1));
        prop_assert!(!excerpt.chars().any(char::is_control));
        let response = response(status, content_type, retry_after.as_deref(), body, false);
        let _ = response.json::<serde_json::Value>().map_err(|e| e.to_string());
        if !response.is_success() {
            let error = response.into_error();
            let _ = format!("{error} {error:?} {:?} {:?}", error.api_code(), error.step());
            let _ = error.has_code(&ErrorCode::InvalidOtp);
            let agrees = matches!(
                (&decoded, &error),
                (DecodedErrorBody::PingOne(_), Error::Api(_))
                    | (DecodedErrorBody::OAuth(_), Error::OAuth(_))
                    | (DecodedErrorBody::Unrecognised(_), Error::UnexpectedResponse(_))
            );
            prop_assert!(agrees, "{:?} vs {}", decoded, error);
        }
    }
}

// --- OTPs as typed by a user -------------------------------------------------------------

fn typed_otp(g: &mut Gen) -> String {
    match g.below(4) {
        0 => g.any_text(24),
        1 => g.text("0123456789 -", 24),
        2 => g.text(" \t\n0123456789", 16),
        _ => format!(
            "{}{}{}",
            g.text(DIGITS, 5),
            g.pick(&["a", "Z", ".", "+", "\u{663}", "\u{ff11}"]),
            g.text(DIGITS, 5)
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// `Otp::parse` never panics, keeps exactly the digits typed, and its errors are fixed texts
    /// that cannot carry the input.
    #[test]
    fn typed_otps_never_panic_or_echo(input in drawn(typed_otp)) {
        let digits: String = input.chars().filter(char::is_ascii_digit).collect();
        match Otp::parse(&input) {
            Ok(otp) => {
                prop_assert_eq!(otp.secret(), digits.as_str());
                prop_assert!((6..=10).contains(&otp.secret().len()));
            }
            Err(error) => {
                let expected = match error {
                    InvalidOtp::Empty => "no code was entered".to_owned(),
                    InvalidOtp::NotDigits => "the code must contain only digits".to_owned(),
                    InvalidOtp::Length { len } => {
                        prop_assert_eq!(len, digits.len());
                        format!("the code must have 6 to 10 digits, not {len}")
                    }
                };
                prop_assert_eq!(error.to_string(), expected);
            }
        }
    }
}
