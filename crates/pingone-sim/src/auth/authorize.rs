//! Authorize (step 14) and resume (step 18).

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::{error_redirect, granted_scopes, param, strings};
use crate::config::SsoMode;
use crate::env::Env;
use crate::extract::EnvPath;
use crate::flows::{Flow, Status, live_flow};
use crate::reply::{Failure, json_response, oauth_error, put, redirect};
use crate::sessions::{PRE_SESSION_COOKIE, SESSION_COOKIE, Session};
use crate::store::{CodeGrant, Kind, State, ref_id, str_field};
use crate::wire::{cookie, parse_form, with_query};

pub(super) async fn authorize_query(at: EnvPath, uri: Uri, headers: HeaderMap) -> Response {
    authorize(&at.env, &parse_form(uri.query().unwrap_or_default().as_bytes()), &headers)
}

pub(super) async fn authorize_form(at: EnvPath, headers: HeaderMap, body: Bytes) -> Response {
    authorize(&at.env, &parse_form(&body), &headers)
}

pub(super) async fn resume_query(at: EnvPath, uri: Uri, headers: HeaderMap) -> Response {
    resume(&at.env, &parse_form(uri.query().unwrap_or_default().as_bytes()), &headers)
}

/// `GET|POST /{envID}/as/authorize`.
fn authorize(env: &Env, params: &Map<String, Value>, headers: &HeaderMap) -> Response {
    let mut guard = env.lock();
    let state = &mut *guard;
    let client_id = param(params, "client_id").unwrap_or_default();
    let Some(app) = state.get(Kind::Application, client_id).cloned() else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_client", "Unknown client_id");
    };
    if str_field(&app, "protocol") != Some("OPENID_CONNECT")
        || app.get("enabled").and_then(Value::as_bool) != Some(true)
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "The application is disabled or not an OIDC application",
        );
    }
    let pi_flow = param(params, "response_mode") == Some("pi.flow");
    let redirect_uri = param(params, "redirect_uri");
    let registered = strings(&app, "redirectUris");
    match redirect_uri {
        Some(uri) if registered.iter().any(|r| r == uri) => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "redirect_uri is not registered for this application",
            );
        }
        None if pi_flow => {}
        None => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "redirect_uri is required"),
    }
    let app_state = param(params, "state");
    let fail = |error: &str, description: &str| -> Response {
        match redirect_uri {
            Some(uri) if !pi_flow => error_redirect(uri, app_state, error, description),
            _ => oauth_error(StatusCode::BAD_REQUEST, error, description),
        }
    };
    if param(params, "response_type") != Some("code") {
        return fail("unsupported_response_type", "Only response_type=code is supported");
    }
    if !strings(&app, "responseTypes").iter().any(|t| t == "CODE")
        || !strings(&app, "grantTypes").iter().any(|t| t == "AUTHORIZATION_CODE")
    {
        return fail("unauthorized_client", "The application is not allowed the authorization code flow");
    }
    let scope = param(params, "scope").unwrap_or_default();
    let granted = granted_scopes(state, client_id);
    if scope.split(' ').all(str::is_empty) {
        return fail("invalid_scope", "scope is required");
    }
    if let Some(bad) = scope.split(' ').filter(|s| !s.is_empty()).find(|s| !granted.iter().any(|g| g == s)) {
        return fail("invalid_scope", &format!("The scope {bad:?} is not granted to the application"));
    }
    let challenge = param(params, "code_challenge");
    let method = param(params, "code_challenge_method").unwrap_or("plain");
    let enforcement = str_field(&app, "pkceEnforcement").unwrap_or("OPTIONAL");
    if let Some(c) = challenge
        && (!(43..=128).contains(&c.len()) || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)))
    {
        return fail("invalid_request", "code_challenge must be 43-128 characters of [A-Za-z0-9-._~]");
    }
    if !["plain", "S256"].contains(&method) {
        return fail("invalid_request", "code_challenge_method must be plain or S256");
    }
    match (enforcement, challenge) {
        ("REQUIRED" | "S256_REQUIRED", None) => return fail("invalid_request", "code_challenge is required (PKCE)"),
        ("S256_REQUIRED", Some(_)) if method != "S256" => {
            return fail("invalid_request", "code_challenge_method must be S256");
        }
        _ => {}
    }
    let Some((policy, policy_name)) = choose_policy(state, client_id, param(params, "acr_values")) else {
        return fail("server_error", "No sign-on policy applies to the application");
    };
    let mut actions: Vec<Map<String, Value>> = state.children(Kind::Action, &policy).into_iter().cloned().collect();
    actions.sort_by_key(|a| a.get("priority").and_then(Value::as_i64).unwrap_or(i64::MAX));
    let now = env.clock.unix();
    let mut flow = Flow {
        id: env.new_id(),
        app_id: client_id.to_owned(),
        status: Status::SignOnRequired,
        redirect_uri: redirect_uri.map(str::to_owned),
        state: app_state.map(str::to_owned),
        nonce: param(params, "nonce").map(str::to_owned),
        scope: scope.to_owned(),
        code_challenge: challenge.map(|c| (c.to_owned(), method.to_owned())),
        pi_flow,
        pre_session: env.rng.token(),
        policy_name: Some(policy_name),
        actions,
        action_index: 0,
        user_id: None,
        candidates: Vec::new(),
        selected: None,
        otp: None,
        rules: None,
        failures: 0,
        created_at: env.now(),
        last_activity: now,
        amr: Vec::new(),
        authenticators: Vec::new(),
        auth_time: 0,
        error: None,
        session_token: None,
        sso: None,
    };
    if let Some((token, session)) = single_sign_on(env, state, params, headers) {
        flow.user_id = Some(session.user_id.clone());
        flow.session_token = Some(token);
        flow.sso = Some(session);
    }
    flow.enter_current_action(env, state);
    let flow_id = flow.id.clone();
    let cookies = vec![format!("{PRE_SESSION_COOKIE}={}; Path=/{}; HttpOnly; SameSite=Lax", flow.pre_session, env.id)];
    let body = flow.render(env, state);
    let completed = flow.status == Status::Completed;
    state.flows.insert(flow_id.clone(), flow);
    if pi_flow {
        let mut response = json_response(StatusCode::OK, &body);
        for c in &cookies {
            if let Ok(v) = HeaderValue::from_str(c) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        return response;
    }
    let target = if completed {
        // Single sign-on finished the flow at once: straight to resume.
        with_query(&format!("{}/{}/as/resume", env.auth_base, env.id), &[("flowId", &flow_id)])
    } else {
        match str_field(&app, "loginPageUrl") {
            Some(page) => with_query(page, &[("flowId", &flow_id), ("environmentId", &env.id)]),
            None => with_query(&format!("{}/{}/signon/", env.apps_base, env.id), &[("flowId", &flow_id)]),
        }
    };
    redirect(&target, &cookies)
}

