//! Every way a sign-on step can fail, as a typed value that names the step.

use pingone_core::{Operation, Step};

use crate::status::FlowStatus;

/// Why an ID token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenError {
    /// The token endpoint returned no `id_token` although `openid` was requested.
    #[error("the token response has no id_token")]
    Missing,
    /// Not a well-formed JWT, or a claim of the wrong type.
    #[error("the ID token is malformed: {0}")]
    Malformed(String),
    /// An algorithm other than RS256 (`none` and HMAC are never accepted).
    #[error("the ID token is signed with {0}, expected RS256")]
    UnexpectedAlgorithm(String),
    /// No key of the JWKS has the token's `kid`, even after refetching the JWKS.
    #[error("no JWKS key has the ID token's kid {0:?}")]
    UnknownKey(Option<String>),
    /// The signature does not verify.
    #[error("the ID token's signature does not verify")]
    BadSignature,
    /// `iss` is not the environment's issuer.
    #[error("the ID token's issuer is not {expected}")]
    WrongIssuer {
        /// The issuer expected.
        expected: String,
    },
    /// `aud` does not contain the client ID.
    #[error("the ID token's audience does not contain the client ID")]
    WrongAudience,
    /// `exp` has passed (beyond the leeway).
    #[error("the ID token expired")]
    Expired,
    /// `iat` is in the future (beyond the leeway).
    #[error("the ID token was issued in the future")]
    IssuedInFuture,
    /// `nonce` is missing or differs from the one sent at authorize.
    #[error("the ID token's nonce does not match the authorization request")]
    NonceMismatch,
    /// A required claim is missing.
    #[error("the ID token lacks the claim {0}")]
    MissingClaim(String),
}

/// Why a saved flow state could not be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RestoreError {
    /// The bytes are not a saved flow state.
    #[error("not a saved flow state: {0}")]
    Corrupt(String),
    /// The bytes hold another state than the one asked for.
    #[error("the saved state is {found}, not {expected}")]
    WrongState {
        /// The state type asked for.
        expected: &'static str,
        /// The state type saved.
        found: String,
    },
    /// Saved by an incompatible version of this crate.
    #[error("saved with format version {0}, this crate reads version 1")]
    Version(u32),
}

/// A sign-on step failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// An HTTP exchange failed, or PingOne answered with an error body (PingOne's `code`,
    /// `details` and the status are kept); the error names the step.
    #[error(transparent)]
    Http(#[from] pingone_core::Error),
    /// The flow is gone: unknown, or expired after 15 minutes without activity (`404`).
    #[error("{operation}: the flow expired or does not exist")]
    Expired {
        /// The step (or the operation serving one).
        operation: Operation,
    },
    /// The flow ended in `FAILED`.
    #[error("{operation}: the flow failed ({})", code.as_deref().unwrap_or("no code"))]
    Failed {
        /// The step (or the operation serving one).
        operation: Operation,
        /// PingOne's error code, if the flow carries one.
        code: Option<String>,
        /// PingOne's message, if any.
        message: Option<String>,
    },
    /// Too many wrong passcodes: the flow failed and the device is blocked for its cool-down.
    #[error("{}: too many wrong passcodes; the flow is locked", Step::OtpCheck)]
    Locked,
    /// The flow is in a status this step does not handle (kept as text).
    #[error("{operation}: unexpected flow status {status}")]
    UnexpectedStatus {
        /// The step (or the operation serving one).
        operation: Operation,
        /// The status.
        status: FlowStatus,
    },
    /// The flow does not offer the action this step needs.
    #[error("{operation}: the flow in status {status} does not offer {action}")]
    ActionNotOffered {
        /// The step (or the operation serving one).
        operation: Operation,
        /// The action (`user.lookup`, `otp.check`, `device.select`).
        action: &'static str,
        /// The flow's status.
        status: FlowStatus,
    },
    /// `user.lookup` was refused (unknown username, invalid value); the flow can be retried with
    /// the state handed back.
    #[error("{}: the username was refused: {error}", Step::UserLookup)]
    UsernameRejected {
        /// PingOne's answer.
        error: pingone_core::Error,
        /// The state to retry from.
        state: Box<crate::states::Authorized>,
    },
    /// A device ID that the flow did not offer.
    #[error("{}: the flow offers no device {:?}", Operation::SelectDevice, .0)]
    UnknownDevice(String),
    /// A redirect to a host or path other than expected (authorize: the sign-on page; resume:
    /// the redirect URI). The location is reduced to scheme, host and path.
    #[error("{operation}: redirect to an unexpected location {location}")]
    UnexpectedRedirect {
        /// The step (or the operation serving one).
        operation: Operation,
        /// Scheme, host and path of the `Location`.
        location: String,
    },
    /// A response lacks something the protocol requires (`flowId`, `code`, `Location`, ...).
    #[error("{operation}: {what} is missing")]
    Missing {
        /// The step (or the operation serving one).
        operation: Operation,
        /// What is missing.
        what: &'static str,
    },
    /// The `state` returned on the redirect differs from the one sent (constant-time compare).
    #[error("{}: the state returned on the redirect does not match the authorization request", Step::Resume)]
    StateMismatch,
    /// The authorization server redirected with `error` / `error_description`.
    #[error("{operation}: authorization failed: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Authorization {
        /// The step (or the operation serving one).
        operation: Operation,
        /// The OAuth `error`.
        error: String,
        /// The `error_description`.
        description: Option<String>,
    },
    /// The ID token was refused.
    #[error("{}: {}", Step::TokenExchange, .0)]
    IdToken(#[from] IdTokenError),
    /// The flow response names another flow than this one.
    #[error("{operation}: the response is for another flow")]
    FlowMismatch {
        /// The step (or the operation serving one).
        operation: Operation,
    },
}

impl FlowError {
    /// The HTTP status of the response behind this error, if any.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            FlowError::Http(e) | FlowError::UsernameRejected { error: e, .. } => e.status(),
            FlowError::Expired { .. } => Some(404),
            _ => None,
        }
    }

    /// The step (or the operation serving one) that failed, if known.
    #[must_use]
    pub fn operation(&self) -> Option<Operation> {
        match self {
            FlowError::Http(e) => e.operation().cloned(),
            FlowError::Expired { operation }
            | FlowError::Failed { operation, .. }
            | FlowError::UnexpectedStatus { operation, .. }
            | FlowError::ActionNotOffered { operation, .. }
            | FlowError::UnexpectedRedirect { operation, .. }
            | FlowError::Missing { operation, .. }
            | FlowError::Authorization { operation, .. }
            | FlowError::FlowMismatch { operation } => Some(operation.clone()),
            FlowError::Locked => Some(Step::OtpCheck.into()),
            FlowError::UsernameRejected { .. } => Some(Step::UserLookup.into()),
            FlowError::UnknownDevice(_) => Some(Operation::SelectDevice),
            FlowError::StateMismatch => Some(Step::Resume.into()),
            FlowError::IdToken(_) => Some(Step::TokenExchange.into()),
        }
    }

    /// The workflow step that failed (or that the failed operation served), if known.
    #[must_use]
    pub fn step(&self) -> Option<Step> {
        self.operation().as_ref().and_then(Operation::step)
    }

    /// Whether the flow cannot continue (start a new sign-on).
    #[must_use]
    pub fn is_terminal(&self) -> bool {
        !matches!(self, FlowError::UsernameRejected { .. })
    }
}
