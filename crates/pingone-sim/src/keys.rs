//! The simulator's RS256 signing key, JWT signing and the JWKS.
//!
//! Generating a 2048-bit RSA key takes tens of milliseconds, so one key is generated per process
//! and shared by every simulator in it (each simulator can be given its own with
//! [`SigningKey::generate`]).

use std::sync::{Arc, OnceLock};

use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

/// An RSA key pair used to sign ID and access tokens.
#[derive(Clone)]
pub struct SigningKey {
    inner: Arc<Inner>,
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
        f.debug_struct("SigningKey").field("kid", &self.inner.kid).finish_non_exhaustive()
    }
}

/// The key could not be generated.
#[derive(Debug, thiserror::Error)]
#[error("RSA key generation failed")]
#[non_exhaustive]
pub struct KeyError;

impl SigningKey {
    /// A fresh 2048-bit key.
    ///
    /// # Errors
    /// [`KeyError`] if the crypto library fails.
    pub fn generate() -> Result<Self, KeyError> {
        let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError)?;
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
            inner: Arc::new(Inner {
                pair,
                kid,
                n,
                e,
                x5c: STANDARD.encode(&cert),
                x5t: URL_SAFE_NO_PAD.encode(sha1.as_ref()),
                x5t_s256: URL_SAFE_NO_PAD.encode(sha256.as_ref()),
            }),
        })
    }

    /// The key shared by every simulator in this process.
    ///
    /// # Errors
    /// [`KeyError`] if the crypto library fails.
    pub fn shared() -> Result<Self, KeyError> {
        static SHARED: OnceLock<SigningKey> = OnceLock::new();
        if let Some(key) = SHARED.get() {
            return Ok(key.clone());
        }
        let key = Self::generate()?;
        Ok(SHARED.get_or_init(|| key).clone())
    }

    /// The key ID (`kid`) put in token headers and the JWKS.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.inner.kid
    }

    /// The public key as a JWK, with the members PingOne's "Read JWKS" page lists: `kty`,
    /// `kid`, `use`, `n`, `e`, `x5c` (a self-signed certificate of the key) and `x5t` (its
    /// SHA-1 thumbprint); also `x5t#S256`. No `alg` (PingOne's list has none).
    #[must_use]
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "RSA", "kid": self.inner.kid, "use": "sig", "n": self.inner.n, "e": self.inner.e,
            "x5c": [self.inner.x5c], "x5t": self.inner.x5t, "x5t#S256": self.inner.x5t_s256,
        })
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
        let public = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, self.inner.pair.public_key().as_ref());
        public.verify(message.as_bytes(), &signature).ok()?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()
    }

    /// Signs `claims` as a compact RS256 JWT.
    ///
    /// # Errors
    /// [`KeyError`] if signing fails.
    pub fn sign(&self, claims: &Value) -> Result<String, KeyError> {
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": self.inner.kid });
        let mut jwt = String::new();
        jwt.push_str(&URL_SAFE_NO_PAD.encode(header.to_string()));
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut signature = vec![0u8; self.inner.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.inner.pair.sign(&RSA_PKCS1_SHA256, &rng, jwt.as_bytes(), &mut signature).map_err(|_| KeyError)?;
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(jwt)
    }
}
