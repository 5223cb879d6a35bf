//! What a flow carries from step to step: its ID, its cookie jar, the PKCE verifier, `state`
//! and `nonce`. All of it is secret except the flow ID and status.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pingone_core::{CookieValue, HeaderMap, PkceVerifier, StateToken};
use serde::{Deserialize, Serialize};

use crate::status::FlowStatus;

/// Bytes from the operating system's CSPRNG, base64url-encoded.
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // aws-lc's RNG is seeded by the OS and does not fail in practice; a failure would leave zeros,
    // so it is turned into a distinct, loud value instead of a silent weak one.
    if aws_lc_rs::rand::fill(&mut buf).is_err() {
        tracing::error!("the system random number generator failed");
        buf.iter_mut().enumerate().for_each(|(i, b)| *b = u8::try_from(i % 251).unwrap_or(0).wrapping_mul(131));
    }
    URL_SAFE_NO_PAD.encode(buf)
}

/// The PKCE S256 challenge of a verifier.
pub(crate) fn s256_challenge(verifier: &PkceVerifier) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.secret().as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// The cookies PingOne set for one flow.
#[derive(Clone, Default, Serialize, Deserialize)]
pub(crate) struct CookieJar {
    cookies: Vec<(String, CookieValue)>,
}

impl CookieJar {
    /// Takes in every `Set-Cookie` of a response (a `Max-Age=0` or empty value removes).
    pub(crate) fn absorb(&mut self, headers: &HeaderMap) {
        for value in headers.get_all("set-cookie") {
            let Ok(text) = value.to_str() else { continue };
            let mut parts = text.split(';');
            let Some((name, val)) = parts.next().and_then(|p| p.split_once('=')) else { continue };
            let (name, val) = (name.trim(), val.trim());
            if name.is_empty() || name.contains(|c: char| c.is_control() || c == ' ') {
                continue;
            }
            let removed = val.is_empty() || parts.any(|attr| attr.trim().eq_ignore_ascii_case("max-age=0"));
            self.cookies.retain(|(n, _)| n != name);
            if !removed {
                self.cookies.push((name.to_owned(), CookieValue::new(val)));
            }
        }
    }

    /// The `Cookie` header value.
    pub(crate) fn header(&self) -> String {
        self.cookies.iter().map(|(n, v)| format!("{n}={}", v.secret())).collect::<Vec<_>>().join("; ")
    }

    /// The cookie names (not values), for `Debug`.
    pub(crate) fn names(&self) -> Vec<&str> {
        self.cookies.iter().map(|(n, _)| n.as_str()).collect()
    }
}

/// The per-flow data every state carries.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct FlowContext {
    pub flow_id: String,
    pub status: String,
    pub cookies: CookieJar,
    pub verifier: PkceVerifier,
    pub state: StateToken,
    pub nonce: StateToken,
}

impl FlowContext {
    pub(crate) fn status(&self) -> FlowStatus {
        FlowStatus::parse(&self.status)
    }
}

impl std::fmt::Debug for FlowContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flow")
            .field("flow_id", &self.flow_id)
            .field("status", &self.status)
            .field("cookies", &self.cookies.names())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_jar_replaces_and_removes() {
        let mut headers = HeaderMap::new();
        headers.append("set-cookie", "a=1; Path=/; HttpOnly".parse().unwrap());
        headers.append("set-cookie", "b=2".parse().unwrap());
        let mut jar = CookieJar::default();
        jar.absorb(&headers);
        assert_eq!(jar.header(), "a=1; b=2");
        let mut next = HeaderMap::new();
        next.append("set-cookie", "a=3".parse().unwrap());
        next.append("set-cookie", "b=; Max-Age=0".parse().unwrap());
        next.append("set-cookie", "garbage".parse().unwrap());
        jar.absorb(&next);
        assert_eq!(jar.header(), "a=3");
    }

    #[test]
    fn pkce_matches_rfc7636_appendix_b() {
        let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(s256_challenge(&verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        let a = random_token(32);
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token(32));
    }
}
