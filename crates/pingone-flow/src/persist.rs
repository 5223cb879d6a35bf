//! Saving a flow state to bytes and restoring it, in another request or process, as the same
//! type. The saved form holds the flow's cookies, PKCE verifier, `state` and `nonce`: treat it
//! as a secret (encrypt it at rest, never log it).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::RestoreError;
use crate::states::{Authorized, Completed, DeviceSelectionRequired, OtpRequired, Resumed, UsernameSubmitted};

const FORMAT: u32 = 1;

/// A saved flow state. Its `Debug` shows only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct SavedFlow(Vec<u8>);

impl SavedFlow {
    /// Wraps bytes read back from storage.
    #[must_use]
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The bytes to store (secret: encrypt at rest).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, owned.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl std::fmt::Debug for SavedFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SavedFlow([redacted], {} bytes)", self.0.len())
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A sign-on stage that can be saved and restored. Sealed: only this crate's stages implement it.
pub trait FlowState: sealed::Sealed + Serialize + DeserializeOwned + Send + 'static {
    /// The stage's name in the saved form.
    const NAME: &'static str;

    /// Saves the stage.
    fn save(&self) -> SavedFlow {
        let envelope = Envelope { format: FORMAT, state: Self::NAME.to_owned(), data: self };
        // Serialising plain strings and vectors to JSON cannot fail.
        SavedFlow(serde_json::to_vec(&envelope).unwrap_or_default())
    }

    /// Restores a stage saved by [`save`](FlowState::save).
    ///
    /// # Errors
    /// [`RestoreError::WrongState`] when the bytes hold another stage, [`RestoreError::Corrupt`]
    /// or [`RestoreError::Version`] otherwise.
    fn restore(saved: &SavedFlow) -> Result<Self, RestoreError> {
        let envelope: Envelope<serde_json::Value> =
            serde_json::from_slice(&saved.0).map_err(|e| RestoreError::Corrupt(e.to_string()))?;
        if envelope.format != FORMAT {
            return Err(RestoreError::Version(envelope.format));
        }
        if envelope.state != Self::NAME {
            return Err(RestoreError::WrongState { expected: Self::NAME, found: envelope.state });
        }
        serde_json::from_value(envelope.data).map_err(|e| RestoreError::Corrupt(e.to_string()))
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    format: u32,
    state: String,
    data: T,
}

macro_rules! flow_state {
    ($($name:ident),+) => {$(
        impl sealed::Sealed for $name {}
        impl FlowState for $name {
            const NAME: &'static str = stringify!($name);
        }
    )+};
}
flow_state!(Authorized, UsernameSubmitted, DeviceSelectionRequired, OtpRequired, Completed, Resumed);
