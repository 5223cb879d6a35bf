//! The auth API under `{auth}/{envID}`: authorize (step 14) and resume (step 18) in
//! [`authorize`], the token endpoint (step 20) in [`token`], discovery, JWKS and the sign-on
//! page placeholder in [`discovery`].

use std::sync::Arc;

use axum::Router;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value};

use crate::hub::Hub;
use crate::reply::redirect;
use crate::store::{Kind, State, str_field};
use crate::wire::with_query;

mod authorize;
mod discovery;
mod token;

pub(crate) use authorize::issue_code;

/// The routes under `{auth}/{envID}`.
pub(crate) fn routes() -> Router<Arc<Hub>> {
    Router::new()
        // Step 14: authorize, a 302 to the sign-on page with the flow ID (or the flow as JSON
        // with `response_mode=pi.flow`).
        .route("/as/authorize", get(authorize::authorize_query).post(authorize::authorize_form))
        // Step 18: resume the completed flow, a 302 to the redirect URI with the code.
        .route("/as/resume", get(authorize::resume_query))
        // Step 20: the token endpoint (authorization code + PKCE verifier; also the worker's
        // client credentials, which steps 1-13 and 19 need).
        .route("/as/token", post(token::token_form))
        .route("/as/.well-known/openid-configuration", get(discovery::discovery))
        .route("/as/jwks", get(discovery::jwks))
        .route("/signon", get(discovery::signon_page))
        .route("/signon/", get(discovery::signon_page))
        .route("/signon/{*rest}", get(discovery::signon_page))
}

pub(super) fn param<'a>(params: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    params.get(name).and_then(Value::as_str).filter(|s| !s.is_empty())
}

pub(super) fn error_redirect(redirect_uri: &str, state: Option<&str>, error: &str, description: &str) -> Response {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(s) = state {
        params.push(("state", s));
    }
    redirect(&with_query(redirect_uri, &params), &[])
}

pub(super) fn strings(row: &Map<String, Value>, field: &str) -> Vec<String> {
    row.get(field)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// The scope names granted to an application.
pub(super) fn granted_scopes(state: &State, app: &str) -> Vec<String> {
    state
        .children(Kind::Grant, app)
        .iter()
        .flat_map(|g| g.get("scopes").and_then(Value::as_array).cloned().unwrap_or_default())
        .filter_map(|s| s.get("id").and_then(Value::as_str).and_then(|id| state.get(Kind::Scope, id)))
        .filter_map(|s| str_field(s, "name").map(str::to_owned))
        .collect()
}
