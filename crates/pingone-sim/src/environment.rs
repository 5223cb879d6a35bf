//! The in-process handles on one environment: [`Environment`] (where it is, its worker
//! application, its outbox and clock) and [`Controls`] (what a test can change).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use crate::clock::SimClock;
use crate::env::Env;
use crate::faults::{FaultRates, ScriptedFault};
use crate::hub::Hub;
use crate::journal::{JournalEntry, JournalFilter};
use crate::outbox::Outbox;

/// One environment of a running simulator: the default one ([`Simulator::environment`]) or one
/// made by [`Simulator::create_environment`] (or `POST /__sim/environments`). Environments share
/// no users, policies, applications, flows, codes, tokens, names, e-mails, clock, latency or
/// faults. Cheap to clone.
///
/// [`Simulator::environment`]: crate::Simulator::environment
/// [`Simulator::create_environment`]: crate::Simulator::create_environment
#[derive(Debug, Clone)]
pub struct Environment {
    pub(crate) env: Arc<Env>,
    pub(crate) hub: Arc<Hub>,
}

impl Environment {
    /// The environment ID.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.env.id
    }

    /// `http://127.0.0.1:{port}/v1`: the management API base (followed by
    /// `/environments/{id}`).
    #[must_use]
    pub fn management_base(&self) -> &str {
        &self.env.management_base
    }

    /// `http://127.0.0.1:{port}`: the auth API base (followed by `/{id}/as/...`).
    #[must_use]
    pub fn auth_base(&self) -> &str {
        &self.env.auth_base
    }

    /// This environment's worker application's client ID (`CLIENT_SECRET_BASIC`).
    #[must_use]
    pub fn worker_client_id(&self) -> &str {
        &self.env.worker.client_id
    }

    /// This environment's worker application's secret.
    #[must_use]
    pub fn worker_client_secret(&self) -> &str {
        &self.env.worker.client_secret
    }

    /// Where this environment's controls are served: `{auth_base}/__sim/environments/{id}`.
    #[must_use]
    pub fn controls_url(&self) -> String {
        format!("{}/__sim/environments/{}", self.env.auth_base, self.env.id)
    }

    /// Where this environment's outbox is served as JSON.
    #[must_use]
    pub fn outbox_url(&self) -> String {
        format!("{}/outbox", self.controls_url())
    }

    /// The outbox (OTP e-mails sent in this environment).
    #[must_use]
    pub fn outbox(&self) -> &Outbox {
        &self.env.outbox
    }

    /// This environment's clock.
    #[must_use]
    pub fn clock(&self) -> &SimClock {
        &self.env.clock
    }

    /// Test controls of this environment. Cheap to clone.
    #[must_use]
    pub fn controls(&self) -> Controls {
        Controls { env: Arc::clone(&self.env) }
    }

    /// The journal entries of this environment that the simulator still keeps.
    #[must_use]
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.hub.journal.query(&JournalFilter { environment: Some(self.env.id.clone()), ..JournalFilter::default() })
    }
}

/// Test controls of one environment.
#[derive(Debug, Clone)]
pub struct Controls {
    env: Arc<Env>,
}

impl Controls {
    /// Moves this environment's simulated time forward (OTP, code, token and flow expiry)
    /// without sleeping, and drops what has expired.
    pub fn advance_clock(&self, by: Duration) {
        self.env.clock.advance(by);
        self.env.evict_expired();
    }

    /// Sets this environment's simulated time (it runs on from there), and drops what has
    /// expired. Times outside 1970–9999 are clamped.
    pub fn set_clock(&self, at: SystemTime) {
        self.env.clock.set(at);
        self.env.evict_expired();
    }

    /// Sets the per-response latency: `fixed` plus a random extra in `[0, jitter)`.
    pub fn set_latency(&self, fixed: Duration, jitter: Duration) {
        self.env.set_latency(fixed, jitter);
    }

    /// Replaces the random fault rates.
    pub fn set_fault_rates(&self, rates: FaultRates) {
        self.env.faults.set_rates(rates);
    }

    /// Restarts the random source of faults and latency jitter from `seed`: the same seed and
    /// the same requests give the same faults.
    pub fn seed_faults(&self, seed: u64) {
        self.env.faults.reseed(Some(seed));
    }

    /// Queues a fault for the next matching request.
    pub fn inject(&self, fault: ScriptedFault) {
        self.env.faults.push(fault);
    }

    /// Removes the fault rates and every queued fault.
    pub fn clear_faults(&self) {
        self.env.faults.clear();
    }

    /// How many faults have been injected so far.
    #[must_use]
    pub fn faults_injected(&self) -> u64 {
        self.env.faults.injected()
    }

    /// When `true`, management calls with a valid worker token get `403 ACCESS_FAILED`
    /// (`INSUFFICIENT_PERMISSIONS`), as for a worker without roles.
    pub fn restrict_worker(&self, restricted: bool) {
        self.env.restricted.store(restricted, Ordering::Relaxed);
    }

    /// Invalidates every worker token issued so far (the next management call gets `401`).
    pub fn revoke_worker_tokens(&self) {
        self.env.lock().worker_tokens.clear();
    }

    /// How many flows the environment holds (expired ones go within a simulated second).
    #[must_use]
    pub fn flow_count(&self) -> usize {
        self.env.lock().flows.len()
    }

    /// How many authorization codes wait to be exchanged (expired ones go within a simulated
    /// second).
    #[must_use]
    pub fn code_count(&self) -> usize {
        self.env.lock().codes.len()
    }
}