/// The sign-on policy and its name: with `acr_values`, the first value that names (case
/// aside) a policy assigned to the application; otherwise the assignment with the lowest
/// priority; without assignments, the environment's default policy.
fn choose_policy(state: &State, client_id: &str, acr_values: Option<&str>) -> Option<(String, String)> {
    let mut assigned: Vec<(i64, String)> = state
        .children(Kind::Assignment, client_id)
        .iter()
        .filter_map(|a| Some((a.get("priority")?.as_i64()?, ref_id(a, "signOnPolicy")?.to_owned())))
        .collect();
    assigned.sort();
    let named = |id: &str| -> Option<(String, String)> {
        let policy = state.get(Kind::SignOnPolicy, id)?;
        Some((id.to_owned(), str_field(policy, "name")?.to_owned()))
    };
    let assigned: Vec<(String, String)> = assigned.iter().filter_map(|(_, id)| named(id)).collect();
    let requested = acr_values.unwrap_or_default().split(' ').filter(|v| !v.is_empty());
    for value in requested {
        if let Some(found) = assigned.iter().find(|(_, name)| name.eq_ignore_ascii_case(value)) {
            return Some(found.clone());
        }
    }
    assigned.into_iter().next().or_else(|| {
        let default =
            state.rows(Kind::SignOnPolicy).find(|p| p.get("default").and_then(Value::as_bool) == Some(true))?;
        named(str_field(default, "id")?)
    })
}

