//! Sealed stages: a stage encrypted and authenticated (AES-256-GCM) together with what it is
//! bound to — its kind, the environment and auth origin, the client ID and redirect URI — a
//! creation time, a maximum age and a random ID, so that it can wait in a cookie or a store
//! between requests and come back only as itself, only to the application that sealed it, and
//! only while it is fresh.

mod error;
mod format;
mod key;

use std::time::Duration;

use aws_lc_rs::aead::{Aad, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pingone_core::SharedClock;
use zeroize::Zeroize;

pub use error::{OpenError, SealError};
pub use key::{KEY_LEN, KeyError, KeyRing, SealingKey};

use crate::binding::Binding;
use crate::client::SignOnClient;
use crate::context::unix_seconds;
use crate::stage::{SignOnStage, Stage, kind_name};
use format::{HEADER_LEN, Header, HeaderError, NONCE_LEN};

/// How far ahead of this clock a seal's creation time may be (the clocks of instances that share
/// a key differ a little); a seal further ahead is refused.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// The default maximum age of a sealed stage: PingOne's flow lifetime (15 minutes without
/// activity; each step seals anew).
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(15 * 60);

/// Seals stages and opens them again, for one application in one environment.
///
/// ```no_run
/// # use pingone_flow::{KeyRing, OtpRequired, SealingKey, SignOnClient, StageSealer};
/// # fn run(client: &SignOnClient, stage: OtpRequired) -> Result<(), Box<dyn std::error::Error>> {
/// let sealer = StageSealer::new(client, KeyRing::new(SealingKey::from_base64(&std::env::var("SEALING_KEY")?)?));
/// let cookie_value = sealer.seal(stage)?.to_text();           // at the end of one request
/// let stage: OtpRequired = sealer.open(&cookie_value.parse()?)?; // at the start of the next
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct StageSealer {
    keys: KeyRing,
    binding: Binding,
    clock: SharedClock,
    max_age: Duration,
}

impl StageSealer {
    /// A sealer for `client`'s environment and application, with its clock and
    /// [`DEFAULT_MAX_AGE`].
    #[must_use]
    pub fn new(client: &SignOnClient, keys: KeyRing) -> Self {
        Self { keys, binding: client.binding(), clock: client.clock(), max_age: DEFAULT_MAX_AGE }
    }

    /// Sets how long a sealed stage opens (at most about 136 years; whole seconds).
    #[must_use]
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Replaces the clock that stamps and checks seals.
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The maximum age of the stages this sealer seals.
    #[must_use]
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// Seals a stage, consuming it: from here on the sealed bytes are the only copy.
    ///
    /// # Errors
    /// [`SealError::Random`] when the OS random source fails (no weak nonce is ever used).
    pub fn seal(&self, stage: impl Into<SignOnStage>) -> Result<SealedStage, SealError> {
        let stage = stage.into();
        let kind = stage.kind();
        let tags = stage.context().binding;
        if let Some(mismatch) = tags.mismatch(self.binding.tags()) {
            return Err(SealError::WrongBinding(mismatch));
        }
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).map_err(|_| SealError::Random)?;
        let header = Header {
            kind,
            key_id: *self.keys.primary().id_bytes(),
            tags,
            sealed_at: unix_seconds(self.clock.now()),
            max_age: u32::try_from(self.max_age.as_secs()).unwrap_or(u32::MAX),
            nonce,
        };
        let mut plaintext = stage.encode().map_err(|_| SealError::Crypto)?;
        let encoded = header.encode();
        let aad = [encoded.as_slice(), &self.binding.authenticated_data()].concat();
        let mut bytes = Vec::with_capacity(HEADER_LEN.saturating_add(plaintext.len()).saturating_add(format::TAG_LEN));
        bytes.extend_from_slice(&encoded);
        bytes.extend_from_slice(&plaintext);
        plaintext.zeroize();
        let key = self.keys.primary().aead();
        let (_, body) = bytes.split_at_mut(HEADER_LEN);
        let tag = key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad.as_slice()), body)
            .map_err(|_| {
                body.zeroize();
                SealError::Crypto
            })?;
        bytes.extend_from_slice(tag.as_ref());
        Ok(SealedStage(bytes))
    }

    /// A token binding a form to `value` (typically the cookie the form will be posted with):
    /// HMAC-SHA256 under a key derived from the ring's sealing key, truncated to 128 bits,
    /// base64url. Without the key nobody can compute the token of a cookie value, not even for a
    /// cookie they planted; the value itself never appears in the page.
    #[must_use]
    pub fn form_token(&self, value: &str) -> String {
        form_token_with(self.keys.primary(), value)
    }

    /// Whether `token` is the [`form_token`](Self::form_token) of `value` under any key of the
    /// ring (so that forms shown before a key rotation still post), compared in constant time.
    #[must_use]
    pub fn form_token_matches(&self, value: &str, token: &str) -> bool {
        self.keys.all().fold(false, |found, key| {
            let expected = form_token_with(key, value);
            found | aws_lc_rs::constant_time::verify_slices_are_equal(expected.as_bytes(), token.as_bytes()).is_ok()
        })
    }

    /// Opens a sealed stage as the type `S`.
    ///
    /// # Errors
    /// One [`OpenError`] per cause: not sealed bytes, an unknown format version, a key outside
    /// the ring, tampered bytes, another stage, another environment or application, expired.
    pub fn open<S: Stage>(&self, sealed: &SealedStage) -> Result<S, OpenError> {
        let (header, _) = Header::decode(&sealed.0).map_err(header_error)?;
        if let Some(found) = kind_name(header.kind)
            && found != S::NAME
        {
            return Err(OpenError::WrongStage { expected: S::NAME, found });
        }
        let any = self.open_decoded(sealed, &header)?;
        let found = any.stage_name();
        S::from_any(any).ok_or(OpenError::WrongStage { expected: S::NAME, found })
    }

    /// Opens a sealed stage whatever it holds.
    ///
    /// # Errors
    /// As [`open`](Self::open), but never [`OpenError::WrongStage`].
    pub fn open_any(&self, sealed: &SealedStage) -> Result<SignOnStage, OpenError> {
        let (header, _) = Header::decode(&sealed.0).map_err(header_error)?;
        self.open_decoded(sealed, &header)
    }

    /// Opens `sealed`, whose header is `header` (decoded once by the caller).
    fn open_decoded(&self, sealed: &SealedStage, header: &Header) -> Result<SignOnStage, OpenError> {
        let body = sealed.0.get(HEADER_LEN..).unwrap_or_default();
        let key = self.keys.find(&header.key_id).ok_or(OpenError::WrongKey)?;
        if let Some(mismatch) = header.tags.mismatch(self.binding.tags()) {
            return Err(OpenError::WrongBinding(mismatch));
        }
        let aad = [sealed.0.get(..HEADER_LEN).unwrap_or_default(), &self.binding.authenticated_data()].concat();
        let mut buffer = zeroize::Zeroizing::new(body.to_vec());
        let plaintext = key
            .aead()
            .open_in_place(Nonce::assume_unique_for_key(header.nonce), Aad::from(aad.as_slice()), &mut buffer)
            .map_err(|_| OpenError::Tampered)?;
        let now = unix_seconds(self.clock.now());
        if header.sealed_at > now.saturating_add(CLOCK_SKEW.as_secs()) {
            return Err(OpenError::SealedInTheFuture { seconds_ahead: header.sealed_at.saturating_sub(now) });
        }
        // The seal's own maximum age, but never more than this sealer's: a seal made elsewhere
        // with a longer one (same key, other settings) lives no longer here than ours do.
        let expires_at = header.expires_at().min(header.sealed_at.saturating_add(self.max_age.as_secs()));
        if now > expires_at {
            return Err(OpenError::Expired { seconds_ago: now.saturating_sub(expires_at) });
        }
        SignOnStage::decode(header.kind, plaintext).ok_or(OpenError::Tampered)
    }
}

