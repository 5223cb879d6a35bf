//! The error type of every PingOne call: it says which operation failed, how, and keeps what
//! PingOne said.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::endpoints::EndpointError;
use crate::error_body::{ErrorBody, ErrorCode, OAuthErrorBody};
use crate::step::{Operation, Step};

/// Which request an error belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestContext {
    /// What the request was for: a workflow step (`step 9: create user`) or an operation that
    /// serves one.
    pub operation: Operation,
    /// The HTTP method.
    pub method: reqwest::Method,
    /// The URL path, without the query string (which may carry state values).
    pub path: String,
}

impl RequestContext {
    /// The workflow step the request is or serves (see [`Operation::step`]).
    #[must_use]
    pub fn step(&self) -> Option<Step> {
        self.operation.step()
    }
}

impl fmt::Display for RequestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} {})", self.operation, self.method, self.path)
    }
}

/// A PingOne error response: the status, the request, and PingOne's body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The request that failed.
    pub context: RequestContext,
    /// The HTTP status.
    pub status: u16,
    /// PingOne's body (`id`, `code`, `message`, `details[]`).
    pub body: ErrorBody,
    /// The `Retry-After` delay, when the response had one.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// The top-level code.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        self.body.code()
    }

    /// Whether the top-level code or a detail code is `code`.
    #[must_use]
    pub fn has_code(&self, code: &ErrorCode) -> bool {
        self.body.has_code(code)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: PingOne answered {} {}", self.context, self.status, self.body.code)?;
        if let Some(message) = &self.body.message {
            write!(f, " ({message})")?;
        }
        for detail in &self.body.details {
            write!(f, "; {}", detail.code.as_deref().unwrap_or("?"))?;
            if let Some(target) = &detail.target {
                write!(f, " on {target}")?;
            }
            if let Some(message) = &detail.message {
                write!(f, ": {message}")?;
            }
        }
        if let Some(id) = &self.body.id {
            write!(f, " [error id {id}]")?;
        }
        Ok(())
    }
}

/// An OAuth error response from the token or authorize endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthError {
    /// The request that failed.
    pub context: RequestContext,
    /// The HTTP status (or 302 for an error redirect).
    pub status: u16,
    /// The body (`error`, `error_description`).
    pub body: OAuthErrorBody,
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} {}", self.context, self.status, self.body.error)?;
        if let Some(description) = &self.body.error_description {
            write!(f, " ({description})")?;
        }
        Ok(())
    }
}

/// A response that was neither success nor a recognisable error body: an HTML page from a
/// proxy, an empty or truncated body, a success body that does not match the model.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnexpectedResponse {
    /// The request.
    pub context: RequestContext,
    /// The HTTP status.
    pub status: u16,
    /// The response's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// What was wrong (`not JSON`, `empty body`, the decoder's message, ...).
    pub reason: String,
    /// The start of the body, printable; `[redacted]` for responses that carry secrets.
    pub snippet: String,
}

impl fmt::Display for UnexpectedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: unexpected {} response: {}", self.context, self.status, self.reason)?;
        if let Some(ct) = &self.content_type {
            write!(f, " (content type {ct})")?;
        }
        if !self.snippet.is_empty() {
            write!(f, "; body starts {:?}", self.snippet)?;
        }
        Ok(())
    }
}

/// How a request failed before a response was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// No connection could be made (the request never reached the server).
    Connect,
    /// The connect or request timeout elapsed.
    Timeout,
    /// The connection broke while sending or receiving.
    Other,
}

/// A transport failure, with the request and the underlying `reqwest` error.
#[derive(Debug)]
#[non_exhaustive]
pub struct TransportError {
    /// The request.
    pub context: RequestContext,
    /// What kind of failure.
    pub kind: TransportKind,
    /// How many attempts were made.
    pub attempts: u32,
    /// The underlying `reqwest` error, without its URL (the query may hold `state`, `nonce`
    /// and `code_challenge`; [`TransportError::context`] has the path). `None` when the
    /// attempt's own deadline ([`HttpConfig::request_timeout`](crate::HttpConfig)) elapsed.
    pub source: Option<reqwest::Error>,
}

/// The text of a transport failure's cause.
struct TransportCause<'a>(&'a TransportError);

impl std::fmt::Display for TransportCause<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0.source {
            Some(source) => source.fmt(f),
            None => f.write_str("no complete response within the request timeout"),
        }
    }
}

