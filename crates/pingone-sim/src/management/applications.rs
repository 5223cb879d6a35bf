//! Applications (step 1) with their grants (step 4), sign-on policy assignments (step 7) and
//! secret (step 19).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::listing::list;
use super::rows::{delete, new_row, read, render, replace_row};
use super::{Call, JSON};
use crate::check::Check;
use crate::hub::Hub;
use crate::reply::{Detail, Failure, Reply, created, no_content, ok};
use crate::store::{Kind, ref_id, str_field};

/// The routes under `/v1/environments/{env}/applications`.
pub(super) fn routes() -> Router<Arc<Hub>> {
    Router::new()
        // Step 1: create the OIDC web application (its ID is the OAuth client_id).
        .route("/applications", get(list_applications).post(create_application))
        .route("/applications/{app}", get(read_application).put(update_application).delete(delete_application))
        // Step 19: read the application's secret (needed before step 20).
        .route("/applications/{app}/secret", get(read_secret))
        // Step 4: grant the openid resource's scopes to the application.
        .route("/applications/{app}/grants", get(list_grants).post(create_grant))
        .route("/applications/{app}/grants/{grant}", get(read_grant).delete(delete_grant))
        // Step 7: assign the sign-on policy to the application.
        .route("/applications/{app}/signOnPolicyAssignments", get(list_assignments).post(create_assignment))
        .route(
            "/applications/{app}/signOnPolicyAssignments/{assignment}",
            get(read_assignment).delete(delete_assignment),
        )
}

async fn list_applications(call: Call) -> Reply {
    list(&call, Kind::Application, None)
}

async fn read_application(call: Call) -> Reply {
    read(call.env(), Kind::Application, call.id("app"), None)
}

async fn list_grants(call: Call) -> Reply {
    list(&call, Kind::Grant, Some(call.id("app")))
}

async fn read_grant(call: Call) -> Reply {
    read(call.env(), Kind::Grant, call.id("grant"), Some(call.id("app")))
}

async fn delete_grant(call: Call) -> Reply {
    delete(call.env(), Kind::Grant, call.id("grant"), Some(call.id("app")))
}

async fn list_assignments(call: Call) -> Reply {
    list(&call, Kind::Assignment, Some(call.id("app")))
}

async fn read_assignment(call: Call) -> Reply {
    read(call.env(), Kind::Assignment, call.id("assignment"), Some(call.id("app")))
}

async fn delete_assignment(call: Call) -> Reply {
    delete(call.env(), Kind::Assignment, call.id("assignment"), Some(call.id("app")))
}

const APP_TYPES: &[&str] = &[
    "WEB_APP",
    "NATIVE_APP",
    "SINGLE_PAGE_APP",
    "WORKER",
    "SERVICE",
    "CUSTOM_APP",
    "PING_ONE_SELF_SERVICE",
    "PING_ONE_ADMIN_CONSOLE",
    "PING_ONE_PORTAL",
    "TEMPLATE_APP",
    "PORTAL_LINK_APP",
];
const PROTOCOLS: &[&str] = &["OPENID_CONNECT", "SAML", "WS_FED", "EXTERNAL_LINK"];
const GRANT_TYPES: &[&str] =
    &["AUTHORIZATION_CODE", "IMPLICIT", "REFRESH_TOKEN", "CLIENT_CREDENTIALS", "DEVICE_CODE", "TOKEN_EXCHANGE", "CIBA"];
const RESPONSE_TYPES: &[&str] = &["TOKEN", "ID_TOKEN", "CODE"];
const AUTH_METHODS: &[&str] =
    &["NONE", "CLIENT_SECRET_BASIC", "CLIENT_SECRET_POST", "PRIVATE_KEY_JWT", "CLIENT_SECRET_JWT"];
const PKCE: &[&str] = &["OPTIONAL", "REQUIRED", "S256_REQUIRED"];

fn check_application(body: &Map<String, Value>) -> Result<(), Failure> {
    let mut c = Check::new(body);
    c.string("name", true, 256);
    c.string("description", false, 1024);
    c.boolean("enabled", true);
    c.one_of("type", true, APP_TYPES);
    let protocol = c.one_of("protocol", true, PROTOCOLS);
    c.one_of("tokenEndpointAuthMethod", true, AUTH_METHODS);
    if protocol == Some("OPENID_CONNECT") {
        c.list_of("grantTypes", false, GRANT_TYPES);
        c.list_of("responseTypes", false, RESPONSE_TYPES);
        c.one_of("pkceEnforcement", false, PKCE);
        c.integer("refreshTokenDuration", false, 60, 2_147_483_647);
        c.one_of("parRequirement", false, &["REQUIRED", "OPTIONAL"]);
        for field in ["redirectUris", "postLogoutRedirectUris"] {
            if let Some(uris) = c.strings(field, false) {
                for uri in uris {
                    if !is_absolute_uri(uri) {
                        c.fail(Detail::new("INVALID_VALUE", field, format!("{uri:?} is not an absolute URI")));
                    }
                }
            }
        }
        if let Some(url) = c.string("loginPageUrl", false, 2048)
            && !is_absolute_uri(url)
        {
            c.fail(Detail::new("INVALID_VALUE", "loginPageUrl", "loginPageUrl must be an absolute URL"));
        }
    }
    c.finish()
}

