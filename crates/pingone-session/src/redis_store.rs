//! `RedisStore`: stages in Redis, shared by every instance of an app (`SET … PX` to store,
//! `GETDEL` to take atomically; Redis 6.2 or later).

use std::time::Duration;

use pingone_flow::SealedStage;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::store::{FlowStore, StoreError, StoreFuture};

/// The default key prefix.
pub const DEFAULT_PREFIX: &str = "pingone-mfa:stage:";

/// A [`FlowStore`] in Redis, through a reconnecting connection manager.
///
/// ```no_run
/// # async fn run() -> Result<(), pingone_session::StoreError> {
/// let store = pingone_session::RedisStore::connect("redis://127.0.0.1:6379").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    manager: ConnectionManager,
    url: String,
    prefix: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").field("url", &self.url).field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://[:PASSWORD@]HOST:PORT[/DB]`, or `rediss://` without TLS
    /// support compiled in: refused). Fails at once when the server is not reachable, so that a
    /// misconfigured app fails at start-up rather than at its first sign-on.
    ///
    /// # Errors
    /// [`StoreError::InvalidUrl`] or [`StoreError::Unreachable`] (with the URL, password
    /// removed, and what to check).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let shown = redact(url);
        let client = redis::Client::open(url).map_err(|e| StoreError::InvalidUrl { reason: e.to_string() })?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2);
        let manager = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| StoreError::Unreachable { url: shown.clone(), reason: e.to_string() })?;
        Ok(Self { manager, url: shown, prefix: DEFAULT_PREFIX.to_owned() })
    }

    /// Replaces the key prefix (to share one Redis among several apps).
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn failure(&self, command: &'static str, error: &redis::RedisError) -> StoreError {
        if error.is_io_error() || error.is_connection_dropped() || error.is_connection_refusal() || error.is_timeout() {
            StoreError::Unreachable { url: self.url.clone(), reason: error.to_string() }
        } else {
            StoreError::Command { command, reason: error.to_string() }
        }
    }
}

impl FlowStore for RedisStore {
    fn put<'a>(&'a self, key: &'a str, sealed: SealedStage, ttl: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.manager.clone();
            let millis = u64::try_from(ttl.min(crate::store::MAX_TTL).as_millis()).unwrap_or(u64::MAX).max(1);
            redis::cmd("SET")
                .arg(format!("{}{key}", self.prefix))
                .arg(sealed.as_bytes())
                .arg("PX")
                .arg(millis)
                .query_async::<()>(&mut connection)
                .await
                .map_err(|e| self.failure("SET", &e))
        })
    }

    fn take<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<SealedStage>> {
        Box::pin(async move {
            let mut connection = self.manager.clone();
            let value: Option<Vec<u8>> = redis::cmd("GETDEL")
                .arg(format!("{}{key}", self.prefix))
                .query_async(&mut connection)
                .await
                .map_err(|e| self.failure("GETDEL", &e))?;
            Ok(value.map(SealedStage::from_bytes))
        })
    }
}

/// The URL without its password.
fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://[credentials]@{host}"),
            None => url.to_owned(),
        },
        None => "[not a URL]".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(super::redact("redis://:hunter2@10.0.0.1:6379/0"), "redis://[credentials]@10.0.0.1:6379/0");
        assert_eq!(super::redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(super::redact("hunter2"), "[not a URL]");
    }
}
