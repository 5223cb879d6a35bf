//! The store a sealed stage waits in: `put` with a time to live, and an atomic `take`
//! (get-and-delete), so that exactly one request can advance a stage.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use pingone_flow::SealedStage;

/// The longest time a store keeps an entry: longer TTLs are cut to it (a year; a sealed stage
/// lives minutes), so that no TTL overflows a clock or is refused by Redis.
pub const MAX_TTL: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// A boxed future, so that stores can be chosen at run time (`Arc<dyn FlowStore>`).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where sealed stages wait between requests.
///
/// `take` must be atomic: when many requests take the same key at once, exactly one gets the
/// stage and the others get `None`. That is what makes a stored stage single-use across
/// processes.
pub trait FlowStore: Send + Sync + std::fmt::Debug {
    /// Stores `sealed` under `key` for `ttl`, replacing any value there.
    fn put<'a>(&'a self, key: &'a str, sealed: SealedStage, ttl: Duration) -> StoreFuture<'a, ()>;

    /// Removes and returns the value under `key`; `None` when there is none (taken already,
    /// expired, or never stored).
    fn take<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<SealedStage>>;
}

/// A store failed. Never carries a stored value; a Redis URL is shown without its password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store is at its capacity (a [`MemoryStore`](crate::MemoryStore) bound).
    #[error("the flow store is full ({capacity} stages waiting); try again shortly")]
    Full {
        /// The capacity.
        capacity: usize,
    },
    /// The store could not be reached.
    #[error(
        "the flow store at {url} is unreachable: {reason}; check the URL and that the server is running and reachable"
    )]
    Unreachable {
        /// The store's URL, password removed.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The store's URL is not valid.
    #[error("the flow store URL is invalid: {reason}; expected redis://HOST:PORT[/DB]")]
    InvalidUrl {
        /// What is wrong with it.
        reason: String,
    },
    /// The store answered a command with an error.
    #[error("the flow store refused {command}: {reason}")]
    Command {
        /// The command.
        command: &'static str,
        /// The store's answer.
        reason: String,
    },
}

impl StoreError {
    /// Whether trying again later may succeed (a full or unreachable store).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Full { .. } | StoreError::Unreachable { .. })
    }
}
