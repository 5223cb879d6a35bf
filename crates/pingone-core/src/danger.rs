//! Risky switches, named so that they stand out in review.

use crate::endpoints::{EndpointError, Endpoints};

/// Endpoints that may use plain `http://` to any host.
///
/// Everything sent to such a host — worker credentials, tokens, one-time passcodes, cookies —
/// travels in clear text. Meant for a simulator or proxy on a private test network; never for
/// a real tenant.
///
/// # Errors
/// [`EndpointError`] for an unparsable URL, or a scheme other than `http`/`https`.
pub fn insecure_http_endpoints(management: &str, auth: &str) -> Result<Endpoints, EndpointError> {
    Endpoints::build(management, auth, true)
}
