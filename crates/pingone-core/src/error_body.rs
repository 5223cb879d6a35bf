//! PingOne's error bodies, and the decoder that turns any non-success body into one of them.

use serde::{Deserialize, Serialize};

crate::string_enum! {
    /// A PingOne error or detail code. Codes the crate does not know are kept in
    /// [`ErrorCode::Unknown`].
    pub enum ErrorCode {
        /// `INVALID_DATA`: validation failed (see the details).
        InvalidData = "INVALID_DATA",
        /// `UNIQUENESS_VIOLATION`: a name or username is taken.
        UniquenessViolation = "UNIQUENESS_VIOLATION",
        /// `REQUIRED_VALUE`: a required field is missing.
        RequiredValue = "REQUIRED_VALUE",
        /// `EMPTY_VALUE`: a field is empty.
        EmptyValue = "EMPTY_VALUE",
        /// `INVALID_VALUE`: a field has a bad value.
        InvalidValue = "INVALID_VALUE",
        /// `OUT_OF_RANGE`.
        OutOfRange = "OUT_OF_RANGE",
        /// `SIZE_LIMIT_EXCEEDED`.
        SizeLimitExceeded = "SIZE_LIMIT_EXCEEDED",
        /// `INVALID_FILTER`.
        InvalidFilter = "INVALID_FILTER",
        /// `INVALID_PARAMETER`.
        InvalidParameter = "INVALID_PARAMETER",
        /// `CONSTRAINT_VIOLATION`.
        ConstraintViolation = "CONSTRAINT_VIOLATION",
        /// `INVALID_OTP`: the one-time passcode was wrong.
        InvalidOtp = "INVALID_OTP",
        /// `NO_PASSWORD`.
        NoPassword = "NO_PASSWORD",
        /// `ACCOUNT_NOT_USABLE`.
        AccountNotUsable = "ACCOUNT_NOT_USABLE",
        /// `MFA_AUTH_METHODS_CONFLICT`.
        MfaAuthMethodsConflict = "MFA_AUTH_METHODS_CONFLICT",
        /// `INVALID_REQUEST`: malformed request or unsupported content type.
        InvalidRequest = "INVALID_REQUEST",
        /// `REQUEST_FAILED`.
        RequestFailed = "REQUEST_FAILED",
        /// `ACCESS_FAILED`: authentication or authorization failed.
        AccessFailed = "ACCESS_FAILED",
        /// `INVALID_TOKEN`: the bearer token is missing, expired or invalid.
        InvalidToken = "INVALID_TOKEN",
        /// `INSUFFICIENT_PERMISSIONS`: the worker application lacks a role.
        InsufficientPermissions = "INSUFFICIENT_PERMISSIONS",
        /// `LICENSE_EXCEEDED`.
        LicenseExceeded = "LICENSE_EXCEEDED",
        /// `NOT_FOUND`: unknown ID, or an expired flow.
        NotFound = "NOT_FOUND",
        /// `REQUEST_LIMITED`: rate limited.
        RequestLimited = "REQUEST_LIMITED",
        /// `LIMIT_EXCEEDED`.
        LimitExceeded = "LIMIT_EXCEEDED",
        /// `QUOTA_EXCEEDED`.
        QuotaExceeded = "QUOTA_EXCEEDED",
        /// `UNEXPECTED_ERROR`: a server fault.
        UnexpectedError = "UNEXPECTED_ERROR",
    }
}

/// PingOne's error body: `{ id, code, message, details[] }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorBody {
    /// Correlates with PingOne's logs; quote it to Ping support.
    #[serde(default)]
    pub id: Option<String>,
    /// The top-level code, as sent.
    pub code: String,
    /// English text, for debugging only.
    #[serde(default)]
    pub message: Option<String>,
    /// Field-level details.
    #[serde(default)]
    pub details: Vec<ErrorDetail>,
}

