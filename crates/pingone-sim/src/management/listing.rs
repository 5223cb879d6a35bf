//! Lists: the SCIM-like filter (`attr eq|sw "value"`, joined by `and`), cursor paging and the
//! `_embedded` envelope.

use serde_json::{Map, Value, json};

use super::Call;
use super::rows::{render, require_parent};
use crate::check::at;
use crate::reply::{Detail, Failure, Reply, ok};
use crate::store::{Kind, Table};
use crate::wire::query_string;

/// A parsed SCIM-like filter: `attr eq "value"` or `attr sw "value"`, joined by `and`.
pub(crate) fn parse_filter(raw: &str, allowed: &[&str]) -> Result<Vec<(String, bool, String)>, Failure> {
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

pub(super) fn list(call: &Call, kind: Kind, parent: Option<&str>) -> Reply {
    let env = call.env();
    let state = env.lock();
    require_parent(&state, kind, parent)?;
    let filterable: &[&str] = match kind {
        Kind::User => &["username", "email", "population.id", "name.given", "name.family"],
        Kind::Population => &["id", "name"],
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
    // An `eq` on the indexed name (`username eq "..."`) reads the index instead of every row;
    // the clauses still all apply below, so the answer is the scan's.
    let name_field = state.table(kind).and_then(Table::name_field);
    let by_name = clauses.iter().find(|(attr, prefix, _)| !prefix && Some(attr.as_str()) == name_field);
    let rows: Vec<&Map<String, Value>> = match (parent, by_name) {
        (Some(p), _) => state.children(kind, p),
        (None, Some((attr, _, value))) => state.rows_named(kind, attr, value),
        (None, None) => state.rows(kind).collect(),
    };
    let matching: Vec<&Map<String, Value>> = rows.into_iter().filter(|r| filter_matches(r, &clauses)).collect();
    let total = matching.len();
    let (start, limit) = if matches!(kind, Kind::User | Kind::Population) {
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
            None if kind == Kind::User => env.settings.users_page_size,
            None => usize::MAX,
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
    let page: Vec<Value> = matching.iter().skip(start).take(limit).map(|r| render(env, &state, kind, r)).collect();
    let mut links = Map::new();
    links.insert("self".into(), json!({ "href": call.url }));
    let end = start.saturating_add(page.len());
    if end < total {
        let base = call.url.split('?').next().unwrap_or_default();
        let (cursor, limit_text) = (encode_cursor(end), limit.to_string());
        let filter = call.query_param("filter");
        let mut query = vec![("cursor", cursor.as_str())];
        if limit != usize::MAX {
            query.push(("limit", limit_text.as_str()));
        }
        if let Some(f) = filter.as_deref() {
            query.push(("filter", f));
        }
        links.insert("next".into(), json!({ "href": format!("{base}?{}", query_string(&query)) }));
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
