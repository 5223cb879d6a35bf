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
    /// `aud` names an audience other than the client ID that the client does not trust (see
    /// [`SignOnClient::with_trusted_audiences`](crate::SignOnClient::with_trusted_audiences)).
    #[error("the ID token's audience includes {0:?}, which this client does not trust")]
    UntrustedAudience(String),
    /// `azp` is present but not the client ID, or is missing although `aud` has several
    /// audiences (OIDC Core 3.1.3.7).
    #[error("the ID token's authorized party {azp:?} is not the client ID")]
    AuthorizedPartyMismatch {
        /// The `azp` found (`None`: missing).
        azp: Option<String>,
    },
    /// `nbf` is in the future (beyond the leeway).
    #[error("the ID token is not valid yet (nbf is in the future)")]
    NotYetValid,
    /// `iat` is older than the maximum token age configured.
    #[error("the ID token was issued longer ago than the maximum age allows")]
    IssuedTooLongAgo,
    /// `auth_time` is older than the `max_age` configured.
    #[error("the user authenticated longer ago than max_age allows")]
    AuthenticationTooOld,
    /// `auth_time` is in the future (beyond the leeway).
    #[error("the ID token's auth_time is in the future")]
    AuthenticatedInFuture,
    /// `amr` lacks an authentication method the client requires (`otp` for e-mail MFA): the
    /// sign-on completed without it, for example because the sign-on policy skipped MFA.
    #[error("the sign-on did not use the required authentication method {required:?} (amr: {amr:?})")]
    MissingAuthenticationMethod {
        /// The method required.
        required: String,
        /// The methods the token lists.
        amr: Vec<String>,
    },
    /// `acr` is missing or is not one of the `acr_values` requested.
    #[error("the ID token's acr {acr:?} is not one of those requested {requested:?}")]
    AcrMismatch {
        /// The `acr_values` requested.
        requested: Vec<String>,
        /// The `acr` found (`None`: missing).
        acr: Option<String>,
    },
    /// The JWKS fetch this verification waited for (started by a concurrent verification)
    /// failed; that verification got the fetch's error. Retrying later fetches again.
    #[error("the JWKS could not be fetched")]
    KeysUnavailable,
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
    /// Too many wrong passcodes: the flow failed and the user's devices are blocked for the
    /// policy's cool-down (also when a new sign-on meets that block: `DEVICE_LOCKED`).
    #[error("{}: too many wrong passcodes; locked{}", Step::OtpCheck, unlock_in.map(|d| format!(" for {} s", d.as_secs())).unwrap_or_default())]
    Locked {
        /// How long until the devices unlock, when PingOne says.
        unlock_in: Option<std::time::Duration>,
    },
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
    /// `usernamePassword.check` was refused: a wrong password or an unknown username (PingOne
    /// answers both with `INVALID_CREDENTIALS`). The stage is handed back to try again.
    #[error("{}: the username or password was refused: {error}", crate::password::PASSWORD_CHECK)]
    CredentialsRejected {
        /// PingOne's answer.
        error: pingone_core::Error,
        /// Attempts left before the password locks, when PingOne says.
        remaining_attempts: Option<u32>,
        /// The stage to retry from.
        state: Box<crate::password::PasswordRequired>,
    },
    /// Too many wrong passwords: PingOne locked the password (`PASSWORD_LOCKED_OUT`).
    #[error("{}: too many wrong passwords; locked{}", crate::password::PASSWORD_CHECK, unlock_in.map(|d| format!(" for {} s", d.as_secs())).unwrap_or_default())]
    PasswordLocked {
        /// How long until the password unlocks, when PingOne says.
        unlock_in: Option<std::time::Duration>,
    },
    /// A device ID that the flow did not offer. Nothing was sent: the stage is handed back.
    #[error("{}: the flow offers no device {device_id:?}", Operation::SelectDevice)]
    UnknownDevice {
        /// The ID asked for.
        device_id: String,
        /// The stage to choose again from.
        state: Box<crate::states::DeviceSelectionRequired>,
    },
    /// The flow has moved on since this stage was made: another copy of it (a double submit,
    /// the back button, a second tab, a replayed stored stage) already advanced it. Nothing
    /// was changed by this attempt. Start over, or continue with the stage that advanced it.
    #[error("{operation}: the stage is stale; the flow {}", match current {
        Some(status) => format!("is now {status}"),
        None => "has already finished".to_owned(),
    })]
    StaleStage {
        /// The step (or the operation serving one).
        operation: Operation,
        /// The flow's status now; `None` when the flow is gone although it answered minutes ago
        /// (resumed by another copy of the stage).
        current: Option<FlowStatus>,
    },
    /// The request may or may not have been processed (its answer was lost or was a `5xx`),
    /// and repeating it could count an OTP attempt twice, send a second e-mail, or redeem a
    /// code twice, so it was not repeated. Where a stage can safely be retried from, it is
    /// handed back (`otp.check`, resend, device selection); `OtpRequired::refresh` reads where
    /// the flow stands.
    #[error("{operation}: the outcome is unknown ({error}); the request was not repeated")]
    OutcomeUnknown {
        /// The step (or the operation serving one).
        operation: Operation,
        /// What happened to the request.
        error: pingone_core::Error,
        /// The stage to decide from, where one can be retried.
        stage: Option<Box<crate::stage::SignOnStage>>,
    },
    /// [`OtpRequired::switch_device`](crate::OtpRequired::switch_device) to a device the flow
    /// did not offer. Nothing was sent: the stage is handed back.
    #[error("{}: the flow offers no device {device_id:?} to switch to", Operation::SelectDevice)]
    DeviceNotOffered {
        /// The ID asked for.
        device_id: String,
        /// The stage to go on from.
        state: Box<crate::states::OtpRequired>,
    },
    /// The userinfo answer names another subject than the ID token (OIDC Core 5.3.2): it must
    /// not be used.
    #[error("{operation}: the userinfo sub is not the ID token's sub")]
    SubjectMismatch {
        /// The operation (userinfo).
        operation: Operation,
    },
    /// The stage was made by a client for another environment, auth origin or application.
    #[error("{operation}: the stage belongs to another {mismatch}")]
    WrongClient {
        /// The step (or the operation serving one).
        operation: Operation,
        /// What differs.
        mismatch: crate::binding::BindingMismatch,
    },
    /// The operating system's random source failed: no PKCE verifier, `state` or `nonce` could
    /// be made, so no flow was started.
    #[error("{}: the system random number generator failed", Step::Authorize)]
    Random,
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
    /// The client's settings contradict each other (for example an ID-token requirement without
    /// the `openid` scope, which would leave it unchecked).
    #[error("{operation}: misconfigured client: {what}")]
    Misconfigured {
        /// The step (or the operation serving one).
        operation: Operation,
        /// What is wrong.
        what: &'static str,
    },
}

