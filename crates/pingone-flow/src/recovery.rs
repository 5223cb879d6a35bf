//! What an application should do about a failed step: errors classify themselves, so that a web
//! handler maps them to a page without knowing every variant.

use std::time::Duration;

use crate::error::{FlowError, IdTokenError};

/// The way out of a failed step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recovery {
    /// Try the same step again, shortly (a network failure, a `429` or `5xx`, a refused username,
    /// an answer that was lost); where the error hands the stage back, continue from it.
    Retry,
    /// Start a new sign-on: the flow expired, failed, or moved on (a stale stage), or the
    /// response broke the protocol.
    StartOver,
    /// Too many wrong codes (the user's devices are locked) or passwords (the password is).
    Locked {
        /// How long until they unlock, when PingOne says.
        unlock_in: Option<Duration>,
    },
    /// The application or tenant is misconfigured (client credentials, redirect URI, sign-on
    /// policy, ID-token requirements): an operator must act; retrying will not help.
    Misconfigured,
}

impl FlowError {
    /// What to do about this error.
    #[must_use]
    pub fn recovery(&self) -> Recovery {
        match self {
            FlowError::Http(e) => http_recovery(e),
            FlowError::UsernameRejected { .. }
            | FlowError::CredentialsRejected { .. }
            | FlowError::UnknownDevice { .. }
            | FlowError::DeviceNotOffered { .. }
            | FlowError::OutcomeUnknown { .. }
            | FlowError::Random => Recovery::Retry,
            FlowError::Locked { unlock_in } | FlowError::PasswordLocked { unlock_in } => {
                Recovery::Locked { unlock_in: *unlock_in }
            }
            FlowError::Misconfigured { .. } | FlowError::UnexpectedRedirect { .. } => Recovery::Misconfigured,
            FlowError::Authorization { error, .. } => match error.as_str() {
                "access_denied" | "login_required" | "interaction_required" | "temporarily_unavailable" => {
                    Recovery::StartOver
                }
                _ => Recovery::Misconfigured,
            },
            FlowError::IdToken(e) => match e {
                IdTokenError::KeysUnavailable => Recovery::Retry,
                IdTokenError::MissingAuthenticationMethod { .. }
                | IdTokenError::AcrMismatch { .. }
                | IdTokenError::UnexpectedAlgorithm(_)
                | IdTokenError::UntrustedAudience(_) => Recovery::Misconfigured,
                _ => Recovery::StartOver,
            },
            _ => Recovery::StartOver,
        }
    }
}

fn http_recovery(e: &pingone_core::Error) -> Recovery {
    if e.is_timeout() || e.is_connect() || e.outcome_unknown() {
        return Recovery::Retry;
    }
    match e.oauth_error() {
        Some("invalid_client" | "unauthorized_client" | "invalid_scope" | "unsupported_response_type") => {
            return Recovery::Misconfigured;
        }
        Some(_) => return Recovery::StartOver,
        None => {}
    }
    match e.status() {
        Some(429 | 500..=599) => Recovery::Retry,
        // A flow call without (or with stale) cookies — PingOne's `INVALID_TOKEN` — or an
        // expired user access token: sign on again.
        Some(401) if e.has_code(&pingone_core::ErrorCode::InvalidToken) => Recovery::StartOver,
        Some(401 | 403) => Recovery::Misconfigured,
        _ => Recovery::StartOver,
    }
}

#[cfg(test)]
mod tests {
    use pingone_core::Step;

    use super::*;
    use crate::status::FlowStatus;

    #[test]
    fn errors_say_what_to_do() {
        let stale = FlowError::StaleStage { operation: Step::OtpCheck.into(), current: Some(FlowStatus::Completed) };
        assert_eq!(stale.recovery(), Recovery::StartOver);
        assert_eq!(FlowError::Expired { operation: Step::ReadFlow.into() }.recovery(), Recovery::StartOver);
        let locked = FlowError::Locked { unlock_in: Some(Duration::from_secs(90)) };
        assert_eq!(locked.recovery(), Recovery::Locked { unlock_in: Some(Duration::from_secs(90)) });
        let misconfigured = FlowError::Misconfigured { operation: Step::Authorize.into(), what: "x" };
        assert_eq!(misconfigured.recovery(), Recovery::Misconfigured);
        let denied = FlowError::Authorization {
            operation: Step::Resume.into(),
            error: "access_denied".into(),
            description: None,
        };
        assert_eq!(denied.recovery(), Recovery::StartOver);
        let bad_client = FlowError::Authorization {
            operation: Step::Authorize.into(),
            error: "invalid_request".into(),
            description: None,
        };
        assert_eq!(bad_client.recovery(), Recovery::Misconfigured);
        assert_eq!(FlowError::IdToken(IdTokenError::KeysUnavailable).recovery(), Recovery::Retry);
        assert_eq!(FlowError::IdToken(IdTokenError::NonceMismatch).recovery(), Recovery::StartOver);
        assert_eq!(FlowError::Random.recovery(), Recovery::Retry);
    }
}
