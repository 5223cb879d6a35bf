//! The keys that ID tokens are verified against: OIDC discovery once, then the JWKS, cached for
//! a TTL and refetched for an unknown `kid` at most once per minimum interval.
//!
//! Concurrency: the cache state sits behind a `std::sync::Mutex` that is only ever held for a few
//! field reads and writes, never across an `.await`. A fetch is a *generation*: the first caller
//! that needs one puts an `Arc<Fetch>` (a `tokio::sync::OnceCell`) into the state and lets go of
//! the lock; callers arriving while it runs take a clone of the same `Arc` and await the cell, so
//! there is one network fetch however many verifications want it (single flight), and callers
//! that already have a fresh key for their `kid` never wait for it at all. The fetch itself swaps
//! the new key set into the state when it completes. If the caller driving the fetch is
//! cancelled, the `OnceCell` lets one of the waiters run the fetch instead.
//!
//! Only keys fit for RS256 signatures are kept: `kty` `RSA`, `use` `sig` or absent, `alg`
//! `RS256` or absent, `key_ops` containing `verify` or absent, and usable `n`/`e`. Every time is
//! read from the client's injected clock.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use jsonwebtoken::DecodingKey;
use pingone_core::{ApiRequest, Method, Operation, Url};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::client::SignOnClient;
use crate::error::{FlowError, IdTokenError};

/// How long a fetched JWKS is trusted before it is fetched again: 10 minutes.
pub const DEFAULT_JWKS_TTL: Duration = Duration::from_secs(600);

/// The shortest time between two JWKS fetches caused by an unknown `kid`: 30 seconds.
pub const DEFAULT_JWKS_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(30);

/// The JWKS cache's timings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JwksSettings {
    /// How long a fetched key set is trusted.
    pub ttl: Duration,
    /// The shortest time between two fetches caused by an unknown `kid`.
    pub min_refetch_interval: Duration,
}

impl Default for JwksSettings {
    fn default() -> Self {
        Self { ttl: DEFAULT_JWKS_TTL, min_refetch_interval: DEFAULT_JWKS_MIN_REFETCH_INTERVAL }
    }
}

/// A JWKS key fit for RS256 verification.
#[derive(Clone)]
pub(crate) struct VerifyKey {
    /// The key's `kid`, if it has one.
    pub kid: Option<String>,
    /// The public key.
    pub key: DecodingKey,
}

/// A key set, shared by every verification that uses it.
pub(crate) type KeySet = Arc<[VerifyKey]>;

/// Whether the caller can use the cached keys or wants a refetch (for an unknown `kid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// The cached key set, unless it is missing or older than the TTL.
    Cached,
    /// A refetch, unless one started less than the minimum interval ago.
    Refetch,
}

/// One JWKS fetch, shared by every caller that waits for it. `None` means the fetch failed
/// (the caller that ran it got the error itself).
#[derive(Default)]
struct Fetch {
    result: OnceCell<Option<KeySet>>,
}

#[derive(Default)]
struct State {
    /// From discovery, once it succeeded.
    jwks_uri: Option<Url>,
    keys: Option<KeySet>,
    /// When `keys` was fetched.
    fetched_at: Option<SystemTime>,
    /// When the last fetch started, successful or not: throttles unknown-`kid` refetches.
    last_attempt: Option<SystemTime>,
    /// The fetch in flight, if any.
    in_flight: Option<Arc<Fetch>>,
}

/// Discovery and JWKS, cached per client.
#[derive(Default)]
pub(crate) struct KeyCache {
    state: Mutex<State>,
}

/// Time since `then`; a clock that went backwards counts as "long ago", so the result is a
/// refetch rather than keys trusted past their TTL.
fn since(then: SystemTime, now: SystemTime) -> Duration {
    now.duration_since(then).unwrap_or(Duration::MAX)
}

