//! Flow statuses, with the text of unknown ones kept.

use std::fmt;

/// A flow's `status`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FlowStatus {
    /// `SIGN_ON_REQUIRED`: the username is needed (`user.lookup`).
    SignOnRequired,
    /// `USERNAME_PASSWORD_REQUIRED`: a `LOGIN` action runs first.
    UsernamePasswordRequired,
    /// `DEVICE_SELECTION_REQUIRED`.
    DeviceSelectionRequired,
    /// `OTP_REQUIRED`.
    OtpRequired,
    /// `COMPLETED`.
    Completed,
    /// `FAILED`.
    Failed,
    /// Any other status, as sent.
    Other(String),
}

impl FlowStatus {
    /// Parses PingOne's spelling.
    #[must_use]
    pub fn parse(raw: &str) -> Self {
        match raw {
            "SIGN_ON_REQUIRED" => Self::SignOnRequired,
            "USERNAME_PASSWORD_REQUIRED" => Self::UsernamePasswordRequired,
            "DEVICE_SELECTION_REQUIRED" => Self::DeviceSelectionRequired,
            "OTP_REQUIRED" => Self::OtpRequired,
            "COMPLETED" => Self::Completed,
            "FAILED" => Self::Failed,
            other => Self::Other(other.to_owned()),
        }
    }

    /// PingOne's spelling.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::SignOnRequired => "SIGN_ON_REQUIRED",
            Self::UsernamePasswordRequired => "USERNAME_PASSWORD_REQUIRED",
            Self::DeviceSelectionRequired => "DEVICE_SELECTION_REQUIRED",
            Self::OtpRequired => "OTP_REQUIRED",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
            Self::Other(raw) => raw,
        }
    }
}

impl fmt::Display for FlowStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
