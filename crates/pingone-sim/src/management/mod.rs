//! The management API, `{management}/environments/{envID}/...` (steps 1–13 and 19): one module
//! per resource family, each with its own route table.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde_json::{Map, Value};

use crate::env::Env;
use crate::extract::EnvPath;
use crate::hub::Hub;
use crate::reply::Failure;
use crate::wire::{media_type_is, query_param};

mod applications;
mod device_policies;
mod listing;
mod populations;
mod resources;
mod rows;
mod sign_on_policies;
mod users;

pub(crate) use listing::parse_filter;

/// `application/json`.
const JSON: &str = "application/json";

/// Every management route, relative to `/v1/environments/{env}`.
pub(crate) fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .merge(applications::routes())
        .merge(resources::routes())
        .merge(sign_on_policies::routes())
        .merge(populations::routes())
        .merge(users::routes())
        .merge(device_policies::routes())
}

/// One management request: its environment (whose worker token it carries), the path's IDs,
/// headers and query.
#[derive(Debug)]
pub(crate) struct Call {
    at: EnvPath,
    headers: HeaderMap,
    query: Option<String>,
    /// The full request URL (for `_links.self` of lists).
    url: String,
}

impl Call {
    fn env(&self) -> &Env {
        &self.at.env
    }

    /// A path parameter (`app`, `user`, ...).
    fn id(&self, name: &str) -> &str {
        self.at.param(name)
    }

    fn query_param(&self, name: &str) -> Option<String> {
        query_param(self.query.as_deref(), name)
    }

    fn has_media_type(&self, expected: &str) -> bool {
        media_type_is(&self.headers, expected)
    }

    /// The JSON object body, after checking the content type.
    fn json(&self, body: &[u8], expected: &str) -> Result<Map<String, Value>, Failure> {
        if !self.has_media_type(expected) {
            return Err(Failure::unsupported_media_type(expected));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(Failure::invalid_request(
                "The request could not be completed. The request body must be a JSON object.",
            )),
            Err(_) => {
                Err(Failure::invalid_request("The request could not be completed. The request body is not valid JSON."))
            }
        }
    }
}

impl FromRequestParts<Arc<Hub>> for Call {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<Hub>) -> Result<Self, Failure> {
        let at = EnvPath::from_request_parts(parts, state).await?;
        authorize(&at.env, &parts.headers)?;
        // Nesting strips the router's prefix from `parts.uri`; links need the whole path.
        let uri = parts.extensions.get::<OriginalUri>().map_or(&parts.uri, |original| &original.0);
        Ok(Self {
            url: format!("{}{uri}", at.env.auth_base),
            at,
            headers: parts.headers.clone(),
            query: parts.uri.query().map(str::to_owned),
        })
    }
}

/// Checks the bearer token: a live worker token of this environment, not restricted.
fn authorize(env: &Env, headers: &HeaderMap) -> Result<(), Failure> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .ok_or_else(Failure::unauthorized)?;
    let now = env.clock.unix();
    let live = env.lock().worker_tokens.get(token.trim()).is_some_and(|&exp| exp > now);
    if !live {
        return Err(Failure::unauthorized());
    }
    if env.restricted.load(Ordering::Relaxed) {
        return Err(Failure::forbidden());
    }
    Ok(())
}
