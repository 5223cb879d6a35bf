//! `MemoryStore`: stages in this process's memory, for a single instance.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use pingone_core::{SharedClock, SystemClock};
use pingone_flow::SealedStage;

use crate::store::{FlowStore, StoreError, StoreFuture};

/// The default capacity: 100,000 waiting stages (about 100 MB at the worst).
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Expired entries are swept once every this many `put`s (and whenever the store is full).
const SWEEP_EVERY: u32 = 1024;

/// A bounded in-memory [`FlowStore`] with per-entry expiry, for one instance of an app.
///
/// `take` is atomic (one mutex, never held across an `.await`). When the store is full, expired
/// entries are dropped first; if none expired, `put` refuses with [`StoreError::Full`] rather
/// than evicting a sign-on in progress.
#[derive(Debug)]
pub struct MemoryStore {
    state: Mutex<State>,
    capacity: usize,
    clock: SharedClock,
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<Key, Entry>,
    puts_since_sweep: u32,
}

/// An entry's key: the SHA-256 digest of the key a caller gives, held inline. A `String` key
/// would cost a heap block of its own per entry (64 bytes for `SignOnSessions`' 43-character
/// keys, with the allocator's header); 100,000 waiting stages are then about 6 MB smaller.
type Key = [u8; 32];

fn key_of(key: &str) -> Key {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

#[derive(Debug)]
struct Entry {
    sealed: SealedStage,
    expires_at: SystemTime,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// A store holding up to [`DEFAULT_CAPACITY`] stages.
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }

    /// A store holding up to `capacity` stages.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self { state: Mutex::new(State::default()), capacity, clock: std::sync::Arc::new(SystemClock) }
    }

    /// Replaces the clock that decides expiry (tests: a `ManualClock`).
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// How many entries are held now (expired ones not yet swept included).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no entry is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn put_now(&self, key: &str, sealed: SealedStage, ttl: Duration) -> Result<(), StoreError> {
        let key = key_of(key);
        let now = self.clock.now();
        let expires_at = now.checked_add(ttl.min(crate::store::MAX_TTL)).unwrap_or(now);
        let mut state = self.lock();
        state.puts_since_sweep = state.puts_since_sweep.saturating_add(1);
        let full = state.entries.len() >= self.capacity && !state.entries.contains_key(&key);
        if full || state.puts_since_sweep >= SWEEP_EVERY {
            state.entries.retain(|_, e| e.expires_at > now);
            state.puts_since_sweep = 0;
        }
        if state.entries.len() >= self.capacity && !state.entries.contains_key(&key) {
            return Err(StoreError::Full { capacity: self.capacity });
        }
        state.entries.insert(key, Entry { sealed, expires_at });
        Ok(())
    }

    fn take_now(&self, key: &str) -> Option<SealedStage> {
        let entry = self.lock().entries.remove(&key_of(key))?;
        (entry.expires_at > self.clock.now()).then_some(entry.sealed)
    }
}

impl FlowStore for MemoryStore {
    fn put<'a>(&'a self, key: &'a str, sealed: SealedStage, ttl: Duration) -> StoreFuture<'a, ()> {
        let result = self.put_now(key, sealed, ttl);
        Box::pin(std::future::ready(result))
    }

    fn take<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<SealedStage>> {
        let result = self.take_now(key);
        Box::pin(std::future::ready(Ok(result)))
    }
}
