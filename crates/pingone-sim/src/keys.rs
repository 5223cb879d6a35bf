//! The simulator's RS256 signing key, JWT signing and the JWKS.
//!
//! Generating a 2048-bit RSA key takes tens of milliseconds, so one key is generated per process
//! and shared by every simulator in it (each simulator can be given its own with
//! [`SigningKey::generate`], or one loaded with [`SigningKey::from_pem`]). The shared key is
//! generated on a background thread: a simulator starts (and the binary prints its ready line)
//! at once, and only the first request that needs the key — the first token, or the JWKS —
//! waits for it.

use std::sync::{Arc, OnceLock};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

/// An RSA key pair used to sign ID and access tokens.
#[derive(Clone)]
pub struct SigningKey {
    inner: Arc<OnceLock<Result<Inner, KeyError>>>,
}

struct Inner {
    pair: KeyPair,
    kid: String,
    n: String,
    e: String,
    /// The self-signed certificate (DER), base64 (`x5c`), and its SHA-1 and SHA-256
    /// thumbprints (`x5t`, `x5t#S256`).
    x5c: String,
    x5t: String,
    x5t_s256: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kid = self.inner.get().and_then(|k| k.as_ref().ok()).map_or("(being generated)", |k| k.kid.as_str());
        f.debug_struct("SigningKey").field("kid", &kid).finish_non_exhaustive()
    }
}

/// The key could not be generated, loaded or used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the RSA signing key could not be generated, loaded or used")]
#[non_exhaustive]
pub struct KeyError;

impl SigningKey {
    /// A fresh 2048-bit key.
    ///
    /// # Errors
    /// [`KeyError`] if the crypto library fails.
    pub fn generate() -> Result<Self, KeyError> {
        let inner = Inner::new(KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError)?)?;
        Ok(Self::ready(inner))
    }

    /// A key generated on a background thread: returned at once; the first use waits for it.
    #[must_use]
    pub fn generate_in_background() -> Self {
        let key = Self { inner: Arc::new(OnceLock::new()) };
        let cell = Arc::clone(&key.inner);
        let spawned = std::thread::Builder::new().name("pingone-sim-keygen".into()).spawn(move || {
            cell.get_or_init(generate_inner);
        });
        if spawned.is_err() {
            // No thread: the first use generates it instead.
            tracing::debug!("no key-generation thread; the first token generates the key");
        }
        key
    }

    /// A key from a PEM file's text (`-----BEGIN PRIVATE KEY-----`, PKCS#8, RSA 2048 bits or
    /// more), for example made with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`:
    /// a simulator started with it skips key generation and signs with the same key every run.
    ///
    /// # Errors
    /// [`KeyError`] when the text is not a PKCS#8 RSA private key.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let body: String = pem.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("-----")).collect();
        let der = STANDARD.decode(body).map_err(|_| KeyError)?;
        let pair = KeyPair::from_pkcs8(&der).map_err(|_| KeyError)?;
        Ok(Self::ready(Inner::new(pair)?))
    }

    /// The key as PEM (PKCS#8): the private key, for [`from_pem`](Self::from_pem) later.
    ///
    /// # Errors
    /// [`KeyError`] when the key cannot be encoded.
    pub fn to_pem(&self) -> Result<String, KeyError> {
        let der = self.get()?.pair.as_der().map_err(|_| KeyError)?;
        let text = STANDARD.encode(der.as_ref());
        let lines: Vec<&str> = text.as_bytes().chunks(64).filter_map(|c| std::str::from_utf8(c).ok()).collect();
        Ok(format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", lines.join("\n")))
    }

    fn ready(inner: Inner) -> Self {
        Self { inner: Arc::new(OnceLock::from(Ok(inner))) }
    }

    /// The key, waiting for a background generation to finish (or doing it).
    fn get(&self) -> Result<&Inner, KeyError> {
        self.inner.get_or_init(generate_inner).as_ref().map_err(|e| *e)
    }
}

fn generate_inner() -> Result<Inner, KeyError> {
    Inner::new(KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError)?)
}

