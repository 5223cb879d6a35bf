//! Discovery, the JWKS, and a placeholder for the hosted sign-on page.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::claims::CLAIMS_SUPPORTED;
use crate::extract::EnvPath;
use crate::reply::json_response;

/// `GET /{envID}/as/.well-known/openid-configuration`: only the endpoints the simulator serves,
/// and only what it issues.
pub(super) async fn discovery(at: EnvPath) -> Response {
    let issuer = at.env.issuer();
    json_response(
        StatusCode::OK,
        &json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "jwks_uri": format!("{issuer}/jwks"),
            "end_session_endpoint": format!("{issuer}/signoff"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "pi.flow"],
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "scopes_supported": ["openid", "profile", "email", "address", "phone", "offline_access"],
            "claims_supported": CLAIMS_SUPPORTED,
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
        }),
    )
}

/// `GET /{envID}/as/jwks`.
pub(super) async fn jwks(at: EnvPath) -> Response {
    match at.env.key.jwk() {
        Ok(jwk) => json_response(StatusCode::OK, &json!({ "keys": [jwk] })),
        Err(_) => crate::reply::Failure::unexpected().into_response(),
    }
}

/// `GET /{envID}/signon/`: a placeholder for PingOne's hosted sign-on page.
pub(super) async fn signon_page(_at: EnvPath) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><title>PingOne simulator</title><p>Hosted sign-on placeholder. Drive the flow through the flows API.</p>",
    )
        .into_response()
}
