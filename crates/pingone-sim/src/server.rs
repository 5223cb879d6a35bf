//! Starting, serving and stopping a simulator, and its in-process API.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clock::SimClock;
use crate::config::SimConfig;
use crate::env::{Env, EnvDefaults};
use crate::environment::{Controls, Environment};
use crate::hub::{Hub, TooManyEnvironments};
use crate::journal::{Journal, JournalEntry};
use crate::keys::SigningKey;
use crate::outbox::Outbox;
use crate::reply::Failure;
use crate::{auth, control_api, edge, flows, management};

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
///
/// It starts with one environment (the default one, which its accessors such as
/// [`environment_id`](Self::environment_id) and [`outbox`](Self::outbox) describe);
/// [`create_environment`](Self::create_environment) adds isolated ones.
#[derive(Debug)]
pub struct Simulator {
    hub: Arc<Hub>,
    default: Environment,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Binds, seeds the default environment and starts serving in the background.
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
        let host = if addr.ip().is_unspecified() { SocketAddr::from(([127, 0, 0, 1], addr.port())) } else { addr };
        let defaults = EnvDefaults::new(&config, &format!("http://{host}"), key);
        let default_env = Env::new(&defaults, config.environment_id.clone(), 0);
        let controls_enabled = addr.ip().is_loopback() || config.allow_remote_controls;
        let journal = Journal::new(config.journal_capacity, journal_file);
        let hub = Arc::new(Hub::new(defaults, default_env, journal, config.max_environments, controls_enabled));
        let router = router(&hub);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = served.await {
                tracing::error!(error = %e, "simulator server stopped with an error");
            }
        });
        tracing::info!(addr = %addr, environment = %hub.default_env.id, controls = controls_enabled, "simulator started");
        let default = Environment { env: Arc::clone(&hub.default_env), hub: Arc::clone(&hub) };
        Ok(Self { hub, default, addr, shutdown: Some(tx), task: Some(task) })
    }

    /// The address the server listens on.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The default environment.
    #[must_use]
    pub fn environment(&self) -> &Environment {
        &self.default
    }

    /// Creates an isolated environment with its own worker application (as
    /// `POST /__sim/environments` does).
    ///
    /// # Errors
    /// [`TooManyEnvironments`] when [`SimConfig::max_environments`] exist already.
    pub fn create_environment(&self) -> Result<Environment, TooManyEnvironments> {
        let env = self.hub.create()?;
        Ok(Environment { env, hub: Arc::clone(&self.hub) })
    }

    /// The environment with this ID, if it exists.
    #[must_use]
    pub fn find_environment(&self, id: &str) -> Option<Environment> {
        self.hub.env(id).map(|env| Environment { env, hub: Arc::clone(&self.hub) })
    }

    /// Deletes a created environment and everything in it. `false` if none has this ID, or it
    /// is the default environment (which cannot be deleted).
    pub fn delete_environment(&self, id: &str) -> bool {
        self.hub.delete(id)
    }

    /// Back to how it started: created environments deleted; the default environment keeps
    /// its ID and worker credentials but loses everything else (objects, flows, codes,
    /// tokens, e-mails, clock offset, latency and fault changes); the journal is emptied.
    pub fn reset(&self) {
        self.hub.reset();
    }

    /// `http://127.0.0.1:{port}/v1`.
    #[must_use]
    pub fn management_base(&self) -> &str {
        self.default.management_base()
    }

    /// `http://127.0.0.1:{port}`.
    #[must_use]
    pub fn auth_base(&self) -> &str {
        self.default.auth_base()
    }

    /// The default environment's ID.
    #[must_use]
    pub fn environment_id(&self) -> &str {
        self.default.id()
    }

    /// The default environment's worker application's client ID (`CLIENT_SECRET_BASIC`).
    #[must_use]
    pub fn worker_client_id(&self) -> &str {
        self.default.worker_client_id()
    }

    /// The default environment's worker application's secret.
    #[must_use]
    pub fn worker_client_secret(&self) -> &str {
        self.default.worker_client_secret()
    }

    /// Where the default environment's outbox is served as JSON (`{auth_base}/__sim/outbox`).
    #[must_use]
    pub fn outbox_url(&self) -> String {
        format!("{}/__sim/outbox", self.auth_base())
    }

    /// Where the controls are served: `{auth_base}/__sim`.
    #[must_use]
    pub fn controls_url(&self) -> String {
        format!("{}/__sim", self.auth_base())
    }

    /// The default environment's outbox (OTP e-mails).
    #[must_use]
    pub fn outbox(&self) -> &Outbox {
        self.default.outbox()
    }

    /// The default environment's clock.
    #[must_use]
    pub fn clock(&self) -> &SimClock {
        self.default.clock()
    }

    /// Test controls of the default environment (clock, latency, faults, permissions). Cheap
    /// to clone.
    #[must_use]
    pub fn controls(&self) -> Controls {
        self.default.controls()
    }

    /// The exchanges the simulator still keeps (the newest
    /// [`SimConfig::journal_capacity`]), of every environment, oldest first.
    #[must_use]
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.hub.journal.entries()
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

// ---------------------------------------------------------------- routing

/// Every route: the management API under `/v1/environments/{env}`, the auth API and flows under
/// `/{env}`, the controls under `/__sim`. A known path with a wrong method gets `405`, an
/// unknown path `404`, both with PingOne's error body. Around them: the body limit and the edge
/// (latency, faults, journal).
fn router(hub: &Arc<Hub>) -> Router {
    let routes = route_table(hub.controls_enabled).with_state(Arc::clone(hub));
    // Layers on a router with no routes of its own wrap it once, not route by route.
    Router::new()
        .fallback_service(routes)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(middleware::from_fn_with_state(Arc::clone(hub), edge::edge))
}

/// The route table, built once per process for each controls setting: building it takes about
/// a third of a millisecond, five times what the rest of a start takes.
fn route_table(controls_enabled: bool) -> Router<Arc<Hub>> {
    static WITH_CONTROLS: OnceLock<Router<Arc<Hub>>> = OnceLock::new();
    static WITHOUT_CONTROLS: OnceLock<Router<Arc<Hub>>> = OnceLock::new();
    let cell = if controls_enabled { &WITH_CONTROLS } else { &WITHOUT_CONTROLS };
    cell.get_or_init(|| {
        Router::new()
            .merge(control_api::routes(controls_enabled))
            .nest("/v1/environments/{env}", management::routes())
            .nest("/{env}", auth::routes().merge(flows::routes()))
            .method_not_allowed_fallback(|| async { Failure::method_not_allowed() })
            .fallback(|| async { Failure::not_found() })
    })
    .clone()
}
