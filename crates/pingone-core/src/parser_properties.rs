//! Property tests of every parser of network data in this crate (security audit item 3): no
//! input makes one panic. 10,000 cases each, arbitrary bytes and structured near-valid inputs:
//! `Retry-After` values and the retry decision, the worker token response, error bodies and
//! their classification, body snippets, and typed OTPs.
//!
//! The inputs are drawn by hand from proptest's RNG (`prop_perturb`): proptest's own nested
//! strategies cost about a millisecond per JSON document in a debug build, which would make
//! 10,000 cases take tens of seconds. The price is that a failing input is reported whole, not
//! shrunk.

// Test input generation: wrapping and overflow here are the generator's, not the parsers'.
#![allow(clippy::arithmetic_side_effects)]

use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use proptest::test_runner::TestRng;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use zeroize::Zeroizing;

use crate::error::{Error, RequestContext};
use crate::error_body::{DecodedErrorBody, ErrorCode, decode_error_body, snippet};
use crate::otp::InvalidOtp;
use crate::response::ApiResponse;
use crate::retry::{AttemptOutcome, RetryDecision, RetryPolicy, parse_retry_after};
use crate::secret::Otp;
use crate::step::Operation;
use crate::token::{MAX_LIFETIME, cache_entry};

const CASES: u32 = 10_000;

const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const DIGITS: &str = "0123456789";
const PRINTABLE: &str = "abcXYZ019 _-.:/\\\"'{}[]é€\u{1F600}\t\n\u{0}";

/// A JSON object's field: its name and how to draw a value of its type.
type Field<'a> = (&'a str, &'a dyn Fn(&mut Gen) -> String);

/// A generator of near-valid network data, seeded from proptest's RNG (whose ChaCha is slow in
/// a debug build: xorshift64* here).
struct Gen(u64);

impl Gen {
    fn seeded(mut rng: TestRng) -> Self {
        Self(rng.next_u64() | 1)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn text(&mut self, alphabet: &str, max: usize) -> String {
        let len = self.below(max + 1);
        if alphabet.is_ascii() {
            let bytes = alphabet.as_bytes();
            return (0..len).map(|_| char::from(self.pick(bytes))).collect();
        }
        let chars: Vec<char> = alphabet.chars().collect();
        (0..len).map(|_| self.pick(&chars)).collect()
    }

    /// Any characters: ASCII (control characters included), Latin, astral.
    fn any_text(&mut self, max: usize) -> String {
        (0..self.below(max + 1))
            .filter_map(|_| {
                let range = self.pick(&[0x80_u32, 0x800, 0x11_0000]);
                char::from_u32(self.next_u32() % range)
            })
            .collect()
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        (0..self.below(max + 1)).map(|_| self.next_u32() as u8).collect()
    }

    fn json_string(&mut self, alphabet: &str, max: usize) -> String {
        serde_json::Value::String(self.text(alphabet, max)).to_string()
    }

    fn json_value(&mut self, depth: usize) -> serde_json::Value {
        use serde_json::Value;
        match self.below(if depth == 0 { 6 } else { 8 }) {
            0 => Value::Null,
            1 => Value::Bool(self.percent(50)),
            2 => Value::from(self.next_u64() as i64),
            3 => Value::from(self.next_u64()),
            4 => serde_json::Number::from_f64(f64::from_bits(self.next_u64())).map_or(Value::Null, Value::Number),
            5 => Value::String(self.text(PRINTABLE, 12)),
            6 => Value::Array((0..self.below(3)).map(|_| self.json_value(depth - 1)).collect()),
            _ => Value::Object((0..self.below(3)).map(|_| (self.text(LOWER, 6), self.json_value(depth - 1))).collect()),
        }
    }

    /// A JSON text fragment of any type, numbers no Rust integer holds included.
    fn any_fragment(&mut self) -> String {
        match self.below(6) {
            0 => self
                .pick(&[
                    "1e999",
                    "-1e999",
                    "18446744073709551616",
                    "-1",
                    "-0",
                    "3600.0",
                    "1.5",
                    "\"\\ud800\"",
                    "\"\\u0000\"",
                    "[]",
                    "{}",
                ])
                .to_owned(),
            1 => self.next_u64().to_string(),
            _ => self.json_value(2).to_string(),
        }
    }

    /// A JSON object: each field present most of the time, with a value of its type (from
    /// `typed`) most of the time and of any type otherwise; sometimes an unknown field.
    fn object(&mut self, fields: &[Field<'_>]) -> String {
        let mut parts = Vec::new();
        for (key, typed) in fields {
            if self.percent(85) {
                let value = if self.percent(75) { typed(self) } else { self.any_fragment() };
                parts.push(format!("\"{key}\":{value}"));
            }
        }
        if self.percent(30) {
            parts.push(format!("\"unknownField\":{}", self.any_fragment()));
        }
        format!("{{{}}}", parts.join(","))
    }

    /// `text` as is, truncated, with one byte changed, or with one byte inserted.
    fn damaged(&mut self, text: String) -> Vec<u8> {
        let mut bytes = text.into_bytes();
        let at = self.below(bytes.len() + 1);
        let byte = self.next_u32() as u8;
        match self.below(4) {
            1 => bytes.truncate(at),
            2 if at < bytes.len() => bytes[at] = byte,
            3 => bytes.insert(at, byte),
            _ => {}
        }
        bytes
    }
}

/// A strategy drawing values with `draw`.
fn drawn<T: std::fmt::Debug>(draw: fn(&mut Gen) -> T) -> impl Strategy<Value = T> {
    Just(()).prop_perturb(move |(), rng| draw(&mut Gen::seeded(rng)))
}

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
    ApiResponse { context, status, headers, body: Zeroizing::new(body), sensitive }
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
