//! What a flow carries from step to step: its ID and status, its cookie jar, the PKCE verifier,
//! `state` and `nonce`, the tags of the environment and application it belongs to, and when the
//! server last answered. All of it is secret except the flow ID, the status and the tags.

use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pingone_core::{PkceVerifier, StateToken};
use serde::{Deserialize, Serialize};

use crate::binding::BindingTags;
use crate::cookies::CookieJar;
use crate::status::FlowStatus;

/// The operating system's random source failed: no PKCE verifier, `state` or `nonce` can be
/// made, so no flow starts (never a weak value instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RandomFailed;

/// Fills a buffer with random bytes.
pub(crate) type FillRandom = fn(&mut [u8]) -> Result<(), RandomFailed>;

/// The operating system's CSPRNG (through aws-lc).
pub(crate) fn os_random(buf: &mut [u8]) -> Result<(), RandomFailed> {
    aws_lc_rs::rand::fill(buf).map_err(|_| RandomFailed)
}

/// `bytes` random bytes, base64url-encoded.
pub(crate) fn random_token(fill: FillRandom, bytes: usize) -> Result<String, RandomFailed> {
    // The raw bytes of a PKCE verifier, state or nonce: wiped once encoded.
    let mut buf = zeroize::Zeroizing::new(vec![0u8; bytes]);
    fill(&mut buf)?;
    Ok(URL_SAFE_NO_PAD.encode(buf.as_slice()))
}

/// Whole seconds since the Unix epoch (0 before it): the one conversion every time stamp in
/// this crate uses.
pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The PKCE S256 challenge of a verifier.
pub(crate) fn s256_challenge(verifier: &PkceVerifier) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.secret().as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// The per-flow data every stage carries. Serialised only inside sealed stages (short field
/// names: a sealed stage must fit in a cookie).
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct FlowContext {
    #[serde(rename = "i")]
    pub flow_id: String,
    #[serde(rename = "s")]
    pub status: String,
    #[serde(rename = "c")]
    pub cookies: CookieJar,
    #[serde(rename = "v")]
    pub verifier: PkceVerifier,
    #[serde(rename = "t")]
    pub state: StateToken,
    #[serde(rename = "n")]
    pub nonce: StateToken,
    #[serde(rename = "b")]
    pub binding: BindingTags,
    /// When PingOne last answered for this flow (Unix seconds, the client's clock): tells a flow
    /// that expired from one that was finished by another copy of the stage.
    #[serde(rename = "a")]
    pub last_answer: u64,
}

impl FlowContext {
    pub(crate) fn status(&self) -> FlowStatus {
        FlowStatus::parse(&self.status)
    }

    pub(crate) fn touch(&mut self, now: SystemTime) {
        self.last_answer = unix_seconds(now);
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
    fn pkce_matches_rfc7636_appendix_b() {
        let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(s256_challenge(&verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        let a = random_token(os_random, 32).unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token(os_random, 32).unwrap());
        assert_eq!(random_token(|_| Err(RandomFailed), 32), Err(RandomFailed));
    }
}
