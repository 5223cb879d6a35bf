//! `GET|POST {auth}/{envID}/as/signoff`: ends the session that the `ST` cookie names, then
//! redirects to the `post_logout_redirect_uri` (registered on the application the
//! `id_token_hint` was issued to) with the `state`, or answers a small page.
//!
//! As PingOne's "Signoff" page says: the cookie names the session; `id_token_hint` is
//! optional; the application it was issued to must exist and be enabled; its `iss` must be this
//! environment's issuer; the user it names must be the session's user. An expired hint is
//! accepted (OIDC RP-Initiated Logout 1.0 §2). Without the cookie no session is ended.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::{param, strings};
use crate::env::Env;
use crate::extract::EnvPath;
use crate::reply::{oauth_error, redirect};
use crate::sessions::SESSION_COOKIE;
use crate::store::Kind;
use crate::wire::{cookie, parse_form, with_query};

pub(super) async fn signoff_query(at: EnvPath, uri: Uri, headers: HeaderMap) -> Response {
    signoff(&at.env, &parse_form(uri.query().unwrap_or_default().as_bytes()), &headers)
}

pub(super) async fn signoff_form(at: EnvPath, headers: HeaderMap, body: Bytes) -> Response {
    signoff(&at.env, &parse_form(&body), &headers)
}

fn bad(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

fn signoff(env: &Env, params: &Map<String, Value>, headers: &HeaderMap) -> Response {
    let mut state = env.lock();
    // The hint: signed by this environment's key, for an application that exists and is on.
    let hint = match param(params, "id_token_hint") {
        Some(token) => {
            let Some(claims) = env.key.verify(token) else { return bad("id_token_hint is not a valid ID token") };
            if claims.get("iss").and_then(Value::as_str) != Some(env.issuer().as_str()) {
                return bad("id_token_hint was issued by another authorization server");
            }
            let client_id = match claims.get("aud") {
                Some(Value::String(aud)) => Some(aud.clone()),
                Some(Value::Array(auds)) => auds.first().and_then(Value::as_str).map(str::to_owned),
                _ => None,
            };
            let app = client_id.as_deref().and_then(|id| state.get(Kind::Application, id));
            let Some(app) = app.filter(|a| a.get("enabled").and_then(Value::as_bool) == Some(true)) else {
                return bad("The application of id_token_hint does not exist or is disabled");
            };
            let sub = claims.get("sub").and_then(Value::as_str).unwrap_or_default().to_owned();
            Some((sub, strings(app, "postLogoutRedirectUris")))
        }
        None => None,
    };
    let target = match (param(params, "post_logout_redirect_uri"), &hint) {
        (None, _) => None,
        (Some(_), None) => return bad("post_logout_redirect_uri needs id_token_hint"),
        (Some(uri), Some((_, registered))) if registered.iter().any(|r| r == uri) => Some(uri.to_owned()),
        (Some(_), Some(_)) => return bad("post_logout_redirect_uri is not registered for the application"),
    };
    // The session the cookie names; the hint's user must be its user.
    let now = env.clock.unix();
    let idle = env.settings.session_idle_timeout.as_secs();
    let token = cookie(headers, SESSION_COOKIE).map(str::to_owned);
    let session_user = token.as_deref().and_then(|t| state.sessions.live(t, now, idle)).map(|s| s.user_id.clone());
    if let (Some(user), Some((sub, _))) = (&session_user, &hint)
        && user != sub
    {
        return bad("The user of id_token_hint is not the user of the current session");
    }
    let ended = match (&token, &session_user) {
        (Some(token), Some(_)) => state.sessions.revoke(token).is_some(),
        _ => false,
    };
    drop(state);
    tracing::debug!(environment = %env.id, ended, "sign-off");
    let clear = format!("{SESSION_COOKIE}=; Path=/{}; Max-Age=0; HttpOnly; SameSite=Lax", env.id);
    let mut response = match target {
        Some(uri) => match param(params, "state") {
            Some(state) => redirect(&with_query(&uri, &[("state", state)]), &[]),
            None => redirect(&uri, &[]),
        },
        None => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!doctype html><title>Signed off</title><p>You are signed off.</p>",
        )
            .into_response(),
    };
    if ended && let Ok(value) = HeaderValue::from_str(&clear) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
