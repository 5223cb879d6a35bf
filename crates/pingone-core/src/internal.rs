//! Hooks for this workspace's own tests and fuzz runs (rustls keeps its equivalents in a hidden
//! `internal` module too). Not part of the API: hidden from the docs, no semver promise.

use reqwest::Method;
use reqwest::header::HeaderMap;

use crate::error::RequestContext;
use crate::response::ApiResponse;
use crate::step::Operation;

/// JSON in a buffer sized by a counting pass and wiped on drop: no reallocation leaves a copy
/// of a secret behind (sealed stages' plaintext).
pub use crate::body::{BodyBytes, json_body};
pub use crate::error_body::{DecodedErrorBody, decode_error_body, snippet};
/// The `Set-Cookie` header name, as a constant (no name parsing per lookup).
pub use reqwest::header::SET_COOKIE;
/// For the `string_enum!` macro, whose expansion names serde through this path.
pub use serde;

/// A request context, as the HTTP layer would make it.
#[must_use]
pub fn request_context(operation: impl Into<Operation>, method: Method, path: &str) -> RequestContext {
    RequestContext { operation: operation.into(), method, path: path.to_owned() }
}

/// A response built by hand, as the HTTP layer would have read it, to drive the decoders and
/// the error classification without a server.
#[must_use]
pub fn response(context: RequestContext, status: u16, headers: HeaderMap, body: Vec<u8>) -> ApiResponse {
    ApiResponse { context, status, headers, body: body.into(), sensitive: false }
}
