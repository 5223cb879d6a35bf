//! The flow-response, error-body and token-response decoders on arbitrary bytes: a bounded,
//! seeded fuzz run (random bytes, and mutations of real bodies) that must never panic.

use pingone_core::internal::{decode_error_body, request_context, snippet};
use pingone_core::{ApiResponse, HeaderMap, Method};

const SEEDS: &[&str] = &[
    r#"{"id":"f1","status":"OTP_REQUIRED","_links":{"otp.check":{"href":"x"}},"_embedded":{"devices":[{"id":"d","type":"EMAIL","email":"a***@x.test"}],"selectedDevice":{"id":"d"}},"resumeUrl":"https://x/as/resume?flowId=f1"}"#,
    r#"{"id":"e1","code":"INVALID_DATA","message":"m","details":[{"code":"INVALID_OTP","target":"otp","message":"bad","innerError":{"remainingAttempts":2}}]}"#,
    r#"{"access_token":"eyJ.a.b","token_type":"Bearer","expires_in":3600,"scope":"openid","id_token":"eyJ.c.d","refresh_token":"r"}"#,
    r#"{"error":"invalid_grant","error_description":"code reused"}"#,
    "<html><body><h1>502 Bad Gateway</h1></body></html>",
    "",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..=rng.below(8) {
        match rng.below(5) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = rng.next() as u8;
            }
            1 if !out.is_empty() => {
                let i = rng.below(out.len());
                out.truncate(i);
            }
            2 => {
                let i = rng.below(out.len() + 1);
                let tokens: [&[u8]; 8] = [b"{", b"}", b"[", b"\"", b":", b"null", b"1e999", b"\\u0000"];
                let t = tokens[rng.below(tokens.len())];
                out.splice(i..i, t.iter().copied());
            }
            3 if !out.is_empty() => {
                let (a, b) = (rng.below(out.len()), rng.below(out.len()));
                out.swap(a, b);
            }
            _ => out.extend((0..rng.below(16)).map(|_| rng.next() as u8)),
        }
    }
    out
}

fn response(status: u16, body: Vec<u8>) -> ApiResponse {
    let context = request_context("fuzz", Method::POST, "/x");
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    pingone_core::internal::response(context, status, headers, body)
}

#[test]
fn decoders_never_panic_on_arbitrary_bytes() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut tried = 0;
    for round in 0..40_000 {
        let input = if round % 4 == 0 {
            (0..rng.below(64)).map(|_| rng.next() as u8).collect()
        } else {
            let seed = SEEDS[rng.below(SEEDS.len())];
            mutate(&mut rng, seed.as_bytes())
        };
        let _ = decode_error_body(&input);
        let _ = pingone_flow::internal::decode_flow(&input);
        let _ = pingone_flow::internal::decode_token_response(&input);
        let _ = snippet(&input, 40);
        let _ = response(400, input.clone()).into_error().to_string();
        let _ = response(200, input).json::<serde_json::Value>();
        tried += 1;
    }
    println!("decoders: {tried} inputs through 6 decoders without a panic");
    assert_eq!(tried, 40_000);
}
