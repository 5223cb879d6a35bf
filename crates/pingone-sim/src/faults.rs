//! Fault injection: random (by rate, seeded) or scripted (the next matching requests).

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use crate::rng::SimRng;

/// A fault the simulator can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// `429 REQUEST_LIMITED` with `Retry-After`; the request is not processed.
    TooManyRequests {
        /// The `Retry-After` seconds.
        retry_after_secs: u64,
    },
    /// `500 UNEXPECTED_ERROR`; the request is not processed.
    ServerError,
    /// `503` with `Retry-After`; the request is not processed.
    Unavailable {
        /// The `Retry-After` seconds.
        retry_after_secs: u64,
    },
    /// The connection is dropped before the request is processed.
    DropConnection,
    /// The request is processed (a create is committed), then the connection is dropped before
    /// the response: the client cannot know whether it worked.
    DropAfterCommit,
}

impl Fault {
    /// A short name for the journal.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Fault::TooManyRequests { .. } => "429",
            Fault::ServerError => "500",
            Fault::Unavailable { .. } => "503",
            Fault::DropConnection => "drop",
            Fault::DropAfterCommit => "drop-after-commit",
        }
    }
}

/// Probabilities (each in `[0, 1]`, summed at most 1) that a request gets each fault.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FaultRates {
    /// `429` with `Retry-After`.
    pub too_many_requests: f64,
    /// `500`.
    pub server_error: f64,
    /// `503` with `Retry-After`.
    pub unavailable: f64,
    /// Dropped connection, request not processed.
    pub drop_connection: f64,
    /// Dropped connection after the request was processed.
    pub drop_after_commit: f64,
    /// The `Retry-After` seconds sent with `429` and `503`.
    pub retry_after_secs: u64,
}

impl FaultRates {
    /// `rate` spread evenly over `429`, `500`, `503` and a dropped connection (what the binary's
    /// `--fault-rate` means), with `Retry-After: 1`.
    #[must_use]
    pub fn uniform(rate: f64) -> Self {
        let each = rate.clamp(0.0, 1.0) / 4.0;
        Self {
            too_many_requests: each,
            server_error: each,
            unavailable: each,
            drop_connection: each,
            drop_after_commit: 0.0,
            retry_after_secs: 1,
        }
    }

    fn pick(&self, roll: f64) -> Option<Fault> {
        let table = [
            (self.too_many_requests, Fault::TooManyRequests { retry_after_secs: self.retry_after_secs }),
            (self.server_error, Fault::ServerError),
            (self.unavailable, Fault::Unavailable { retry_after_secs: self.retry_after_secs }),
            (self.drop_connection, Fault::DropConnection),
            (self.drop_after_commit, Fault::DropAfterCommit),
        ];
        let mut edge = 0.0;
        for (rate, fault) in table {
            edge += rate.max(0.0);
            if roll < edge {
                return Some(fault);
            }
        }
        None
    }
}

/// A scripted fault: applied once, to the next request that matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptedFault {
    /// Only requests with this method (`"POST"`), if set.
    pub method: Option<String>,
    /// Only requests whose path contains this, if set.
    pub path_contains: Option<String>,
    /// The fault.
    pub fault: Fault,
}

impl ScriptedFault {
    /// A fault for the next request whatever it is.
    #[must_use]
    pub fn next(fault: Fault) -> Self {
        Self { method: None, path_contains: None, fault }
    }

    /// A fault for the next request with `method` whose path contains `path_contains`.
    #[must_use]
    pub fn matching(method: &str, path_contains: &str, fault: Fault) -> Self {
        Self { method: Some(method.to_owned()), path_contains: Some(path_contains.to_owned()), fault }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path_contains.as_deref().is_none_or(|p| path.contains(p))
    }
}

#[derive(Debug, Default)]
pub(crate) struct FaultState {
    rates: FaultRates,
    script: VecDeque<ScriptedFault>,
    injected: u64,
}

