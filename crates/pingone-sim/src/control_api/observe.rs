//! `/__sim/outbox` (with a long-poll wait) and `/__sim/journal` (with filters).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::{Target, reply};
use crate::hub::Hub;
use crate::journal::JournalFilter;
use crate::outbox::Email;
use crate::reply::Failure;
use crate::wire::query_param;

/// The longest `wait` the outbox takes.
const MAX_WAIT: Duration = Duration::from_secs(60);

pub(super) fn routes() -> Router<Arc<Hub>> {
    Router::new().route("/outbox", get(outbox)).route("/journal", get(journal))
}

fn email_json(email: &Email) -> Value {
    json!({ "to": email.to, "subject": email.subject, "body": email.body, "sentAt": email.sent_at, "otp": email.otp() })
}

/// `5s`, `500ms`, `2m`, or a bare number of seconds.
fn parse_wait(text: &str) -> Result<Duration, Failure> {
    let wait = match text.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => humantime::parse_duration(text)
            .map_err(|e| Failure::invalid_value("wait", format!("wait must be a duration like 5s: {e}")))?,
    };
    Ok(wait.min(MAX_WAIT))
}

/// `GET /__sim/outbox[?to=ADDRESS][&wait=5s]`.
///
/// Without `wait`: every e-mail kept (to `to`, if given), oldest first. With `wait` (and `to`):
/// the oldest e-mail to `to` that no earlier waiting read handed out, waiting up to `wait`
/// (at most 60 s) for one to arrive; `messages` is empty when none came.
async fn outbox(target: Target, uri: Uri) -> Result<Response, Failure> {
    let to = query_param(uri.query(), "to");
    let outbox = &target.env.outbox;
    if let Some(wait) = query_param(uri.query(), "wait") {
        let wait = parse_wait(&wait)?;
        let to = to.ok_or_else(|| Failure::invalid_value("to", "wait needs to=ADDRESS"))?;
        let messages: Vec<Value> = outbox.next_for(&to, wait).await.iter().map(email_json).collect();
        return Ok(reply(StatusCode::OK, &json!({ "messages": messages })));
    }
    let messages: Vec<Value> = outbox
        .messages()
        .iter()
        .filter(|m| to.as_deref().is_none_or(|t| m.to.eq_ignore_ascii_case(t)))
        .map(email_json)
        .collect();
    Ok(reply(StatusCode::OK, &json!({ "messages": messages })))
}

/// `GET /__sim/journal[?environment=ID][&method=POST][&path=/users][&status=201][&faults=true]
/// [&since=N][&limit=N]`: the kept entries that match, oldest first. `since` is a `completion`
/// number already seen (only later ones come back); `limit` keeps the newest. Under
/// `/__sim/environments/{envID}/journal` only that environment's entries.
async fn journal(target: Target, uri: Uri) -> Result<Response, Failure> {
    let query = uri.query();
    let number = |name: &str| -> Result<Option<u64>, Failure> {
        query_param(query, name)
            .map(|v| v.parse::<u64>().map_err(|_| Failure::invalid_value(name, format!("{name} must be a number"))))
            .transpose()
    };
    let status = number("status")?.map(|s| u16::try_from(s).unwrap_or(u16::MAX));
    let filter = JournalFilter {
        environment: if target.named { Some(target.env.id.clone()) } else { query_param(query, "environment") },
        method: query_param(query, "method"),
        path_contains: query_param(query, "path"),
        status,
        faults_only: query_param(query, "faults").is_some_and(|v| v == "true"),
        since: number("since")?,
        limit: number("limit")?.map(|l| usize::try_from(l).unwrap_or(usize::MAX)),
    };
    let entries = target.hub.journal.query(&filter);
    Ok(reply(StatusCode::OK, &json!({ "entries": entries })))
}
