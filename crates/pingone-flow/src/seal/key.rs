//! Sealing keys and the key ring: the first key seals, every key opens.

use aws_lc_rs::aead::{AES_256_GCM, LessSafeKey, UnboundKey};
use aws_lc_rs::digest::{Context, SHA256};
use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

/// Length of a sealing key: 256 bits (AES-256-GCM).
pub const KEY_LEN: usize = 32;

/// Why a sealing key could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key material is not 32 bytes.
    #[error("a sealing key is {KEY_LEN} bytes, got {0}")]
    Length(usize),
    /// The text is not base64 (standard or URL-safe, padded or not).
    #[error("a sealing key must be base64-encoded")]
    Encoding,
    /// The operating system's random source failed.
    #[error("the system random number generator failed")]
    Random,
    /// The cryptographic library refused the key.
    #[error("the key could not be loaded")]
    Crypto,
}

/// An AES-256-GCM key that seals and opens stages.
///
/// Its `Debug` shows only its ID, a non-secret fingerprint (a truncated SHA-256 of the key),
/// which sealed bytes carry so that the ring can pick the right key.
pub struct SealingKey {
    id: [u8; 8],
    key: LessSafeKey,
    /// An HMAC-SHA256 key derived from the key material (domain-separated), for form tokens.
    forms: hmac::Key,
}

impl SealingKey {
    /// A fresh random key from the operating system. Use it for one instance (a restart makes
    /// stored stages unreadable); a fleet shares a key loaded with [`SealingKey::from_base64`].
    ///
    /// # Errors
    /// [`KeyError::Random`] when the OS random source fails.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        aws_lc_rs::rand::fill(bytes.as_mut()).map_err(|_| KeyError::Random)?;
        Self::from_bytes(bytes.as_ref())
    }

    /// A key from 32 bytes of key material.
    ///
    /// # Errors
    /// [`KeyError::Length`] when `bytes` is not 32 bytes long.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != KEY_LEN {
            return Err(KeyError::Length(bytes.len()));
        }
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| KeyError::Crypto)?;
        let mut ctx = Context::new(&SHA256);
        ctx.update(b"pingone-flow/sealing-key-id/v1");
        ctx.update(bytes);
        let digest = ctx.finish();
        let mut id = [0u8; 8];
        id.copy_from_slice(digest.as_ref().get(..8).ok_or(KeyError::Crypto)?);
        // A separate key for form tokens: HMAC-SHA256(key material, label), never the AES key.
        let derived = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, bytes), b"pingone-flow/form-token-key/v1");
        let forms = hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref());
        Ok(Self { id, key: LessSafeKey::new(unbound), forms })
    }

    /// A key from base64 text (32 bytes once decoded), for example from an environment variable
    /// filled with `head -c 32 /dev/urandom | base64`.
    ///
    /// # Errors
    /// [`KeyError::Encoding`] or [`KeyError::Length`].
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let bytes = Zeroizing::new(
            STANDARD
                .decode(text)
                .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
                .map_err(|_| KeyError::Encoding)?,
        );
        Self::from_bytes(&bytes)
    }

    /// The key in the environment variable `name` (base64), or — when it is not set — a fresh
    /// random key, which serves this process only (fine for one instance; a fleet sets the
    /// variable on every instance).
    ///
    /// # Errors
    /// As [`from_base64`](Self::from_base64) for a set variable, [`KeyError::Random`] otherwise.
    pub fn from_env_or_generate(name: &str) -> Result<Self, KeyError> {
        match std::env::var(name) {
            Ok(text) => Self::from_base64(&text),
            // Set but not text: an error, never a silent per-process key.
            Err(std::env::VarError::NotUnicode(_)) => Err(KeyError::Encoding),
            Err(std::env::VarError::NotPresent) => Self::generate(),
        }
    }

    /// The key's public fingerprint (hex), as shown by `Debug`.
    #[must_use]
    pub fn id(&self) -> String {
        self.id.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub(crate) fn id_bytes(&self) -> &[u8; 8] {
        &self.id
    }

    pub(crate) fn aead(&self) -> &LessSafeKey {
        &self.key
    }

    pub(crate) fn forms(&self) -> &hmac::Key {
        &self.forms
    }
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealingKey").field("id", &self.id()).finish_non_exhaustive()
    }
}

/// The keys a [`StageSealer`](crate::StageSealer) uses: the first seals, every key opens.
///
/// To rotate: put the new key first and keep the old one after it for at least the sealer's
/// maximum age (15 minutes by default), then drop it.
#[derive(Debug)]
pub struct KeyRing {
    primary: SealingKey,
    previous: Vec<SealingKey>,
}

impl KeyRing {
    /// A ring whose only key seals and opens.
    #[must_use]
    pub fn new(primary: SealingKey) -> Self {
        Self { primary, previous: Vec::new() }
    }

    /// Adds a key that opens stages sealed before a rotation, but seals nothing.
    #[must_use]
    pub fn with_previous(mut self, key: SealingKey) -> Self {
        if self.find(&key.id).is_none() {
            self.previous.push(key);
        }
        self
    }

    /// The key that seals.
    #[must_use]
    pub fn primary(&self) -> &SealingKey {
        &self.primary
    }

    pub(crate) fn find(&self, id: &[u8]) -> Option<&SealingKey> {
        self.all().find(|k| k.id.as_slice() == id)
    }

    pub(crate) fn all(&self) -> impl Iterator<Item = &SealingKey> {
        std::iter::once(&self.primary).chain(&self.previous)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_load_from_base64_and_refuse_bad_material() {
        let text = STANDARD.encode([7u8; 32]);
        let a = SealingKey::from_base64(&text).unwrap();
        let b = SealingKey::from_base64(&URL_SAFE_NO_PAD.encode([7u8; 32])).unwrap();
        assert_eq!(a.id(), b.id());
        assert_eq!(SealingKey::from_base64("not base64!").unwrap_err(), KeyError::Encoding);
        assert_eq!(SealingKey::from_bytes(&[0; 16]).unwrap_err(), KeyError::Length(16));
        assert!(!format!("{a:?}").contains(&text));
        assert_ne!(SealingKey::generate().unwrap().id(), SealingKey::generate().unwrap().id());
    }

    #[test]
    fn a_key_comes_from_the_environment_or_is_generated() {
        // An unset variable: a fresh key each time.
        let unset = "PINGONE_FLOW_TEST_SURELY_UNSET_KEY_VARIABLE";
        let (a, b) =
            (SealingKey::from_env_or_generate(unset).unwrap(), SealingKey::from_env_or_generate(unset).unwrap());
        assert_ne!(a.id(), b.id());
        // A set variable that is not a key is an error, never a silent fresh key.
        assert!(SealingKey::from_env_or_generate("PATH").is_err());
    }

    #[test]
    fn ring_seals_with_the_first_and_opens_with_all() {
        let old = SealingKey::from_bytes(&[1; 32]).unwrap();
        let new = SealingKey::from_bytes(&[2; 32]).unwrap();
        let (old_id, new_id) = (*old.id_bytes(), *new.id_bytes());
        let ring = KeyRing::new(new).with_previous(old);
        assert_eq!(ring.primary().id_bytes(), &new_id);
        assert!(ring.find(&old_id).is_some());
        assert!(ring.find(&[0; 8]).is_none());
    }
}
