//! The worker token: `client_credentials` at `{auth}/{envID}/as/token`, cached, refreshed before
//! it expires, with one refresh shared by all concurrent callers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::Method;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::client_auth::ClientAuth;
use crate::clock::SharedClock;
use crate::endpoints::Endpoints;
use crate::error::Error;
use crate::http::HttpClient;
use crate::id::EnvironmentId;
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::secret::{AccessToken, ClientSecret};
use crate::step::Operation;

/// A worker application's credentials: its environment, client ID and secret.
///
/// A worker application always authenticates with its secret, so [`ClientAuth::None`] is refused
/// when the credentials are made.
#[derive(Debug, Clone)]
pub struct WorkerCredentials {
    environment: EnvironmentId,
    client_id: String,
    auth: ClientAuth,
}

/// [`ClientAuth::None`] was given for a worker application, which needs its secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a worker application authenticates with its client secret: use ClientAuth::SecretBasic or ClientAuth::SecretPost, not ClientAuth::None"
)]
#[non_exhaustive]
pub struct WorkerSecretRequired;

impl WorkerCredentials {
    /// Credentials that present the secret as `auth` says.
    ///
    /// `environment` is the environment that holds the worker application (it may differ from the
    /// environment being configured).
    ///
    /// # Errors
    /// [`WorkerSecretRequired`] for [`ClientAuth::None`].
    pub fn new(
        environment: EnvironmentId,
        client_id: impl Into<String>,
        auth: ClientAuth,
    ) -> Result<Self, WorkerSecretRequired> {
        if auth.secret().is_none() {
            return Err(WorkerSecretRequired);
        }
        Ok(Self { environment, client_id: client_id.into(), auth })
    }

    /// Credentials that present the secret with HTTP Basic (`CLIENT_SECRET_BASIC`, PingOne's
    /// default for worker applications).
    #[must_use]
    pub fn basic(environment: EnvironmentId, client_id: impl Into<String>, secret: ClientSecret) -> Self {
        Self { environment, client_id: client_id.into(), auth: ClientAuth::SecretBasic(secret) }
    }

    /// Credentials that present the secret as form fields (`CLIENT_SECRET_POST`).
    #[must_use]
    pub fn post(environment: EnvironmentId, client_id: impl Into<String>, secret: ClientSecret) -> Self {
        Self { environment, client_id: client_id.into(), auth: ClientAuth::SecretPost(secret) }
    }

    /// The environment that holds the worker application.
    #[must_use]
    pub fn environment(&self) -> &EnvironmentId {
        &self.environment
    }

    /// The worker application's client ID.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// How the secret is presented.
    #[must_use]
    pub fn auth(&self) -> &ClientAuth {
        &self.auth
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: AccessToken,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Debug)]
pub(crate) struct Cached {
    pub(crate) token: AccessToken,
    pub(crate) refresh_at: SystemTime,
}

/// Lifetime assumed when the token response has no `expires_in` (PingOne's documented default).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// The longest lifetime believed from `expires_in`: PingOne's largest
/// `accessTokenValiditySeconds` (30 days). A larger value (up to `u64::MAX`, which no time can
/// be added to) is clamped to it.
pub(crate) const MAX_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
/// Refresh this long before expiry (or at half the lifetime, for short-lived tokens).
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// When a token fetched at `requested_at` with `expires_in` seconds of life is due for refresh.
/// Never panics: the lifetime is clamped to [`MAX_LIFETIME`], and a time that cannot be
/// represented makes the token due at once.
fn refresh_at(requested_at: SystemTime, expires_in: Option<u64>) -> SystemTime {
    let lifetime = expires_in.map_or(DEFAULT_LIFETIME, |secs| Duration::from_secs(secs).min(MAX_LIFETIME));
    let margin = REFRESH_MARGIN.min(lifetime.checked_div(2).unwrap_or_default());
    requested_at.checked_add(lifetime.saturating_sub(margin)).unwrap_or(requested_at)
}

/// Fetches and caches worker tokens.
///
/// `token()` returns the cached token while it is fresh. When it is due for refresh, the first
/// caller fetches a new one while holding the cache lock; every concurrent caller waits for that
/// one request and shares its result (single flight).
#[derive(Debug)]
pub struct WorkerTokenProvider {
    http: HttpClient,
    endpoints: Endpoints,
    credentials: WorkerCredentials,
    clock: SharedClock,
    cache: Mutex<Option<Cached>>,
    fetches: AtomicU64,
}

