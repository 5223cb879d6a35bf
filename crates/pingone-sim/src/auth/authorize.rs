//! Authorize (step 14) and resume (step 18).

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::{error_redirect, granted_scopes, param, strings};
use crate::env::Env;
use crate::extract::EnvPath;
use crate::flows::{FLOW_COOKIE, FLOW_ID_COOKIE, Flow, Status, live_flow};
use crate::reply::{Failure, json_response, oauth_error, redirect};
use crate::store::{CodeGrant, Kind, State, ref_id, str_field};
use crate::wire::{parse_form, with_query};

pub(super) async fn authorize_query(at: EnvPath, uri: Uri) -> Response {
    authorize(&at.env, &parse_form(uri.query().unwrap_or_default().as_bytes()))
}

pub(super) async fn authorize_form(at: EnvPath, body: Bytes) -> Response {
    authorize(&at.env, &parse_form(&body))
}

pub(super) async fn resume_query(at: EnvPath, uri: Uri, headers: HeaderMap) -> Response {
    resume(&at.env, &parse_form(uri.query().unwrap_or_default().as_bytes()), &headers)
}

/// `GET|POST /{envID}/as/authorize`.
fn authorize(env: &Env, params: &Map<String, Value>) -> Response {
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
    let mut policies: Vec<(i64, String)> = state
        .children(Kind::Assignment, client_id)
        .iter()
        .filter_map(|a| Some((a.get("priority")?.as_i64()?, ref_id(a, "signOnPolicy")?.to_owned())))
        .collect();
    policies.sort();
    let policy = policies.first().map(|(_, p)| p.clone()).or_else(|| {
        state
            .rows(Kind::SignOnPolicy)
            .find(|p| p.get("default").and_then(Value::as_bool) == Some(true))
            .and_then(|p| str_field(p, "id").map(str::to_owned))
    });
    let Some(policy) = policy else { return fail("server_error", "No sign-on policy applies to the application") };
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
        cookie: env.rng.token(),
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
        auth_time: 0,
        error: None,
        session_token: None,
        authorize_response: None,
    };
    flow.enter_current_action(env, state);
    let flow_id = flow.id.clone();
    let cookies = vec![
        format!("{FLOW_ID_COOKIE}={flow_id}; Path=/{}; HttpOnly; SameSite=Lax", env.id),
        format!("{FLOW_COOKIE}={}; Path=/{}; HttpOnly; SameSite=Lax", flow.cookie, env.id),
    ];
    let body = flow.render(env, state);
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
    let target = match str_field(&app, "loginPageUrl") {
        Some(page) => with_query(page, &[("flowId", &flow_id), ("environmentId", &env.id)]),
        None => with_query(&format!("{}/{}/signon/", env.apps_base, env.id), &[("flowId", &flow_id)]),
    };
    redirect(&target, &cookies)
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
            expires_at: env.clock.unix() + env.settings.code_lifetime.as_secs(),
        },
    );
    code
}

/// `GET /{envID}/as/resume?flowId=`.
fn resume(env: &Env, params: &Map<String, Value>, headers: &HeaderMap) -> Response {
    let mut guard = env.lock();
    let state = &mut *guard;
    let Some(flow_id) = param(params, "flowId") else {
        return Failure::invalid_request("The request could not be completed. flowId is required.").into_response();
    };
    let flow = match live_flow(env, state, flow_id, headers, true) {
        Ok(flow) => flow.clone(),
        Err(failure) => return failure.into_response(),
    };
    let Some(redirect_uri) = flow.redirect_uri.clone() else {
        return Failure::invalid_request("The request could not be completed. The flow has no redirect_uri (pi.flow).")
            .into_response();
    };
    match flow.status {
        Status::Completed => {
            state.flows.remove(flow_id);
            let code = issue_code(env, state, &flow);
            let mut params = vec![("code", code.as_str())];
            if let Some(s) = flow.state.as_deref() {
                params.push(("state", s));
            }
            redirect(&with_query(&redirect_uri, &params), &[])
        }
        Status::Failed => {
            state.flows.remove(flow_id);
            let description = flow.error.map_or("The sign-on failed", |(_, m)| m);
            error_redirect(&redirect_uri, flow.state.as_deref(), "access_denied", description)
        }
        _ => Failure::invalid_request("The request could not be completed. The flow is not completed.").into_response(),
    }
}
