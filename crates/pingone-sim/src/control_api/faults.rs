//! `/__sim/faults`: random faults by rate (with a seed), scripted faults for the next matching
//! requests, the same kinds as in process.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Target, body, reply};
use crate::env::Env;
use crate::faults::{Fault, FaultRates, ScriptedFault};
use crate::hub::Hub;
use crate::reply::Failure;

pub(super) fn routes() -> Router<Arc<Hub>> {
    Router::new().route("/faults", get(read).put(set_rates).delete(clear)).route("/faults/script", post(script))
}

fn settings_json(env: &Env) -> Response {
    let settings = env.faults.settings();
    let r = settings.rates;
    let script: Vec<Value> = settings
        .script
        .iter()
        .map(|s| json!({ "kind": s.fault.name(), "method": s.method, "pathContains": s.path_contains }))
        .collect();
    reply(
        StatusCode::OK,
        &json!({
            "rates": { "tooManyRequests": r.too_many_requests, "serverError": r.server_error, "unavailable": r.unavailable,
                "dropConnection": r.drop_connection, "dropAfterCommit": r.drop_after_commit, "retryAfterSecs": r.retry_after_secs },
            "script": script,
            "injected": settings.injected,
        }),
    )
}

/// `GET /__sim/faults`: the rates, the queued script, and how many faults were injected.
async fn read(target: Target) -> Response {
    settings_json(&target.env)
}

/// Each probability in `[0, 1]`, summed at most 1.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Rates {
    #[serde(default)]
    too_many_requests: f64,
    #[serde(default)]
    server_error: f64,
    #[serde(default)]
    unavailable: f64,
    #[serde(default)]
    drop_connection: f64,
    #[serde(default)]
    drop_after_commit: f64,
    retry_after_secs: Option<u64>,
}

/// `{"rates": {...}, "seed": 7}` or `{"uniform": 0.2, "seed": 7}` (the binary's `--fault-rate`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RatesChange {
    rates: Option<Rates>,
    uniform: Option<f64>,
    seed: Option<u64>,
}

/// `PUT /__sim/faults`: replaces the random rates; with `seed`, restarts the random source so
/// that the same requests get the same faults.
async fn set_rates(target: Target, raw: Bytes) -> Result<Response, Failure> {
    let change: RatesChange = body(&raw)?;
    let rates = match (change.rates, change.uniform) {
        (Some(r), None) => FaultRates {
            too_many_requests: r.too_many_requests,
            server_error: r.server_error,
            unavailable: r.unavailable,
            drop_connection: r.drop_connection,
            drop_after_commit: r.drop_after_commit,
            retry_after_secs: r.retry_after_secs.unwrap_or(1),
        },
        (None, Some(p)) if (0.0..=1.0).contains(&p) => FaultRates::uniform(p),
        (None, None) if change.seed.is_some() => target.env.faults.settings().rates,
        _ => return Err(Failure::invalid_request("Give either rates or uniform (a probability in [0, 1]).")),
    };
    let each = [
        rates.too_many_requests,
        rates.server_error,
        rates.unavailable,
        rates.drop_connection,
        rates.drop_after_commit,
    ];
    if each.iter().any(|p| !(0.0..=1.0).contains(p)) || each.iter().sum::<f64>() > 1.0 + 1e-9 {
        return Err(Failure::invalid_value("rates", "Each rate is in [0, 1] and together they are at most 1"));
    }
    if let Some(seed) = change.seed {
        target.env.faults.reseed(Some(seed));
    }
    target.env.faults.set_rates(rates);
    Ok(settings_json(&target.env))
}

/// `DELETE /__sim/faults`: no rates, no script.
async fn clear(target: Target) -> Response {
    target.env.faults.clear();
    settings_json(&target.env)
}

/// One scripted fault: `kind` is `429`, `500`, `503`, `drop` or `drop-after-commit`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Scripted {
    kind: String,
    method: Option<String>,
    path_contains: Option<String>,
    retry_after_secs: Option<u64>,
    /// Queue this many (default 1).
    times: Option<u32>,
}

/// `{"faults": [...]}` or a single fault.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Script {
    Many { faults: Vec<Scripted> },
    One(Scripted),
}

impl Default for Script {
    fn default() -> Self {
        Script::Many { faults: Vec::new() }
    }
}

fn fault_of(kind: &str, retry_after_secs: Option<u64>) -> Option<Fault> {
    let retry_after_secs = retry_after_secs.unwrap_or(1);
    Some(match kind {
        "429" => Fault::TooManyRequests { retry_after_secs },
        "500" => Fault::ServerError,
        "503" => Fault::Unavailable { retry_after_secs },
        "drop" => Fault::DropConnection,
        "drop-after-commit" => Fault::DropAfterCommit,
        _ => return None,
    })
}

/// `POST /__sim/faults/script`: queues faults; each applies once, to the next request that
/// matches its method and path.
async fn script(target: Target, raw: Bytes) -> Result<Response, Failure> {
    let faults = match body::<Script>(&raw)? {
        Script::Many { faults } => faults,
        Script::One(fault) => vec![fault],
    };
    let mut queued = Vec::new();
    for s in faults {
        let fault = fault_of(&s.kind, s.retry_after_secs)
            .ok_or_else(|| Failure::invalid_value("kind", "kind is one of 429, 500, 503, drop, drop-after-commit"))?;
        for _ in 0..s.times.unwrap_or(1).min(1000) {
            queued.push(ScriptedFault { method: s.method.clone(), path_contains: s.path_contains.clone(), fault });
        }
    }
    let count = queued.len();
    for fault in queued {
        target.env.faults.push(fault);
    }
    Ok(reply(StatusCode::CREATED, &json!({ "queued": count })))
}
