//! Responses in PingOne's formats: JSON bodies, PingOne error bodies, OAuth error bodies.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// `INVALID_DATA`'s message, as PingOne words it.
pub(crate) const INVALID_DATA_MESSAGE: &str =
    "The request could not be completed. One or more validation errors were in the request.";

/// One entry of `details[]`.
#[derive(Debug, Clone)]
pub(crate) struct Detail {
    pub code: &'static str,
    pub target: Option<String>,
    pub message: String,
    pub inner: Option<Value>,
}

impl Detail {
    pub(crate) fn new(code: &'static str, target: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code, target: Some(target.into()), message: message.into(), inner: None }
    }

    pub(crate) fn inner(mut self, inner: Value) -> Self {
        self.inner = Some(inner);
        self
    }
}

/// A PingOne error response.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Vec<Detail>,
    pub retry_after: Option<u64>,
}

pub(crate) type Reply = Result<Response, Failure>;

impl Failure {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), details: Vec::new(), retry_after: None }
    }

    pub(crate) fn invalid_data(details: Vec<Detail>) -> Self {
        Self { details, ..Self::new(StatusCode::BAD_REQUEST, "INVALID_DATA", INVALID_DATA_MESSAGE) }
    }

    pub(crate) fn invalid_value(target: &str, message: impl Into<String>) -> Self {
        Self::invalid_data(vec![Detail::new("INVALID_VALUE", target, message)])
    }

    pub(crate) fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", message)
    }

    pub(crate) fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The request could not be completed. The requested resource was not found.",
        )
    }

    pub(crate) fn unsupported_media_type(expected: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "INVALID_REQUEST",
            format!("The request could not be completed. Unsupported Content-Type; expected {expected}."),
        )
    }

    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "INVALID_REQUEST",
            "The request could not be completed. Method not allowed.",
        )
    }

    pub(crate) fn unauthorized() -> Self {
        let mut f = Self::new(
            StatusCode::UNAUTHORIZED,
            "ACCESS_FAILED",
            "The request could not be completed. The access token is missing, expired or invalid.",
        );
        f.details.push(Detail {
            code: "INVALID_TOKEN",
            target: None,
            message: "Invalid or expired access token.".into(),
            inner: None,
        });
        f
    }

    pub(crate) fn forbidden() -> Self {
        let mut f = Self::new(
            StatusCode::FORBIDDEN,
            "ACCESS_FAILED",
            "The request could not be completed. You do not have access to this resource.",
        );
        f.details.push(Detail {
            code: "INSUFFICIENT_PERMISSIONS",
            target: None,
            message: "Actor does not have the roles needed for this operation.".into(),
            inner: None,
        });
        f
    }

    pub(crate) fn rate_limited(retry_after: u64) -> Self {
        let mut f = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "REQUEST_LIMITED",
            "The request could not be completed. The request was rate limited.",
        );
        f.details.push(Detail {
            code: "LIMIT_EXCEEDED",
            target: None,
            message: "Rate limit exceeded.".into(),
            inner: None,
        });
        f.retry_after = Some(retry_after);
        f
    }

    pub(crate) fn unexpected() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNEXPECTED_ERROR",
            "The request could not be completed. An unexpected error occurred.",
        )
    }
}

/// A fresh random ID for an error body (PingOne gives every error one).
fn error_id() -> String {
    let mut bytes = [0u8; 16];
    // Should the OS RNG fail, the ID is all zeros: still a well-formed UUID. (getrandom, not
    // aws-lc: see `rng::os_seed`.)
    let _ = getrandom::fill(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid().hyphenated().to_string()
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let details: Vec<Value> = self
            .details
            .into_iter()
            .map(|d| {
                let mut v = json!({ "code": d.code, "message": d.message });
                if let Some(target) = d.target {
                    crate::reply::put(&mut v, "target", Value::String(target));
                }
                if let Some(inner) = d.inner {
                    crate::reply::put(&mut v, "innerError", inner);
                }
                v
            })
            .collect();
        let mut body = json!({ "id": error_id(), "code": self.code, "message": self.message });
        if !details.is_empty() {
            crate::reply::put(&mut body, "details", Value::Array(details));
        }
        let mut response = json_response(self.status, &body);
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// A JSON response.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// `200` JSON.
pub(crate) fn ok(body: &Value) -> Reply {
    Ok(json_response(StatusCode::OK, body))
}

/// `201` JSON.
pub(crate) fn created(body: &Value) -> Reply {
    Ok(json_response(StatusCode::CREATED, body))
}

/// `204`.
pub(crate) fn no_content() -> Reply {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// An OAuth error response (RFC 6749 §5.2).
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = json_response(status, &json!({ "error": error, "error_description": description }));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"PingOne\""));
    }
    response
}

/// A `302` to `location`, with extra headers (cookies).
pub(crate) fn redirect(location: &str, cookies: &[String]) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Sets `key` on a JSON object (no-op on other values, so it can never panic).
pub(crate) fn put(target: &mut Value, key: &str, value: Value) {
    if let Some(map) = target.as_object_mut() {
        map.insert(key.to_owned(), value);
    }
}
