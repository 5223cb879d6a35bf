//! One simulated environment: its objects, flows and codes, and the services its requests use
//! (clock, randomness, outbox, faults, latency). Environments share nothing but the signing key
//! and the simulator's journal. Every request handler gets one.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::clock::SimClock;
use crate::config::{CookiePolicy, SimConfig};
use crate::faults::{FaultRates, Faults};
use crate::keys::SigningKey;
use crate::outbox::Outbox;
use crate::rng::SimRng;
use crate::store::{State, Worker, seeded};

/// Settings fixed at start.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub cookies: CookiePolicy,
    pub flow_idle_timeout: Duration,
    pub code_lifetime: Duration,
    pub token_lifetime: Duration,
    pub users_page_size: usize,
}

/// What every environment of a simulator starts with.
#[derive(Debug, Clone)]
pub(crate) struct EnvDefaults {
    pub management_base: String,
    pub auth_base: String,
    pub apps_base: String,
    pub settings: Settings,
    pub key: SigningKey,
    pub outbox_capacity: usize,
    pub latency: (Duration, Duration),
    pub faults: FaultRates,
    pub seed: Option<u64>,
}

impl EnvDefaults {
    pub(crate) fn new(config: &SimConfig, base: &str, key: SigningKey) -> Self {
        Self {
            management_base: format!("{base}/v1"),
            auth_base: base.to_owned(),
            apps_base: config.apps_base.clone().unwrap_or_else(|| base.to_owned()),
            settings: Settings {
                cookies: config.cookies,
                flow_idle_timeout: config.flow_idle_timeout,
                code_lifetime: config.code_lifetime,
                token_lifetime: config.token_lifetime,
                users_page_size: config.users_page_size.max(1),
            },
            key,
            outbox_capacity: config.outbox_capacity,
            latency: (config.latency, config.latency_jitter),
            faults: config.faults,
            seed: config.seed,
        }
    }
}

/// One environment. Its `Debug` shows the ID only: the state holds secrets.
pub(crate) struct Env {
    /// The environment ID.
    pub id: String,
    pub management_base: String,
    pub auth_base: String,
    pub apps_base: String,
    pub settings: Settings,
    pub state: Mutex<State>,
    pub rng: SimRng,
    pub clock: SimClock,
    pub key: SigningKey,
    pub outbox: Outbox,
    pub faults: Faults,
    pub latency: Mutex<(Duration, Duration)>,
    pub worker: Worker,
    pub restricted: AtomicBool,
    /// Simulated Unix second after which the next request sweeps expired state.
    next_sweep: AtomicU64,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env").field("id", &self.id).finish_non_exhaustive()
    }
}

/// How often (in simulated seconds) requests sweep expired flows, codes and tokens.
const SWEEP_EVERY_SECS: u64 = 1;

impl Env {
    /// A fresh environment. `number` picks its random streams: with a seed, environment `n`
    /// always gets the same IDs, secrets and faults.
    pub(crate) fn new(defaults: &EnvDefaults, id: Option<String>, number: u64) -> Self {
        let rng = SimRng::with_stream(defaults.seed, 2 * number);
        let id = id.unwrap_or_else(|| rng.uuid());
        let worker = Worker { client_id: rng.uuid(), client_secret: rng.token() };
        let clock = SimClock::default();
        let state = seeded(&id, &worker, &clock.rfc3339(), || rng.uuid());
        Self {
            id,
            management_base: defaults.management_base.clone(),
            auth_base: defaults.auth_base.clone(),
            apps_base: defaults.apps_base.clone(),
            settings: defaults.settings.clone(),
            state: Mutex::new(state),
            faults: Faults::new(defaults.faults, SimRng::with_stream(defaults.seed, 2 * number + 1)),
            rng,
            clock,
            key: defaults.key.clone(),
            outbox: Outbox::with_capacity(defaults.outbox_capacity),
            latency: Mutex::new(defaults.latency),
            worker,
            restricted: AtomicBool::new(false),
            next_sweep: AtomicU64::new(0),
        }
    }

    /// Back to how it started: the seeded objects only (same ID and worker credentials), no
    /// flows, codes, tokens or e-mails, the system clock, the configured latency and faults.
    pub(crate) fn reset(&self, defaults: &EnvDefaults) {
        self.clock.reset();
        let fresh = seeded(&self.id, &self.worker, &self.clock.rfc3339(), || self.rng.uuid());
        *self.lock() = fresh;
        self.outbox.clear();
        self.faults.clear();
        self.faults.set_rates(defaults.faults);
        self.set_latency(defaults.latency.0, defaults.latency.1);
        self.restricted.store(false, Ordering::Relaxed);
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A fresh object ID.
    pub(crate) fn new_id(&self) -> String {
        self.rng.uuid()
    }

    pub(crate) fn now(&self) -> String {
        self.clock.rfc3339()
    }

    /// `{auth}/{envID}/as`.
    pub(crate) fn issuer(&self) -> String {
        format!("{}/{}/as", self.auth_base, self.id)
    }

    /// `{management}/environments/{envID}`.
    pub(crate) fn url(&self) -> String {
        format!("{}/environments/{}", self.management_base, self.id)
    }

    pub(crate) fn latency(&self) -> (Duration, Duration) {
        *self.latency.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn set_latency(&self, fixed: Duration, jitter: Duration) {
        *self.latency.lock().unwrap_or_else(PoisonError::into_inner) = (fixed, jitter);
    }

    /// Drops expired state now. Returns how many entries went.
    pub(crate) fn evict_expired(&self) -> usize {
        let now = self.clock.unix();
        self.next_sweep.store(now.saturating_add(SWEEP_EVERY_SECS), Ordering::Relaxed);
        self.lock().evict_expired(now, self.settings.flow_idle_timeout.as_secs())
    }

    /// Drops expired state if the last sweep is at least a simulated second old: memory stays
    /// bounded by what is live, at the cost of one pass over the flows and codes per second.
    pub(crate) fn evict_expired_now_and_then(&self) {
        let now = self.clock.unix();
        let due = self.next_sweep.load(Ordering::Relaxed);
        if now >= due
            && self
                .next_sweep
                .compare_exchange(due, now.saturating_add(SWEEP_EVERY_SECS), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.lock().evict_expired(now, self.settings.flow_idle_timeout.as_secs());
        }
    }
}
