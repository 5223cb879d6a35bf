//! The management API: `{management}/environments/{envID}/...`.

use std::sync::atomic::Ordering;

use axum::http::{HeaderMap, Method, header};
use serde_json::{Map, Value, json};

use crate::check::{Check, at};
use crate::reply::{Detail, Failure, Reply, created, no_content, ok};
use crate::shared::Shared;
use crate::store::{Kind, State, ref_id, str_field};

const JSON: &str = "application/json";
const PASSWORD_SET: &str = "application/vnd.pingidentity.password.set+json";
const DEVICES_REORDER: &str = "application/vnd.pingidentity.devices.reorder+json";

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
const TIME_UNITS: &[&str] = &["MINUTES", "SECONDS"];
const DEVICE_SELECTION: &[&str] = &["DEFAULT_TO_FIRST", "PROMPT_TO_SELECT", "ALWAYS_DISPLAY_DEVICES"];
const DEVICE_TYPES: &[&str] = &["EMAIL", "SMS", "VOICE"];
const MAX_DEVICES_PER_USER: usize = 5;
const MAX_ACTIONS_PER_POLICY: usize = 20;

/// One management request, already split.
pub(crate) struct Call<'a> {
    pub method: &'a Method,
    /// Path segments after `/v1/environments/`.
    pub segments: &'a [&'a str],
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// The full request URL (for `_links.self` of lists).
    pub url: String,
}

impl Call<'_> {
    fn content_type(&self) -> Option<&str> {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| ct.split(';').next().unwrap_or("").trim())
    }

    /// The JSON object body, after checking the content type.
    fn json(&self, expected: &str) -> Result<Map<String, Value>, Failure> {
        if !self.content_type().is_some_and(|ct| ct.eq_ignore_ascii_case(expected)) {
            return Err(Failure::unsupported_media_type(expected));
        }
        match serde_json::from_slice::<Value>(self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(Failure::invalid_request(
                "The request could not be completed. The request body must be a JSON object.",
            )),
            Err(_) => {
                Err(Failure::invalid_request("The request could not be completed. The request body is not valid JSON."))
            }
        }
    }

    fn query_param(&self, name: &str) -> Option<String> {
        self.query?.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then(|| percent_decode(v))
        })
    }
}

/// Decodes `application/x-www-form-urlencoded` text.
pub(crate) fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(v) = hex {
                    out.push(v);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks the bearer token: a live worker token, not restricted.
fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<(), Failure> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .ok_or_else(Failure::unauthorized)?;
    let now = shared.clock.unix();
    let live = shared.lock().worker_tokens.get(token.trim()).is_some_and(|&exp| exp > now);
    if !live {
        return Err(Failure::unauthorized());
    }
    if shared.restricted.load(Ordering::Relaxed) {
        return Err(Failure::forbidden());
    }
    Ok(())
}

