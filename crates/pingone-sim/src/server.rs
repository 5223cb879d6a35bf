//! Starting, serving and stopping a simulator; the edge layer (latency, faults, journal).

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth;
use crate::clock::SimClock;
use crate::config::SimConfig;
use crate::env::{Env, Settings};
use crate::faults::{Fault, FaultRates, Faults, ScriptedFault};
use crate::flows;
use crate::journal::{Journal, JournalEntry};
use crate::keys::SigningKey;
use crate::management;
use crate::outbox::Outbox;
use crate::reply::{Failure, json_response};
use crate::rng::SimRng;
use crate::store::{Kind, State as Store, seed};
use crate::wire::query_param;

/// Largest request body accepted (larger: `413`).
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// Why a simulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The address could not be bound.
    #[error("could not bind {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: io::Error,
    },
    /// The journal file could not be created.
    #[error("could not create the journal file: {0}")]
    Journal(io::Error),
    /// The signing key could not be generated.
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
}

/// A running simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct Simulator {
    shared: Arc<Env>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Binds, seeds the environment and starts serving in the background.
    ///
    /// # Errors
    /// [`StartError`] when the address cannot be bound, the journal file cannot be created, or
    /// the signing key cannot be generated.
    pub async fn start(config: SimConfig) -> Result<Self, StartError> {
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| StartError::Bind { addr: config.bind, source })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: config.bind, source })?;
        let journal_file = match &config.journal_file {
            Some(path) => Some(std::fs::File::create(path).map_err(StartError::Journal)?),
            None => None,
        };
        let key = match config.signing_key.clone() {
            Some(key) => key,
            None => SigningKey::shared()?,
        };
        let rng = SimRng::new(config.seed);
        let env = config.environment_id.clone().unwrap_or_else(|| rng.uuid());
        let host = if addr.ip().is_unspecified() { SocketAddr::from(([127, 0, 0, 1], addr.port())) } else { addr };
        let base = format!("http://{host}");
        let clock = SimClock::default();
        let worker_client_id = rng.uuid();
        let worker_client_secret = rng.token();
        let mut state = Store::default();
        let now = clock.rfc3339();
        seed(&mut state, &env, &now, || rng.uuid());
        let mut worker = serde_json::Map::new();
        for (k, v) in [
            ("id", json!(worker_client_id)),
            ("environment", json!({ "id": env })),
            ("name", json!("Simulator Worker")),
            ("enabled", json!(true)),
            ("type", json!("WORKER")),
            ("protocol", json!("OPENID_CONNECT")),
            ("grantTypes", json!(["CLIENT_CREDENTIALS"])),
            ("tokenEndpointAuthMethod", json!("CLIENT_SECRET_BASIC")),
            ("createdAt", json!(now)),
            ("updatedAt", json!(now)),
        ] {
            worker.insert(k.into(), v);
        }
        state.table_mut(Kind::Application).insert(worker_client_id.clone(), worker);
        state.app_secrets.insert(worker_client_id.clone(), worker_client_secret.clone());
        let shared = Arc::new(Env {
            management_base: format!("{base}/v1"),
            apps_base: config.apps_base.clone().unwrap_or_else(|| base.clone()),
            auth_base: base,
            id: env,
            settings: Settings {
                cookies: config.cookies,
                flow_idle_timeout: config.flow_idle_timeout,
                code_lifetime: config.code_lifetime,
                token_lifetime: config.token_lifetime,
                users_page_size: config.users_page_size.max(1),
            },
            state: std::sync::Mutex::new(state),
            rng,
            clock,
            key,
            outbox: Outbox::default(),
            journal: Journal::new(journal_file),
            faults: Faults::new(config.faults),
            latency: std::sync::Mutex::new((config.latency, config.latency_jitter)),
            worker_client_id,
            worker_client_secret,
            restricted: AtomicBool::new(false),
        });
        let router = router(&shared);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = served.await {
                tracing::error!(error = %e, "simulator server stopped with an error");
            }
        });
        tracing::info!(addr = %addr, environment = %shared.id, "simulator started");
        Ok(Self { shared, addr, shutdown: Some(tx), task: Some(task) })
    }

    /// The address the server listens on.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:{port}/v1`.
    #[must_use]
    pub fn management_base(&self) -> &str {
        &self.shared.management_base
    }

    /// `http://127.0.0.1:{port}`.
    #[must_use]
    pub fn auth_base(&self) -> &str {
        &self.shared.auth_base
    }

    /// The simulated environment's ID.
    #[must_use]
    pub fn environment_id(&self) -> &str {
        &self.shared.id
    }

    /// The seeded worker application's client ID (`CLIENT_SECRET_BASIC`).
    #[must_use]
    pub fn worker_client_id(&self) -> &str {
        &self.shared.worker_client_id
    }

    /// The seeded worker application's secret.
    #[must_use]
    pub fn worker_client_secret(&self) -> &str {
        &self.shared.worker_client_secret
    }

    /// Where the outbox is served as JSON.
    #[must_use]
    pub fn outbox_url(&self) -> String {
        format!("{}/__sim/outbox", self.shared.auth_base)
    }

    /// The outbox (OTP e-mails).
    #[must_use]
    pub fn outbox(&self) -> &Outbox {
        &self.shared.outbox
    }

    /// The simulated clock.
    #[must_use]
    pub fn clock(&self) -> &SimClock {
        &self.shared.clock
    }

    /// Test controls (clock, latency, faults, permissions). Cheap to clone.
    #[must_use]
    pub fn controls(&self) -> Controls {
        Controls { shared: Arc::clone(&self.shared) }
    }

    /// Every exchange so far.
    #[must_use]
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.shared.journal.entries()
    }

    /// Stops accepting connections and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Test controls of a running simulator.
