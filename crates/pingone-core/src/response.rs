//! A response read (with a size cap) from PingOne, and its classification into success or a
//! typed error.

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};
use serde::de::DeserializeOwned;

use crate::body::ResponseBody;
use crate::error::{ApiError, Error, OAuthError, RequestContext, UnexpectedResponse};
use crate::error_body::{DecodedErrorBody, decode_error_body, snippet};
use crate::retry::parse_retry_after;

/// The number of body characters kept in error messages.
pub(crate) const SNIPPET_CHARS: usize = 200;

/// A complete response: status, headers and the body (already read, within the size cap; the
/// body of a response that carries secrets — a token response — is wiped when the response is
/// dropped).
///
/// Its `Debug` shows the status and body length, never the body (it may hold tokens).
#[derive(Clone)]
pub struct ApiResponse {
    pub(crate) context: RequestContext,
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: ResponseBody,
    pub(crate) sensitive: bool,
}

impl ApiResponse {
    /// The HTTP status.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The headers.
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body bytes.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The request this answers.
    #[must_use]
    pub fn context(&self) -> &RequestContext {
        &self.context
    }

    /// The `Content-Type` header, if present and printable.
    #[must_use]
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }

    /// The `Location` header, if present and printable.
    #[must_use]
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    /// The `Retry-After` delay, if present and parsable.
    #[must_use]
    pub fn retry_after(&self, now: SystemTime) -> Option<Duration> {
        self.headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|raw| parse_retry_after(raw, now))
    }

    /// Whether the status is 2xx.
    #[must_use]
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `Ok(self)` for a 2xx status, else the typed error the body describes.
    ///
    /// # Errors
    /// [`Error::Api`], [`Error::OAuth`] or [`Error::UnexpectedResponse`].
    pub fn error_for_status(self) -> Result<Self, Error> {
        if self.is_success() { Ok(self) } else { Err(self.into_error()) }
    }

    /// Deserialises a success body.
    ///
    /// # Errors
    /// [`Error::UnexpectedResponse`] (with the decoder's message and a snippet of the body,
    /// redacted for sensitive responses) when the body does not match `T`; the error typed from
    /// the body when the status is not 2xx.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        if !self.is_success() {
            return Err(self.clone().into_error());
        }
        if let Some(ct) = self.content_type()
            && !ct.to_ascii_lowercase().contains("json")
        {
            return Err(self.unexpected(format!("expected a JSON body, got content type {ct}")));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            self.unexpected(format!("response body does not match the expected shape: {}", self.decode_message(&e)))
        })
    }

    /// The decoder's message, or — for a sensitive response, whose values may be secrets
    /// (serde_json quotes an offending value: `invalid type: string "…"`) — only the kind of
    /// error and where.
    fn decode_message(&self, e: &serde_json::Error) -> String {
        if self.sensitive {
            let kind = match e.classify() {
                serde_json::error::Category::Io => "I/O error",
                serde_json::error::Category::Syntax => "syntax error",
                serde_json::error::Category::Data => "data of the wrong type or shape",
                serde_json::error::Category::Eof => "unexpected end",
            };
            format!("{kind} at line {} column {} (details withheld: sensitive response)", e.line(), e.column())
        } else {
            e.to_string()
        }
    }

    /// An [`Error::UnexpectedResponse`] for this response with the given reason.
    #[must_use]
    pub fn unexpected(&self, reason: impl Into<String>) -> Error {
        Error::UnexpectedResponse(Box::new(UnexpectedResponse {
            context: self.context.clone(),
            status: self.status,
            content_type: self.content_type().map(str::to_owned),
            reason: reason.into(),
            snippet: self.snippet(),
        }))
    }

    /// An [`Error::Protocol`] for this response's request.
    #[must_use]
    pub fn protocol_error(&self, message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
        Error::Protocol { context: Box::new(self.context.clone()), message: message.into() }
    }

    /// The typed error for a non-success response.
    #[must_use]
    pub fn into_error(self) -> Error {
        let retry_after = self.retry_after(SystemTime::now());
        match decode_error_body(&self.body) {
            DecodedErrorBody::PingOne(body) => {
                Error::Api(Box::new(ApiError { context: self.context, status: self.status, body, retry_after }))
            }
            DecodedErrorBody::OAuth(body) => {
                Error::OAuth(Box::new(OAuthError { context: self.context, status: self.status, body }))
            }
            DecodedErrorBody::Unrecognised(reason) => self.unexpected(reason),
        }
    }

    fn snippet(&self) -> String {
        if self.sensitive && self.is_success() { "[redacted]".to_owned() } else { snippet(&self.body, SNIPPET_CHARS) }
    }
}