impl FlowError {
    /// The HTTP status of the response behind this error, if any.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            FlowError::Http(e)
            | FlowError::UsernameRejected { error: e, .. }
            | FlowError::CredentialsRejected { error: e, .. }
            | FlowError::OutcomeUnknown { error: e, .. } => e.status(),
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
            | FlowError::FlowMismatch { operation }
            | FlowError::StaleStage { operation, .. }
            | FlowError::OutcomeUnknown { operation, .. }
            | FlowError::WrongClient { operation, .. }
            | FlowError::SubjectMismatch { operation }
            | FlowError::Misconfigured { operation, .. } => Some(operation.clone()),
            FlowError::CredentialsRejected { .. } | FlowError::PasswordLocked { .. } => {
                Some(crate::password::PASSWORD_CHECK)
            }
            FlowError::DeviceNotOffered { .. } => Some(Operation::SelectDevice),
            FlowError::Locked { .. } => Some(Step::OtpCheck.into()),
            FlowError::UsernameRejected { .. } => Some(Step::UserLookup.into()),
            FlowError::UnknownDevice { .. } => Some(Operation::SelectDevice),
            FlowError::StateMismatch => Some(Step::Resume.into()),
            FlowError::IdToken(_) => Some(Step::TokenExchange.into()),
            FlowError::Random => Some(Step::Authorize.into()),
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
        !matches!(
            self,
            FlowError::UsernameRejected { .. }
                | FlowError::CredentialsRejected { .. }
                | FlowError::UnknownDevice { .. }
                | FlowError::DeviceNotOffered { .. }
                | FlowError::OutcomeUnknown { stage: Some(_), .. }
        )
    }
}