/// Entry point: `segments` is the path after `/v1/environments/`.
pub(crate) fn handle(shared: &Shared, call: &Call<'_>) -> Reply {
    authorize(shared, call.headers)?;
    let Some((env, rest)) = call.segments.split_first() else { return Err(Failure::not_found()) };
    if *env != shared.env {
        return Err(Failure::not_found());
    }
    let m = call.method;
    match rest {
        ["applications"] if m == Method::POST => create_application(shared, call),
        ["applications"] if m == Method::GET => list(shared, call, Kind::Application, None),
        ["applications", id] if m == Method::GET => read(shared, Kind::Application, id, None),
        ["applications", id] if m == Method::PUT => update_application(shared, call, id),
        ["applications", id] if m == Method::DELETE => delete_application(shared, id),
        ["applications", id, "secret"] if m == Method::GET => read_secret(shared, id),
        ["applications", id, "grants"] if m == Method::POST => create_grant(shared, call, id),
        ["applications", id, "grants"] if m == Method::GET => list(shared, call, Kind::Grant, Some(id)),
        ["applications", id, "grants", gid] if m == Method::GET => read(shared, Kind::Grant, gid, Some(id)),
        ["applications", id, "grants", gid] if m == Method::DELETE => delete(shared, Kind::Grant, gid, Some(id)),
        ["applications", id, "signOnPolicyAssignments"] if m == Method::POST => create_assignment(shared, call, id),
        ["applications", id, "signOnPolicyAssignments"] if m == Method::GET => {
            list(shared, call, Kind::Assignment, Some(id))
        }
        ["applications", id, "signOnPolicyAssignments", aid] if m == Method::GET => {
            read(shared, Kind::Assignment, aid, Some(id))
        }
        ["applications", id, "signOnPolicyAssignments", aid] if m == Method::DELETE => {
            delete(shared, Kind::Assignment, aid, Some(id))
        }
        ["resources"] if m == Method::GET => list(shared, call, Kind::Resource, None),
        ["resources", id] if m == Method::GET => read(shared, Kind::Resource, id, None),
        ["resources", id, "scopes"] if m == Method::GET => list(shared, call, Kind::Scope, Some(id)),
        ["resources", id, "scopes", sid] if m == Method::GET => read(shared, Kind::Scope, sid, Some(id)),
        ["signOnPolicies"] if m == Method::POST => save_sign_on_policy(shared, call, None),
        ["signOnPolicies"] if m == Method::GET => list(shared, call, Kind::SignOnPolicy, None),
        ["signOnPolicies", id] if m == Method::GET => read(shared, Kind::SignOnPolicy, id, None),
        ["signOnPolicies", id] if m == Method::PUT => save_sign_on_policy(shared, call, Some(id)),
        ["signOnPolicies", id] if m == Method::DELETE => delete_sign_on_policy(shared, id),
        ["signOnPolicies", id, "actions"] if m == Method::POST => save_action(shared, call, id, None),
        ["signOnPolicies", id, "actions"] if m == Method::GET => list(shared, call, Kind::Action, Some(id)),
        ["signOnPolicies", id, "actions", aid] if m == Method::GET => read(shared, Kind::Action, aid, Some(id)),
        ["signOnPolicies", id, "actions", aid] if m == Method::PUT => save_action(shared, call, id, Some(aid)),
        ["signOnPolicies", id, "actions", aid] if m == Method::DELETE => delete_action(shared, id, aid),
        ["populations"] if m == Method::POST => save_population(shared, call, None),
        ["populations"] if m == Method::GET => list(shared, call, Kind::Population, None),
        ["populations", id] if m == Method::GET => read(shared, Kind::Population, id, None),
        ["populations", id] if m == Method::PUT => save_population(shared, call, Some(id)),
        ["populations", id] if m == Method::DELETE => delete_population(shared, id),
        ["users"] if m == Method::POST => create_user(shared, call),
        ["users"] if m == Method::GET => list(shared, call, Kind::User, None),
        ["users", id] if m == Method::GET => read(shared, Kind::User, id, None),
        ["users", id] if m == Method::DELETE => delete_user(shared, id),
        ["users", id, "password"] if m == Method::PUT => set_password(shared, call, id),
        ["users", id, "mfaEnabled"] if m == Method::PUT => set_mfa_enabled(shared, call, id),
        ["users", id, "mfaEnabled"] if m == Method::GET => read_mfa_enabled(shared, id),
        ["users", id, "devices"] if m == Method::POST => {
            if call.content_type().is_some_and(|ct| ct.eq_ignore_ascii_case(DEVICES_REORDER)) {
                reorder_devices(shared, call, id)
            } else {
                create_device(shared, call, id)
            }
        }
        ["users", id, "devices"] if m == Method::GET => list(shared, call, Kind::Device, Some(id)),
        ["users", id, "devices", did] if m == Method::GET => read(shared, Kind::Device, did, Some(id)),
        ["users", id, "devices", did] if m == Method::DELETE => delete(shared, Kind::Device, did, Some(id)),
        ["deviceAuthenticationPolicies"] if m == Method::POST => save_device_policy(shared, call, None),
        ["deviceAuthenticationPolicies"] if m == Method::GET => list(shared, call, Kind::DevicePolicy, None),
        ["deviceAuthenticationPolicies", id] if m == Method::GET => read(shared, Kind::DevicePolicy, id, None),
        ["deviceAuthenticationPolicies", id] if m == Method::PUT => save_device_policy(shared, call, Some(id)),
        ["deviceAuthenticationPolicies", id] if m == Method::DELETE => delete_device_policy(shared, id),
        _ if known_path(rest) => Err(Failure::method_not_allowed()),
        _ => Err(Failure::not_found()),
    }
}

fn known_path(rest: &[&str]) -> bool {
    matches!(
        rest,
        [
            "applications" | "resources" | "signOnPolicies" | "populations" | "users" | "deviceAuthenticationPolicies",
            ..
        ]
    )
}

// ---------------------------------------------------------------- rendering

fn href(shared: &Shared, kind: Kind, row: &Map<String, Value>) -> String {
    let id = str_field(row, "id").unwrap_or_default();
    match kind.parent() {
        Some((field, parent)) => format!(
            "{}/{}/{}/{}/{id}",
            shared.env_url(),
            parent.collection(),
            ref_id(row, field).unwrap_or_default(),
            kind.collection()
        ),
        None => format!("{}/{}/{id}", shared.env_url(), kind.collection()),
    }
}

