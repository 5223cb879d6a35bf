//! The HTTP controls under `/__sim/`, so that a test in any language can do what a Rust test does
//! in process: create isolated environments, move the clock, set latency and faults, read the
//! journal and the outbox (with a long-poll wait), reset everything. JSON in and out; errors
//! have PingOne's error body (`code`, `message`).
//!
//! The per-environment controls answer under `/__sim/environments/{envID}/...` and, for the
//! default environment, directly under `/__sim/...`.
//!
//! They are served only when the simulator is bound to a loopback address, or when
//! [`SimConfig::allow_remote_controls`](crate::SimConfig::allow_remote_controls) is set;
//! otherwise every `/__sim/` path is `403 CONTROLS_DISABLED`.

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::any;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::env::Env;
use crate::hub::Hub;
use crate::reply::{Failure, json_response};

mod environments;
mod faults;
mod observe;
mod time;

/// The `/__sim/` routes; when `enabled` is false, a `403` for each.
pub(crate) fn routes(enabled: bool) -> Router<Arc<Hub>> {
    if !enabled {
        return Router::new().route("/__sim", any(disabled)).route("/__sim/{*rest}", any(disabled));
    }
    let per_environment = || Router::new().merge(time::routes()).merge(faults::routes()).merge(observe::routes());
    Router::new()
        .merge(environments::routes())
        .nest("/__sim", per_environment())
        .nest("/__sim/environments/{env}", per_environment())
}

async fn disabled() -> Failure {
    Failure::new(
        StatusCode::FORBIDDEN,
        "CONTROLS_DISABLED",
        "The /__sim/ controls answer only on a loopback bind; start the simulator with --allow-remote-controls to serve them on this address.",
    )
}

/// The environment a control acts on: the one named by `{env}` in the path, or the default one.
#[derive(Debug)]
struct Target {
    env: Arc<Env>,
    hub: Arc<Hub>,
    /// Whether the path named the environment.
    named: bool,
}

impl FromRequestParts<Arc<Hub>> for Target {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, hub: &Arc<Hub>) -> Result<Self, Failure> {
        let named = match RawPathParams::from_request_parts(parts, hub).await {
            Ok(params) => params.iter().find(|(name, _)| *name == "env").map(|(_, id)| id.to_owned()),
            Err(RawPathParamsRejection::MissingPathParams(_)) => None,
            Err(_) => return Err(Failure::not_found()),
        };
        let env = match &named {
            Some(id) => hub.env(id).ok_or_else(Failure::not_found)?,
            None => Arc::clone(&hub.default_env),
        };
        Ok(Self { env, hub: Arc::clone(hub), named: named.is_some() })
    }
}

/// A JSON request body as `T`; an empty body is `T`'s default.
fn body<T: DeserializeOwned + Default>(raw: &[u8]) -> Result<T, Failure> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(raw)
        .map_err(|e| Failure::invalid_request(format!("The request body is not what this control takes: {e}")))
}

fn reply(status: StatusCode, body: &Value) -> Response {
    json_response(status, body)
}

/// How a client reaches an environment: the ready line's keys, plus where its controls are.
fn environment_json(env: &Env) -> Value {
    let controls = format!("{}/__sim/environments/{}", env.auth_base, env.id);
    json!({
        "environment_id": env.id,
        "management_base": env.management_base,
        "auth_base": env.auth_base,
        "worker_client_id": env.worker.client_id,
        "worker_client_secret": env.worker.client_secret,
        "outbox_url": format!("{controls}/outbox"),
        "controls_url": controls,
    })
}
