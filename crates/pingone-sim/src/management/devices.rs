//! Users' MFA devices (step 13): create (an `ACTIVATION_REQUIRED` device gets an activation
//! passcode by e-mail), activate with `application/vnd.pingidentity.device.activate+json`,
//! reorder with `application/vnd.pingidentity.devices.reorder+json`, read, list, delete.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::routing::get;
use serde_json::{Value, json};

use super::listing::list;
use super::rows::{delete, new_row, read, render};
use super::{Call, JSON};
use crate::check::{Check, is_email};
use crate::hub::Hub;
use crate::reply::{Detail, Failure, Reply, created, ok};
use crate::store::{Kind, PendingActivation, str_field};

const DEVICES_REORDER: &str = "application/vnd.pingidentity.devices.reorder+json";
const DEVICE_ACTIVATE: &str = "application/vnd.pingidentity.device.activate+json";
const DEVICE_TYPES: &[&str] = &["EMAIL", "SMS", "VOICE"];
const MAX_DEVICES_PER_USER: usize = 5;
/// How long an activation passcode lives.
const ACTIVATION_LIFETIME_SECS: u64 = 30 * 60;

/// The routes under `/v1/environments/{env}/users/{user}/devices`.
pub(super) fn routes() -> Router<Arc<Hub>> {
    Router::new()
        // Step 13: add the user's EMAIL device (the same POST with the reorder media type sets
        // the devices' order).
        .route("/users/{user}/devices", get(list_devices).post(create_or_reorder_devices))
        // A POST with the activate media type activates an ACTIVATION_REQUIRED device.
        .route("/users/{user}/devices/{device}", get(read_device).post(activate_device).delete(delete_device))
}

async fn list_devices(call: Call) -> Reply {
    list(&call, Kind::Device, Some(call.id("user")))
}

async fn read_device(call: Call) -> Reply {
    read(call.env(), Kind::Device, call.id("device"), Some(call.id("user")))
}

async fn delete_device(call: Call) -> Reply {
    let reply = delete(call.env(), Kind::Device, call.id("device"), Some(call.id("user")));
    if reply.is_ok() {
        call.env().lock().activations.remove(call.id("device"));
    }
    reply
}

/// `POST .../users/{user}/devices`: the Content-Type chooses between creating a device and
/// setting the devices' order.
async fn create_or_reorder_devices(call: Call, body: Bytes) -> Reply {
    if call.has_media_type(DEVICES_REORDER) { reorder_devices(&call, &body) } else { create_device(&call, &body) }
}

fn create_device(call: &Call, body: &[u8]) -> Reply {
    let (env, user) = (call.env(), call.id("user"));
    let body = call.json(body, JSON)?;
    let mut state = env.lock();
    if state.get(Kind::User, user).is_none() {
        return Err(Failure::not_found());
    }
    let mut c = Check::new(&body);
    let kind = c.one_of("type", true, DEVICE_TYPES);
    match kind {
        Some("EMAIL") => {
            if let Some(email) = c.string("email", true, 254)
                && !is_email(email)
            {
                c.fail(Detail::new("INVALID_VALUE", "email", "email must be a valid e-mail address"));
            }
        }
        Some(_) => {
            c.string("phone", true, 32);
        }
        None => {}
    }
    c.one_of("status", false, &["ACTIVE", "ACTIVATION_REQUIRED"]);
    c.string("nickname", false, 100);
    if c.object("policy", false).is_some()
        && let Some(p) = c.string("policy.id", true, 64)
        && state.get(Kind::DevicePolicy, p).is_none()
    {
        c.fail(Detail::new("INVALID_VALUE", "policy.id", "The device authentication policy does not exist"));
    }
    if state.count_referencing(Kind::Device, user) >= MAX_DEVICES_PER_USER {
        c.fail(Detail::new("SIZE_LIMIT_EXCEEDED", "devices", "The user already has the maximum number of devices (5)"));
    }
    c.finish()?;
    let (id, mut row) = new_row(env, body);
    row.insert("user".into(), json!({ "id": user }));
    row.entry("status").or_insert(json!("ACTIVE"));
    if str_field(&row, "status") == Some("ACTIVATION_REQUIRED") {
        // The activation passcode goes to the device itself (the e-mail address or phone).
        let address = str_field(&row, "email").or_else(|| str_field(&row, "phone")).unwrap_or_default().to_owned();
        let code = env.rng.digits(6);
        env.outbox.send(&address, &code, env.now(), ACTIVATION_LIFETIME_SECS / 60);
        let expires_at = env.clock.unix().saturating_add(ACTIVATION_LIFETIME_SECS);
        state.activations.insert(id.clone(), PendingActivation { code, expires_at });
    }
    state.table_mut(Kind::Device).insert(id, row.clone());
    created(&render(env, &state, Kind::Device, &row))
}

