//! What every resource shares: stored rows as PingOne renders them, creates and replaces, reads
//! and deletes by ID, defaults and uniqueness.

use serde_json::{Map, Value, json};

use crate::check::Check;
use crate::env::Env;
use crate::reply::{Detail, Failure, Reply, created, no_content, ok};
use crate::store::{Kind, State, ref_id, str_field};

fn href(env: &Env, kind: Kind, row: &Map<String, Value>) -> String {
    let id = str_field(row, "id").unwrap_or_default();
    match kind.parent() {
        Some((field, parent)) => format!(
            "{}/{}/{}/{}/{id}",
            env.url(),
            parent.collection(),
            ref_id(row, field).unwrap_or_default(),
            kind.collection()
        ),
        None => format!("{}/{}/{id}", env.url(), kind.collection()),
    }
}

/// A stored row as PingOne returns it: with `_links` and computed fields.
pub(super) fn render(env: &Env, state: &State, kind: Kind, row: &Map<String, Value>) -> Value {
    let mut out = row.clone();
    let own = href(env, kind, row);
    let mut links = Map::new();
    links.insert("self".into(), json!({ "href": own }));
    links.insert("environment".into(), json!({ "href": env.url() }));
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
                links.insert("population".into(), json!({ "href": format!("{}/populations/{pop}", env.url()) }));
            }
        }
        Kind::Population => {
            let id = str_field(row, "id").unwrap_or_default();
            let count = state.count_referencing(Kind::User, id);
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

pub(super) fn new_row(env: &Env, body: Map<String, Value>) -> (String, Map<String, Value>) {
    let id = env.new_id();
    let now = env.now();
    let mut row = body;
    row.insert("id".into(), json!(id));
    row.insert("environment".into(), json!({ "id": env.id }));
    row.insert("createdAt".into(), json!(now));
    row.insert("updatedAt".into(), json!(now));
    (id, row)
}

/// Replaces a row's writable fields, keeping identity and creation time.
pub(super) fn replace_row(
    env: &Env,
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
    row.insert("updatedAt".into(), json!(env.now()));
    row
}

fn parent_ok(row: &Map<String, Value>, kind: Kind, parent: Option<&str>) -> bool {
    match (kind.parent(), parent) {
        (Some((field, _)), Some(p)) => ref_id(row, field) == Some(p),
        (None, None) => true,
        _ => false,
    }
}

pub(super) fn read(env: &Env, kind: Kind, id: &str, parent: Option<&str>) -> Reply {
    let state = env.lock();
    let row = state.get(kind, id).filter(|r| parent_ok(r, kind, parent)).ok_or_else(Failure::not_found)?;
    ok(&render(env, &state, kind, row))
}

pub(super) fn delete(env: &Env, kind: Kind, id: &str, parent: Option<&str>) -> Reply {
    let mut state = env.lock();
    if !state.get(kind, id).is_some_and(|r| parent_ok(r, kind, parent)) {
        return Err(Failure::not_found());
    }
    state.table_mut(kind).remove(id);
    no_content()
}

pub(super) fn require_parent(state: &State, kind: Kind, parent: Option<&str>) -> Result<(), Failure> {
    if let (Some((_, parent_kind)), Some(p)) = (kind.parent(), parent)
        && state.get(parent_kind, p).is_none()
    {
        return Err(Failure::not_found());
    }
    Ok(())
}

/// Stores a created (`old` is `None`) or replaced row once `complete` has filled the server's
/// fields; `make_default` makes it the only default of its kind. Answers `201` for a create and
/// `200` for an update.
pub(super) fn save(
    env: &Env,
    state: &mut State,
    kind: Kind,
    old: Option<&Map<String, Value>>,
    body: Map<String, Value>,
    make_default: bool,
    complete: impl FnOnce(&mut Map<String, Value>),
) -> Reply {
    let mut row = match old {
        Some(old) => replace_row(env, old, body, &[]),
        None => new_row(env, body).1,
    };
    complete(&mut row);
    let row_id = str_field(&row, "id").unwrap_or_default().to_owned();
    if make_default {
        clear_default(state, kind, &row_id);
    }
    state.table_mut(kind).insert(row_id, row.clone());
    let rendered = render(env, state, kind, &row);
    if old.is_some() { ok(&rendered) } else { created(&rendered) }
}

/// `400 CONSTRAINT_VIOLATION` when `row` is the environment's default of its kind.
pub(super) fn refuse_default(row: &Map<String, Value>, what: &str) -> Result<(), Failure> {
    if row.get("default").and_then(Value::as_bool) == Some(true) {
        return Err(Failure::invalid_data(vec![Detail::new(
            "CONSTRAINT_VIOLATION",
            "default",
            format!("{what} cannot be deleted"),
        )]));
    }
    Ok(())
}

pub(super) fn uniqueness(
    c: &mut Check<'_>,
    state: &State,
    kind: Kind,
    field: &str,
    value: Option<&str>,
    except: Option<&str>,
) {
    let Some(value) = value else { return };
    let taken = state.rows_named(kind, field, value).iter().any(|r| str_field(r, "id") != except);
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
        table.update(&id, |row| row.insert("default".into(), json!(false)));
    }
}