impl fmt::Debug for ApiResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiResponse")
            .field("context", &self.context)
            .field("status", &self.status)
            .field("content_type", &self.content_type())
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn response(status: u16, content_type: &str, body: &[u8]) -> ApiResponse {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        let context = RequestContext {
            operation: crate::Step::ListResources.into(),
            method: reqwest::Method::GET,
            path: "/v1/r".into(),
        };
        ApiResponse { context, status, headers, body: body.to_vec().into(), sensitive: false }
    }

    #[test]
    fn html_502_is_a_clear_error() {
        let err = response(502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>")
            .error_for_status()
            .unwrap_err();
        assert_eq!(err.status(), Some(502));
        assert_eq!(
            err.to_string(),
            "step 2: list resources (GET /v1/r): unexpected 502 response: not JSON (content type text/html); \
             body starts \"<html><body><h1>502 Bad Gateway</h1></body></html>\""
        );
    }

    #[test]
    fn empty_and_truncated_bodies() {
        let empty = response(500, "application/json", b"").into_error();
        assert!(matches!(&empty, Error::UnexpectedResponse(u) if u.reason == "empty body"), "{empty}");
        let truncated = response(400, "application/json", br#"{"id":"1","code":"INVALID_DA"#).into_error();
        assert!(matches!(&truncated, Error::UnexpectedResponse(u) if u.reason == "not JSON"), "{truncated}");
    }

    #[test]
    fn success_body_of_wrong_shape_keeps_snippet_unless_sensitive() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Token {
            access_token: String,
        }
        let ok = response(200, "application/json", br#"{"access_tokn":"abc"}"#);
        let err = ok.json::<Token>().unwrap_err();
        assert!(err.to_string().contains("access_tokn"), "{err}");
        let mut secret = response(200, "application/json", br#"{"access_tokn":"abc"}"#);
        secret.sensitive = true;
        let err = secret.json::<Token>().unwrap_err();
        assert!(!err.to_string().contains("abc"), "{err}");
        assert!(err.to_string().contains("[redacted]"), "{err}");
    }

    #[test]
    fn the_decoders_message_never_quotes_a_value_of_a_sensitive_response() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Token {
            expires_in: u64,
        }
        let body = br#"{"expires_in":"eyJhbGciOiJSUzI1NiJ9.secret-token"}"#;
        let plain = response(200, "application/json", body).json::<Token>().unwrap_err();
        assert!(plain.to_string().contains("secret-token"), "serde_json quotes the value: {plain}");
        let mut sensitive = response(200, "application/json", body);
        sensitive.sensitive = true;
        let err = sensitive.json::<Token>().unwrap_err();
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains("secret-token") && !text.contains("eyJ"), "{text}");
            assert!(text.contains("data of the wrong type or shape at line 1"), "{text}");
        }
    }

    #[test]
    fn api_error_keeps_retry_after() {
        let mut r = response(429, "application/json", br#"{"id":"1","code":"REQUEST_LIMITED","message":"slow down"}"#);
        r.headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        let err = r.into_error();
        assert_eq!(err.api().and_then(|a| a.retry_after), Some(Duration::from_secs(2)));
        assert_eq!(err.api_code(), Some(crate::ErrorCode::RequestLimited));
    }
}
