//! The seals a stateless (`in_cookie`) instance has opened, remembered until they expire, so
//! that the same sealed stage is taken at most once per instance.

use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How many opened seals an instance remembers at most. When full, the oldest is forgotten
/// first (its stage is at most one maximum age old; an attacker must cause this many sign-on
/// steps within that age to revive one).
pub(crate) const SPENT_CAPACITY: usize = 200_000;

#[derive(Debug, Default)]
pub(crate) struct SpentSeals {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    ids: HashSet<String>,
    /// Seal IDs in the order they were spent, with the time each may be forgotten.
    order: VecDeque<(Instant, String)>,
}

impl SpentSeals {
    /// Records `id` as spent for `ttl`; `false` when it was spent already.
    pub(crate) fn first_use(&self, id: String, ttl: Duration) -> bool {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some((forget_at, _)) = state.order.front() {
            if *forget_at > now && state.order.len() < SPENT_CAPACITY {
                break;
            }
            if let Some((_, old)) = state.order.pop_front() {
                state.ids.remove(&old);
            }
        }
        if !state.ids.insert(id.clone()) {
            return false;
        }
        // Seals carry their own expiry; remembering one a little longer than the sealer's
        // maximum age covers every seal this instance can still open.
        let forget_at = now.checked_add(ttl).unwrap_or(now);
        state.order.push_back((forget_at, id));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_is_spent_once_and_forgotten_after_its_time() {
        let spent = SpentSeals::default();
        assert!(spent.first_use("a".into(), Duration::ZERO));
        // "a" may be forgotten at once: the next use evicts it, and it counts as new again.
        assert!(spent.first_use("a".into(), Duration::from_secs(60)));
        assert!(!spent.first_use("a".into(), Duration::from_secs(60)));
        assert!(spent.first_use("b".into(), Duration::from_secs(60)));
        assert!(!spent.first_use("b".into(), Duration::from_secs(60)));
    }
}
