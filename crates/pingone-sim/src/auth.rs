//! The auth API under `{auth}/{envID}`: authorize (step 14), resume (step 18), token (step 20),
//! discovery and JWKS, and a placeholder for the hosted sign-on page.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::env::Env;
use crate::extract::EnvPath;
use crate::flows::{FLOW_COOKIE, FLOW_ID_COOKIE, Flow, Status, live_flow};
use crate::hub::Hub;
use crate::reply::{Failure, json_response, oauth_error, redirect};
use crate::store::{CodeGrant, Kind, State, ref_id, str_field};
use crate::wire::{constant_time_eq, form_decode, media_type_is, parse_form, with_query};

/// The routes under `{auth}/{envID}`.
pub(crate) fn routes() -> Router<Arc<Hub>> {
    Router::new()
        // Step 14: authorize, a 302 to the sign-on page with the flow ID (or the flow as JSON
        // with `response_mode=pi.flow`).
        .route("/as/authorize", get(authorize_query).post(authorize_form))
        // Step 18: resume the completed flow, a 302 to the redirect URI with the code.
        .route("/as/resume", get(resume_query))
        // Step 20: the token endpoint (authorization code + PKCE verifier; also the worker's
        // client credentials, which steps 1-13 and 19 need).
        .route("/as/token", post(token_form))
        .route("/as/.well-known/openid-configuration", get(discovery))
        .route("/as/jwks", get(jwks))
        .route("/signon", get(signon_page))
        .route("/signon/", get(signon_page))
        .route("/signon/{*rest}", get(signon_page))
}

async fn authorize_query(at: EnvPath, uri: Uri) -> Response {
    authorize(&at.env, &parse_form(uri.query().unwrap_or_default().as_bytes()))
}

async fn authorize_form(at: EnvPath, body: Bytes) -> Response {
    authorize(&at.env, &parse_form(&body))
}

async fn resume_query(at: EnvPath, uri: Uri, headers: HeaderMap) -> Response {
    resume(&at.env, &parse_form(uri.query().unwrap_or_default().as_bytes()), &headers)
}

async fn token_form(at: EnvPath, headers: HeaderMap, body: Bytes) -> Response {
    token(&at.env, &headers, &body)
}

fn param<'a>(params: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    params.get(name).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn error_redirect(redirect_uri: &str, state: Option<&str>, error: &str, description: &str) -> Response {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(s) = state {
        params.push(("state", s));
    }
    redirect(&with_query(redirect_uri, &params), &[])
}

fn strings(row: &Map<String, Value>, field: &str) -> Vec<String> {
    row.get(field)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// The scope names granted to an application.
fn granted_scopes(state: &State, app: &str) -> Vec<String> {
    state
        .children(Kind::Grant, app)
        .iter()
        .flat_map(|g| g.get("scopes").and_then(Value::as_array).cloned().unwrap_or_default())
        .filter_map(|s| s.get("id").and_then(Value::as_str).and_then(|id| state.get(Kind::Scope, id)))
        .filter_map(|s| str_field(s, "name").map(str::to_owned))
        .collect()
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

/// The client's identity at the token endpoint.
struct ClientAuth {
    client_id: String,
    secret: Option<String>,
    via_basic: bool,
}

fn client_auth(headers: &HeaderMap, form: &Map<String, Value>) -> Result<ClientAuth, Response> {
    let invalid = || oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed");
    if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let encoded = value.strip_prefix("Basic ").ok_or_else(invalid)?;
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).map_err(|_| invalid())?;
        let text = String::from_utf8(decoded).map_err(|_| invalid())?;
        let (id, secret) = text.split_once(':').ok_or_else(invalid)?;
        return Ok(ClientAuth { client_id: form_decode(id), secret: Some(form_decode(secret)), via_basic: true });
    }
    let client_id = param(form, "client_id").ok_or_else(invalid)?.to_owned();
    Ok(ClientAuth { client_id, secret: param(form, "client_secret").map(str::to_owned), via_basic: false })
}

