//! Errors of the setup pipeline.

use pingone_core::{Error, Step};

/// Why a setup stage failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// A management call failed; the error names the step.
    #[error(transparent)]
    Call(#[from] Error),
    /// The environment has no resource of type `OPENID_CONNECT`.
    #[error("{}: the environment has no OPENID_CONNECT resource", Step::ListResources)]
    NoOpenIdResource,
    /// Requested scopes do not exist on the `openid` resource.
    #[error("{}: the openid resource has no scope(s) named {:?}", Step::ListScopes, .0)]
    MissingScopes(Vec<String>),
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

    /// The workflow step that failed (or that the failed call served), if known.
    #[must_use]
    pub fn step(&self) -> Option<Step> {
        match self {
            SetupError::Call(e) => e.step(),
            SetupError::NoOpenIdResource => Some(Step::ListResources),
            SetupError::MissingScopes(_) => Some(Step::ListScopes),
        }
    }
}
