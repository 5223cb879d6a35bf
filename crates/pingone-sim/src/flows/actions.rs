//! The flow routes, `{auth}/{envID}/flows/{flowID}` (steps 15–17), and the actions a flow offers.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::Flow;
use super::password::{password_check, password_reset};
use crate::config::CookiePolicy;
use crate::env::Env;
use crate::extract::EnvPath;
use crate::hub::Hub;
use crate::reply::{Detail, Failure, Reply, json_response};
use crate::sessions::{PRE_SESSION_COOKIE, SESSION_COOKIE};
use crate::store::{Kind, State, str_field};
use crate::wire::{constant_time_eq, cookie, media_type};

/// The routes under `{auth}/{envID}`.
pub(crate) fn routes() -> Router<Arc<Hub>> {
    // Step 15: read the flow (GET). The actions are POSTs named by the Content-Type: step 16,
    // `user.lookup`; step 17, `otp.check`; also `usernamePassword.check`, `password.reset`,
    // `device.select` and `session.reset`.
    Router::new().route("/flows/{flow}", get(read).post(act))
}

/// Whether the request carries the flow's own cookie: the `ST-NO-SS` set at authorize, or the
/// `ST` of the flow's session.
pub(crate) fn carries_flow_cookie(headers: &HeaderMap, flow: &Flow) -> bool {
    let pre_session = cookie(headers, PRE_SESSION_COOKIE)
        .is_some_and(|v| constant_time_eq(v.as_bytes(), flow.pre_session.as_bytes()));
    let session = flow.session_token.as_deref().is_some_and(|token| {
        cookie(headers, SESSION_COOKIE).is_some_and(|v| constant_time_eq(v.as_bytes(), token.as_bytes()))
    });
    pre_session || session
}

/// A flow call without the flow's cookie. PingOne's answer is a guess from weak evidence (see
/// the crate docs).
fn missing_cookie() -> Failure {
    Failure::new(StatusCode::UNAUTHORIZED, "INVALID_TOKEN", "The authorization token is either missing or invalid")
}

/// Looks a live flow up (expiring idle ones) and, in strict mode, checks its cookie.
pub(crate) fn live_flow<'a>(
    env: &Env,
    state: &'a mut State,
    id: &str,
    headers: &HeaderMap,
) -> Result<&'a mut Flow, Failure> {
    let now = env.clock.unix();
    let expired = state.flows.get(id).is_some_and(|f| now > f.expires_at(env));
    if expired {
        state.flows.remove(id);
    }
    let flow = state.flows.get_mut(id).ok_or_else(Failure::not_found)?;
    if env.settings.cookies == CookiePolicy::Strict && !carries_flow_cookie(headers, flow) {
        return Err(missing_cookie());
    }
    flow.last_activity = now;
    Ok(flow)
}

/// The `Set-Cookie` value of a session token: persistent for the session's idle timeout.
pub(crate) fn session_cookie(env: &Env, token: &str) -> Option<HeaderValue> {
    let max_age = env.settings.session_idle_timeout.as_secs();
    format!("{SESSION_COOKIE}={token}; Path=/{}; Max-Age={max_age}; HttpOnly; SameSite=Lax", env.id).parse().ok()
}