/// `POST .../users/{user}/devices/{device}` with `device.activate`: `{"otp": "..."}`, the
/// passcode sent when the device was created `ACTIVATION_REQUIRED`; `200` with the device, now
/// `ACTIVE`.
async fn activate_device(call: Call, body: Bytes) -> Reply {
    let (env, user, device) = (call.env(), call.id("user"), call.id("device"));
    let body = call.json(&body, DEVICE_ACTIVATE)?;
    let mut state = env.lock();
    let row = state
        .get(Kind::Device, device)
        .filter(|d| crate::store::ref_id(d, "user") == Some(user))
        .ok_or_else(Failure::not_found)?;
    if str_field(row, "status") != Some("ACTIVATION_REQUIRED") {
        return Err(Failure::invalid_request("The request could not be completed. The device is already active."));
    }
    let mut c = Check::new(&body);
    let otp = c.string("otp", true, 10);
    c.finish()?;
    let pending = state.activations.get(device).filter(|p| p.expires_at > env.clock.unix());
    let right = pending
        .is_some_and(|p| crate::wire::constant_time_eq(p.code.as_bytes(), otp.unwrap_or_default().trim().as_bytes()));
    if !right {
        let why = if pending.is_some() { "Invalid One-Time Passcode." } else { "The activation passcode expired." };
        return Err(Failure::invalid_data(vec![Detail::new("INVALID_OTP", "otp", why)]));
    }
    state.activations.remove(device);
    let now = env.now();
    let row = state
        .table_mut(Kind::Device)
        .update(device, |row| {
            row.insert("status".into(), json!("ACTIVE"));
            row.insert("updatedAt".into(), json!(now));
            row.clone()
        })
        .ok_or_else(Failure::not_found)?;
    ok(&render(env, &state, Kind::Device, &row))
}

fn reorder_devices(call: &Call, body: &[u8]) -> Reply {
    let (env, user) = (call.env(), call.id("user"));
    let body = call.json(body, DEVICES_REORDER)?;
    let mut state = env.lock();
    if state.get(Kind::User, user).is_none() {
        return Err(Failure::not_found());
    }
    let owned: Vec<String> =
        state.children(Kind::Device, user).iter().filter_map(|r| str_field(r, "id").map(str::to_owned)).collect();
    let order: Option<Vec<String>> = body
        .get("order")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().map(|d| d.get("id").and_then(Value::as_str).map(str::to_owned)).collect());
    let Some(order) = order.filter(|o| !o.is_empty() && o.iter().all(|id| owned.contains(id))) else {
        return Err(Failure::invalid_value("order", "order must list the user's device IDs"));
    };
    // Re-insert in the requested order, then the rest.
    let table = state.table_mut(Kind::Device);
    for id in order.iter().chain(owned.iter().filter(|id| !order.contains(id))) {
        if let Some(row) = table.remove(id) {
            table.insert(id.clone(), row);
        }
    }
    let list: Vec<Value> = order.iter().map(|id| json!({ "id": id })).collect();
    ok(&json!({ "_links": { "self": { "href": format!("{}/users/{user}/devices", env.url()) } }, "order": list }))
}