impl KeyCache {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The keys to verify with: the cached set while it is within its TTL, otherwise (or for
    /// [`Want::Refetch`] when the minimum interval has passed) the result of a fetch.
    pub(crate) async fn keys(&self, client: &SignOnClient, want: Want) -> Result<KeySet, FlowError> {
        let settings = client.inner.jwks;
        let now = client.inner.clock.now();
        let fetch = {
            let mut state = self.lock();
            let fresh = state.fetched_at.is_some_and(|at| since(at, now) < settings.ttl);
            let may_refetch = state.last_attempt.is_none_or(|at| since(at, now) >= settings.min_refetch_interval);
            match (&state.keys, &state.in_flight) {
                (Some(keys), _) if fresh && want == Want::Cached => return Ok(Arc::clone(keys)),
                // A fetch is in flight: wait for it rather than start another.
                (_, Some(fetch)) => Arc::clone(fetch),
                (Some(keys), None) if fresh && !may_refetch => return Ok(Arc::clone(keys)),
                _ => {
                    let fetch = Arc::new(Fetch::default());
                    state.in_flight = Some(Arc::clone(&fetch));
                    state.last_attempt = Some(now);
                    fetch
                }
            }
        };
        // The lock is released: the fetch runs without it.
        let mut own_error = None;
        let result = fetch
            .result
            .get_or_init(|| {
                let own_error = &mut own_error;
                let fetch = Arc::clone(&fetch);
                async move {
                    let outcome = self.fetch(client).await;
                    let mut state = self.lock();
                    if state.in_flight.as_ref().is_some_and(|f| Arc::ptr_eq(f, &fetch)) {
                        state.in_flight = None;
                    }
                    match outcome {
                        Ok(keys) => {
                            state.keys = Some(Arc::clone(&keys));
                            state.fetched_at = Some(client.inner.clock.now());
                            Some(keys)
                        }
                        Err(error) => {
                            tracing::warn!(error = %error, "JWKS fetch failed");
                            *own_error = Some(error);
                            None
                        }
                    }
                }
            })
            .await;
        match (result, own_error) {
            (_, Some(error)) => Err(error),
            (Some(keys), None) => Ok(Arc::clone(keys)),
            (None, None) => Err(IdTokenError::KeysUnavailable.into()),
        }
    }

    /// Discovery (the first time) and the JWKS; no lock is held while either runs.
    async fn fetch(&self, client: &SignOnClient) -> Result<KeySet, FlowError> {
        let known = self.lock().jwks_uri.clone();
        let jwks_uri = match known {
            Some(uri) => uri,
            None => {
                let uri = discover_jwks_uri(client).await?;
                self.lock().jwks_uri = Some(uri.clone());
                uri
            }
        };
        let response = client
            .inner
            .http
            .execute(&ApiRequest::new(Operation::Jwks, Method::GET, jwks_uri))
            .await?
            .error_for_status()?;
        let jwks: Jwks = response.json()?;
        let keys: Vec<VerifyKey> = jwks.keys.iter().filter_map(rs256_key).collect();
        tracing::debug!(published = jwks.keys.len(), usable = keys.len(), "JWKS fetched");
        Ok(keys.into())
    }
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

/// Reads `jwks_uri` from discovery, after checking the issuer and that the JWKS lives on the
/// auth host.
async fn discover_jwks_uri(client: &SignOnClient) -> Result<Url, FlowError> {
    let url = client.auth_url(&["as", ".well-known", "openid-configuration"]);
    let response = client
        .inner
        .http
        .execute(&ApiRequest::new(Operation::Discovery, Method::GET, url))
        .await?
        .error_for_status()?;
    let discovery: Discovery = response.json()?;
    let expected = client.issuer();
    if discovery.issuer.trim_end_matches('/') != expected {
        return Err(IdTokenError::WrongIssuer { expected }.into());
    }
    let jwks_uri = Url::parse(&discovery.jwks_uri).map_err(|_| response.protocol_error("jwks_uri is not a URL"))?;
    if !client.inner.endpoints.is_auth_origin(&jwks_uri) {
        return Err(response.protocol_error("jwks_uri is not on the auth host").into());
    }
    Ok(jwks_uri)
}

/// The JWKS document; each key is read on its own, so that one key of an unknown shape does not
/// make the others unusable.
#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Value>,
}

/// The JWK members that decide whether a key can verify an RS256 signature.
#[derive(Deserialize)]
struct Jwk {
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    kty: Option<String>,
    #[serde(default, rename = "use")]
    public_key_use: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    key_ops: Option<Vec<String>>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

/// The key, if it is fit for RS256 signatures: `kty` `RSA`, `use` `sig` or absent, `alg`
/// `RS256` or absent, `key_ops` containing `verify` or absent, and a usable modulus and exponent.
fn rs256_key(value: &Value) -> Option<VerifyKey> {
    let jwk: Jwk = serde_json::from_value(value.clone()).ok()?;
    let fit = jwk.kty.as_deref() == Some("RSA")
        && jwk.public_key_use.as_deref().is_none_or(|u| u == "sig")
        && jwk.alg.as_deref().is_none_or(|a| a == "RS256")
        && jwk.key_ops.as_ref().is_none_or(|ops| ops.iter().any(|op| op == "verify"));
    if !fit {
        tracing::debug!(kid = ?jwk.kid, "JWKS key skipped: not an RS256 signature key");
        return None;
    }
    let key = DecodingKey::from_rsa_components(jwk.n.as_deref()?, jwk.e.as_deref()?).ok()?;
    Some(VerifyKey { kid: jwk.kid, key })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::rs256_key;

    const N: &str = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw";

    #[test]
    fn only_keys_fit_for_rs256_signatures_are_kept() {
        let base = json!({ "kty": "RSA", "kid": "k", "n": N, "e": "AQAB" });
        let with = |member: &str, value: serde_json::Value| {
            let mut key = base.clone();
            key[member] = value;
            key
        };
        assert!(rs256_key(&base).is_some(), "no use/alg/key_ops: usable");
        assert!(rs256_key(&with("use", json!("sig"))).is_some());
        assert!(rs256_key(&with("alg", json!("RS256"))).is_some());
        assert!(rs256_key(&with("key_ops", json!(["sign", "verify"]))).is_some());
        assert!(rs256_key(&with("use", json!("enc"))).is_none());
        assert!(rs256_key(&with("alg", json!("RS384"))).is_none());
        assert!(rs256_key(&with("alg", json!("RSA-OAEP"))).is_none());
        assert!(rs256_key(&with("key_ops", json!(["encrypt"]))).is_none());
        assert!(rs256_key(&with("key_ops", json!([]))).is_none());
        assert!(rs256_key(&with("kty", json!("EC"))).is_none());
        assert!(rs256_key(&with("kid", json!(7))).is_none(), "a key of the wrong shape is skipped");
        assert!(rs256_key(&json!({ "kty": "RSA", "kid": "k", "e": "AQAB" })).is_none(), "no modulus");
        assert!(rs256_key(&json!("not an object")).is_none());
    }
}
