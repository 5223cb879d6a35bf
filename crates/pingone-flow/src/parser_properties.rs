//! Property tests of every parser of network data in this crate (security audit item 3): no
//! input makes one panic. 10,000 cases each, arbitrary bytes and structured near-valid inputs:
//! the flow resource, the token response, `Set-Cookie` (the jar) and `Location` (resolution,
//! query parameters, the redirect-URI comparison).
//!
//! The inputs come from `pingone-test-inputs` (a test-only crate, shared with `pingone-core`),
//! drawn by hand from proptest's RNG; a failing input is reported whole, not shrunk.

// Test input generation: wrapping and overflow here are the generator's, not the parsers'.
#![allow(clippy::arithmetic_side_effects)]

use std::time::{Duration, SystemTime};

use pingone_core::internal::{request_context, response};
use pingone_core::{HeaderMap, Method, Operation, Step, Url};
use pingone_test_inputs::{Gen, PRINTABLE, drawn};
use proptest::prelude::*;

use crate::client::{query_param, redacted_location, resolve_location};
use crate::cookies::CookieJar;
use crate::flow_json::decode_flow;
use crate::flow_json::{FlowResponse, distinct_labels};
use crate::redirect::is_redirect_uri;
use crate::status::FlowStatus;
use crate::tokens::TokenResponse;

const CASES: u32 = 10_000;

const TOKEN_CHARS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const URL_CHARS: &str = "abcXYZ019-._~!$&'()*+,;=:@/?#%[] \"<>\\^`{|}é\u{0}";