/// A stored row as PingOne returns it: with `_links` and computed fields.
fn render(shared: &Shared, state: &State, kind: Kind, row: &Map<String, Value>) -> Value {
    let mut out = row.clone();
    let own = href(shared, kind, row);
    let mut links = Map::new();
    links.insert("self".into(), json!({ "href": own }));
    links.insert("environment".into(), json!({ "href": shared.env_url() }));
    match kind {
        Kind::Application => {
            for sub in ["secret", "grants", "signOnPolicyAssignments"] {
                links.insert(sub.into(), json!({ "href": format!("{own}/{sub}") }));
            }
        }
        Kind::SignOnPolicy => {
            links.insert("actions".into(), json!({ "href": format!("{own}/actions") }));
        }
        Kind::User => {
            for sub in ["password", "devices", "mfaEnabled"] {
                links.insert(sub.into(), json!({ "href": format!("{own}/{sub}") }));
            }
            if let Some(pop) = ref_id(row, "population") {
                links.insert("population".into(), json!({ "href": format!("{}/populations/{pop}", shared.env_url()) }));
            }
        }
        Kind::Population => {
            let id = str_field(row, "id").unwrap_or_default();
            let count = state.rows(Kind::User).filter(|u| ref_id(u, "population") == Some(id)).count();
            out.insert("userCount".into(), json!(count));
        }
        Kind::Resource => {
            links.insert("scopes".into(), json!({ "href": format!("{own}/scopes") }));
        }
        _ => {}
    }
    out.insert("_links".into(), Value::Object(links));
    Value::Object(out)
}

fn new_row(shared: &Shared, body: Map<String, Value>) -> (String, Map<String, Value>) {
    let id = shared.id();
    let now = shared.now();
    let mut row = body;
    row.insert("id".into(), json!(id));
    row.insert("environment".into(), json!({ "id": shared.env }));
    row.insert("createdAt".into(), json!(now));
    row.insert("updatedAt".into(), json!(now));
    (id, row)
}

/// Replaces a row's writable fields, keeping identity and creation time.
fn replace_row(
    shared: &Shared,
    old: &Map<String, Value>,
    body: Map<String, Value>,
    keep: &[&str],
) -> Map<String, Value> {
    let mut row = body;
    for field in ["id", "environment", "createdAt"].iter().chain(keep) {
        if let Some(v) = old.get(*field) {
            row.insert((*field).into(), v.clone());
        }
    }
    row.insert("updatedAt".into(), json!(shared.now()));
    row
}

fn parent_ok(row: &Map<String, Value>, kind: Kind, parent: Option<&str>) -> bool {
    match (kind.parent(), parent) {
        (Some((field, _)), Some(p)) => ref_id(row, field) == Some(p),
        (None, None) => true,
        _ => false,
    }
}

fn read(shared: &Shared, kind: Kind, id: &str, parent: Option<&str>) -> Reply {
    let state = shared.lock();
    let row = state.get(kind, id).filter(|r| parent_ok(r, kind, parent)).ok_or_else(Failure::not_found)?;
    ok(&render(shared, &state, kind, row))
}

fn delete(shared: &Shared, kind: Kind, id: &str, parent: Option<&str>) -> Reply {
    let mut state = shared.lock();
    if !state.get(kind, id).is_some_and(|r| parent_ok(r, kind, parent)) {
        return Err(Failure::not_found());
    }
    state.table_mut(kind).remove(id);
    no_content()
}

fn require_parent(state: &State, kind: Kind, parent: Option<&str>) -> Result<(), Failure> {
    if let (Some((_, parent_kind)), Some(p)) = (kind.parent(), parent)
        && state.get(parent_kind, p).is_none()
    {
        return Err(Failure::not_found());
    }
    Ok(())
}

// ---------------------------------------------------------------- lists, filters, paging

/// A parsed SCIM-like filter: `attr eq "value"` or `attr sw "value"`, joined by `and`.
fn parse_filter(raw: &str, allowed: &[&str]) -> Result<Vec<(String, bool, String)>, Failure> {
    let invalid = || {
        Failure::invalid_data(vec![Detail::new(
            "INVALID_FILTER",
            "filter",
            format!("Unsupported filter; supported: attribute eq|sw \"value\" on {}", allowed.join(", ")),
        )])
    };
    let mut clauses = Vec::new();
    for clause in raw.split(" and ") {
        let clause = clause.trim();
        let mut parts = clause.splitn(3, ' ');
        let (Some(attr), Some(op), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid());
        };
        let value = value.trim().strip_prefix('"').and_then(|v| v.strip_suffix('"')).ok_or_else(invalid)?;
        let prefix = match op.to_ascii_lowercase().as_str() {
            "eq" => false,
            "sw" => true,
            _ => return Err(invalid()),
        };
        if !allowed.contains(&attr) {
            return Err(invalid());
        }
        clauses.push((attr.to_owned(), prefix, value.to_owned()));
    }
    Ok(clauses)
}

