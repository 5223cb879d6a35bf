//! Sign-on policies (step 5) with their actions (step 6).

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
use crate::store::{Kind, ref_id, str_field};

/// The routes under `/v1/environments/{env}/signOnPolicies`.
pub(super) fn routes() -> Router<Arc<Hub>> {
    Router::new()
        // Step 5: create the sign-on policy.
        .route("/signOnPolicies", get(list_policies).post(create_policy))
        .route("/signOnPolicies/{policy}", get(read_policy).put(update_policy).delete(delete_sign_on_policy))
        // Step 6: add the Email MFA action to the policy.
        .route("/signOnPolicies/{policy}/actions", get(list_actions).post(create_action))
        .route("/signOnPolicies/{policy}/actions/{action}", get(read_action).put(update_action).delete(delete_action))
}

async fn list_policies(call: Call) -> Reply {
    list(&call, Kind::SignOnPolicy, None)
}

async fn read_policy(call: Call) -> Reply {
    read(call.env(), Kind::SignOnPolicy, call.id("policy"), None)
}

async fn create_policy(call: Call, body: Bytes) -> Reply {
    save_sign_on_policy(&call, &body, None)
}

async fn update_policy(call: Call, body: Bytes) -> Reply {
    save_sign_on_policy(&call, &body, Some(call.id("policy")))
}

async fn list_actions(call: Call) -> Reply {
    list(&call, Kind::Action, Some(call.id("policy")))
}

async fn read_action(call: Call) -> Reply {
    read(call.env(), Kind::Action, call.id("action"), Some(call.id("policy")))
}

async fn create_action(call: Call, body: Bytes) -> Reply {
    save_action(&call, &body, None)
}

async fn update_action(call: Call, body: Bytes) -> Reply {
    save_action(&call, &body, Some(call.id("action")))
}

const ACTION_TYPES: &[&str] = &[
    "LOGIN",
    "MULTI_FACTOR_AUTHENTICATION",
    "IDENTIFIER_FIRST",
    "IDENTITY_PROVIDER",
    "PROGRESSIVE_PROFILING",
    "AGREEMENT",
    "PINGID_WINLOGIN_PASSWORDLESS_AUTHENTICATION",
    "PINGID_AUTHENTICATION",
];
const MAX_ACTIONS_PER_POLICY: usize = 20;

fn save_sign_on_policy(call: &Call, body: &[u8], id: Option<&str>) -> Reply {
    let env = call.env();
    let body = call.json(body, JSON)?;
    let mut state = env.lock();
    let old = match id {
        Some(id) => Some(state.get(Kind::SignOnPolicy, id).ok_or_else(Failure::not_found)?.clone()),
        None => None,
    };
    let mut c = Check::new(&body);
    let name = c.string("name", true, 256);
    if let Some(n) = name
        && !n.contains(':')
        && !n.chars().all(|ch| ch.is_ascii_alphanumeric() || "_. -".contains(ch))
    {
        c.fail(
            Detail::new("INVALID_VALUE", "name", "name may contain only letters, digits, '_', '.', '-' and spaces")
                .inner(json!({ "allowedPattern": "^[a-zA-Z0-9_. -]+$" })),
        );
    }
    uniqueness(&mut c, &state, Kind::SignOnPolicy, "name", name, id);
    c.string("description", false, 1024);
    let default = c.boolean("default", false);
    c.finish()?;
    save(env, &mut state, Kind::SignOnPolicy, old.as_ref(), body, default == Some(true), |row| {
        row.entry("default").or_insert(json!(false));
    })
}

async fn delete_sign_on_policy(call: Call) -> Reply {
    let (env, id) = (call.env(), call.id("policy"));
    let mut state = env.lock();
    refuse_default(
        state.get(Kind::SignOnPolicy, id).ok_or_else(Failure::not_found)?,
        "The environment's default sign-on policy",
    )?;
    state.table_mut(Kind::SignOnPolicy).remove(id);
    let actions: Vec<String> =
        state.children(Kind::Action, id).iter().filter_map(|r| str_field(r, "id").map(str::to_owned)).collect();
    for action in actions {
        state.table_mut(Kind::Action).remove(&action);
    }
    let assignments: Vec<String> = state
        .rows(Kind::Assignment)
        .filter(|r| ref_id(r, "signOnPolicy") == Some(id))
        .filter_map(|r| str_field(r, "id").map(str::to_owned))
        .collect();
    for assignment in assignments {
        state.table_mut(Kind::Assignment).remove(&assignment);
    }
    no_content()
}

fn save_action(call: &Call, body: &[u8], id: Option<&str>) -> Reply {
    let (env, policy) = (call.env(), call.id("policy"));
    let body = call.json(body, JSON)?;
    let mut state = env.lock();
    if state.get(Kind::SignOnPolicy, policy).is_none() {
        return Err(Failure::not_found());
    }
    let old = match id {
        Some(id) => Some(
            state
                .get(Kind::Action, id)
                .filter(|r| ref_id(r, "signOnPolicy") == Some(policy))
                .ok_or_else(Failure::not_found)?
                .clone(),
        ),
        None => None,
    };
    let mut c = Check::new(&body);
    let kind = c.one_of("type", true, ACTION_TYPES);
    let priority = c.integer("priority", true, 1, 2_147_483_647);
    let siblings = state.children(Kind::Action, policy);
    if let Some(p) = priority
        && siblings.iter().any(|a| a.get("priority").and_then(Value::as_i64) == Some(p) && str_field(a, "id") != id)
    {
        c.fail(Detail::new("UNIQUENESS_VIOLATION", "priority", "Another action of this policy has this priority"));
    }
    if id.is_none() && siblings.len() >= MAX_ACTIONS_PER_POLICY {
        c.fail(Detail::new("SIZE_LIMIT_EXCEEDED", "actions", "A sign-on policy may have at most 20 actions"));
    }
    if kind == Some("MULTI_FACTOR_AUTHENTICATION") {
        for method in ["email", "sms", "voice", "authenticator", "boundBiometrics", "securityKey"] {
            if c.object(method, false).is_some() {
                c.boolean(&format!("{method}.enabled"), true);
            }
        }
        c.one_of("noDevicesMode", false, &["BYPASS", "BLOCK"]);
        if c.object("deviceAuthenticationPolicy", false).is_some()
            && let Some(dp) = c.string("deviceAuthenticationPolicy.id", true, 64)
            && state.get(Kind::DevicePolicy, dp).is_none()
        {
            c.fail(Detail::new(
                "INVALID_VALUE",
                "deviceAuthenticationPolicy.id",
                "The device authentication policy does not exist",
            ));
        }
    }
    c.finish()?;
    save(env, &mut state, Kind::Action, old.as_ref(), body, false, |row| {
        row.insert("signOnPolicy".into(), json!({ "id": policy }));
    })
}

async fn delete_action(call: Call) -> Reply {
    let (env, policy, id) = (call.env(), call.id("policy"), call.id("action"));
    let mut state = env.lock();
    if state.get(Kind::Action, id).is_none_or(|r| ref_id(r, "signOnPolicy") != Some(policy)) {
        return Err(Failure::not_found());
    }
    if state.children(Kind::Action, policy).len() <= 1 {
        return Err(Failure::invalid_data(vec![Detail::new(
            "CONSTRAINT_VIOLATION",
            "actions",
            "A sign-on policy must keep at least one action; delete the policy instead",
        )]));
    }
    state.table_mut(Kind::Action).remove(id);
    no_content()
}
