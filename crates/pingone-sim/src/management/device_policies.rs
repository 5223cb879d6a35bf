//! Device authentication policies (step 12): which MFA methods a sign-on may use, OTP length,
//! lifetime, failures and cool-down.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::routing::get;
use serde_json::{Value, json};

use super::listing::list;
use super::rows::{read, refuse_default, save, uniqueness};
use super::{Call, JSON};
use crate::check::Check;
use crate::hub::Hub;
use crate::reply::{Detail, Failure, Reply, no_content};
use crate::store::Kind;

/// The routes under `/v1/environments/{env}/deviceAuthenticationPolicies`.
pub(super) fn routes() -> Router<Arc<Hub>> {
    Router::new()
        // Step 12: create the e-mail-only device authentication policy.
        .route("/deviceAuthenticationPolicies", get(list_device_policies).post(create_device_policy))
        .route(
            "/deviceAuthenticationPolicies/{policy}",
            get(read_device_policy).put(update_device_policy).delete(delete_device_policy),
        )
}

async fn list_device_policies(call: Call) -> Reply {
    list(&call, Kind::DevicePolicy, None)
}

async fn read_device_policy(call: Call) -> Reply {
    read(call.env(), Kind::DevicePolicy, call.id("policy"), None)
}

async fn create_device_policy(call: Call, body: Bytes) -> Reply {
    save_device_policy(&call, &body, None)
}

async fn update_device_policy(call: Call, body: Bytes) -> Reply {
    save_device_policy(&call, &body, Some(call.id("policy")))
}

const TIME_UNITS: &[&str] = &["MINUTES", "SECONDS"];
const DEVICE_SELECTION: &[&str] = &["DEFAULT_TO_FIRST", "PROMPT_TO_SELECT", "ALWAYS_DISPLAY_DEVICES"];

fn check_offline(c: &mut Check<'_>, method: &str, required: bool) {
    if c.object(method, required).is_none() {
        return;
    }
    c.boolean(&format!("{method}.enabled"), true);
    let duration = c.integer(&format!("{method}.otp.lifeTime.duration"), true, 1, 1800);
    let unit = c.one_of(&format!("{method}.otp.lifeTime.timeUnit"), true, TIME_UNITS);
    if let (Some(d), Some("MINUTES")) = (duration, unit)
        && d > 30
    {
        c.fail(Detail::new(
            "OUT_OF_RANGE",
            format!("{method}.otp.lifeTime.duration"),
            "An OTP lives at most 30 minutes",
        ));
    }
    c.integer(&format!("{method}.otp.failure.count"), true, 1, 7);
    c.integer(&format!("{method}.otp.failure.coolDown.duration"), true, 0, 1800);
    c.one_of(&format!("{method}.otp.failure.coolDown.timeUnit"), true, TIME_UNITS);
    c.integer(&format!("{method}.otp.otpLength"), false, 6, 10);
}

fn check_failure_only(c: &mut Check<'_>, method: &str) {
    if c.object(method, true).is_none() {
        return;
    }
    c.boolean(&format!("{method}.enabled"), true);
    c.integer(&format!("{method}.otp.failure.count"), true, 1, 7);
    c.integer(&format!("{method}.otp.failure.coolDown.duration"), true, 0, 1800);
    c.one_of(&format!("{method}.otp.failure.coolDown.timeUnit"), true, TIME_UNITS);
}

fn save_device_policy(call: &Call, body: &[u8], id: Option<&str>) -> Reply {
    let env = call.env();
    let body = call.json(body, JSON)?;
    let mut state = env.lock();
    let old = match id {
        Some(id) => Some(state.get(Kind::DevicePolicy, id).ok_or_else(Failure::not_found)?.clone()),
        None => None,
    };
    let mut c = Check::new(&body);
    let name = c.string("name", true, 256);
    uniqueness(&mut c, &state, Kind::DevicePolicy, "name", name, id);
    let default = c.boolean("default", true);
    for method in ["sms", "voice", "email"] {
        check_offline(&mut c, method, true);
    }
    check_offline(&mut c, "whatsApp", false);
    check_failure_only(&mut c, "mobile");
    check_failure_only(&mut c, "totp");
    c.one_of("authentication.deviceSelection", false, DEVICE_SELECTION);
    c.one_of("newDeviceNotification", false, &["NONE", "EMAIL_THEN_SMS", "SMS_THEN_EMAIL"]);
    c.finish()?;
    save(env, &mut state, Kind::DevicePolicy, old.as_ref(), body, default == Some(true), |row| {
        // Deprecated and read-only in the spec, but listed as required in responses.
        row.insert("forSignOnPolicy".into(), json!(false));
        row.entry("newDeviceNotification").or_insert(json!("EMAIL_THEN_SMS"));
        if row.get("authentication").is_none() {
            row.insert("authentication".into(), json!({ "deviceSelection": "DEFAULT_TO_FIRST" }));
        }
        for method in ["sms", "voice", "email"] {
            if let Some(otp) = row.get_mut(method).and_then(|m| m.get_mut("otp")).and_then(Value::as_object_mut) {
                otp.entry("otpLength").or_insert(json!(6));
            }
        }
    })
}

async fn delete_device_policy(call: Call) -> Reply {
    let (env, id) = (call.env(), call.id("policy"));
    let mut state = env.lock();
    refuse_default(
        state.get(Kind::DevicePolicy, id).ok_or_else(Failure::not_found)?,
        "The default device authentication policy",
    )?;
    state.table_mut(Kind::DevicePolicy).remove(id);
    no_content()
}
