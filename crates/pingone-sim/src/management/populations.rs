//! Populations (step 8).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::routing::get;
use serde_json::json;

use super::listing::list;
use super::rows::{read, refuse_default, save, uniqueness};
use super::{Call, JSON};
use crate::check::Check;
use crate::hub::Hub;
use crate::reply::{Detail, Failure, Reply, no_content};
use crate::store::Kind;

/// The routes under `/v1/environments/{env}/populations`.
pub(super) fn routes() -> Router<Arc<Hub>> {
    Router::new()
        // Step 8: create the population the user joins.
        .route("/populations", get(list_populations).post(create_population))
        .route("/populations/{population}", get(read_population).put(update_population).delete(delete_population))
}

async fn list_populations(call: Call) -> Reply {
    list(&call, Kind::Population, None)
}

async fn read_population(call: Call) -> Reply {
    read(call.env(), Kind::Population, call.id("population"), None)
}

async fn create_population(call: Call, body: Bytes) -> Reply {
    save_population(&call, &body, None)
}

async fn update_population(call: Call, body: Bytes) -> Reply {
    save_population(&call, &body, Some(call.id("population")))
}

fn save_population(call: &Call, body: &[u8], id: Option<&str>) -> Reply {
    let env = call.env();
    let body = call.json(body, JSON)?;
    let mut state = env.lock();
    let old = match id {
        Some(id) => Some(state.get(Kind::Population, id).ok_or_else(Failure::not_found)?.clone()),
        None => None,
    };
    let mut c = Check::new(&body);
    let name = c.string("name", true, 256);
    uniqueness(&mut c, &state, Kind::Population, "name", name, id);
    c.string("description", false, 1024);
    let default = c.boolean("default", false);
    c.finish()?;
    save(env, &mut state, Kind::Population, old.as_ref(), body, default == Some(true), |row| {
        row.remove("userCount");
        row.entry("default").or_insert(json!(false));
    })
}

async fn delete_population(call: Call) -> Reply {
    let (env, id) = (call.env(), call.id("population"));
    let mut state = env.lock();
    refuse_default(state.get(Kind::Population, id).ok_or_else(Failure::not_found)?, "The default population")?;
    if state.count_referencing(Kind::User, id) > 0 {
        return Err(Failure::invalid_data(vec![Detail::new(
            "CONSTRAINT_VIOLATION",
            "users",
            "A population that still has users cannot be deleted",
        )]));
    }
    state.table_mut(Kind::Population).remove(id);
    no_content()
}
