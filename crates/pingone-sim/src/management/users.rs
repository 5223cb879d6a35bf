//! Users (step 9) with their password (step 10) and `mfaEnabled` (step 11); their MFA devices
//! (step 13) are in [`super::devices`].

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::routing::{get, put};
use serde_json::{Value, json};

use super::listing::list;
use super::rows::{new_row, read, render, uniqueness};
use super::{Call, JSON};
use crate::check::{Check, is_email};
use crate::hub::Hub;
use crate::reply::{Detail, Failure, Reply, created, no_content, ok};
use crate::store::{Kind, str_field};

const PASSWORD_SET: &str = "application/vnd.pingidentity.password.set+json";

/// The routes under `/v1/environments/{env}/users`.
pub(super) fn routes() -> Router<Arc<Hub>> {
    Router::new()
        // Step 9: create the user.
        .route("/users", get(list_users).post(create_user))
        .route("/users/{user}", get(read_user).delete(delete_user))
        // Step 10: set the user's password.
        .route("/users/{user}/password", put(set_password))
        // Step 11: enable MFA for the user.
        .route("/users/{user}/mfaEnabled", get(read_mfa_enabled).put(set_mfa_enabled))
}

async fn list_users(call: Call) -> Reply {
    list(&call, Kind::User, None)
}

async fn read_user(call: Call) -> Reply {
    read(call.env(), Kind::User, call.id("user"), None)
}

async fn create_user(call: Call, body: Bytes) -> Reply {
    let env = call.env();
    let body = call.json(&body, JSON)?;
    let mut state = env.lock();
    let mut c = Check::new(&body);
    let username = c.string("username", true, 128);
    uniqueness(&mut c, &state, Kind::User, "username", username, None);
    if let Some(email) = c.string("email", true, 254)
        && !is_email(email)
    {
        c.fail(Detail::new("INVALID_VALUE", "email", "email must be a valid e-mail address"));
    }
    if c.object("name", false).is_some() {
        c.string("name.given", false, 256);
        c.string("name.family", false, 256);
    }
    let mfa = c.boolean("mfaEnabled", false);
    let population = if c.object("population", false).is_some() { c.string("population.id", true, 64) } else { None };
    if let Some(p) = population
        && state.get(Kind::Population, p).is_none()
    {
        c.fail(Detail::new("INVALID_VALUE", "population.id", "The population does not exist"));
    }
    let password = if c.object("password", false).is_some() { c.string("password.value", true, 255) } else { None };
    c.finish()?;
    let population = match population {
        Some(p) => p.to_owned(),
        None => state
            .rows(Kind::Population)
            .find(|p| p.get("default").and_then(Value::as_bool) == Some(true))
            .and_then(|p| str_field(p, "id"))
            .map(str::to_owned)
            .ok_or_else(|| {
                Failure::invalid_data(vec![Detail::new("REQUIRED_VALUE", "population.id", "No default population")])
            })?,
    };
    let password = password.map(str::to_owned);
    let mut body = body;
    body.remove("password");
    let (id, mut row) = new_row(env, body);
    row.insert("population".into(), json!({ "id": population }));
    row.insert("enabled".into(), json!(true));
    row.insert("mfaEnabled".into(), json!(mfa.unwrap_or(false)));
    row.insert("account".into(), json!({ "canAuthenticate": true, "status": "OK" }));
    row.insert("lifecycle".into(), json!({ "status": "ACCOUNT_OK" }));
    row.insert("identityProvider".into(), json!({ "type": "PING_ONE" }));
    row.insert("verifyStatus".into(), json!("NOT_INITIATED"));
    row.insert("emailVerified".into(), json!(false));
    if let Some(p) = password {
        state.passwords.insert(id.clone(), p);
    }
    state.table_mut(Kind::User).insert(id, row.clone());
    created(&render(env, &state, Kind::User, &row))
}

async fn delete_user(call: Call) -> Reply {
    let (env, id) = (call.env(), call.id("user"));
    let mut state = env.lock();
    if state.table_mut(Kind::User).remove(id).is_none() {
        return Err(Failure::not_found());
    }
    let devices: Vec<String> =
        state.children(Kind::Device, id).iter().filter_map(|r| str_field(r, "id").map(str::to_owned)).collect();
    for device in devices {
        state.table_mut(Kind::Device).remove(&device);
        state.device_locks.remove(&device);
        state.activations.remove(&device);
    }
    state.passwords.remove(id);
    state.password_failures.remove(id);
    state.must_change_password.remove(id);
    no_content()
}

/// Checks and writes under one lock: a user deleted meanwhile cannot get a password.
async fn set_password(call: Call, body: Bytes) -> Reply {
    let (env, id) = (call.env(), call.id("user"));
    let mut state = env.lock();
    if state.get(Kind::User, id).is_none() {
        return Err(Failure::not_found());
    }
    let body = call.json(&body, PASSWORD_SET)?;
    let mut c = Check::new(&body);
    let value = c.string("value", true, 255);
    let force = c.boolean("forceChange", false).unwrap_or(false);
    if let Some(v) = value
        && v.chars().count() < 8
    {
        c.fail(
            Detail::new(
                "INVALID_VALUE",
                "value",
                "The password does not meet the password policy: at least 8 characters",
            )
            .inner(json!({ "rangeMinimumValue": 8 })),
        );
    }
    c.finish()?;
    let now = env.now();
    state.passwords.insert(id.to_owned(), value.unwrap_or_default().to_owned());
    state.password_failures.remove(id);
    if force {
        state.must_change_password.insert(id.to_owned());
    } else {
        state.must_change_password.remove(id);
    }
    ok(&json!({
        "_links": { "self": { "href": format!("{}/users/{id}/password", env.url()) } },
        "environment": { "id": env.id },
        "user": { "id": id },
        "status": if force { "MUST_CHANGE_PASSWORD" } else { "OK" },
        "lastChangedAt": now,
    }))
}

async fn set_mfa_enabled(call: Call, body: Bytes) -> Reply {
    let (env, id) = (call.env(), call.id("user"));
    let mut state = env.lock();
    if state.get(Kind::User, id).is_none() {
        return Err(Failure::not_found());
    }
    let body = call.json(&body, JSON)?;
    let mut c = Check::new(&body);
    let enabled = c.boolean("mfaEnabled", true);
    c.finish()?;
    let enabled = enabled.unwrap_or(false);
    let now = env.now();
    state
        .table_mut(Kind::User)
        .update(id, |user| {
            user.insert("mfaEnabled".into(), json!(enabled));
            user.insert("updatedAt".into(), json!(now));
        })
        .ok_or_else(Failure::not_found)?;
    ok(
        &json!({ "_links": { "self": { "href": format!("{}/users/{id}/mfaEnabled", env.url()) } }, "mfaEnabled": enabled }),
    )
}

async fn read_mfa_enabled(call: Call) -> Reply {
    let (env, id) = (call.env(), call.id("user"));
    let state = env.lock();
    let user = state.get(Kind::User, id).ok_or_else(Failure::not_found)?;
    let enabled = user.get("mfaEnabled").and_then(Value::as_bool).unwrap_or(false);
    ok(
        &json!({ "_links": { "self": { "href": format!("{}/users/{id}/mfaEnabled", env.url()) } }, "mfaEnabled": enabled }),
    )
}
