//! The request extractor every environment route starts with: the environment named by the
//! `{env}` path segment, and the other IDs in the path.

use std::sync::Arc;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;

use crate::env::Env;
use crate::hub::Hub;
use crate::reply::Failure;

/// The environment a request is for, and the path's other parameters (`{app}`, `{user}`, ...).
/// An unknown environment is `404 NOT_FOUND`.
#[derive(Debug)]
pub(crate) struct EnvPath {
    pub env: Arc<Env>,
    params: Vec<(String, String)>,
}

impl EnvPath {
    /// A path parameter by its name in the route (`""` if the route has none by that name,
    /// which the routes' own tests rule out).
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }
}

impl FromRequestParts<Arc<Hub>> for EnvPath {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<Hub>) -> Result<Self, Failure> {
        // Parameters that are not UTF-8 once decoded cannot name anything: 404.
        let raw = RawPathParams::from_request_parts(parts, state).await.map_err(|_| Failure::not_found())?;
        let mut env_id = None;
        let mut params = Vec::new();
        for (name, value) in &raw {
            if name == "env" {
                env_id = Some(value.to_owned());
            } else {
                params.push((name.to_owned(), value.to_owned()));
            }
        }
        let env = env_id.and_then(|id| state.env(&id)).ok_or_else(Failure::not_found)?;
        Ok(Self { env, params })
    }
}
