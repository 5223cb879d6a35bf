//! One simulated environment: its objects, flows and codes, and the services its requests use
//! (clock, randomness, outbox, faults, latency). Every request handler gets one.

use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::clock::SimClock;
use crate::config::CookiePolicy;
use crate::faults::Faults;
use crate::journal::Journal;
use crate::keys::SigningKey;
use crate::outbox::Outbox;
use crate::rng::SimRng;
use crate::store::State;

/// Settings fixed at start.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub cookies: CookiePolicy,
    pub flow_idle_timeout: Duration,
    pub code_lifetime: Duration,
    pub token_lifetime: Duration,
    pub users_page_size: usize,
}

#[derive(Debug)]
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
    pub journal: Journal,
    pub faults: Faults,
    pub latency: Mutex<(Duration, Duration)>,
    pub worker_client_id: String,
    pub worker_client_secret: String,
    pub restricted: AtomicBool,
}

impl Env {
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
}
