//! What the whole simulator shares: its environments (the default one and those created since),
//! the journal, and whether the `/__sim/` controls answer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use crate::env::{Env, EnvDefaults};
use crate::journal::Journal;

/// Creating an environment would exceed [`SimConfig::max_environments`](crate::SimConfig::max_environments).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the simulator already has {max} environments (its maximum); delete one or start it with a higher maximum")]
#[non_exhaustive]
pub struct TooManyEnvironments {
    /// The maximum.
    pub max: usize,
}

#[derive(Debug)]
pub(crate) struct Hub {
    pub defaults: EnvDefaults,
    pub default_env: Arc<Env>,
    environments: RwLock<HashMap<String, Arc<Env>>>,
    max_environments: usize,
    /// How many environments were ever made (numbers their random streams).
    made: AtomicU64,
    pub journal: Journal,
    pub controls_enabled: bool,
    pub started: Instant,
}

impl Hub {
    pub(crate) fn new(
        defaults: EnvDefaults,
        default_env: Env,
        journal: Journal,
        max_environments: usize,
        controls_enabled: bool,
    ) -> Self {
        let default_env = Arc::new(default_env);
        let environments = HashMap::from([(default_env.id.clone(), Arc::clone(&default_env))]);
        Self {
            defaults,
            default_env,
            environments: RwLock::new(environments),
            max_environments: max_environments.max(1),
            made: AtomicU64::new(1),
            journal,
            controls_enabled,
            started: Instant::now(),
        }
    }

    /// The environment with this ID.
    pub(crate) fn env(&self, id: &str) -> Option<Arc<Env>> {
        self.environments.read().unwrap_or_else(PoisonError::into_inner).get(id).cloned()
    }

    /// Every environment, the default one first.
    pub(crate) fn all(&self) -> Vec<Arc<Env>> {
        let environments = self.environments.read().unwrap_or_else(PoisonError::into_inner);
        let mut out: Vec<Arc<Env>> = environments.values().cloned().collect();
        out.sort_by_key(|env| (!Arc::ptr_eq(env, &self.default_env), env.id.clone()));
        out
    }

    pub(crate) fn count(&self) -> usize {
        self.environments.read().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// A fresh environment with its own worker application.
    pub(crate) fn create(&self) -> Result<Arc<Env>, TooManyEnvironments> {
        let mut environments = self.environments.write().unwrap_or_else(PoisonError::into_inner);
        if environments.len() >= self.max_environments {
            return Err(TooManyEnvironments { max: self.max_environments });
        }
        let number = self.made.fetch_add(1, Ordering::Relaxed);
        let env = Arc::new(Env::new(&self.defaults, None, number));
        environments.insert(env.id.clone(), Arc::clone(&env));
        Ok(env)
    }

    /// Deletes a created environment. `false` if there is none with this ID, or it is the
    /// default one (which stays for the simulator's life).
    pub(crate) fn delete(&self, id: &str) -> bool {
        if id == self.default_env.id {
            return false;
        }
        self.environments.write().unwrap_or_else(PoisonError::into_inner).remove(id).is_some()
    }

    /// Everything back to how it started: created environments deleted, the default one reset,
    /// the journal emptied.
    pub(crate) fn reset(&self) {
        self.environments.write().unwrap_or_else(PoisonError::into_inner).retain(|id, _| *id == self.default_env.id);
        self.default_env.reset(&self.defaults);
        self.journal.clear();
    }
}