/// One entry of `details[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// The detail code, as sent.
    #[serde(default)]
    pub code: Option<String>,
    /// The offending field (`username`, `otp`, ...).
    #[serde(default)]
    pub target: Option<String>,
    /// English text.
    #[serde(default)]
    pub message: Option<String>,
    /// Extra data (`rangeMinimumValue`, `allowedValues`, `retryAfter`, `existingId`, ...).
    #[serde(default, rename = "innerError")]
    pub inner_error: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ErrorDetail {
    /// The detail code, parsed.
    #[must_use]
    pub fn code(&self) -> Option<ErrorCode> {
        self.code.as_deref().map(ErrorCode::parse)
    }
}

impl ErrorBody {
    /// The top-level code, parsed.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        ErrorCode::parse(&self.code)
    }

    /// Whether the top-level code or any detail code is `code` (PingOne puts some codes, such as
    /// `INVALID_TOKEN`, at either level).
    #[must_use]
    pub fn has_code(&self, code: &ErrorCode) -> bool {
        self.code() == *code || self.details.iter().any(|d| d.code().as_ref() == Some(code))
    }
}

/// An OAuth error body (RFC 6749 §5.2): `{ error, error_description, error_uri }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuthErrorBody {
    /// `invalid_grant`, `invalid_client`, ...
    pub error: String,
    /// Human-readable text.
    #[serde(default)]
    pub error_description: Option<String>,
    /// A page about the error.
    #[serde(default)]
    pub error_uri: Option<String>,
}

/// What a non-success response body turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum DecodedErrorBody {
    /// PingOne's management/flow error format.
    PingOne(ErrorBody),
    /// The OAuth error format (token and authorize endpoints).
    OAuth(OAuthErrorBody),
    /// Anything else (an HTML page from a proxy, an empty or truncated body), with the reason.
    Unrecognised(&'static str),
}

/// Classifies a non-success body. Never panics, whatever the bytes.
#[must_use]
pub fn decode_error_body(body: &[u8]) -> DecodedErrorBody {
    if body.iter().all(u8::is_ascii_whitespace) {
        return DecodedErrorBody::Unrecognised("empty body");
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return DecodedErrorBody::Unrecognised("not JSON");
    };
    if value.get("code").is_some_and(serde_json::Value::is_string) {
        return match serde_json::from_value::<ErrorBody>(value) {
            Ok(parsed) => DecodedErrorBody::PingOne(parsed),
            Err(_) => DecodedErrorBody::Unrecognised("malformed PingOne error body"),
        };
    }
    if value.get("error").is_some_and(serde_json::Value::is_string) {
        return match serde_json::from_value::<OAuthErrorBody>(value) {
            Ok(parsed) => DecodedErrorBody::OAuth(parsed),
            Err(_) => DecodedErrorBody::Unrecognised("malformed OAuth error body"),
        };
    }
    DecodedErrorBody::Unrecognised("JSON without an error code")
}

