//! One HTTP request to PingOne, as data: replayable for retries, safe to `Debug`.

use std::fmt;

use reqwest::header::{AUTHORIZATION, COOKIE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use serde::Serialize;

use zeroize::Zeroizing;

use crate::body::{SharedBody, form_body, form_encode, json_body};
use crate::client_auth::ClientAuth;
use crate::error::{Error, RequestContext};
use crate::retry::is_idempotent;
use crate::secret::{AccessToken, ClientSecret};
use crate::step::Operation;

/// `application/x-www-form-urlencoded`.
pub(crate) const FORM: &str = "application/x-www-form-urlencoded";

/// A request to PingOne.
///
/// Its `Debug` shows the operation, method, path and body length: never header values that carry
/// credentials, never the body. The body (which may hold a client secret, a code, a PKCE
/// verifier, an OTP or a password) is built in one exact-size allocation, shared by the request,
/// its clones kept for retries and the HTTP stack (`reqwest` gets the same buffer, not a copy),
/// and wiped when the last of them drops it.
#[derive(Clone)]
pub struct ApiRequest {
    pub(crate) operation: Operation,
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<(HeaderValue, SharedBody)>,
    pub(crate) retry_safe: bool,
    pub(crate) sensitive_response: bool,
}

impl ApiRequest {
    /// A request for `operation`: a [`Step`](crate::Step), another [`Operation`], or a label of
    /// your own (a `&'static str` or `String` becomes [`Operation::Custom`]). It names the
    /// request in errors and traces.
    #[must_use]
    pub fn new(operation: impl Into<Operation>, method: Method, url: Url) -> Self {
        let retry_safe = is_idempotent(&method);
        Self {
            operation: operation.into(),
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            retry_safe,
            sensitive_response: false,
        }
    }

    /// A JSON body with the given media type (`application/json` or a
    /// `application/vnd.pingidentity.*+json` type).
    ///
    /// # Errors
    /// [`Error::Build`] if the value cannot be serialised or the media type is not a valid header.
    pub fn json<T: Serialize + ?Sized>(mut self, content_type: &str, body: &T) -> Result<Self, Error> {
        let bytes = json_body(body).map_err(|e| self.build_error(e.to_string()))?;
        let ct = HeaderValue::from_str(content_type).map_err(|e| self.build_error(e.to_string()))?;
        self.body = Some((ct, SharedBody::new(bytes)));
        Ok(self)
    }

    /// A body of raw bytes with the given content type (wiped when the request is dropped).
    ///
    /// # Errors
    /// [`Error::Build`] if the content type is not a valid header value.
    pub fn raw_body(mut self, content_type: &str, body: Vec<u8>) -> Result<Self, Error> {
        let body = Zeroizing::new(body);
        let ct = HeaderValue::from_str(content_type).map_err(|e| self.build_error(e.to_string()))?;
        self.body = Some((ct, SharedBody::new(body)));
        Ok(self)
    }

    /// An `application/x-www-form-urlencoded` body.
    #[must_use]
    pub fn form(mut self, fields: &[(&str, &str)]) -> Self {
        self.body = Some((HeaderValue::from_static(FORM), SharedBody::new(form_body(fields))));
        self
    }

    /// A token-endpoint form body (`fields`), with the client authenticated as `auth` says:
    /// HTTP Basic for [`ClientAuth::SecretBasic`], `client_id` and `client_secret` fields for
    /// [`ClientAuth::SecretPost`], `client_id` alone for [`ClientAuth::None`].
    ///
    /// # Errors
    /// [`Error::Build`] if the Basic header cannot be formed.
    pub fn token_form(self, fields: &[(&str, &str)], client_id: &str, auth: &ClientAuth) -> Result<Self, Error> {
        let mut all = fields.to_vec();
        match auth {
            ClientAuth::SecretBasic(secret) => return self.form(&all).basic_auth(client_id, secret),
            ClientAuth::SecretPost(secret) => {
                all.extend([("client_id", client_id), ("client_secret", secret.secret())]);
            }
            ClientAuth::None => all.push(("client_id", client_id)),
        }
        Ok(self.form(&all))
    }

    /// `Authorization: Bearer <token>` (marked sensitive: never printed).
    ///
    /// # Errors
    /// [`Error::Build`] if the token holds characters that cannot appear in a header.
    pub fn bearer(self, token: &AccessToken) -> Result<Self, Error> {
        let value = format!("Bearer {}", token.secret());
        self.sensitive_header(AUTHORIZATION, &value)
    }

    /// `Authorization: Basic base64(client_id:secret)` (marked sensitive). The ID and secret are
    /// form-urlencoded first, as RFC 6749 §2.3.1 requires.
    ///
    /// # Errors
    /// [`Error::Build`] if the header cannot be formed.
    pub fn basic_auth(self, client_id: &str, secret: &ClientSecret) -> Result<Self, Error> {
        use base64::Engine as _;
        let pair = Zeroizing::new(format!("{}:{}", *form_encode(client_id), *form_encode(secret.secret())));
        let value = Zeroizing::new(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(&*pair)));
        self.sensitive_header(AUTHORIZATION, &value)
    }

    /// A `Cookie` header (marked sensitive).
    ///
    /// # Errors
    /// [`Error::Build`] if the value cannot appear in a header.
    pub fn cookies(self, cookie_header: &str) -> Result<Self, Error> {
        if cookie_header.is_empty() {
            return Ok(self);
        }
        self.sensitive_header(COOKIE, cookie_header)
    }

    /// Any other header.
    ///
    /// # Errors
    /// [`Error::Build`] if the value cannot appear in a header.
    pub fn header(mut self, name: HeaderName, value: &str) -> Result<Self, Error> {
        let value = HeaderValue::from_str(value).map_err(|e| self.build_error(e.to_string()))?;
        self.headers.insert(name, value);
        Ok(self)
    }

    /// Declares that this request may be repeated even if a previous attempt was processed
    /// (idempotent methods are by default). Only for requests whose repetition provably has no
    /// extra effect.
    #[must_use]
    pub fn retry_safe(mut self, safe: bool) -> Self {
        self.retry_safe = safe;
        self
    }

    /// Declares that the response carries secrets (tokens, client secrets): error snippets of it
    /// are redacted.
    #[must_use]
    pub fn sensitive_response(mut self) -> Self {
        self.sensitive_response = true;
        self
    }

    /// The method.
    #[must_use]
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL.
    #[must_use]
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// What the request is for.
    #[must_use]
    pub fn operation(&self) -> &Operation {
        &self.operation
    }

    /// The body's content type, if there is a body.
    #[must_use]
    pub fn content_type(&self) -> Option<&str> {
        self.body.as_ref().and_then(|(ct, _)| ct.to_str().ok())
    }

    /// The context that errors carry.
    #[must_use]
    pub fn context(&self) -> RequestContext {
        RequestContext {
            operation: self.operation.clone(),
            method: self.method.clone(),
            path: self.url.path().to_owned(),
        }
    }

    fn sensitive_header(mut self, name: HeaderName, value: &str) -> Result<Self, Error> {
        let mut value = HeaderValue::from_str(value)
            .map_err(|_| self.build_error(format!("{name} value holds characters not allowed in a header")))?;
        value.set_sensitive(true);
        self.headers.insert(name, value);
        Ok(self)
    }

    fn build_error(&self, message: String) -> Error {
        Error::Build { operation: self.operation.clone(), message }
    }
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiRequest")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.url.path())
            .field("content_type", &self.content_type())
            .field("body_len", &self.body.as_ref().map(|(_, b)| b.len()))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_credentials_or_body() {
        let url = Url::parse("https://auth.pingone.com/env/as/token?state=abc").unwrap();
        let request = ApiRequest::new("token", Method::POST, url)
            .basic_auth("client", &ClientSecret::new("top-secret"))
            .unwrap()
            .cookies("ST=cookie-secret")
            .unwrap()
            .form(&[("client_secret", "body-secret")]);
        let text = format!("{request:?}");
        for secret in ["top-secret", "cookie-secret", "body-secret", "state=abc", "Basic"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(!request.retry_safe, "POST is not retry-safe by default");
    }

    #[test]
    fn basic_auth_encodes_reserved_characters() {
        use base64::Engine as _;
        let url = Url::parse("https://auth.pingone.com/env/as/token").unwrap();
        let request =
            ApiRequest::new("token", Method::POST, url).basic_auth("id", &ClientSecret::new("a:b c")).unwrap();
        let header = request.headers.get(AUTHORIZATION).unwrap().to_str().unwrap();
        let decoded = base64::engine::general_purpose::STANDARD.decode(header.trim_start_matches("Basic ")).unwrap();
        assert_eq!(decoded, b"id:a%3Ab+c");
    }

    #[test]
    fn token_form_authenticates_the_client_each_way() {
        let url = Url::parse("https://auth.pingone.com/env/as/token").unwrap();
        let secret = ClientSecret::new("s3");
        let fields = [("grant_type", "client_credentials")];
        let form = |auth: &ClientAuth| {
            let request = ApiRequest::new("token", Method::POST, url.clone()).token_form(&fields, "app", auth).unwrap();
            let body = String::from_utf8(request.body.clone().unwrap().1.to_vec()).unwrap();
            (body, request.headers.contains_key(AUTHORIZATION))
        };
        assert_eq!(form(&ClientAuth::SecretBasic(secret.clone())), ("grant_type=client_credentials".into(), true));
        assert_eq!(
            form(&ClientAuth::SecretPost(secret)),
            ("grant_type=client_credentials&client_id=app&client_secret=s3".into(), false)
        );
        assert_eq!(form(&ClientAuth::None), ("grant_type=client_credentials&client_id=app".into(), false));
    }

    #[test]
    fn form_encoding() {
        let url = Url::parse("https://auth.pingone.com/env/as/token").unwrap();
        let request = ApiRequest::new("token", Method::POST, url).form(&[("a", "x y&z"), ("b", "é")]);
        assert_eq!(&*request.body.unwrap().1, b"a=x+y%26z&b=%C3%A9");
    }

    /// Security audit item 10: the bodies that carry secrets are wiped on drop (every clone kept
    /// for retries too), and built in one exact-size allocation, so that no grown-and-freed copy
    /// of the secret is left in memory.
    #[test]
    fn secret_bodies_are_exact_size_and_wiped_on_drop() {
        fn assert_wiped_on_drop<T: zeroize::ZeroizeOnDrop>(_: &T) {}
        let url = Url::parse("https://auth.pingone.com/env/flows/1").unwrap();
        let check = ApiRequest::new("otp.check", Method::POST, url.clone())
            .json("application/vnd.pingidentity.otp.check+json", &serde_json::json!({ "otp": "123456" }))
            .unwrap();
        let token = ApiRequest::new("token", Method::POST, url)
            .token_form(
                &[("code", "c0de"), ("code_verifier", "v3rifier")],
                "app",
                &ClientAuth::SecretPost(ClientSecret::new("s3")),
            )
            .unwrap();
        for request in [&check, &token, &check.clone()] {
            let (_, body) = request.body.as_ref().unwrap();
            assert_wiped_on_drop(&*body.0);
            assert_eq!(body.0.capacity(), body.0.len(), "{request:?}: one allocation of the exact size");
            // What reqwest gets is the same buffer (no unwiped copy), and it keeps the buffer
            // alive, to be wiped when reqwest drops it.
            let handed_over = body.to_bytes();
            assert_eq!(handed_over.as_ptr(), body.0.as_ptr());
            let holders = std::sync::Arc::strong_count(&body.0);
            drop(handed_over);
            assert_eq!(std::sync::Arc::strong_count(&body.0), holders - 1);
        }
        let retry_copy = check.clone();
        assert_eq!(retry_copy.body.as_ref().unwrap().1.0.as_ptr(), check.body.as_ref().unwrap().1.0.as_ptr());
    }
}
