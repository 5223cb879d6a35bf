//! ID-token verification: the signature against the JWKS from discovery (cached, refetched on
//! an unknown `kid`), RS256 only, `iss`, `aud`, `exp`/`iat` with leeway through the injected
//! clock, and `nonce`.

use std::time::UNIX_EPOCH;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use pingone_core::{ApiRequest, Method, Operation, StateToken, Step, Url};
use serde::{Deserialize, Deserializer, Serialize};
use tokio::sync::Mutex;

use crate::client::SignOnClient;
use crate::error::{FlowError, IdTokenError};

/// The claims of a verified ID token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdTokenClaims {
    /// Issuer.
    pub iss: String,
    /// Subject: the user's ID.
    pub sub: String,
    /// Audience (the client ID).
    #[serde(deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    /// Expiry (Unix seconds).
    pub exp: u64,
    /// Issue time (Unix seconds).
    pub iat: u64,
    /// When the user authenticated (Unix seconds).
    #[serde(default)]
    pub auth_time: Option<u64>,
    /// The nonce (checked against the authorization request; redacted in `Debug`).
    #[serde(default)]
    pub nonce: Option<StateToken>,
    /// Authentication methods (`otp`, `pwd`, ...).
    #[serde(default)]
    pub amr: Vec<String>,
    /// Authentication context class.
    #[serde(default)]
    pub acr: Option<String>,
    /// Session ID.
    #[serde(default)]
    pub sid: Option<String>,
    /// E-mail address (`email` scope).
    #[serde(default)]
    pub email: Option<String>,
    /// Username (`profile` scope).
    #[serde(default)]
    pub preferred_username: Option<String>,
}

fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Aud {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Aud::deserialize(deserializer)? {
        Aud::One(a) => vec![a],
        Aud::Many(a) => a,
    })
}

#[derive(Debug, Clone, Deserialize)]
struct Jwk {
    #[serde(default)]
    kid: Option<String>,
    kty: String,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Debug, Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

#[derive(Debug, Clone)]
struct Cached {
    jwks_uri: Url,
    keys: Vec<Jwk>,
}

/// Discovery and JWKS, cached per client.
#[derive(Debug, Default)]
pub(crate) struct KeyCache {
    cached: Mutex<Option<Cached>>,
}

async fn fetch_keys(client: &SignOnClient, jwks_uri: &Url) -> Result<Vec<Jwk>, FlowError> {
    let response = client
        .inner
        .http
        .execute(&ApiRequest::new(Operation::Jwks, Method::GET, jwks_uri.clone()))
        .await?
        .error_for_status()?;
    Ok(response.json::<Jwks>()?.keys)
}

/// The keys, from cache or from discovery; `refresh` refetches the JWKS.
async fn keys(client: &SignOnClient, refresh: bool) -> Result<Vec<Jwk>, FlowError> {
    let mut cached = client.inner.keys.cached.lock().await;
    if let Some(c) = cached.as_mut() {
        if refresh {
            c.keys = fetch_keys(client, &c.jwks_uri).await?;
        }
        return Ok(c.keys.clone());
    }
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
    let keys = fetch_keys(client, &jwks_uri).await?;
    *cached = Some(Cached { jwks_uri, keys: keys.clone() });
    Ok(keys)
}

fn find_key<'a>(keys: &'a [Jwk], kid: Option<&str>) -> Option<&'a Jwk> {
    keys.iter().filter(|k| k.kty == "RSA").find(|k| kid.is_none() || k.kid.as_deref() == kid)
}

/// Verifies `token` for `client` and the `nonce` sent at authorize.
pub(crate) async fn verify_id_token(
    client: &SignOnClient,
    token: &str,
    nonce: &StateToken,
) -> Result<IdTokenClaims, FlowError> {
    let header = decode_header(token).map_err(|e| IdTokenError::Malformed(e.to_string()))?;
    if header.alg != Algorithm::RS256 {
        return Err(IdTokenError::UnexpectedAlgorithm(format!("{:?}", header.alg)).into());
    }
    let kid = header.kid.as_deref();
    let mut keys = keys(client, false).await?;
    if find_key(&keys, kid).is_none() {
        keys = self::keys(client, true).await?;
    }
    let jwk = find_key(&keys, kid).ok_or_else(|| IdTokenError::UnknownKey(header.kid.clone()))?;
    let (Some(n), Some(e)) = (&jwk.n, &jwk.e) else { return Err(IdTokenError::UnknownKey(header.kid.clone()).into()) };
    let key = DecodingKey::from_rsa_components(n, e).map_err(|e| IdTokenError::Malformed(e.to_string()))?;
    let issuer = client.issuer();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[client.app().client_id.as_str()]);
    validation.set_issuer(&[issuer.as_str()]);
    validation.set_required_spec_claims(&["iss", "aud", "sub", "exp"]);
    // Time is checked below with the injected clock.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    let data = decode::<IdTokenClaims>(token, &key, &validation).map_err(|e| match e.kind() {
        ErrorKind::InvalidSignature => IdTokenError::BadSignature,
        ErrorKind::InvalidAudience => IdTokenError::WrongAudience,
        ErrorKind::InvalidIssuer => IdTokenError::WrongIssuer { expected: issuer.clone() },
        ErrorKind::MissingRequiredClaim(claim) => IdTokenError::MissingClaim(claim.clone()),
        ErrorKind::InvalidAlgorithm => IdTokenError::UnexpectedAlgorithm("a non-RS256 algorithm".into()),
        _ => IdTokenError::Malformed(e.to_string()),
    })?;
    let claims = data.claims;
    let now = client.inner.clock.now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let leeway = client.inner.leeway.as_secs();
    if claims.exp.saturating_add(leeway) < now {
        return Err(IdTokenError::Expired.into());
    }
    if claims.iat > now.saturating_add(leeway) {
        return Err(IdTokenError::IssuedInFuture.into());
    }
    let nonce_ok = claims.nonce.as_ref().is_some_and(|n| n == nonce);
    if !nonce_ok {
        return Err(IdTokenError::NonceMismatch.into());
    }
    tracing::debug!(step = Step::TokenExchange.number(), sub = %claims.sub, "ID token verified");
    Ok(claims)
}