/// A short, printable excerpt of a body for error messages: at most `max` characters, control
/// characters replaced, whitespace runs collapsed.
#[must_use]
pub fn snippet(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = String::new();
    let mut last_space = false;
    for ch in text.chars() {
        let ch = if ch.is_whitespace() || ch.is_control() { ' ' } else { ch };
        if ch == ' ' && last_space {
            continue;
        }
        last_space = ch == ' ';
        if out.chars().count() >= max {
            out.push('…');
            break;
        }
        out.push(ch);
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_code_parses_and_prints_back() {
        let listed = [
            "INVALID_DATA",
            "UNIQUENESS_VIOLATION",
            "REQUIRED_VALUE",
            "EMPTY_VALUE",
            "INVALID_VALUE",
            "OUT_OF_RANGE",
            "SIZE_LIMIT_EXCEEDED",
            "INVALID_FILTER",
            "INVALID_PARAMETER",
            "CONSTRAINT_VIOLATION",
            "INVALID_OTP",
            "NO_PASSWORD",
            "ACCOUNT_NOT_USABLE",
            "MFA_AUTH_METHODS_CONFLICT",
            "INVALID_REQUEST",
            "REQUEST_FAILED",
            "ACCESS_FAILED",
            "INVALID_TOKEN",
            "INSUFFICIENT_PERMISSIONS",
            "LICENSE_EXCEEDED",
            "NOT_FOUND",
            "REQUEST_LIMITED",
            "LIMIT_EXCEEDED",
            "QUOTA_EXCEEDED",
            "UNEXPECTED_ERROR",
        ];
        for raw in listed {
            let code = ErrorCode::parse(raw);
            assert!(!matches!(code, ErrorCode::Unknown(_)), "{raw}");
            assert_eq!(code.as_str(), raw);
            let body =
                format!(r#"{{"id":"e1","code":"{raw}","message":"m","details":[{{"code":"{raw}","target":"t"}}]}}"#);
            match decode_error_body(body.as_bytes()) {
                DecodedErrorBody::PingOne(parsed) => {
                    assert_eq!(parsed.code(), code);
                    assert_eq!(parsed.details.first().and_then(ErrorDetail::code), Some(code.clone()));
                    assert!(parsed.has_code(&code));
                }
                other => panic!("{raw}: {other:?}"),
            }
        }
        assert_eq!(ErrorCode::parse("SOMETHING_NEW"), ErrorCode::Unknown("SOMETHING_NEW".into()));
        assert_eq!(ErrorCode::parse("SOMETHING_NEW").as_str(), "SOMETHING_NEW");
    }

    /// `string_enum!` gives serde in both directions, as the plain string, unknown values verbatim.
    #[test]
    fn string_enum_serde_keeps_unknown_values_verbatim() {
        let codes: Vec<ErrorCode> = serde_json::from_str(r#"["INVALID_OTP","Brand_New code"]"#).unwrap();
        assert_eq!(codes, [ErrorCode::InvalidOtp, ErrorCode::Unknown("Brand_New code".into())]);
        assert_eq!(serde_json::to_string(&codes).unwrap(), r#"["INVALID_OTP","Brand_New code"]"#);
        assert_eq!(ErrorCode::Unknown("X".into()).to_string(), "X");
        assert!(serde_json::from_str::<ErrorCode>("17").is_err());
    }

    #[test]
    fn full_body_with_inner_error() {
        let body = br#"{"id":"8f7e","code":"REQUEST_LIMITED","message":"limited",
            "details":[{"code":"LIMIT_EXCEEDED","message":"Rate limit exceeded.",
            "innerError":{"retryAfter":"2025-01-10T09:05:02.000Z"}}],"unknownField":true}"#;
        let DecodedErrorBody::PingOne(parsed) = decode_error_body(body) else {
            panic!("not parsed");
        };
        assert_eq!(parsed.id.as_deref(), Some("8f7e"));
        let inner = parsed.details.first().and_then(|d| d.inner_error.as_ref());
        assert_eq!(inner.and_then(|m| m.get("retryAfter")).and_then(|v| v.as_str()), Some("2025-01-10T09:05:02.000Z"));
    }

    #[test]
    fn oauth_body() {
        let body = br#"{"error":"invalid_grant","error_description":"code reused"}"#;
        assert_eq!(
            decode_error_body(body),
            DecodedErrorBody::OAuth(OAuthErrorBody {
                error: "invalid_grant".into(),
                error_description: Some("code reused".into()),
                error_uri: None
            })
        );
    }

    #[test]
    fn bodies_that_are_not_error_bodies() {
        let cases: [(&[u8], &str); 7] = [
            (b"", "empty body"),
            (b"  \n", "empty body"),
            (b"<html><body>502 Bad Gateway</body></html>", "not JSON"),
            (br#"{"code":"INVALID_DA"#, "not JSON"),
            (br#"{"code":"X","details":"nope"}"#, "malformed PingOne error body"),
            (br#"{"status":"weird"}"#, "JSON without an error code"),
            (b"\xff\xfe\x00", "not JSON"),
        ];
        for (body, reason) in cases {
            assert_eq!(decode_error_body(body), DecodedErrorBody::Unrecognised(reason));
        }
    }

    #[test]
    fn snippet_is_short_and_printable() {
        let html = b"<html>\n\n  <body>\x07502   Bad Gateway</body></html>";
        assert_eq!(snippet(html, 200), "<html> <body> 502 Bad Gateway</body></html>");
        let long = "x".repeat(1000);
        assert_eq!(snippet(long.as_bytes(), 10).chars().count(), 11);
    }
}