/// What fault injection is set to.
#[derive(Debug, Clone)]
pub(crate) struct FaultSettings {
    pub rates: FaultRates,
    pub script: Vec<ScriptedFault>,
    pub injected: u64,
}

/// Fault injection of one environment, with its own random source (so that reseeding it
/// replays the same faults without touching the environment's IDs).
#[derive(Debug)]
pub(crate) struct Faults {
    state: Mutex<FaultState>,
    rng: SimRng,
}

impl Faults {
    pub(crate) fn new(rates: FaultRates, rng: SimRng) -> Self {
        Self { state: Mutex::new(FaultState { rates, ..FaultState::default() }), rng }
    }

    pub(crate) fn set_rates(&self, rates: FaultRates) {
        self.lock().rates = rates;
    }

    /// Restarts the random source (`None`: from the OS).
    pub(crate) fn reseed(&self, seed: Option<u64>) {
        self.rng.reseed(seed, 0);
    }

    /// No rates, no script (the injected count stays).
    pub(crate) fn clear(&self) {
        let mut state = self.lock();
        state.rates = FaultRates::default();
        state.script.clear();
    }

    pub(crate) fn settings(&self) -> FaultSettings {
        let state = self.lock();
        FaultSettings { rates: state.rates, script: state.script.iter().cloned().collect(), injected: state.injected }
    }

    /// A number in `[0, 1)` from this source (latency jitter).
    pub(crate) fn unit(&self) -> f64 {
        self.rng.unit()
    }

    pub(crate) fn push(&self, fault: ScriptedFault) {
        self.lock().script.push_back(fault);
    }

    pub(crate) fn injected(&self) -> u64 {
        self.lock().injected
    }

    /// The fault for this request, if any: a matching scripted one first, else a random roll.
    pub(crate) fn pick(&self, method: &str, path: &str) -> Option<Fault> {
        let roll = self.rng.unit();
        let mut state = self.lock();
        let scripted = state.script.iter().position(|s| s.matches(method, path));
        let fault = match scripted {
            Some(index) => state.script.remove(index).map(|s| s.fault),
            None => state.rates.pick(roll),
        };
        if fault.is_some() {
            state.injected += 1;
        }
        fault
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_partition_the_unit_interval() {
        let rates =
            FaultRates { too_many_requests: 0.05, unavailable: 0.10, retry_after_secs: 1, ..FaultRates::default() };
        assert_eq!(rates.pick(0.01), Some(Fault::TooManyRequests { retry_after_secs: 1 }));
        assert_eq!(rates.pick(0.07), Some(Fault::Unavailable { retry_after_secs: 1 }));
        assert_eq!(rates.pick(0.2), None);
        assert_eq!(FaultRates::default().pick(0.0), None);
    }

    #[test]
    fn scripted_faults_apply_once_to_matching_requests() {
        let faults = Faults::new(FaultRates::default(), SimRng::new(Some(1)));
        faults.push(ScriptedFault::matching("POST", "/users", Fault::DropAfterCommit));
        assert_eq!(faults.pick("GET", "/v1/environments/e/users"), None);
        assert_eq!(faults.pick("POST", "/v1/environments/e/users"), Some(Fault::DropAfterCommit));
        assert_eq!(faults.pick("POST", "/v1/environments/e/users"), None);
        assert_eq!(faults.injected(), 1);
        assert_eq!(faults.settings().script.len(), 0);
    }

    #[test]
    fn reseeding_replays_the_same_faults() {
        let rates = FaultRates { server_error: 0.5, ..FaultRates::default() };
        let faults = Faults::new(rates, SimRng::new(None));
        faults.reseed(Some(9));
        let first: Vec<_> = (0..32).map(|_| faults.pick("GET", "/x")).collect();
        faults.reseed(Some(9));
        let again: Vec<_> = (0..32).map(|_| faults.pick("GET", "/x")).collect();
        assert_eq!(first, again);
        assert!(first.contains(&Some(Fault::ServerError)) && first.contains(&None));
        faults.clear();
        assert_eq!(faults.pick("GET", "/x"), None);
    }
}
