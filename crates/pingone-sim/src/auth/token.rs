//! The token endpoint (step 20): the authorization code with its PKCE verifier, and the worker's
//! client credentials (which steps 1–13 and 19 need).

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::claims::{platform_claims, user_claims};
use super::{param, strings};
use crate::env::Env;
use crate::extract::EnvPath;
use crate::reply::{json_response, oauth_error, put};
use crate::store::{CodeGrant, Kind, State, str_field};
use crate::wire::{constant_time_eq, form_decode, media_type_is, parse_form};

pub(super) async fn token_form(at: EnvPath, headers: HeaderMap, body: Bytes) -> Response {
    token(&at.env, &headers, &body)
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

/// The token is signed with no lock held; the worker's token is stored after.
fn client_credentials(env: &Env, auth: &ClientAuth) -> Result<Response, Response> {
    let app = authenticate(&env.lock(), auth)?;
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
    // As a real worker token: `client_id`, `env`, `org`, `jti` and no `sub`.
    let claims = json!({
        "iss": env.issuer(), "aud": ["https://api.pingone.com"], "client_id": auth.client_id,
        "iat": now, "exp": now.saturating_add(lifetime), "jti": env.new_id(), "env": env.id, "org": env.org_id,
    });
    let access = sign(env, &claims)?;
    if is_worker {
        let mut state = env.lock();
        state.worker_tokens.retain(|_, &mut exp| exp > now);
        state.worker_tokens.insert(access.clone(), now.saturating_add(lifetime));
    }
    Ok(token_response(&json!({ "access_token": access, "token_type": "Bearer", "expires_in": lifetime })))
}

/// The code is checked and spent under the environment's lock; the tokens are signed after it
/// is released.
fn exchange_code(env: &Env, auth: &ClientAuth, form: &Map<String, Value>) -> Result<Response, Response> {
    let spent = spend_code(env, auth, form)?;
    code_tokens(env, auth, &spent)
}

/// A code checked and spent: its client's application, the grant and the user it is for, and
/// the simulated time it was spent at.
struct SpentCode {
    app: Map<String, Value>,
    grant: CodeGrant,
    user: Map<String, Value>,
    now: u64,
}

/// Checks the client and the code (single use: removed whatever happens next) and reads the
/// user, under one lock.
fn spend_code(env: &Env, auth: &ClientAuth, form: &Map<String, Value>) -> Result<SpentCode, Response> {
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
    Ok(SpentCode { app, grant, user, now })
}

/// The tokens of a spent code: the access token and, with `openid`, the ID token.
fn code_tokens(env: &Env, auth: &ClientAuth, spent: &SpentCode) -> Result<Response, Response> {
    let SpentCode { app, grant, user, now } = spent;
    let now = *now;
    let lifetime = env.settings.token_lifetime.as_secs();
    let exp = now.saturating_add(lifetime);
    let mut access_claims = json!({
        "iss": env.issuer(), "sub": grant.user_id, "aud": ["https://api.pingone.com"], "client_id": auth.client_id,
        "scope": grant.scope, "iat": now, "exp": exp, "jti": env.new_id(),
    });
    if let Some(sid) = &grant.sid {
        put(&mut access_claims, "sid", json!(sid));
    }
    platform_claims(env, &mut access_claims);
    let access = sign(env, &access_claims)?;
    let mut body =
        json!({ "access_token": access, "token_type": "Bearer", "expires_in": lifetime, "scope": grant.scope });
    let scopes: Vec<&str> = grant.scope.split(' ').collect();
    if scopes.contains(&"openid") {
        let mut claims = json!({
            "iss": env.issuer(), "sub": grant.user_id, "aud": auth.client_id, "iat": now, "exp": exp,
            "auth_time": grant.auth_time, "amr": grant.amr,
        });
        for (name, value) in [("nonce", &grant.nonce), ("acr", &grant.acr), ("sid", &grant.sid)] {
            if let Some(value) = value {
                put(&mut claims, name, json!(value));
            }
        }
        platform_claims(env, &mut claims);
        for (name, value) in user_claims(user, &scopes) {
            put(&mut claims, &name, value);
        }
        put(&mut body, "id_token", json!(sign(env, &claims)?));
    }
    if strings(app, "grantTypes").iter().any(|g| g == "REFRESH_TOKEN") {
        put(&mut body, "refresh_token", json!(env.rng.token()));
    }
    Ok(token_response(&body))
}