fn is_absolute_uri(uri: &str) -> bool {
    uri.split_once("://").is_some_and(|(scheme, rest)| {
        !scheme.is_empty()
            && scheme.chars().all(|ch| ch.is_ascii_alphanumeric() || "+-.".contains(ch))
            && !rest.is_empty()
            && !uri.contains(char::is_whitespace)
            && !uri.contains('#')
    })
}

fn application_defaults(row: &mut Map<String, Value>) {
    row.remove("assignActorRoles");
    if str_field(row, "protocol") == Some("OPENID_CONNECT") {
        row.entry("pkceEnforcement").or_insert(json!("OPTIONAL"));
        row.entry("refreshTokenDuration").or_insert(json!(2_592_000));
        row.entry("grantTypes").or_insert(json!([]));
        row.entry("responseTypes").or_insert(json!([]));
    }
}

async fn create_application(call: Call, body: Bytes) -> Reply {
    let env = call.env();
    let body = call.json(&body, JSON)?;
    check_application(&body)?;
    let (id, mut row) = new_row(env, body);
    application_defaults(&mut row);
    let secret = env.rng.token();
    let mut state = env.lock();
    state.app_secrets.insert(id.clone(), secret);
    state.table_mut(Kind::Application).insert(id, row.clone());
    created(&render(env, &state, Kind::Application, &row))
}

async fn update_application(call: Call, body: Bytes) -> Reply {
    let (env, id) = (call.env(), call.id("app"));
    let body = call.json(&body, JSON)?;
    check_application(&body)?;
    let mut state = env.lock();
    let old = state.get(Kind::Application, id).ok_or_else(Failure::not_found)?;
    let mut row = replace_row(env, old, body, &[]);
    application_defaults(&mut row);
    state.table_mut(Kind::Application).insert(id.to_owned(), row.clone());
    ok(&render(env, &state, Kind::Application, &row))
}

async fn delete_application(call: Call) -> Reply {
    let (env, id) = (call.env(), call.id("app"));
    let mut state = env.lock();
    if state.table_mut(Kind::Application).remove(id).is_none() {
        return Err(Failure::not_found());
    }
    for kind in [Kind::Grant, Kind::Assignment] {
        let children: Vec<String> =
            state.children(kind, id).iter().filter_map(|r| str_field(r, "id").map(str::to_owned)).collect();
        for child in children {
            state.table_mut(kind).remove(&child);
        }
    }
    state.app_secrets.remove(id);
    no_content()
}

async fn read_secret(call: Call) -> Reply {
    let (env, id) = (call.env(), call.id("app"));
    let state = env.lock();
    let secret = state.app_secrets.get(id).ok_or_else(Failure::not_found)?;
    ok(&json!({
        "_links": { "self": { "href": format!("{}/applications/{id}/secret", env.url()) } },
        "environment": { "id": env.id },
        "secret": secret,
    }))
}

async fn create_grant(call: Call, body: Bytes) -> Reply {
    let (env, app) = (call.env(), call.id("app"));
    let body = call.json(&body, JSON)?;
    let mut state = env.lock();
    if state.get(Kind::Application, app).is_none() {
        return Err(Failure::not_found());
    }
    let mut c = Check::new(&body);
    let resource = c.string("resource.id", true, 64);
    let scopes = body.get("scopes");
    match scopes.and_then(Value::as_array) {
        None => c.fail(Detail::new("REQUIRED_VALUE", "scopes", "scopes is required")),
        Some(list) if list.is_empty() => c.fail(Detail::new("EMPTY_VALUE", "scopes", "scopes must not be empty")),
        Some(list) => {
            for scope in list {
                let sid = scope.get("id").and_then(Value::as_str);
                let belongs =
                    sid.and_then(|s| state.get(Kind::Scope, s)).is_some_and(|s| ref_id(s, "resource") == resource);
                if !belongs {
                    c.fail(Detail::new(
                        "INVALID_VALUE",
                        "scopes",
                        "Each scope must be an existing scope of the resource",
                    ));
                }
            }
        }
    }
    if let Some(r) = resource
        && state.get(Kind::Resource, r).is_none()
    {
        c.fail(Detail::new("INVALID_VALUE", "resource.id", "The resource does not exist"));
    }
    c.finish()?;
    let (id, mut row) = new_row(env, body);
    row.insert("application".into(), json!({ "id": app }));
    state.table_mut(Kind::Grant).insert(id, row.clone());
    created(&render(env, &state, Kind::Grant, &row))
}

async fn create_assignment(call: Call, body: Bytes) -> Reply {
    let (env, app) = (call.env(), call.id("app"));
    let body = call.json(&body, JSON)?;
    let mut state = env.lock();
    if state.get(Kind::Application, app).is_none() {
        return Err(Failure::not_found());
    }
    let mut c = Check::new(&body);
    c.integer("priority", true, 1, 2_147_483_647);
    if let Some(policy) = c.string("signOnPolicy.id", true, 64)
        && state.get(Kind::SignOnPolicy, policy).is_none()
    {
        c.fail(Detail::new("INVALID_VALUE", "signOnPolicy.id", "The sign-on policy does not exist"));
    }
    c.finish()?;
    let (id, mut row) = new_row(env, body);
    row.insert("application".into(), json!({ "id": app }));
    state.table_mut(Kind::Assignment).insert(id, row.clone());
    created(&render(env, &state, Kind::Assignment, &row))
}
