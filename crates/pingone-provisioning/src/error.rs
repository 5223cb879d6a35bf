//! Errors of the setup pipeline.

use pingone_core::Error;

/// Why a setup stage failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// A management call failed; the error names the step.
    #[error(transparent)]
    Call(#[from] Error),
    /// The environment has no resource of type `OPENID_CONNECT`.
    #[error("step 2: the environment has no OPENID_CONNECT resource")]
    NoOpenIdResource,
    /// Requested scopes do not exist on the `openid` resource.
    #[error("step 3: the openid resource has no scope(s) named {0:?}")]
    MissingScopes(Vec<String>),
    /// Stage values from different objects were combined (for example the password proof of
    /// one user with another user).
    #[error("stage mismatch: {what} belongs to {got}, expected {expected}")]
    Mismatch {
        /// What was combined.
        what: &'static str,
        /// The ID the stage expected.
        expected: String,
        /// The ID it got.
        got: String,
    },
}

impl SetupError {
    /// The underlying call error, if any.
    #[must_use]
    pub fn call(&self) -> Option<&Error> {
        match self {
            SetupError::Call(e) => Some(e),
            _ => None,
        }
    }
}
