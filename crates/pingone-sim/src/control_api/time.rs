//! `/__sim/clock` (read, advance, set, reset) and `/__sim/latency` (read, set).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

use super::{Target, body, reply};
use crate::env::Env;
use crate::hub::Hub;
use crate::reply::Failure;

pub(super) fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/clock", get(read_clock).post(move_clock))
        .route("/latency", get(read_latency).put(set_latency))
}

fn clock_json(env: &Env) -> Response {
    reply(
        StatusCode::OK,
        &json!({ "now": env.clock.rfc3339(), "unix": env.clock.unix(), "offsetMs": env.clock.offset_millis() }),
    )
}

/// `GET /__sim/clock`.
async fn read_clock(target: Target) -> Response {
    clock_json(&target.env)
}

/// One of: `{"advance": "90s"}`, `{"advanceSeconds": 90}`, `{"set": "2030-01-01T00:00:00Z"}`,
/// `{"reset": true}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockChange {
    advance: Option<String>,
    advance_seconds: Option<u64>,
    set: Option<String>,
    #[serde(default)]
    reset: bool,
}

/// `POST /__sim/clock`: moves this environment's clock, then drops what has expired.
async fn move_clock(target: Target, raw: Bytes) -> Result<Response, Failure> {
    let change: ClockChange = body(&raw)?;
    let chosen = [change.advance.is_some(), change.advance_seconds.is_some(), change.set.is_some(), change.reset];
    if chosen.iter().filter(|c| **c).count() != 1 {
        return Err(Failure::invalid_request(
            "Give exactly one of advance (\"90s\", \"15m\"), advanceSeconds, set (RFC 3339) or reset.",
        ));
    }
    let clock = &target.env.clock;
    if let Some(text) = change.advance {
        let by = humantime::parse_duration(&text)
            .map_err(|e| Failure::invalid_value("advance", format!("advance must be a duration like \"90s\": {e}")))?;
        clock.advance(by);
    } else if let Some(seconds) = change.advance_seconds {
        clock.advance(Duration::from_secs(seconds));
    } else if let Some(text) = change.set {
        let at = humantime::parse_rfc3339_weak(&text)
            .map_err(|e| Failure::invalid_value("set", format!("set must be an RFC 3339 time: {e}")))?;
        clock.set(at);
    } else {
        clock.reset();
    }
    target.env.evict_expired();
    Ok(clock_json(&target.env))
}

/// `{"fixedMs": 50, "jitterMs": 10}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Latency {
    #[serde(default)]
    fixed_ms: u64,
    #[serde(default)]
    jitter_ms: u64,
}

fn latency_json(env: &Env) -> Response {
    let (fixed, jitter) = env.latency();
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    reply(StatusCode::OK, &json!({ "fixedMs": ms(fixed), "jitterMs": ms(jitter) }))
}

/// `GET /__sim/latency`.
async fn read_latency(target: Target) -> Response {
    latency_json(&target.env)
}

/// `PUT /__sim/latency`: every response of this environment waits `fixedMs` plus a random
/// extra in `[0, jitterMs)`.
async fn set_latency(target: Target, raw: Bytes) -> Result<Response, Failure> {
    let latency: Latency = body(&raw)?;
    const MAX_MS: u64 = 60_000;
    if latency.fixed_ms > MAX_MS || latency.jitter_ms > MAX_MS {
        return Err(Failure::invalid_value("fixedMs", "fixedMs and jitterMs are at most 60000"));
    }
    target.env.set_latency(Duration::from_millis(latency.fixed_ms), Duration::from_millis(latency.jitter_ms));
    Ok(latency_json(&target.env))
}