impl Inner {
    fn new(pair: KeyPair) -> Result<Self, KeyError> {
        let public = pair.public_key();
        let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, n.as_bytes());
        let kid = URL_SAFE_NO_PAD.encode(digest.as_ref().get(..12).unwrap_or_default());
        let serial = digest.as_ref().get(..8).unwrap_or_default();
        let cert = crate::cert::self_signed(&pair, serial, "PingOne simulator token signing").ok_or(KeyError)?;
        let sha1 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &cert);
        let sha256 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &cert);
        Ok(Self {
            pair,
            kid,
            n,
            e,
            x5c: STANDARD.encode(&cert),
            x5t: URL_SAFE_NO_PAD.encode(sha1.as_ref()),
            x5t_s256: URL_SAFE_NO_PAD.encode(sha256.as_ref()),
        })
    }
}

impl SigningKey {
    /// The key shared by every simulator in this process.
    ///
    /// # Errors
    /// [`KeyError`] if the crypto library fails.
    pub fn shared() -> Result<Self, KeyError> {
        static SHARED: OnceLock<SigningKey> = OnceLock::new();
        Ok(SHARED.get_or_init(Self::generate_in_background).clone())
    }

    /// The key ID (`kid`) put in token headers and the JWKS (waits for a background generation).
    ///
    /// # Errors
    /// [`KeyError`] when the key could not be generated.
    pub fn kid(&self) -> Result<&str, KeyError> {
        Ok(&self.get()?.kid)
    }

    /// The public key as a JWK, with the members PingOne's "Read JWKS" page lists: `kty`,
    /// `kid`, `use`, `n`, `e`, `x5c` (a self-signed certificate of the key) and `x5t` (its
    /// SHA-1 thumbprint); also `x5t#S256`. No `alg` (PingOne's list has none).
    ///
    /// # Errors
    /// [`KeyError`] when the key could not be generated.
    pub fn jwk(&self) -> Result<Value, KeyError> {
        let k = self.get()?;
        Ok(json!({
            "kty": "RSA", "kid": k.kid, "use": "sig", "n": k.n, "e": k.e,
            "x5c": [k.x5c], "x5t": k.x5t, "x5t#S256": k.x5t_s256,
        }))
    }

    /// The claims of a compact RS256 JWT this key signed, if its signature verifies (nothing
    /// else is checked).
    #[must_use]
    pub(crate) fn verify(&self, jwt: &str) -> Option<Value> {
        let (message, signature) = jwt.rsplit_once('.')?;
        let (header, claims) = message.split_once('.')?;
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        if header.get("alg").and_then(Value::as_str) != Some("RS256") {
            return None;
        }
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let public = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, self.get().ok()?.pair.public_key().as_ref());
        public.verify(message.as_bytes(), &signature).ok()?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()
    }

    /// Signs `claims` as a compact RS256 JWT.
    ///
    /// # Errors
    /// [`KeyError`] if signing fails.
    pub fn sign(&self, claims: &Value) -> Result<String, KeyError> {
        let key = self.get()?;
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": key.kid });
        let mut jwt = String::new();
        jwt.push_str(&URL_SAFE_NO_PAD.encode(header.to_string()));
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut signature = vec![0u8; key.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        key.pair.sign(&RSA_PKCS1_SHA256, &rng, jwt.as_bytes(), &mut signature).map_err(|_| KeyError)?;
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(jwt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_survives_pem_and_a_background_key_becomes_ready() {
        let key = SigningKey::generate().unwrap();
        let again = SigningKey::from_pem(&key.to_pem().unwrap()).unwrap();
        assert_eq!(again.kid().unwrap(), key.kid().unwrap());
        let token = again.sign(&json!({ "sub": "u" })).unwrap();
        assert_eq!(key.verify(&token).unwrap()["sub"], "u");
        assert_eq!(
            SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----").unwrap_err(),
            KeyError
        );
        let background = SigningKey::generate_in_background();
        let token = background.sign(&json!({ "sub": "v" })).unwrap();
        assert_eq!(background.verify(&token).unwrap()["sub"], "v");
        assert_ne!(background.kid().unwrap(), key.kid().unwrap());
        assert!(!format!("{key:?}").contains("BEGIN"));
    }
}
