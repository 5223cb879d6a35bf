//! Hooks for this workspace's own tests and fuzz runs. Not part of the API: hidden from the docs,
//! no semver promise.

/// Decodes a flow body; never panics, whatever the bytes.
///
/// # Errors
/// The decoder's message.
pub fn decode_flow(body: &[u8]) -> Result<(String, String), String> {
    crate::flow_json::decode_flow(body)
}

/// Decodes a token response body; never panics, whatever the bytes.
///
/// # Errors
/// The kind of decoding error and where.
pub fn decode_token_response(body: &[u8]) -> Result<(), String> {
    crate::tokens::decode_token_response(body)
}

/// The client, with a random source that always fails (`authorize` must fail closed).
#[must_use]
pub fn with_failing_random(client: crate::SignOnClient) -> crate::SignOnClient {
    client.with_random(|_| Err(crate::context::RandomFailed))
}

/// The decrypted snapshot inside a sealed stage (JSON), for leak scans.
///
/// # Errors
/// As [`StageSealer::open_any`](crate::StageSealer::open_any).
pub fn sealed_plaintext(sealer: &crate::StageSealer, sealed: &crate::SealedStage) -> Result<Vec<u8>, crate::OpenError> {
    sealer.open_any(sealed)?.encode().map(|bytes| bytes.to_vec()).map_err(|_| crate::OpenError::Tampered)
}

/// The `Cookie` header the sign-on's PingOne session cookies make for `url`: a test that
/// plays the browser coming back with them (single sign-on, sign-off).
#[must_use]
pub fn session_cookie_header(tokens: &crate::Tokens, url: &pingone_core::Url) -> String {
    tokens.session.0.header_for(url, std::time::SystemTime::now())
}