fn time(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

// --- The flow resource ---------------------------------------------------------------------

fn device(g: &mut Gen) -> String {
    g.object(&[
        ("id", &|g| g.json_string("0123456789abcdef-", 12)),
        ("type", &|g| format!("\"{}\"", g.pick(&["EMAIL", "SMS", "VOICE", "TOTP", ""]))),
        ("email", &|g| g.json_string("a*@x.test", 12)),
        ("phone", &|g| g.json_string("+0123456789*", 12)),
        ("nickname", &|g| g.json_string("Work Home (1)2 ", 10)),
    ])
}

fn inner_error(g: &mut Gen) -> String {
    g.object(&[("secondsUntilUnlock", &|g| {
        if g.percent(50) { g.next_u64().to_string() } else { g.below(1000).to_string() }
    })])
}

fn flow_body(g: &mut Gen) -> Vec<u8> {
    if g.percent(15) {
        return g.bytes(256);
    }
    let text = g.object(&[
        ("id", &|g| g.json_string("0123456789abcdef-", 36)),
        ("status", &|g| {
            let statuses = ["SIGN_ON_REQUIRED", "OTP_REQUIRED", "DEVICE_SELECTION_REQUIRED", "COMPLETED", "FAILED"];
            if g.percent(80) { format!("\"{}\"", g.pick(&statuses)) } else { g.json_string(PRINTABLE, 16) }
        }),
        ("_links", &|g| {
            let entries: Vec<String> = (0..g.below(4))
                .map(|_| {
                    let action = g.pick(&["otp.check", "user.lookup", "device.select", "self", "x"]);
                    let href = if g.percent(80) { g.json_string(URL_CHARS, 30) } else { g.any_fragment() };
                    format!("\"{action}\":{{\"href\":{href}}}")
                })
                .collect();
            format!("{{{}}}", entries.join(","))
        }),
        ("_embedded", &|g| {
            g.object(&[
                ("devices", &|g| g.array(4, &device)),
                ("selectedDevice", &|g| g.object(&[("id", &|g| g.json_string("0123456789abcdef-", 12))])),
            ])
        }),
        ("error", &|g| {
            g.object(&[
                ("code", &|g| g.json_string("ABCDEFGHIJKLMNOPQRSTUVWXYZ_", 20)),
                ("message", &|g| g.json_string(PRINTABLE, 20)),
                ("innerError", &inner_error),
                ("details", &|g| g.array(3, &|g| g.object(&[("innerError", &inner_error)]))),
            ])
        }),
        ("authorizeResponse", &|g| {
            g.object(&[("code", &|g| g.json_string(TOKEN_CHARS, 20)), ("state", &|g| g.json_string(TOKEN_CHARS, 20))])
        }),
        ("resumeUrl", &|g| g.json_string(URL_CHARS, 40)),
    ]);
    g.damaged(text)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// The flow resource: decoding, the status, the actions offered, device labels and the
    /// lock-out time never panic; a decoded status reads back as sent; every device gets a label, and no two the same.
    #[test]
    fn flow_json_never_panics(body in drawn(flow_body), action in prop::sample::select(vec!["otp.check", "x"])) {
        let hook = decode_flow(&body);
        match serde_json::from_slice::<FlowResponse>(&body) {
            Ok(flow) => {
                prop_assert_eq!(hook.ok(), Some((flow.id.clone(), flow.status.clone())));
                let status = FlowStatus::parse(&flow.status);
                prop_assert_eq!(status.as_str(), flow.status.as_str());
                let _ = flow.offers(action);
                let choices = distinct_labels(&flow.embedded.devices);
                prop_assert_eq!(choices.len(), flow.embedded.devices.len());
                let distinct: std::collections::HashSet<&str> = choices.iter().map(|c| c.label.as_str()).collect();
                prop_assert_eq!(distinct.len(), choices.len(), "labels must be distinct");
                let _ = flow.error.as_ref().map(|e| e.seconds_until_unlock());
                let _ = flow.authorize_response.as_ref().map(|a| (&a.code, &a.state));
            }
            Err(_) => prop_assert!(hook.is_err()),
        }
    }
}

// --- The token response ----------------------------------------------------------------------

fn token_body(g: &mut Gen) -> Vec<u8> {
    if g.percent(15) {
        return g.bytes(256);
    }
    let secret = |prefix: &'static str| move |g: &mut Gen| format!("\"{prefix}{}\"", g.text(TOKEN_CHARS, 24));
    let text = g.object(&[
        ("access_token", &secret("ACC")),
        ("token_type", &|g| g.pick(&["\"Bearer\"", "\"bearer\"", "\"MAC\""]).to_owned()),
        ("expires_in", &|g| if g.percent(50) { g.next_u64().to_string() } else { g.below(100_000).to_string() }),
        ("scope", &|g| g.json_string("abcdefghijklmnopqrstuvwxyz ", 20)),
        ("id_token", &secret("IDT")),
        ("refresh_token", &secret("REF")),
    ]);
    g.damaged(text)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// The token response never panics, and neither the decoder's message nor the `Debug` of the
    /// decoded fields ever holds a token.
    #[test]
    fn token_response_never_panics_or_prints_a_token(body in drawn(token_body)) {
        let secrets: Vec<String> = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .map(|o| o.values().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        let secrets: Vec<&String> =
            secrets.iter().filter(|s| ["ACC", "IDT", "REF"].iter().any(|p| s.starts_with(p))).collect();
        let printed = match serde_json::from_slice::<TokenResponse>(&body) {
            Ok(parsed) => format!(
                "{:?} {:?} {:?} {:?} {:?} {:?}",
                parsed.access_token,
                parsed.id_token,
                parsed.refresh_token,
                parsed.token_type,
                parsed.expires_in,
                parsed.scope
            ),
            Err(error) => error.to_string(),
        };
        for secret in secrets {
            prop_assert!(!printed.contains(secret.as_str()), "{}", printed);
        }
        let _ = crate::tokens::decode_token_response(&body);
    }
}

// --- Set-Cookie ------------------------------------------------------------------------------

/// Where the `Set-Cookie` headers come from.
const COOKIE_ORIGINS: [&str; 4] = [
    "https://auth.example.test/env/as/authorize",
    "https://auth.example.test/env/flows/abc",
    "http://127.0.0.1:9031/env/as/resume",
    "http://auth.example.test/x",
];

/// `Set-Cookie` values, each named `c{i}` (or a broken name), with random attributes.
fn set_cookies(g: &mut Gen) -> (usize, Vec<(String, bool)>, u64) {
    let origin = g.below(COOKIE_ORIGINS.len());
    let headers = (0..g.below(24))
        .map(|i| {
            let name = match g.below(10) {
                0 => g.pick(&["", "a b", "a;", "a\u{1}", " "]).to_owned(),
                _ => format!("c{i}"),
            };
            let value = if g.percent(85) { g.text(TOKEN_CHARS, 30) } else { g.any_text(10) };
            let mut text = format!("{name}={value}");
            let mut secure = false;
            for _ in 0..g.below(6) {
                let separator = g.pick(&["; ", ";", " ; "]);
                let attribute = match g.below(8) {
                    0 => {
                        let domain = g.pick(&[
                            "example.test",
                            ".example.test",
                            "auth.example.test",
                            "evil.example",
                            "test",
                            "",
                            "127.0.0.1",
                            "0.0.1",
                            "EXAMPLE.TEST",
                        ]);
                        format!("{}={domain}", g.pick(&["Domain", "domain", "DOMAIN"]))
                    }
                    1 => format!("Path={}", g.pick(&["/", "/env", "/env/", "/env/flows", "relative", "", "/x"])),
                    2 => {
                        secure = true;
                        g.pick(&["Secure", "secure", "SECURE"]).to_owned()
                    }
                    3 => format!(
                        "Max-Age={}",
                        match g.below(4) {
                            0 => (g.next_u64() as i64).to_string(),
                            1 => g.text("-0123456789", 30),
                            2 => g.pick(&["0", "-1", "60", "abc", ""]).to_owned(),
                            _ => g.below(100_000).to_string(),
                        }
                    ),
                    4 => format!("Expires={}", g.http_date()),
                    5 => g.pick(&["HttpOnly", "SameSite=None", "SameSite=Lax", "Partitioned"]).to_owned(),
                    _ => g.any_text(12),
                };
                text.push_str(separator);
                text.push_str(&attribute);
            }
            (text, secure)
        })
        .collect();
    let now = match g.below(3) {
        0 => g.next_u64() >> 24,
        1 => 1_800_000_000,
        _ => 0,
    };
    (origin, headers, now)
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap_or_else(|_| unreachable!("a fixed URL"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// The jar never panics, holds at most 16 cookies, never sends a cookie to a host it was not
    /// set for or a `Secure` one over plain http, and comes back whole from its sealed form.
    #[test]
    fn set_cookie_never_panics_and_cookies_stay_home((origin, cookies, now) in drawn(set_cookies)) {
        let request = url(COOKIE_ORIGINS[origin]);
        let now = time(now);
        let mut headers = HeaderMap::new();
        let mut secure = Vec::new();
        for (i, (text, is_secure)) in cookies.iter().enumerate() {
            // The value type is the one `HeaderMap` holds (this crate names no `http` type).
            if let Ok(value) = text.as_bytes().to_vec().try_into() {
                headers.append("set-cookie", value);
                if *is_secure {
                    secure.push(format!("c{i}"));
                }
            }
        }
        let mut jar = CookieJar::default();
        jar.absorb(&headers, &request, now);
        prop_assert!(jar.names().len() <= 16);
        for elsewhere in ["https://example.test.evil.example/env/flows/abc", "https://127.0.0.2/env/as/resume"] {
            prop_assert_eq!(jar.header_for(&url(elsewhere), now), "");
        }
        let plain = jar.header_for(&url("http://auth.example.test/env/flows/abc"), now);
        for pair in plain.split("; ").filter(|p| !p.is_empty()) {
            let name = pair.split('=').next().unwrap_or_default();
            prop_assert!(!secure.iter().any(|s| s == name), "a Secure cookie over http: {}", plain);
        }
        let sealed = serde_json::to_vec(&jar).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let opened: CookieJar = serde_json::from_slice(&sealed).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(opened.header_for(&request, now), jar.header_for(&request, now));
        prop_assert_eq!(opened.names(), jar.names());
    }
}

// --- Location --------------------------------------------------------------------------------

/// The redirect URIs a sign-on may be registered with: web, private-use scheme, loopback.
const REDIRECT_URIS: [&str; 3] =
    ["https://app.example.test/callback", "com.example.app:/callback", "http://127.0.0.1/callback"];

/// A `Location` header value (raw bytes: header values may hold non-ASCII).
fn location(g: &mut Gen) -> Vec<u8> {
    if g.percent(20) {
        return g.bytes(120);
    }
    if g.percent(10) {
        return g.any_text(60).into_bytes();
    }
    let scheme =
        g.pick(&["https://", "http://", "com.example.app:", "//", "", "javascript:", "HTTPS://", "com.evil.app:"]);
    let host =
        g.pick(&["app.example.test", "auth.example.test", "127.0.0.1", "[::1]", "evil.example", "", "a@b", "xn--"]);
    let port = match g.below(4) {
        0 => format!(":{}", g.next_u32()),
        1 => format!(":{}", g.below(65_536)),
        _ => String::new(),
    };
    let path = g.pick(&["/callback", "/env/as/resume", "/", "", "/callback/../x", "/%zz", "callback"]);
    let query: Vec<String> = (0..g.below(5))
        .map(|_| {
            let name = g.pick(&["code", "state", "error", "error_description", "flowId", "x", ""]);
            format!("{name}={}", g.text(URL_CHARS, 16))
        })
        .collect();
    let fragment = if g.percent(20) { format!("#{}", g.text(URL_CHARS, 8)) } else { String::new() };
    format!("{scheme}{host}{port}{path}?{}{fragment}", query.join("&")).into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// `Location` resolution, its query parameters, its redacted form and the redirect-URI
    /// comparison never panic; the redacted form never holds the query; a registered redirect
    /// URI with any query matches itself.
    #[test]
    fn location_never_panics(raw in drawn(location), base in prop::sample::select(vec![
        "https://auth.example.test/env/as/authorize?client_id=x",
        "http://127.0.0.1:9031/env/as/resume?flowId=f",
    ])) {
        let mut headers = HeaderMap::new();
        if let Ok(value) = raw.try_into() {
            headers.insert("location", value);
        }
        let context = request_context(Step::Resume, Method::GET, "/env/as/resume");
        let answer = response(context, 302, headers, Vec::new());
        let step = Operation::Step(Step::Resume);
        if let Ok(location) = resolve_location(&answer, &url(base), &step) {
            for name in ["code", "state", "error", "error_description", "flowId"] {
                let _ = query_param(&location, name);
            }
            let redacted = redacted_location(&location);
            prop_assert!(!redacted.contains('?') && !redacted.contains('#'), "{}", redacted);
            for expected in REDIRECT_URIS {
                let expected = url(expected);
                let _ = is_redirect_uri(&location, &expected);
                let mut same = expected.clone();
                same.set_query(location.query());
                prop_assert!(is_redirect_uri(&same, &expected), "{} vs {}", same, expected);
            }
        }
    }
}
