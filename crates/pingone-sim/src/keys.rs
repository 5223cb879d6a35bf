//! The simulator's RS256 signing key, JWT signing and the JWKS.
//!
//! Generating a 2048-bit RSA key takes tens of milliseconds, so one key is generated per process
//! and shared by every simulator in it (each simulator can be given its own with
//! [`SigningKey::generate`]).

use std::sync::{Arc, OnceLock};

use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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
        Ok(Self { inner: Arc::new(Inner { pair, kid, n, e }) })
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

    /// The public key as a JWK.
    #[must_use]
    pub fn jwk(&self) -> Value {
        json!({ "kty": "RSA", "kid": self.inner.kid, "use": "sig", "alg": "RS256", "n": self.inner.n, "e": self.inner.e })
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