fn filter_matches(row: &Map<String, Value>, clauses: &[(String, bool, String)]) -> bool {
    clauses.iter().all(|(attr, prefix, value)| {
        let Some(actual) = at(row, attr).and_then(Value::as_str) else { return false };
        if *prefix {
            actual.to_lowercase().starts_with(&value.to_lowercase())
        } else {
            actual.eq_ignore_ascii_case(value)
        }
    })
}

fn list(shared: &Shared, call: &Call<'_>, kind: Kind, parent: Option<&str>) -> Reply {
    let state = shared.lock();
    require_parent(&state, kind, parent)?;
    let filterable: &[&str] = match kind {
        Kind::User => &["username", "email", "population.id", "name.given", "name.family"],
        Kind::Population => &["name"],
        _ => &[],
    };
    let clauses = match call.query_param("filter") {
        Some(f) if !filterable.is_empty() => parse_filter(&f, filterable)?,
        Some(_) => {
            return Err(Failure::invalid_data(vec![Detail::new(
                "INVALID_FILTER",
                "filter",
                "This collection cannot be filtered",
            )]));
        }
        None => Vec::new(),
    };
    let rows: Vec<&Map<String, Value>> = match parent {
        Some(p) => state.children(kind, p),
        None => state.rows(kind).collect(),
    };
    let matching: Vec<&Map<String, Value>> = rows.into_iter().filter(|r| filter_matches(r, &clauses)).collect();
    let total = matching.len();
    let (start, limit) = if kind == Kind::User {
        let limit = match call.query_param("limit") {
            Some(l) => match l.parse::<usize>() {
                Ok(n) if (1..=1000).contains(&n) => n,
                _ => {
                    return Err(Failure::invalid_data(vec![Detail::new(
                        "INVALID_PARAMETER",
                        "limit",
                        "limit must be 1-1000",
                    )]));
                }
            },
            None => shared.settings.users_page_size,
        };
        let start = match call.query_param("cursor") {
            Some(c) => decode_cursor(&c).ok_or_else(|| {
                Failure::invalid_data(vec![Detail::new("INVALID_PARAMETER", "cursor", "The cursor is not valid")])
            })?,
            None => 0,
        };
        (start, limit)
    } else {
        (0, usize::MAX)
    };
    let page: Vec<Value> = matching.iter().skip(start).take(limit).map(|r| render(shared, &state, kind, r)).collect();
    let mut links = Map::new();
    links.insert("self".into(), json!({ "href": call.url }));
    let end = start.saturating_add(page.len());
    if end < total {
        let base = call.url.split('?').next().unwrap_or_default();
        let mut query = vec![format!("cursor={}", encode_cursor(end))];
        if limit != usize::MAX {
            query.push(format!("limit={limit}"));
        }
        if let Some(f) = call.query_param("filter") {
            query.push(format!("filter={}", percent_encode(&f)));
        }
        links.insert("next".into(), json!({ "href": format!("{base}?{}", query.join("&")) }));
    }
    let mut embedded = Map::new();
    let size = page.len();
    embedded.insert(kind.collection().into(), Value::Array(page));
    ok(&json!({ "_links": links, "_embedded": embedded, "count": total, "size": size }))
}

fn encode_cursor(offset: usize) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

fn decode_cursor(raw: &str) -> Option<usize> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(raw).ok()?;
    std::str::from_utf8(&bytes).ok()?.strip_prefix("o:")?.parse().ok()
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(crate) fn percent_encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Stores a created (`old` is `None`) or replaced row once `complete` has filled the server's
/// fields; `make_default` makes it the only default of its kind. Answers `201` for a create and
/// `200` for an update.
fn save(
    shared: &Shared,
    state: &mut State,
    kind: Kind,
    old: Option<&Map<String, Value>>,
    body: Map<String, Value>,
    make_default: bool,
    complete: impl FnOnce(&mut Map<String, Value>),
) -> Reply {
    let mut row = match old {
        Some(old) => replace_row(shared, old, body, &[]),
        None => new_row(shared, body).1,
    };
    complete(&mut row);
    let row_id = str_field(&row, "id").unwrap_or_default().to_owned();
    if make_default {
        clear_default(state, kind, &row_id);
    }
    state.table_mut(kind).insert(row_id, row.clone());
    let rendered = render(shared, state, kind, &row);
    if old.is_some() { ok(&rendered) } else { created(&rendered) }
}