/// The live single sign-on session the request's `ST` names, when [`SsoMode::On`] and it
/// holds a completed sign-on of a user who still exists and is enabled. `prompt=login`, or a
/// last authentication older than `max_age`, asks for a full sign-on instead.
fn single_sign_on(
    env: &Env,
    state: &mut State,
    params: &Map<String, Value>,
    headers: &HeaderMap,
) -> Option<(String, Session)> {
    if env.settings.sso != SsoMode::On || param(params, "prompt").is_some_and(|p| p.split(' ').any(|v| v == "login")) {
        return None;
    }
    let token = cookie(headers, SESSION_COOKIE)?.to_owned();
    let now = env.clock.unix();
    let session = state.sessions.live(&token, now, env.settings.session_idle_timeout.as_secs())?.clone();
    session.last_sign_on?;
    let max_age = param(params, "max_age").and_then(|m| m.parse::<u64>().ok());
    if max_age.is_some_and(|max| now.saturating_sub(session.auth_time) > max) {
        return None;
    }
    let user = state.get(Kind::User, &session.user_id)?;
    if user.get("enabled").and_then(Value::as_bool) == Some(false) {
        return None;
    }
    if let Some(live) = state.sessions.get_mut(&token) {
        live.last_activity = now;
    }
    Some((token, session))
}

/// Creates a single-use authorization code for a completed flow.
pub(crate) fn issue_code(env: &Env, state: &mut State, flow: &Flow) -> String {
    let code = env.new_id();
    state.codes.insert(
        code.clone(),
        CodeGrant {
            client_id: flow.app_id.clone(),
            redirect_uri: flow.redirect_uri.clone(),
            code_challenge: flow.code_challenge.clone(),
            user_id: flow.user_id.clone().unwrap_or_default(),
            nonce: flow.nonce.clone(),
            scope: flow.scope.clone(),
            auth_time: flow.auth_time,
            amr: flow.amr.clone(),
            acr: flow.policy_name.clone(),
            sid: flow.sid(state, env),
            expires_at: env.clock.unix().saturating_add(env.settings.code_lifetime.as_secs()),
        },
    );
    code
}

/// `GET /{envID}/as/resume?flowId=`: a `302` to the redirect URI with the code (or the
/// OAuth error); with `response_mode=pi.flow`, `200` with the flow and its `authorizeResponse`
/// (`code` and `state`, or `error`).
fn resume(env: &Env, params: &Map<String, Value>, headers: &HeaderMap) -> Response {
    let mut guard = env.lock();
    let state = &mut *guard;
    let Some(flow_id) = param(params, "flowId") else {
        return Failure::invalid_request("The request could not be completed. flowId is required.").into_response();
    };
    let finished = match live_flow(env, state, flow_id, headers) {
        Ok(flow) => matches!(flow.status, Status::Completed | Status::Failed),
        Err(failure) => return failure.into_response(),
    };
    if !finished {
        return Failure::invalid_request("The request could not be completed. The flow is not completed.")
            .into_response();
    }
    let Some(flow) = state.flows.remove(flow_id) else { return Failure::not_found().into_response() };
    let mut answer = match flow.status {
        Status::Completed => vec![("code".to_owned(), issue_code(env, state, &flow))],
        _ => vec![
            ("error".to_owned(), "access_denied".to_owned()),
            ("error_description".to_owned(), flow.error.map_or("The sign-on failed", |f| f.message).to_owned()),
        ],
    };
    if let Some(s) = &flow.state {
        answer.push(("state".to_owned(), s.clone()));
    }
    if flow.pi_flow {
        let mut body = flow.render(env, state);
        let response: Map<String, Value> = answer.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        put(&mut body, "authorizeResponse", Value::Object(response));
        return json_response(StatusCode::OK, &body);
    }
    let Some(redirect_uri) = flow.redirect_uri.as_deref() else {
        return Failure::invalid_request("The request could not be completed. The flow has no redirect_uri.")
            .into_response();
    };
    let pairs: Vec<(&str, &str)> = answer.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    redirect(&with_query(redirect_uri, &pairs), &[])
}