/// Checks the client against its registered `tokenEndpointAuthMethod`.
fn authenticate(state: &State, auth: &ClientAuth) -> Result<Map<String, Value>, Response> {
    let invalid = || oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed");
    let app = state.get(Kind::Application, &auth.client_id).ok_or_else(invalid)?;
    let stored = state.app_secrets.get(&auth.client_id).map(String::as_bytes).unwrap_or_default();
    let secret_ok = auth.secret.as_deref().is_some_and(|s| constant_time_eq(s.as_bytes(), stored));
    let ok = match str_field(app, "tokenEndpointAuthMethod") {
        Some("CLIENT_SECRET_BASIC") => auth.via_basic && secret_ok,
        Some("CLIENT_SECRET_POST") => !auth.via_basic && secret_ok,
        Some("NONE") => !auth.via_basic && auth.secret.is_none(),
        _ => false,
    };
    if ok && app.get("enabled").and_then(Value::as_bool) != Some(false) { Ok(app.clone()) } else { Err(invalid()) }
}

fn token_response(body: &Value) -> Response {
    let mut response = json_response(StatusCode::OK, body);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

fn sign(env: &Env, claims: &Value) -> Result<String, Response> {
    env.key
        .sign(claims)
        .map_err(|_| oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "Token signing failed"))
}

/// `POST /{envID}/as/token`.
fn token(env: &Env, headers: &HeaderMap, body: &[u8]) -> Response {
    if !media_type_is(headers, "application/x-www-form-urlencoded") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The body must be application/x-www-form-urlencoded",
        );
    }
    let form = parse_form(body);
    let auth = match client_auth(headers, &form) {
        Ok(auth) => auth,
        Err(response) => return response,
    };
    match param(&form, "grant_type") {
        Some("authorization_code") => exchange_code(env, &auth, &form).unwrap_or_else(|r| r),
        Some("client_credentials") => client_credentials(env, &auth).unwrap_or_else(|r| r),
        Some(_) => oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Unsupported grant_type"),
        None => oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is required"),
    }
}

fn client_credentials(env: &Env, auth: &ClientAuth) -> Result<Response, Response> {
    let mut state = env.lock();
    let app = authenticate(&state, auth)?;
    let is_worker = str_field(&app, "type") == Some("WORKER");
    if !is_worker && !strings(&app, "grantTypes").iter().any(|g| g == "CLIENT_CREDENTIALS") {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "The client may not use client_credentials",
        ));
    }
    let now = env.clock.unix();
    let lifetime = env.settings.token_lifetime.as_secs();
    let claims = json!({
        "iss": env.issuer(), "sub": auth.client_id, "aud": ["https://api.pingone.com"], "client_id": auth.client_id,
        "iat": now, "exp": now + lifetime, "jti": env.new_id(), "env": env.id,
    });
    let access = sign(env, &claims)?;
    if is_worker {
        state.worker_tokens.retain(|_, &mut exp| exp > now);
        state.worker_tokens.insert(access.clone(), now + lifetime);
    }
    Ok(token_response(&json!({ "access_token": access, "token_type": "Bearer", "expires_in": lifetime })))
}

