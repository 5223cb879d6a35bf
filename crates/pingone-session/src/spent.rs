//! The seals a stateless (`in_cookie`) instance has opened, remembered until they could no longer
//! open anyway, so that the same sealed stage is taken at most once per instance.

use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::store::MAX_TTL;

/// How many opened seals an instance remembers at most (about 40 bytes each). When that many are
/// remembered and none has lapsed, a take is refused (fails closed: a replay is never let
/// through to make room); they lapse after the sealer's maximum age.
pub(crate) const SPENT_CAPACITY: usize = 200_000;

/// A seal's ID: its 96-bit nonce.
type SealId = [u8; 12];

/// What [`SpentSeals::first_use`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spend {
    /// Not seen before: now remembered.
    First,
    /// Seen before: a replay.
    Again,
    /// No room to remember it: refused.
    Full,
}

#[derive(Debug, Default)]
pub(crate) struct SpentSeals {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    ids: HashSet<SealId>,
    /// Seal IDs in the order they were spent, with the time each may be forgotten (the same
    /// lifetime for all, so the front lapses first).
    order: VecDeque<(Instant, SealId)>,
}

impl SpentSeals {
    /// Records `id` as spent for `remember` (at most [`MAX_TTL`]).
    pub(crate) fn first_use(&self, id: SealId, remember: Duration) -> Spend {
        let now = Instant::now();
        let Some(forget_at) = now.checked_add(remember.min(MAX_TTL)) else { return Spend::Full };
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        // Each call forgets at most a few lapsed entries beyond its own, so no call holds the
        // lock for a long sweep; the set never grows past its capacity.
        for _ in 0..8 {
            match state.order.front() {
                Some((lapse, _)) if *lapse <= now => {
                    if let Some((_, old)) = state.order.pop_front() {
                        state.ids.remove(&old);
                    }
                }
                _ => break,
            }
        }
        if state.ids.contains(&id) {
            return Spend::Again;
        }
        if state.ids.len() >= SPENT_CAPACITY {
            return Spend::Full;
        }
        state.ids.insert(id);
        state.order.push_back((forget_at, id));
        Spend::First
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_is_spent_once_and_forgotten_after_its_time() {
        let spent = SpentSeals::default();
        assert_eq!(spent.first_use([1; 12], Duration::ZERO), Spend::First);
        // Lapsed at once: the next use forgets it, and it counts as new again.
        assert_eq!(spent.first_use([1; 12], Duration::from_secs(60)), Spend::First);
        assert_eq!(spent.first_use([1; 12], Duration::from_secs(60)), Spend::Again);
        assert_eq!(spent.first_use([2; 12], Duration::MAX), Spend::First, "an absurd lifetime is clamped");
        assert_eq!(spent.first_use([2; 12], Duration::from_secs(60)), Spend::Again);
    }

    #[test]
    fn a_full_set_refuses_rather_than_forgetting_a_live_seal() {
        let spent = SpentSeals::default();
        for n in 0..SPENT_CAPACITY {
            let mut id = [0u8; 12];
            id[..8].copy_from_slice(&(n as u64).to_be_bytes());
            assert_eq!(spent.first_use(id, Duration::from_secs(600)), Spend::First);
        }
        assert_eq!(spent.first_use([0xff; 12], Duration::from_secs(600)), Spend::Full);
        // The oldest is still remembered: its replay is still caught.
        assert_eq!(spent.first_use([0; 12], Duration::from_secs(600)), Spend::Again);
    }
}
