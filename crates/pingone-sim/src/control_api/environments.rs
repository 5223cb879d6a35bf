//! `/__sim/environments` (create, list, read, delete), `/__sim/reset` and `/__sim/health`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{Target, environment_json, reply};
use crate::hub::Hub;
use crate::reply::Failure;

pub(super) fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/__sim/health", get(health))
        .route("/__sim/reset", post(reset))
        .route("/__sim/environments", get(list).post(create))
        .route("/__sim/environments/{env}", get(read).delete(delete))
}

/// `GET /__sim/health`.
async fn health(State(hub): State<Arc<Hub>>) -> Response {
    reply(
        StatusCode::OK,
        &json!({
            "status": "ok",
            "environments": hub.count(),
            "default_environment_id": hub.default_env.id,
            "journal_entries": hub.journal.len(),
            "uptime_seconds": hub.started.elapsed().as_secs(),
        }),
    )
}

/// `POST /__sim/reset`: created environments deleted, the default one as it started (same ID
/// and worker credentials), the journal emptied.
async fn reset(State(hub): State<Arc<Hub>>) -> Response {
    hub.reset();
    reply(StatusCode::OK, &json!({ "status": "reset", "environments": hub.count() }))
}

/// `POST /__sim/environments`: a fresh environment with its own worker application.
async fn create(State(hub): State<Arc<Hub>>) -> Result<Response, Failure> {
    let env = hub.create().map_err(|e| Failure::new(StatusCode::CONFLICT, "LIMIT_EXCEEDED", e.to_string()))?;
    tracing::info!(environment = %env.id, "environment created");
    Ok(reply(StatusCode::CREATED, &environment_json(&env)))
}

/// `GET /__sim/environments`.
async fn list(State(hub): State<Arc<Hub>>) -> Response {
    let environments: Vec<Value> = hub.all().iter().map(|env| environment_json(env)).collect();
    reply(StatusCode::OK, &json!({ "environments": environments }))
}

/// `GET /__sim/environments/{env}`: how to reach it, and how much it holds.
async fn read(target: Target) -> Response {
    let env = &target.env;
    let mut body = environment_json(env);
    let (flows, codes) = {
        let state = env.lock();
        (state.flows.len(), state.codes.len())
    };
    if let Some(map) = body.as_object_mut() {
        map.insert("default".into(), json!(Arc::ptr_eq(env, &target.hub.default_env)));
        map.insert("flows".into(), json!(flows));
        map.insert("codes".into(), json!(codes));
        map.insert("emails".into(), json!(env.outbox.len()));
    }
    reply(StatusCode::OK, &body)
}

/// `DELETE /__sim/environments/{env}`: a created environment and everything in it.
async fn delete(target: Target) -> Result<StatusCode, Failure> {
    if Arc::ptr_eq(&target.env, &target.hub.default_env) {
        return Err(Failure::invalid_request(
            "The default environment cannot be deleted; POST /__sim/reset empties it.",
        ));
    }
    if !target.hub.delete(&target.env.id) {
        return Err(Failure::not_found());
    }
    Ok(StatusCode::NO_CONTENT)
}
