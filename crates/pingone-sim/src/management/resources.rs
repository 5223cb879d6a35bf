//! Resources and their scopes (steps 2 and 3): read-only, seeded with the environment.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use super::Call;
use super::listing::list;
use super::rows::read;
use crate::hub::Hub;
use crate::reply::Reply;
use crate::store::Kind;

/// The routes under `/v1/environments/{env}/resources`.
pub(super) fn routes() -> Router<Arc<Hub>> {
    Router::new()
        // Step 2: list the resources, to find `openid`.
        .route("/resources", get(list_resources))
        .route("/resources/{resource}", get(read_resource))
        // Step 3: list the openid resource's scopes.
        .route("/resources/{resource}/scopes", get(list_scopes))
        .route("/resources/{resource}/scopes/{scope}", get(read_scope))
}

async fn list_resources(call: Call) -> Reply {
    list(&call, Kind::Resource, None)
}

async fn read_resource(call: Call) -> Reply {
    read(call.env(), Kind::Resource, call.id("resource"), None)
}

async fn list_scopes(call: Call) -> Reply {
    list(&call, Kind::Scope, Some(call.id("resource")))
}

async fn read_scope(call: Call) -> Reply {
    read(call.env(), Kind::Scope, call.id("scope"), Some(call.id("resource")))
}