fn form_token_with(key: &SealingKey, value: &str) -> String {
    let tag = aws_lc_rs::hmac::sign(key.forms(), value.as_bytes());
    URL_SAFE_NO_PAD.encode(tag.as_ref().get(..16).unwrap_or_default())
}

fn header_error(error: HeaderError) -> OpenError {
    match error {
        HeaderError::TooShort => OpenError::Malformed,
        HeaderError::Version(v) => OpenError::UnknownVersion(v),
    }
}

/// A sealed stage: opaque, authenticated bytes. Its `Debug` shows only the length; the bytes
/// are wiped when dropped. The text form ([`to_text`](Self::to_text), [`FromStr`](std::str::FromStr))
/// is base64url without padding: safe in URLs and cookie values.
#[derive(Clone)]
pub struct SealedStage(Vec<u8>);

impl SealedStage {
    /// Wraps bytes read back from a store.
    #[must_use]
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The bytes, for a store.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The text form, for a cookie or a form field.
    #[must_use]
    pub fn to_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.0)
    }

    /// The random ID of this seal (its 96-bit nonce), unique per seal; not secret.
    #[must_use]
    pub fn seal_id_bytes(&self) -> Option<[u8; NONCE_LEN]> {
        Header::decode(&self.0).ok().map(|(header, _)| header.nonce)
    }

    /// The random ID of this seal (hex), unique per seal; not secret.
    #[must_use]
    pub fn seal_id(&self) -> Option<String> {
        let (header, _) = Header::decode(&self.0).ok()?;
        Some(header.nonce.iter().map(|b| format!("{b:02x}")).collect())
    }
}

impl std::str::FromStr for SealedStage {
    type Err = OpenError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        URL_SAFE_NO_PAD.decode(text.trim()).map(SealedStage).map_err(|_| OpenError::Malformed)
    }
}

impl std::fmt::Debug for SealedStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedStage([redacted], {} bytes)", self.0.len())
    }
}

impl Drop for SealedStage {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}