fn flow_reply(env: &Env, state: &State, flow_id: &str, set_session: bool) -> Reply {
    let flow = state.flows.get(flow_id).ok_or_else(Failure::not_found)?;
    let mut response = json_response(StatusCode::OK, &flow.render(env, state));
    if set_session && let Some(value) = flow.session_token.as_deref().and_then(|t| session_cookie(env, t)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `GET /{envID}/flows/{flowID}`: changes nothing (except the idle timer).
async fn read(at: EnvPath, headers: HeaderMap) -> Reply {
    read_flow(&at.env, at.param("flow"), &headers)
}

/// `POST /{envID}/flows/{flowID}`.
async fn act(at: EnvPath, headers: HeaderMap, body: Bytes) -> Reply {
    act_on_flow(&at.env, at.param("flow"), &headers, &body)
}

fn read_flow(env: &Env, id: &str, headers: &HeaderMap) -> Reply {
    let mut state = env.lock();
    live_flow(env, &mut state, id, headers)?;
    flow_reply(env, &state, id, false)
}

/// `POST /{envID}/flows/{flowID}`: the action is chosen by the Content-Type.
fn act_on_flow(env: &Env, id: &str, headers: &HeaderMap, body: &[u8]) -> Reply {
    let action = media_type(headers)
        .unwrap_or_default()
        .strip_prefix("application/vnd.pingidentity.")
        .map(|rest| rest.strip_suffix("+json").unwrap_or(rest))
        .ok_or_else(|| Failure::unsupported_media_type("an application/vnd.pingidentity.<action>+json flow action"))?
        .to_owned();
    let mut guard = env.lock();
    let state = &mut *guard;
    let flow = live_flow(env, state, id, headers)?;
    if !flow.offered().contains(&action.as_str()) {
        return Err(Failure::invalid_request(format!(
            "The request could not be completed. The flow in status {} does not offer the action {action:?}.",
            flow.status.as_str()
        )));
    }
    let body = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        Ok(_) | Err(_) if action == "session.reset" => Map::new(),
        _ => {
            return Err(Failure::invalid_request(
                "The request could not be completed. The request body is not a valid JSON object.",
            ));
        }
    };
    // Taken out while the action runs (no action reads the flow table), put back after.
    let mut flow = state.flows.remove(id).ok_or_else(Failure::not_found)?;
    let session_before = flow.session_token.clone();
    let outcome = match action.as_str() {
        "user.lookup" => user_lookup(env, state, &mut flow, &body),
        "usernamePassword.check" => password_check(env, state, &mut flow, &body),
        "password.reset" => password_reset(env, state, &mut flow, &body),
        "device.select" => device_select(env, &mut flow, &body),
        "otp.check" => otp_check(env, state, &mut flow, &body),
        "session.reset" => {
            flow.user_id = None;
            flow.action_index = 0;
            flow.candidates.clear();
            flow.otp = None;
            flow.failures = 0;
            flow.amr.clear();
            flow.authenticators.clear();
            flow.enter_current_action(env, state);
            Ok(())
        }
        "password.forgot" => Err(Failure::invalid_request(
            "The request could not be completed. The simulator offers password.forgot as a link but does not \
             simulate password recovery.",
        )),
        _ => Err(Failure::invalid_request("The request could not be completed. Unsupported flow action.")),
    };
    let new_session = flow.session_token.is_some() && flow.session_token != session_before;
    state.flows.insert(id.to_owned(), flow);
    outcome?;
    flow_reply(env, state, id, new_session)
}

pub(super) fn string_field<'a>(body: &'a Map<String, Value>, field: &str) -> Result<&'a str, Failure> {
    match body.get(field) {
        None | Some(Value::Null) => {
            Err(Failure::invalid_data(vec![Detail::new("REQUIRED_VALUE", field, format!("{field} is required"))]))
        }
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 1024 => Ok(s),
        Some(_) => Err(Failure::invalid_value(field, format!("{field} must be a non-empty string"))),
    }
}

pub(super) fn find_user(state: &State, username: &str) -> Option<String> {
    state
        .rows_named(Kind::User, "username", username)
        .first()
        .filter(|u| u.get("enabled").and_then(Value::as_bool) != Some(false))
        .and_then(|u| str_field(u, "id").map(str::to_owned))
}

fn user_lookup(env: &Env, state: &mut State, flow: &mut Flow, body: &Map<String, Value>) -> Result<(), Failure> {
    let username = string_field(body, "username")?;
    let user = find_user(state, username)
        .ok_or_else(|| Failure::invalid_value("username", "No enabled user has this username"))?;
    flow.identified(env, state, user);
    flow.enter_current_action(env, state);
    Ok(())
}

/// `device.select`: the chosen device gets a fresh passcode (the same device again: a resend;
/// another one of the flow's devices: a switch).
fn device_select(env: &Env, flow: &mut Flow, body: &Map<String, Value>) -> Result<(), Failure> {
    let device = body.get("device").and_then(|d| d.get("id")).and_then(Value::as_str);
    let Some(candidate) = device.and_then(|id| flow.candidates.iter().find(|c| c.id == id)).cloned() else {
        return Err(Failure::invalid_value("device.id", "device.id must be one of the flow's devices"));
    };
    flow.send_otp(env, &candidate);
    Ok(())
}

fn otp_check(env: &Env, state: &mut State, flow: &mut Flow, body: &Map<String, Value>) -> Result<(), Failure> {
    let submitted = string_field(body, "otp")?;
    let now = env.clock.unix();
    let rules = flow.rules.unwrap_or_default();
    let Some(pending) = flow.otp.clone() else { return Err(Failure::invalid_request("No passcode is pending")) };
    if now > pending.expires_at {
        return Err(Failure::invalid_data(vec![
            Detail::new(
                "INVALID_OTP",
                "otp",
                "The one-time passcode has expired; select the device again to get a new one",
            )
            .inner(json!({ "expired": true, "remainingAttempts": rules.max_failures.saturating_sub(flow.failures) })),
        ]));
    }
    if constant_time_eq(submitted.trim().as_bytes(), pending.code.as_bytes()) {
        flow.otp_accepted();
        flow.action_index = flow.action_index.saturating_add(1);
        flow.enter_current_action(env, state);
        return Ok(());
    }
    flow.failures = flow.failures.saturating_add(1);
    let remaining = rules.max_failures.saturating_sub(flow.failures);
    if remaining == 0 {
        flow.fail("TOO_MANY_ATTEMPTS", "Too many failed passcodes", Some(rules.cooldown_secs));
        if let Some(device) = &flow.selected {
            state.device_locks.insert(device.clone(), now.saturating_add(rules.cooldown_secs));
        }
    }
    Err(Failure::invalid_data(vec![
        Detail::new("INVALID_OTP", "otp", "Invalid One-Time Passcode.")
            .inner(json!({ "remainingAttempts": remaining })),
    ]))
}