fn exchange_code(env: &Env, auth: &ClientAuth, form: &Map<String, Value>) -> Result<Response, Response> {
    let grant_error = |description: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description);
    let mut state = env.lock();
    let app = authenticate(&state, auth)?;
    let code = param(form, "code")
        .ok_or_else(|| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "code is required"))?;
    // Single use: removed whatever happens next.
    let grant =
        state.codes.remove(code).ok_or_else(|| grant_error("The authorization code is invalid or was already used"))?;
    let now = env.clock.unix();
    if now > grant.expires_at {
        return Err(grant_error("The authorization code has expired"));
    }
    if grant.client_id != auth.client_id {
        return Err(grant_error("The authorization code was issued to another client"));
    }
    if let Some(expected) = &grant.redirect_uri
        && param(form, "redirect_uri") != Some(expected.as_str())
    {
        return Err(grant_error("redirect_uri does not match the authorization request"));
    }
    if let Some((challenge, method)) = &grant.code_challenge {
        let verifier = param(form, "code_verifier").ok_or_else(|| grant_error("code_verifier is required"))?;
        let computed = if method == "S256" {
            let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
        } else {
            verifier.to_owned()
        };
        if !constant_time_eq(computed.as_bytes(), challenge.as_bytes()) {
            return Err(grant_error("code_verifier does not match the code_challenge"));
        }
    }
    let user =
        state.get(Kind::User, &grant.user_id).cloned().ok_or_else(|| grant_error("The user no longer exists"))?;
    let lifetime = env.settings.token_lifetime.as_secs();
    let sid = env.new_id();
    let access_claims = json!({
        "iss": env.issuer(), "sub": grant.user_id, "aud": ["https://api.pingone.com"], "client_id": auth.client_id,
        "scope": grant.scope, "iat": now, "exp": now + lifetime, "jti": env.new_id(), "sid": sid, "env": env.id,
    });
    let access = sign(env, &access_claims)?;
    let mut body =
        json!({ "access_token": access, "token_type": "Bearer", "expires_in": lifetime, "scope": grant.scope });
    let scopes: Vec<&str> = grant.scope.split(' ').collect();
    if scopes.contains(&"openid") {
        let mut claims = json!({
            "iss": env.issuer(), "sub": grant.user_id, "aud": auth.client_id, "iat": now, "exp": now + lifetime,
            "auth_time": grant.auth_time, "amr": grant.amr, "sid": sid, "env": env.id,
        });
        if let Some(nonce) = &grant.nonce {
            crate::reply::put(&mut claims, "nonce", json!(nonce));
        }
        if scopes.contains(&"email") {
            crate::reply::put(&mut claims, "email", json!(str_field(&user, "email")));
            crate::reply::put(
                &mut claims,
                "email_verified",
                json!(user.get("emailVerified").and_then(Value::as_bool).unwrap_or(false)),
            );
        }
        if scopes.contains(&"profile") {
            crate::reply::put(&mut claims, "preferred_username", json!(str_field(&user, "username")));
            if let Some(name) = user.get("name") {
                crate::reply::put(&mut claims, "given_name", name.get("given").cloned().unwrap_or(Value::Null));
                crate::reply::put(&mut claims, "family_name", name.get("family").cloned().unwrap_or(Value::Null));
            }
        }
        crate::reply::put(&mut body, "id_token", json!(sign(env, &claims)?));
    }
    if strings(&app, "grantTypes").iter().any(|g| g == "REFRESH_TOKEN") {
        crate::reply::put(&mut body, "refresh_token", json!(env.rng.token()));
    }
    Ok(token_response(&body))
}

/// `GET /{envID}/as/.well-known/openid-configuration`.
async fn discovery(at: EnvPath) -> Response {
    let issuer = at.env.issuer();
    json_response(
        StatusCode::OK,
        &json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "jwks_uri": format!("{issuer}/jwks"),
            "end_session_endpoint": format!("{issuer}/signoff"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "pi.flow"],
            "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "scopes_supported": ["openid", "profile", "email", "address", "phone", "offline_access"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "acr", "sid", "email", "email_verified", "preferred_username", "given_name", "family_name"],
        }),
    )
}

/// `GET /{envID}/as/jwks`.
async fn jwks(at: EnvPath) -> Response {
    json_response(StatusCode::OK, &json!({ "keys": [at.env.key.jwk()] }))
}

/// `GET /{envID}/signon/`: a placeholder for PingOne's hosted sign-on page.
async fn signon_page(_at: EnvPath) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><title>PingOne simulator</title><p>Hosted sign-on placeholder. Drive the flow through the flows API.</p>",
    )
        .into_response()
}
