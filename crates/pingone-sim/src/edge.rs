//! The edge of every request: the environment's latency and faults, the simulator's journal,
//! and the sweep that drops expired state.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::env::Env;
use crate::faults::Fault;
use crate::hub::Hub;
use crate::journal::JournalEntry;
use crate::reply::Failure;

/// A body that fails at once: the connection is dropped mid-response.
struct Broken;

impl http_body::Body for Broken {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, io::Error>>> {
        Poll::Ready(Some(Err(io::Error::other("fault injection: connection dropped"))))
    }
}

fn dropped() -> Response {
    let mut response = Response::new(Body::new(Broken));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

/// The environment a path is for: `/v1/environments/{env}/...` or `/{env}/...`.
fn env_of(hub: &Hub, path: &str) -> Option<Arc<Env>> {
    let rest = path.strip_prefix("/v1/environments/").or_else(|| path.strip_prefix('/'))?;
    hub.env(rest.split('/').next()?)
}

/// Latency, faults and the journal for every request but the `/__sim/` controls.
pub(crate) async fn edge(State(hub): State<Arc<Hub>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if path == "/__sim" || path.starts_with("/__sim/") {
        return next.run(request).await;
    }
    let env = env_of(&hub, &path);
    let started = Instant::now();
    let completed_before = hub.journal.completed();
    let at = env.as_ref().map_or_else(|| crate::clock::rfc3339(std::time::SystemTime::now()), |env| env.now());
    let method = request.method().to_string();
    let request_content_type =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut fault = None;
    if let Some(env) = &env {
        env.evict_expired_now_and_then();
        let (fixed, jitter) = env.latency();
        let delay = fixed + jitter.mul_f64(env.faults.unit());
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        fault = env.faults.pick(&method, &path);
    }
    let (response, status) = match fault {
        None => {
            let response = next.run(request).await;
            let status = response.status().as_u16();
            (response, status)
        }
        Some(Fault::TooManyRequests { retry_after_secs }) => {
            (Failure::rate_limited(retry_after_secs).into_response(), 429)
        }
        Some(Fault::ServerError) => (Failure::unexpected().into_response(), 500),
        Some(Fault::Unavailable { retry_after_secs }) => {
            let mut response =
                (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "text/plain")], "Service Unavailable")
                    .into_response();
            response.headers_mut().insert(header::RETRY_AFTER, retry_after_secs.into());
            (response, 503)
        }
        Some(Fault::DropConnection) => (dropped(), 0),
        Some(Fault::DropAfterCommit) => {
            let _committed = next.run(request).await;
            (dropped(), 0)
        }
    };
    let response_content_type =
        response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    hub.journal.record(JournalEntry {
        environment: env.map(|env| env.id.clone()),
        at,
        method,
        path,
        status,
        request_content_type,
        response_content_type,
        latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        fault: fault.map(Fault::name),
        completed_before,
        completion: hub.journal.complete(),
    });
    response
}
