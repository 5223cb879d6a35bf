//! `GET|POST {auth}/{envID}/as/userinfo`: the signed-on user's claims, for a user access token
//! sent as a Bearer token (RFC 6750 §2.1; with `POST` also the `access_token` form field,
//! §2.2). The claims are those the token's scopes allow (`sub` always). A missing token answers
//! `401` with a bare `WWW-Authenticate: Bearer` challenge; a wrong or expired one `401` with
//! `error="invalid_token"`; a token without the `openid` scope `403` with
//! `error="insufficient_scope"` (RFC 6750 §3).

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::claims::user_claims;
use crate::env::Env;
use crate::extract::EnvPath;
use crate::reply::json_response;
use crate::store::Kind;
use crate::wire::{media_type_is, parse_form};

pub(super) async fn userinfo_get(at: EnvPath, headers: HeaderMap) -> Response {
    userinfo(&at.env, bearer(&headers))
}

pub(super) async fn userinfo_post(at: EnvPath, headers: HeaderMap, body: Bytes) -> Response {
    let from_form = || {
        media_type_is(&headers, "application/x-www-form-urlencoded")
            .then(|| parse_form(&body).get("access_token").and_then(Value::as_str).map(str::to_owned))
            .flatten()
    };
    let token = bearer(&headers).or_else(from_form);
    userinfo(&at.env, token)
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned()).filter(|t| !t.is_empty())
}

/// An RFC 6750 §3 error: the `WWW-Authenticate` challenge, and the same error as OAuth JSON.
fn challenge(status: StatusCode, error: Option<(&str, &str)>) -> Response {
    let value = match error {
        Some((code, description)) => {
            format!("Bearer realm=\"PingOne\", error=\"{code}\", error_description=\"{description}\"")
        }
        None => "Bearer realm=\"PingOne\"".to_owned(),
    };
    let mut response = match error {
        Some((code, description)) => json_response(status, &json!({ "error": code, "error_description": description })),
        None => status.into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn userinfo(env: &Env, token: Option<String>) -> Response {
    let Some(token) = token else { return challenge(StatusCode::UNAUTHORIZED, None) };
    let invalid = |why: &str| challenge(StatusCode::UNAUTHORIZED, Some(("invalid_token", why)));
    let Some(claims) = env.key.verify(&token) else { return invalid("The access token is invalid") };
    if claims.get("iss").and_then(Value::as_str) != Some(env.issuer().as_str())
        || claims.get("env").and_then(Value::as_str) != Some(env.id.as_str())
    {
        return invalid("The access token was issued for another environment");
    }
    if claims.get("exp").and_then(Value::as_u64).is_none_or(|exp| exp <= env.clock.unix()) {
        return invalid("The access token expired");
    }
    // A user's token: worker tokens have no `sub`.
    let Some(sub) = claims.get("sub").and_then(Value::as_str) else {
        return invalid("The access token does not belong to a user");
    };
    let scope = claims.get("scope").and_then(Value::as_str).unwrap_or_default();
    let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
    if !scopes.contains(&"openid") {
        return challenge(
            StatusCode::FORBIDDEN,
            Some(("insufficient_scope", "The access token was not granted the openid scope")),
        );
    }
    let state = env.lock();
    let Some(user) = state.get(Kind::User, sub) else { return invalid("The user no longer exists") };
    let mut body = json!({ "sub": sub });
    for (name, value) in user_claims(user, &scopes) {
        crate::reply::put(&mut body, &name, value);
    }
    let mut response = json_response(StatusCode::OK, &body);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