/// `400 CONSTRAINT_VIOLATION` when `row` is the environment's default of its kind.
fn refuse_default(row: &Map<String, Value>, what: &str) -> Result<(), Failure> {
    if row.get("default").and_then(Value::as_bool) == Some(true) {
        return Err(Failure::invalid_data(vec![Detail::new(
            "CONSTRAINT_VIOLATION",
            "default",
            format!("{what} cannot be deleted"),
        )]));
    }
    Ok(())
}

// ---------------------------------------------------------------- applications

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

fn create_application(shared: &Shared, call: &Call<'_>) -> Reply {
    let body = call.json(JSON)?;
    check_application(&body)?;
    let (id, mut row) = new_row(shared, body);
    application_defaults(&mut row);
    let secret = shared.rng.token();
    let mut state = shared.lock();
    state.app_secrets.insert(id.clone(), secret);
    state.table_mut(Kind::Application).insert(id, row.clone());
    created(&render(shared, &state, Kind::Application, &row))
}

fn update_application(shared: &Shared, call: &Call<'_>, id: &str) -> Reply {
    let body = call.json(JSON)?;
    check_application(&body)?;
    let mut state = shared.lock();
    let old = state.get(Kind::Application, id).ok_or_else(Failure::not_found)?;
    let mut row = replace_row(shared, old, body, &[]);
    application_defaults(&mut row);
    state.table_mut(Kind::Application).insert(id.to_owned(), row.clone());
    ok(&render(shared, &state, Kind::Application, &row))
}

