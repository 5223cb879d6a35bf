//! Why a stage could not be sealed or opened.

use crate::binding::BindingMismatch;

/// Why a stage could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The operating system's random source failed (no nonce, no seal).
    #[error("the system random number generator failed")]
    Random,
    /// The stage could not be encoded or encrypted.
    #[error("the stage could not be sealed")]
    Crypto,
    /// The stage belongs to another environment or application than this sealer's: it would
    /// never open here.
    #[error("the stage belongs to another {0}")]
    WrongBinding(BindingMismatch),
}

/// Why sealed bytes could not be opened. Each case is distinct, and none carries secret bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// Not sealed-stage text or bytes at all (bad base64, too short).
    #[error("not a sealed stage")]
    Malformed,
    /// Sealed by a format version this crate does not read.
    #[error("sealed with format version {0}, this crate reads version {current}", current = super::format::VERSION)]
    UnknownVersion(u8),
    /// Sealed with a key that is not in the ring (rotated out, or another deployment's key).
    #[error("sealed with a key that is not in the key ring")]
    WrongKey,
    /// The bytes were changed, cut or extended after sealing.
    #[error("the sealed stage was tampered with")]
    Tampered,
    /// The sealed stage is another stage than the one asked for.
    #[error("the sealed stage is {found}, not {expected}")]
    WrongStage {
        /// The stage asked for.
        expected: &'static str,
        /// The stage sealed.
        found: &'static str,
    },
    /// Sealed for another environment or application.
    #[error("the sealed stage belongs to another {0}")]
    WrongBinding(BindingMismatch),
    /// Older than its maximum age, or than the opening sealer's if that is shorter.
    #[error("the sealed stage expired {seconds_ago} s ago")]
    Expired {
        /// How long ago it expired, in seconds.
        seconds_ago: u64,
    },
    /// Sealed more than [`CLOCK_SKEW`](crate::CLOCK_SKEW) ahead of this clock: another
    /// instance's clock is wrong (a lifetime measured from a future time would be too long).
    #[error("the stage was sealed {seconds_ahead} s in the future: check the clocks of the instances")]
    SealedInTheFuture {
        /// How far ahead, in seconds.
        seconds_ahead: u64,
    },
}