impl WorkerTokenProvider {
    /// A provider that uses `http`'s clock.
    #[must_use]
    pub fn new(http: HttpClient, endpoints: Endpoints, credentials: WorkerCredentials) -> Self {
        let clock = http.clock().clone();
        Self { http, endpoints, credentials, clock, cache: Mutex::new(None), fetches: AtomicU64::new(0) }
    }

    /// Replaces the clock used for expiry.
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The environment whose worker application this provider authenticates.
    #[must_use]
    pub fn environment(&self) -> &EnvironmentId {
        &self.credentials.environment
    }

    /// How many token requests have been sent so far.
    #[must_use]
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// A valid token: the cached one, or a new one.
    ///
    /// # Errors
    /// The token endpoint's error ([`Error::OAuth`] for bad credentials) or a transport error.
    pub async fn token(&self) -> Result<AccessToken, Error> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && self.clock.now() < cached.refresh_at
        {
            return Ok(cached.token.clone());
        }
        let fresh = self.fetch().await?;
        let token = fresh.token.clone();
        *cache = Some(fresh);
        Ok(token)
    }

    /// Called after PingOne refused `rejected` with `401`: drops it and fetches a new token,
    /// unless a concurrent caller already replaced it (then that newer token is returned).
    ///
    /// # Errors
    /// As [`WorkerTokenProvider::token`].
    pub async fn refresh_after_rejection(&self, rejected: &AccessToken) -> Result<AccessToken, Error> {
        {
            let mut cache = self.cache.lock().await;
            if cache.as_ref().is_some_and(|c| &c.token == rejected) {
                *cache = None;
            }
        }
        self.token().await
    }

    async fn fetch(&self) -> Result<Cached, Error> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let url = self.endpoints.token_url(&self.credentials.environment);
        let creds = &self.credentials;
        let request = ApiRequest::new(Operation::WorkerToken, Method::POST, url)
            .sensitive_response()
            // A client_credentials request has no side effect: repeating it is safe.
            .retry_safe(true);
        let request = request.token_form(&[("grant_type", "client_credentials")], &creds.client_id, &creds.auth)?;
        let requested_at = self.clock.now();
        let response = self.http.execute(&request).await?;
        cache_entry(response, requested_at)
    }
}

/// The cache entry for the token endpoint's answer to a request sent at `requested_at`.
pub(crate) fn cache_entry(response: ApiResponse, requested_at: SystemTime) -> Result<Cached, Error> {
    let response = response.error_for_status()?;
    let parsed: TokenResponse = response.json()?;
    if parsed.token_type.as_deref().is_some_and(|t| !t.eq_ignore_ascii_case("bearer")) {
        return Err(response.protocol_error("token endpoint returned a token type other than Bearer"));
    }
    tracing::debug!(expires_in_s = parsed.expires_in, "worker token fetched");
    Ok(Cached { token: parsed.access_token, refresh_at: refresh_at(requested_at, parsed.expires_in) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_without_a_secret_is_refused_when_made() {
        let env = || EnvironmentId::new("env-1").unwrap_or_else(|_| unreachable!());
        assert_eq!(WorkerCredentials::new(env(), "w", ClientAuth::None).err(), Some(WorkerSecretRequired));
        let post = WorkerCredentials::new(env(), "w", ClientAuth::SecretPost(ClientSecret::new("s")));
        assert_eq!(post.map(|c| c.auth().method_name()).ok(), Some("CLIENT_SECRET_POST"));
        let basic = WorkerCredentials::basic(env(), "w", ClientSecret::new("s"));
        assert_eq!((basic.client_id(), basic.auth().method_name()), ("w", "CLIENT_SECRET_BASIC"));
        assert!(!format!("{basic:?}").contains("\"s\""), "{basic:?}");
    }

    #[test]
    fn refresh_time_is_clamped_and_never_overflows() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let secs = |t: SystemTime| t.duration_since(at).map(|d| d.as_secs()).ok();
        assert_eq!(secs(refresh_at(at, Some(3600))), Some(3540), "60 s margin");
        assert_eq!(secs(refresh_at(at, None)), Some(3540), "PingOne's default hour");
        assert_eq!(secs(refresh_at(at, Some(60))), Some(30), "half the lifetime when short");
        assert_eq!(secs(refresh_at(at, Some(0))), Some(0));
        let max = MAX_LIFETIME.as_secs() - 60;
        assert_eq!(secs(refresh_at(at, Some(u64::MAX))), Some(max), "u64::MAX is clamped");
        assert_eq!(secs(refresh_at(at, Some(MAX_LIFETIME.as_secs() + 1))), Some(max));
    }
}