/// Every failure of a PingOne call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// PingOne answered with its error body.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// An OAuth endpoint answered with an OAuth error.
    #[error("{0}")]
    OAuth(Box<OAuthError>),
    /// The response could not be understood.
    #[error("{0}")]
    UnexpectedResponse(Box<UnexpectedResponse>),
    /// The response body was larger than the configured cap; it was not read further.
    #[error("{context}: response body exceeds the {limit}-byte cap")]
    BodyTooLarge {
        /// The request.
        context: Box<RequestContext>,
        /// The cap in bytes.
        limit: usize,
        /// The HTTP status of the over-size response.
        status: u16,
    },
    /// The request could not be completed at the transport level.
    #[error("{}: {} after {} attempt(s): {}", .0.context, transport_kind_text(.0.kind), .0.attempts, TransportCause(.0))]
    Transport(Box<TransportError>),
    /// A response was well-formed but broke the protocol (a redirect to an unexpected host, a
    /// `Location` without `flowId`, a missing header, ...).
    #[error("{context}: {message}")]
    Protocol {
        /// The request.
        context: Box<RequestContext>,
        /// What was wrong.
        message: Cow<'static, str>,
    },
    /// A base URL was refused.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// The request could not be built (bad header value, unserialisable body).
    #[error("{operation}: could not build the request: {message}")]
    Build {
        /// What the request was for.
        operation: Operation,
        /// What was wrong.
        message: String,
    },
}

fn transport_kind_text(kind: TransportKind) -> &'static str {
    match kind {
        TransportKind::Connect => "could not connect",
        TransportKind::Timeout => "timed out",
        TransportKind::Other => "connection failed",
    }
}

impl Error {
    /// The HTTP status of the response that caused this error, if there was one.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::OAuth(e) => Some(e.status),
            Error::UnexpectedResponse(e) => Some(e.status),
            Error::BodyTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The request this error belongs to, if it got as far as a request.
    #[must_use]
    pub fn context(&self) -> Option<&RequestContext> {
        match self {
            Error::Api(e) => Some(&e.context),
            Error::OAuth(e) => Some(&e.context),
            Error::UnexpectedResponse(e) => Some(&e.context),
            Error::BodyTooLarge { context, .. } | Error::Protocol { context, .. } => Some(context),
            Error::Transport(e) => Some(&e.context),
            Error::Endpoint(_) | Error::Build { .. } => None,
        }
    }

    /// The operation (`step 9: create user`, ...) that failed, if known.
    #[must_use]
    pub fn operation(&self) -> Option<&Operation> {
        match self {
            Error::Build { operation, .. } => Some(operation),
            other => other.context().map(|c| &c.operation),
        }
    }

    /// The workflow step that failed (or that the failed operation served), if known.
    #[must_use]
    pub fn step(&self) -> Option<Step> {
        self.operation().and_then(Operation::step)
    }

    /// PingOne's error body, for [`Error::Api`].
    #[must_use]
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// PingOne's top-level error code, for [`Error::Api`].
    #[must_use]
    pub fn api_code(&self) -> Option<ErrorCode> {
        self.api().map(ApiError::code)
    }

    /// Whether PingOne's body carries `code` at the top level or in a detail.
    #[must_use]
    pub fn has_code(&self, code: &ErrorCode) -> bool {
        self.api().is_some_and(|e| e.has_code(code))
    }

    /// The OAuth `error` value, for [`Error::OAuth`].
    #[must_use]
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            Error::OAuth(e) => Some(&e.body.error),
            _ => None,
        }
    }

    /// Whether a connect or request timeout elapsed.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(e) if e.kind == TransportKind::Timeout)
    }

    /// Whether no connection could be made.
    #[must_use]
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Transport(e) if e.kind == TransportKind::Connect)
    }

    /// Whether the outcome of the request is unknown: it may have been processed although no
    /// response arrived (a timeout or a connection broken after sending). A create in that state
    /// must be resolved by a lookup, never by a blind second POST.
    #[must_use]
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, Error::Transport(e) if e.kind != TransportKind::Connect)
    }

    /// Whether PingOne said the resource does not exist (`404`).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Whether the credentials were refused (`401`).
    #[must_use]
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> RequestContext {
        RequestContext { operation: Step::CreateUser.into(), method: reqwest::Method::POST, path: "/v1/x".into() }
    }

    #[test]
    fn api_error_display_names_step_code_and_details() {
        let err = Error::Api(Box::new(ApiError {
            context: context(),
            status: 400,
            body: ErrorBody {
                id: Some("f21b".into()),
                code: "INVALID_DATA".into(),
                message: Some("validation".into()),
                details: vec![crate::error_body::ErrorDetail {
                    code: Some("UNIQUENESS_VIOLATION".into()),
                    target: Some("username".into()),
                    message: Some("taken".into()),
                    inner_error: None,
                }],
            },
            retry_after: None,
        }));
        let text = err.to_string();
        assert_eq!(
            text,
            "step 9: create user (POST /v1/x): PingOne answered 400 INVALID_DATA (validation); \
             UNIQUENESS_VIOLATION on username: taken [error id f21b]"
        );
        assert_eq!(err.status(), Some(400));
        assert_eq!(err.operation(), Some(&Operation::Step(Step::CreateUser)));
        assert_eq!(err.step(), Some(Step::CreateUser));
        assert!(err.has_code(&ErrorCode::UniquenessViolation));
        assert!(!err.has_code(&ErrorCode::InvalidOtp));
        assert!(!err.is_timeout());
    }
}