#[derive(Debug, Clone)]
pub struct Controls {
    shared: Arc<Env>,
}

impl Controls {
    /// Moves simulated time forward (OTP, code, token and flow expiry) without sleeping.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Sets the per-response latency: `fixed` plus a random extra in `[0, jitter)`.
    pub fn set_latency(&self, fixed: Duration, jitter: Duration) {
        *self.shared.latency.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = (fixed, jitter);
    }

    /// Replaces the random fault rates.
    pub fn set_fault_rates(&self, rates: FaultRates) {
        self.shared.faults.set_rates(rates);
    }

    /// Queues a fault for the next matching request.
    pub fn inject(&self, fault: ScriptedFault) {
        self.shared.faults.push(fault);
    }

    /// How many faults have been injected so far.
    #[must_use]
    pub fn faults_injected(&self) -> u64 {
        self.shared.faults.injected()
    }

    /// When `true`, management calls with a valid worker token get `403 ACCESS_FAILED`
    /// (`INSUFFICIENT_PERMISSIONS`), as for a worker without roles.
    pub fn restrict_worker(&self, restricted: bool) {
        self.shared.restricted.store(restricted, Ordering::Relaxed);
    }

    /// Invalidates every worker token issued so far (the next management call gets `401`).
    pub fn revoke_worker_tokens(&self) {
        self.shared.lock().worker_tokens.clear();
    }

    /// How many live flows the simulator holds.
    #[must_use]
    pub fn flow_count(&self) -> usize {
        self.shared.lock().flows.len()
    }
}

// ---------------------------------------------------------------- routing

/// Every route: the management API under `/v1/environments/{env}`, the auth API and flows under
/// `/{env}`, the outbox under `/__sim`. A known path with a wrong method gets `405`, an unknown
/// path `404`, both with PingOne's error body.
fn router(env: &Arc<Env>) -> Router {
    Router::new()
        .route("/__sim/outbox", axum::routing::get(outbox_json))
        .nest("/v1/environments/{env}", management::routes())
        .nest("/{env}", auth::routes().merge(flows::routes()))
        .method_not_allowed_fallback(|| async { Failure::method_not_allowed() })
        .fallback(|| async { Failure::not_found() })
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(middleware::from_fn_with_state(Arc::clone(env), edge))
        .with_state(Arc::clone(env))
}

async fn outbox_json(State(env): State<Arc<Env>>, uri: Uri) -> Response {
    let to = query_param(uri.query(), "to");
    let messages: Vec<Value> = env
        .outbox
        .messages()
        .into_iter()
        .filter(|m| to.as_deref().is_none_or(|t| m.to.eq_ignore_ascii_case(t)))
        .filter_map(|m| serde_json::to_value(m).ok())
        .collect();
    json_response(StatusCode::OK, &json!({ "messages": messages }))
}

// ---------------------------------------------------------------- edge: latency, faults, journal

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

async fn edge(State(shared): State<Arc<Env>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/__sim/") {
        return next.run(request).await;
    }
    let started = Instant::now();
    let completed_before = shared.journal.completed();
    let at = shared.clock.rfc3339();
    let method = request.method().to_string();
    let request_content_type =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (fixed, jitter) = *shared.latency.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let delay = fixed + jitter.mul_f64(shared.rng.unit());
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let fault = shared.faults.pick(&method, &path, shared.rng.unit());
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
    shared.journal.record(JournalEntry {
        at,
        method,
        path,
        status,
        request_content_type,
        response_content_type,
        latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        fault: fault.map(Fault::name),
        completed_before,
        completion: shared.journal.complete(),
    });
    response
}
