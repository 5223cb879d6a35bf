//! Hooks for this workspace's own tests and fuzz runs. Not part of the API: hidden from the docs,
//! no semver promise.

pub use crate::flow_json::decode_flow;
pub use crate::tokens::decode_token_response;
