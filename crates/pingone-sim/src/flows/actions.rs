//! The flow routes, `{auth}/{envID}/flows/{flowID}` (steps 15–17), and the actions a flow offers.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::{FLOW_COOKIE, Flow, OtpRules, SESSION_COOKIE, Status};
use crate::config::CookiePolicy;
use crate::env::Env;
use crate::extract::EnvPath;
use crate::hub::Hub;
use crate::reply::{Detail, Failure, Reply, json_response};
use crate::store::{Kind, State, str_field};
use crate::wire::{constant_time_eq, cookie, media_type};

/// The routes under `{auth}/{envID}`.
pub(crate) fn routes() -> Router<Arc<Hub>> {
    // Step 15: read the flow (GET). The actions are POSTs named by the Content-Type: step 16,
    // `user.lookup`; step 17, `otp.check`; also `usernamePassword.check`, `device.select` and
    // `session.reset`.
    Router::new().route("/flows/{flow}", get(read).post(act))
}

/// Looks a live flow up (expiring idle ones) and checks its cookie.
pub(crate) fn live_flow<'a>(
    env: &Env,
    state: &'a mut State,
    id: &str,
    headers: &HeaderMap,
    is_action: bool,
) -> Result<&'a mut Flow, Failure> {
    let now = env.clock.unix();
    let expired = state.flows.get(id).is_some_and(|f| now > f.expires_at(env));
    if expired {
        state.flows.remove(id);
    }
    let flow = state.flows.get_mut(id).ok_or_else(Failure::not_found)?;
    let must_check = match env.settings.cookies {
        CookiePolicy::Strict => true,
        CookiePolicy::ActionsOnly => is_action,
        CookiePolicy::Off => false,
    };
    if must_check {
        let presented = cookie(headers, FLOW_COOKIE).unwrap_or_default();
        if !constant_time_eq(presented.as_bytes(), flow.cookie.as_bytes()) {
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                "ACCESS_FAILED",
                "The request could not be completed. The flow's session cookie is missing or does not match.",
            ));
        }
    }
    flow.last_activity = now;
    Ok(flow)
}

fn flow_reply(env: &Env, state: &State, flow_id: &str, set_session: bool) -> Reply {
    let flow = state.flows.get(flow_id).ok_or_else(Failure::not_found)?;
    let mut response = json_response(StatusCode::OK, &flow.render(env, state));
    if set_session
        && let Some(token) = &flow.session_token
        && let Ok(value) = format!("{SESSION_COOKIE}={token}; Path=/{}; HttpOnly; SameSite=Lax", env.id).parse()
    {
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
    live_flow(env, &mut state, id, headers, false)?;
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
    let status = live_flow(env, state, id, headers, true)?.status;
    if !status.actions().contains(&action.as_str()) {
        return Err(Failure::invalid_request(format!(
            "The request could not be completed. The flow in status {} does not offer the action {action:?}.",
            status.as_str()
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
    let mut flow = state.flows.get(id).cloned().ok_or_else(Failure::not_found)?;
    let had_session = flow.session_token.is_some();
    let outcome = match action.as_str() {
        "user.lookup" => user_lookup(env, state, &mut flow, &body),
        "usernamePassword.check" => password_check(env, state, &mut flow, &body),
        "device.select" => device_select(env, &mut flow, &body),
        "otp.check" => otp_check(env, state, &mut flow, &body),
        "session.reset" => {
            flow.user_id = None;
            flow.action_index = 0;
            flow.candidates.clear();
            flow.otp = None;
            flow.failures = 0;
            flow.amr.clear();
            flow.enter_current_action(env, state);
            Ok(())
        }
        _ => Err(Failure::invalid_request("The request could not be completed. Unsupported flow action.")),
    };
    let completed = flow.status == Status::Completed;
    let new_session = !had_session && flow.session_token.is_some();
    if completed && flow.pi_flow && flow.authorize_response.is_none() {
        let code = crate::auth::issue_code(env, state, &flow);
        let mut response = json!({ "code": code });
        if let Some(s) = &flow.state {
            crate::reply::put(&mut response, "state", json!(s));
        }
        flow.authorize_response = Some(response);
    }
    state.flows.insert(id.to_owned(), flow);
    outcome?;
    flow_reply(env, state, id, new_session)
}

fn string_field<'a>(body: &'a Map<String, Value>, field: &str) -> Result<&'a str, Failure> {
    match body.get(field) {
        None | Some(Value::Null) => {
            Err(Failure::invalid_data(vec![Detail::new("REQUIRED_VALUE", field, format!("{field} is required"))]))
        }
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 1024 => Ok(s),
        Some(_) => Err(Failure::invalid_value(field, format!("{field} must be a non-empty string"))),
    }
}

fn find_user(state: &State, username: &str) -> Option<String> {
    state
        .rows(Kind::User)
        .find(|u| str_field(u, "username").is_some_and(|n| n.eq_ignore_ascii_case(username)))
        .filter(|u| u.get("enabled").and_then(Value::as_bool) != Some(false))
        .and_then(|u| str_field(u, "id").map(str::to_owned))
}

fn user_lookup(env: &Env, state: &mut State, flow: &mut Flow, body: &Map<String, Value>) -> Result<(), Failure> {
    let username = string_field(body, "username")?;
    let user = find_user(state, username)
        .ok_or_else(|| Failure::invalid_value("username", "No enabled user has this username"))?;
    flow.user_id = Some(user);
    flow.identified(env);
    flow.enter_current_action(env, state);
    Ok(())
}

fn password_check(env: &Env, state: &mut State, flow: &mut Flow, body: &Map<String, Value>) -> Result<(), Failure> {
    let username = string_field(body, "username")?;
    let password = string_field(body, "password")?;
    let user = find_user(state, username);
    let ok = user
        .as_deref()
        .and_then(|u| state.passwords.get(u))
        .is_some_and(|p| constant_time_eq(p.as_bytes(), password.as_bytes()));
    let Some(user) = user.filter(|_| ok) else {
        return Err(Failure::invalid_value("password", "Invalid username or password"));
    };
    flow.user_id = Some(user);
    flow.identified(env);
    flow.amr.push("pwd");
    flow.action_index += 1;
    flow.enter_current_action(env, state);
    Ok(())
}

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
    let rules = flow.rules.unwrap_or(OtpRules { length: 6, lifetime_secs: 1800, max_failures: 3, cooldown_secs: 120 });
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
        flow.amr.push("otp");
        flow.otp = None;
        flow.action_index += 1;
        flow.enter_current_action(env, state);
        return Ok(());
    }
    flow.failures += 1;
    let remaining = rules.max_failures.saturating_sub(flow.failures);
    if remaining == 0 {
        flow.fail("TOO_MANY_ATTEMPTS", "Too many failed passcodes");
        if let Some(device) = &flow.selected {
            state.device_locks.insert(device.clone(), now + rules.cooldown_secs);
        }
    }
    Err(Failure::invalid_data(vec![
        Detail::new("INVALID_OTP", "otp", "Invalid One-Time Passcode.")
            .inner(json!({ "remainingAttempts": remaining })),
    ]))
}