fn delete_application(shared: &Shared, id: &str) -> Reply {
    let mut state = shared.lock();
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

fn read_secret(shared: &Shared, id: &str) -> Reply {
    let state = shared.lock();
    let secret = state.app_secrets.get(id).ok_or_else(Failure::not_found)?;
    ok(&json!({
        "_links": { "self": { "href": format!("{}/applications/{id}/secret", shared.env_url()) } },
        "environment": { "id": shared.env },
        "secret": secret,
    }))
}

fn create_grant(shared: &Shared, call: &Call<'_>, app: &str) -> Reply {
    let body = call.json(JSON)?;
    let mut state = shared.lock();
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
    let (id, mut row) = new_row(shared, body);
    row.insert("application".into(), json!({ "id": app }));
    state.table_mut(Kind::Grant).insert(id, row.clone());
    created(&render(shared, &state, Kind::Grant, &row))
}

fn create_assignment(shared: &Shared, call: &Call<'_>, app: &str) -> Reply {
    let body = call.json(JSON)?;
    let mut state = shared.lock();
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
    let (id, mut row) = new_row(shared, body);
    row.insert("application".into(), json!({ "id": app }));
    state.table_mut(Kind::Assignment).insert(id, row.clone());
    created(&render(shared, &state, Kind::Assignment, &row))
}

// ---------------------------------------------------------------- sign-on policies and actions

fn uniqueness(c: &mut Check<'_>, state: &State, kind: Kind, field: &str, value: Option<&str>, except: Option<&str>) {
    let Some(value) = value else { return };
    let taken = state
        .rows(kind)
        .any(|r| str_field(r, field).is_some_and(|v| v.eq_ignore_ascii_case(value)) && str_field(r, "id") != except);
    if taken {
        c.fail(Detail::new(
            "UNIQUENESS_VIOLATION",
            field,
            format!("{field} must be unique; {value:?} is already in use"),
        ));
    }
}

fn clear_default(state: &mut State, kind: Kind, except: &str) {
    let table = state.table_mut(kind);
    let ids: Vec<String> =
        table.iter().filter_map(|r| str_field(r, "id").map(str::to_owned)).filter(|id| id != except).collect();
    for id in ids {
        if let Some(row) = table.get_mut(&id) {
            row.insert("default".into(), json!(false));
        }
    }
}

fn save_sign_on_policy(shared: &Shared, call: &Call<'_>, id: Option<&str>) -> Reply {
    let body = call.json(JSON)?;
    let mut state = shared.lock();
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
    save(shared, &mut state, Kind::SignOnPolicy, old.as_ref(), body, default == Some(true), |row| {
        row.entry("default").or_insert(json!(false));
    })
}

fn delete_sign_on_policy(shared: &Shared, id: &str) -> Reply {
    let mut state = shared.lock();
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

fn save_action(shared: &Shared, call: &Call<'_>, policy: &str, id: Option<&str>) -> Reply {
    let body = call.json(JSON)?;
    let mut state = shared.lock();
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
    save(shared, &mut state, Kind::Action, old.as_ref(), body, false, |row| {
        row.insert("signOnPolicy".into(), json!({ "id": policy }));
    })
}

fn delete_action(shared: &Shared, policy: &str, id: &str) -> Reply {
    let mut state = shared.lock();
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

// ---------------------------------------------------------------- populations and users

fn save_population(shared: &Shared, call: &Call<'_>, id: Option<&str>) -> Reply {
    let body = call.json(JSON)?;
    let mut state = shared.lock();
    let old = match id {
        Some(id) => Some(state.get(Kind::Population, id).ok_or_else(Failure::not_found)?.clone()),
        None => None,
    };
    let mut c = Check::new(&body);
    let name = c.string("name", true, 256);
    uniqueness(&mut c, &state, Kind::Population, "name", name, id);
    c.string("description", false, 1024);
    let default = c.boolean("default", false);
    c.finish()?;
    save(shared, &mut state, Kind::Population, old.as_ref(), body, default == Some(true), |row| {
        row.remove("userCount");
        row.entry("default").or_insert(json!(false));
    })
}

fn delete_population(shared: &Shared, id: &str) -> Reply {
    let mut state = shared.lock();
    refuse_default(state.get(Kind::Population, id).ok_or_else(Failure::not_found)?, "The default population")?;
    if state.rows(Kind::User).any(|u| ref_id(u, "population") == Some(id)) {
        return Err(Failure::invalid_data(vec![Detail::new(
            "CONSTRAINT_VIOLATION",
            "users",
            "A population that still has users cannot be deleted",
        )]));
    }
    state.table_mut(Kind::Population).remove(id);
    no_content()
}

pub(crate) fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(|ch| ch.is_whitespace() || ch.is_control())
        && value.len() <= 254
}

fn create_user(shared: &Shared, call: &Call<'_>) -> Reply {
    let body = call.json(JSON)?;
    let mut state = shared.lock();
    let mut c = Check::new(&body);
    let username = c.string("username", true, 128);
    uniqueness(&mut c, &state, Kind::User, "username", username, None);
    if let Some(email) = c.string("email", true, 254)
        && !is_email(email)
    {
        c.fail(Detail::new("INVALID_VALUE", "email", "email must be a valid e-mail address"));
    }
    if c.object("name", false).is_some() {
        c.string("name.given", false, 256);
        c.string("name.family", false, 256);
    }
    let mfa = c.boolean("mfaEnabled", false);
    let population = if c.object("population", false).is_some() { c.string("population.id", true, 64) } else { None };
    if let Some(p) = population
        && state.get(Kind::Population, p).is_none()
    {
        c.fail(Detail::new("INVALID_VALUE", "population.id", "The population does not exist"));
    }
    let password = if c.object("password", false).is_some() { c.string("password.value", true, 255) } else { None };
    c.finish()?;
    let population = match population {
        Some(p) => p.to_owned(),
        None => state
            .rows(Kind::Population)
            .find(|p| p.get("default").and_then(Value::as_bool) == Some(true))
            .and_then(|p| str_field(p, "id"))
            .map(str::to_owned)
            .ok_or_else(|| {
                Failure::invalid_data(vec![Detail::new("REQUIRED_VALUE", "population.id", "No default population")])
            })?,
    };
    let password = password.map(str::to_owned);
    let mut body = body;
    body.remove("password");
    let (id, mut row) = new_row(shared, body);
    row.insert("population".into(), json!({ "id": population }));
    row.insert("enabled".into(), json!(true));
    row.insert("mfaEnabled".into(), json!(mfa.unwrap_or(false)));
    row.insert("account".into(), json!({ "canAuthenticate": true, "status": "OK" }));
    row.insert("lifecycle".into(), json!({ "status": "ACCOUNT_OK" }));
    row.insert("identityProvider".into(), json!({ "type": "PING_ONE" }));
    row.insert("verifyStatus".into(), json!("NOT_INITIATED"));
    row.insert("emailVerified".into(), json!(false));
    if let Some(p) = password {
        state.passwords.insert(id.clone(), p);
    }
    state.table_mut(Kind::User).insert(id, row.clone());
    created(&render(shared, &state, Kind::User, &row))
}

fn delete_user(shared: &Shared, id: &str) -> Reply {
    let mut state = shared.lock();
    if state.table_mut(Kind::User).remove(id).is_none() {
        return Err(Failure::not_found());
    }
    let devices: Vec<String> =
        state.children(Kind::Device, id).iter().filter_map(|r| str_field(r, "id").map(str::to_owned)).collect();
    for device in devices {
        state.table_mut(Kind::Device).remove(&device);
        state.device_locks.remove(&device);
    }
    state.passwords.remove(id);
    no_content()
}

fn set_password(shared: &Shared, call: &Call<'_>, id: &str) -> Reply {
    if state_missing(shared, Kind::User, id) {
        return Err(Failure::not_found());
    }
    let body = call.json(PASSWORD_SET)?;
    let mut c = Check::new(&body);
    let value = c.string("value", true, 255);
    let force = c.boolean("forceChange", false).unwrap_or(false);
    if let Some(v) = value
        && v.chars().count() < 8
    {
        c.fail(
            Detail::new(
                "INVALID_VALUE",
                "value",
                "The password does not meet the password policy: at least 8 characters",
            )
            .inner(json!({ "rangeMinimumValue": 8 })),
        );
    }
    c.finish()?;
    let mut state = shared.lock();
    let now = shared.now();
    state.passwords.insert(id.to_owned(), value.unwrap_or_default().to_owned());
    ok(&json!({
        "_links": { "self": { "href": format!("{}/users/{id}/password", shared.env_url()) } },
        "environment": { "id": shared.env },
        "user": { "id": id },
        "status": if force { "MUST_CHANGE_PASSWORD" } else { "OK" },
        "lastChangedAt": now,
    }))
}

fn state_missing(shared: &Shared, kind: Kind, id: &str) -> bool {
    shared.lock().get(kind, id).is_none()
}

fn set_mfa_enabled(shared: &Shared, call: &Call<'_>, id: &str) -> Reply {
    if state_missing(shared, Kind::User, id) {
        return Err(Failure::not_found());
    }
    let body = call.json(JSON)?;
    let mut c = Check::new(&body);
    let enabled = c.boolean("mfaEnabled", true);
    c.finish()?;
    let enabled = enabled.unwrap_or(false);
    let mut state = shared.lock();
    let now = shared.now();
    let user = state.table_mut(Kind::User).get_mut(id).ok_or_else(Failure::not_found)?;
    user.insert("mfaEnabled".into(), json!(enabled));
    user.insert("updatedAt".into(), json!(now));
    ok(
        &json!({ "_links": { "self": { "href": format!("{}/users/{id}/mfaEnabled", shared.env_url()) } }, "mfaEnabled": enabled }),
    )
}

fn read_mfa_enabled(shared: &Shared, id: &str) -> Reply {
    let state = shared.lock();
    let user = state.get(Kind::User, id).ok_or_else(Failure::not_found)?;
    let enabled = user.get("mfaEnabled").and_then(Value::as_bool).unwrap_or(false);
    ok(
        &json!({ "_links": { "self": { "href": format!("{}/users/{id}/mfaEnabled", shared.env_url()) } }, "mfaEnabled": enabled }),
    )
}

// ---------------------------------------------------------------- MFA: device policies and devices

fn check_offline(c: &mut Check<'_>, method: &str, required: bool) {
    if c.object(method, required).is_none() {
        return;
    }
    c.boolean(&format!("{method}.enabled"), true);
    let duration = c.integer(&format!("{method}.otp.lifeTime.duration"), true, 1, 1800);
    let unit = c.one_of(&format!("{method}.otp.lifeTime.timeUnit"), true, TIME_UNITS);
    if let (Some(d), Some("MINUTES")) = (duration, unit)
        && d > 30
    {
        c.fail(Detail::new(
            "OUT_OF_RANGE",
            format!("{method}.otp.lifeTime.duration"),
            "An OTP lives at most 30 minutes",
        ));
    }
    c.integer(&format!("{method}.otp.failure.count"), true, 1, 7);
    c.integer(&format!("{method}.otp.failure.coolDown.duration"), true, 0, 1800);
    c.one_of(&format!("{method}.otp.failure.coolDown.timeUnit"), true, TIME_UNITS);
    c.integer(&format!("{method}.otp.otpLength"), false, 6, 10);
}

fn check_failure_only(c: &mut Check<'_>, method: &str) {
    if c.object(method, true).is_none() {
        return;
    }
    c.boolean(&format!("{method}.enabled"), true);
    c.integer(&format!("{method}.otp.failure.count"), true, 1, 7);
    c.integer(&format!("{method}.otp.failure.coolDown.duration"), true, 0, 1800);
    c.one_of(&format!("{method}.otp.failure.coolDown.timeUnit"), true, TIME_UNITS);
}

fn save_device_policy(shared: &Shared, call: &Call<'_>, id: Option<&str>) -> Reply {
    let body = call.json(JSON)?;
    let mut state = shared.lock();
    let old = match id {
        Some(id) => Some(state.get(Kind::DevicePolicy, id).ok_or_else(Failure::not_found)?.clone()),
        None => None,
    };
    let mut c = Check::new(&body);
    let name = c.string("name", true, 256);
    uniqueness(&mut c, &state, Kind::DevicePolicy, "name", name, id);
    let default = c.boolean("default", true);
    for method in ["sms", "voice", "email"] {
        check_offline(&mut c, method, true);
    }
    check_offline(&mut c, "whatsApp", false);
    check_failure_only(&mut c, "mobile");
    check_failure_only(&mut c, "totp");
    c.one_of("authentication.deviceSelection", false, DEVICE_SELECTION);
    c.one_of("newDeviceNotification", false, &["NONE", "EMAIL_THEN_SMS", "SMS_THEN_EMAIL"]);
    c.finish()?;
    save(shared, &mut state, Kind::DevicePolicy, old.as_ref(), body, default == Some(true), |row| {
        // Deprecated and read-only in the spec, but listed as required in responses.
        row.insert("forSignOnPolicy".into(), json!(false));
        row.entry("newDeviceNotification").or_insert(json!("EMAIL_THEN_SMS"));
        if row.get("authentication").is_none() {
            row.insert("authentication".into(), json!({ "deviceSelection": "DEFAULT_TO_FIRST" }));
        }
        for method in ["sms", "voice", "email"] {
            if let Some(otp) = row.get_mut(method).and_then(|m| m.get_mut("otp")).and_then(Value::as_object_mut) {
                otp.entry("otpLength").or_insert(json!(6));
            }
        }
    })
}

fn delete_device_policy(shared: &Shared, id: &str) -> Reply {
    let mut state = shared.lock();
    refuse_default(
        state.get(Kind::DevicePolicy, id).ok_or_else(Failure::not_found)?,
        "The default device authentication policy",
    )?;
    state.table_mut(Kind::DevicePolicy).remove(id);
    no_content()
}

fn create_device(shared: &Shared, call: &Call<'_>, user: &str) -> Reply {
    let body = call.json(JSON)?;
    let mut state = shared.lock();
    if state.get(Kind::User, user).is_none() {
        return Err(Failure::not_found());
    }
    let mut c = Check::new(&body);
    let kind = c.one_of("type", true, DEVICE_TYPES);
    match kind {
        Some("EMAIL") => {
            if let Some(email) = c.string("email", true, 254)
                && !is_email(email)
            {
                c.fail(Detail::new("INVALID_VALUE", "email", "email must be a valid e-mail address"));
            }
        }
        Some(_) => {
            c.string("phone", true, 32);
        }
        None => {}
    }
    c.one_of("status", false, &["ACTIVE", "ACTIVATION_REQUIRED"]);
    c.string("nickname", false, 100);
    if c.object("policy", false).is_some()
        && let Some(p) = c.string("policy.id", true, 64)
        && state.get(Kind::DevicePolicy, p).is_none()
    {
        c.fail(Detail::new("INVALID_VALUE", "policy.id", "The device authentication policy does not exist"));
    }
    if state.children(Kind::Device, user).len() >= MAX_DEVICES_PER_USER {
        c.fail(Detail::new("SIZE_LIMIT_EXCEEDED", "devices", "The user already has the maximum number of devices (5)"));
    }
    c.finish()?;
    let (id, mut row) = new_row(shared, body);
    row.insert("user".into(), json!({ "id": user }));
    row.entry("status").or_insert(json!("ACTIVE"));
    state.table_mut(Kind::Device).insert(id, row.clone());
    created(&render(shared, &state, Kind::Device, &row))
}

fn reorder_devices(shared: &Shared, call: &Call<'_>, user: &str) -> Reply {
    let body = call.json(DEVICES_REORDER)?;
    let mut state = shared.lock();
    if state.get(Kind::User, user).is_none() {
        return Err(Failure::not_found());
    }
    let owned: Vec<String> =
        state.children(Kind::Device, user).iter().filter_map(|r| str_field(r, "id").map(str::to_owned)).collect();
    let order: Option<Vec<String>> = body
        .get("order")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().map(|d| d.get("id").and_then(Value::as_str).map(str::to_owned)).collect());
    let Some(order) = order.filter(|o| !o.is_empty() && o.iter().all(|id| owned.contains(id))) else {
        return Err(Failure::invalid_value("order", "order must list the user's device IDs"));
    };
    // Re-insert in the requested order, then the rest.
    let table = state.table_mut(Kind::Device);
    for id in order.iter().chain(owned.iter().filter(|id| !order.contains(id))) {
        if let Some(row) = table.remove(id) {
            table.insert(id.clone(), row);
        }
    }
    let list: Vec<Value> = order.iter().map(|id| json!({ "id": id })).collect();
    ok(
        &json!({ "_links": { "self": { "href": format!("{}/users/{user}/devices", shared.env_url()) } }, "order": list }),
    )
}
