//! The HTTP layer: one shared `reqwest::Client` (no redirects followed, timeouts set), capped
//! body reads, a correlation ID per request, retries, and one `tracing` span per attempt.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue, RETRY_AFTER};
use tracing::{Instrument, field};

use zeroize::Zeroizing;

use crate::body::{BodyBytes, ResponseBody};
use crate::clock::{SharedClock, system_clock};
use crate::deadline::{Elapsed, SharedDeadlines};
use crate::error::{Error, TransportError, TransportKind};
use crate::proxy::ProxyConfig;
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::retry::{AttemptOutcome, RetryDecision, RetryPolicy};
use crate::step::{Operation, Step};

/// The correlation header PingOne accepts on every call (at most 100 characters).
pub const CORRELATION_HEADER: &str = "x-ping-external-transaction-id";
const CORRELATION: HeaderName = HeaderName::from_static(CORRELATION_HEADER);

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Time allowed for one whole attempt (connect, send, receive). Attempts that start close
    /// together share one timer, so an attempt may run up to a sixteenth longer (at least 1 ms
    /// longer for a timeout under 16 ms).
    pub request_timeout: Duration,
    /// The largest response body read; a larger one is an [`Error::BodyTooLarge`].
    pub max_body_bytes: usize,
    /// When to retry.
    pub retry: RetryPolicy,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// The proxy HTTPS requests go through. `None` (the default): no proxy at all, whatever
    /// `HTTP_PROXY`, `HTTPS_PROXY` or `ALL_PROXY` say; the environment is never read. Plain-`http`
    /// requests never use a proxy.
    pub proxy: Option<ProxyConfig>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 1024 * 1024,
            retry: RetryPolicy::default(),
            user_agent: concat!("pingone-mfa-rs/", env!("CARGO_PKG_VERSION")).to_owned(),
            proxy: None,
        }
    }
}

/// One finished attempt, as reported to an [`ExchangeObserver`]. It holds no secret: the path
/// without its query, the status, the time taken.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exchange {
    /// What the request was for (`step 9: create user`); [`Operation::step`] gives the
    /// workflow step it is or serves.
    pub operation: Operation,
    /// The method.
    pub method: Method,
    /// The URL path, without the query string.
    pub path: String,
    /// The status, or `None` when no response arrived.
    pub status: Option<u16>,
    /// Time from sending to the end of the body.
    pub elapsed: Duration,
    /// The attempt number (1 for the first).
    pub attempt: u32,
}

/// Sees every attempt the [`HttpClient`] makes: for transcripts, metrics, tests.
pub trait ExchangeObserver: std::fmt::Debug + Send + Sync {
    /// Called after each attempt.
    fn on_exchange(&self, exchange: &Exchange);
}

/// A cheap-to-clone handle on one shared connection pool.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    config: Arc<HttpConfig>,
    clock: SharedClock,
    observer: Option<Arc<dyn ExchangeObserver>>,
    deadlines: Arc<SharedDeadlines>,
}

impl HttpClient {
    /// A client with the default settings.
    ///
    /// # Errors
    /// [`Error::Build`] if the TLS backend cannot be initialised.
    pub fn new() -> Result<Self, Error> {
        Self::with_config(HttpConfig::default())
    }

    /// A client with the given settings.
    ///
    /// # Errors
    /// [`Error::Build`] if the TLS backend cannot be initialised or the proxy refused.
    pub fn with_config(config: HttpConfig) -> Result<Self, Error> {
        let build_error = |e: reqwest::Error| Error::Build {
            operation: "create HTTP client".into(),
            message: e.without_url().to_string(),
        };
        // `no_proxy` first: it turns off reqwest's reading of the proxy environment variables.
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            // The request timeout is kept by `SharedDeadlines` (one timer per window of attempts,
            // not one per request); the connect timeout stays with reqwest (one per connection).
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone());
        if let Some(proxy) = &config.proxy {
            builder = builder.proxy(proxy.to_reqwest().map_err(build_error)?);
        }
        let client = builder.build().map_err(build_error)?;
        Ok(Self {
            client,
            config: Arc::new(config),
            clock: system_clock(),
            observer: None,
            deadlines: Arc::new(SharedDeadlines::default()),
        })
    }

    /// Reports every attempt to `observer`.
    #[must_use]
    pub fn with_observer(mut self, observer: Arc<dyn ExchangeObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Replaces the clock used for `Retry-After` dates.
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// The clock.
    #[must_use]
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// Sends `request`, retrying as the [`RetryPolicy`] allows, and returns the final response
    /// whatever its status (callers decide what a 302 or a 400 means). Redirects are never followed.
    ///
    /// # Errors
    /// [`Error::Transport`] when no response could be had, [`Error::BodyTooLarge`] when the
    /// body exceeds the cap.
    pub async fn execute(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        let correlation_id = new_correlation_id();
        // Built once for every attempt (a clone of a `HeaderValue` is a reference count).
        let correlation_header = HeaderValue::from_str(&correlation_id).ok();
        let started = Instant::now();
        let mut attempt: u32 = 1;
        loop {
            let span = tracing::info_span!(
                "pingone.http",
                step = request.operation.step().map(Step::number),
                operation = %request.operation,
                method = %request.method,
                path = %request.url.path(),
                attempt,
                correlation_id = %correlation_id,
                status = field::Empty,
                latency_ms = field::Empty,
            );
            // Clocks are read only where a figure is needed: the attempt's latency when the
            // span or an observer records it, the retry inputs when a retry is possible.
            let timed = self.observer.is_some() || !span.is_disabled();
            let sent = timed.then(Instant::now);
            let attempt_once = self.attempt(request, correlation_header.clone(), sent, &span);
            // Boxed: the attempt's state is the largest part of every request future, and the
            // futures of the flow steps that await it would otherwise copy it at every level.
            let within_deadline = Box::pin(self.deadlines.run(self.config.request_timeout, attempt_once));
            let result = within_deadline.instrument(span.clone()).await.unwrap_or_else(|Elapsed| {
                tracing::debug!(parent: &span, kind = ?TransportKind::Timeout, "transport error");
                Err(Error::Transport(Box::new(TransportError {
                    context: request.context(),
                    kind: TransportKind::Timeout,
                    attempts: 1,
                    source: None,
                })))
            });
            if let (Some(observer), Some(sent)) = (&self.observer, sent) {
                observer.on_exchange(&Exchange {
                    operation: request.operation.clone(),
                    method: request.method.clone(),
                    path: request.url.path().to_owned(),
                    status: match &result {
                        Ok(r) => Some(r.status),
                        Err(Error::BodyTooLarge { status, .. }) => Some(*status),
                        Err(_) => None,
                    },
                    elapsed: sent.elapsed(),
                    attempt,
                });
            }
            let outcome = match &result {
                Ok(response) => AttemptOutcome::Status {
                    status: response.status,
                    retry_after: response.headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()),
                },
                Err(Error::Transport(t)) => AttemptOutcome::Transport(t.kind),
                Err(_) => return result,
            };
            let decision = self
                .config
                .retry
                .decide_with(request.retry_safe, outcome, attempt, || (started.elapsed(), jitter(), self.clock.now()));
            match decision {
                RetryDecision::Stop => {
                    return result.map_err(|e| match e {
                        Error::Transport(mut t) => {
                            t.attempts = attempt;
                            Error::Transport(t)
                        }
                        other => other,
                    });
                }
                RetryDecision::RetryAfter(delay) => {
                    span.in_scope(|| tracing::debug!(delay_ms = delay.as_millis() as u64, "retrying"));
                    tokio::time::sleep(delay).await;
                    attempt = attempt.saturating_add(1);
                }
            }
        }
    }

    async fn attempt(
        &self,
        request: &ApiRequest,
        correlation: Option<HeaderValue>,
        sent: Option<Instant>,
        span: &tracing::Span,
    ) -> Result<ApiResponse, Error> {
        // The request is built directly (not through `RequestBuilder`, which would copy the
        // headers once more, one by one): one clone of the header map, two inserts.
        let mut outgoing = reqwest::Request::new(request.method.clone(), request.url.clone());
        let headers = outgoing.headers_mut();
        *headers = request.headers.clone();
        if let Some(value) = correlation {
            headers.insert(CORRELATION, value);
        }
        if let Some((ct, body)) = &request.body {
            headers.insert(CONTENT_TYPE, ct.clone());
            // The request's own buffer, not a copy: wiped once reqwest and the request let go.
            *outgoing.body_mut() = Some(body.to_bytes().into());
        }
        let transport = |source: reqwest::Error| {
            let kind = if source.is_connect() {
                TransportKind::Connect
            } else if source.is_timeout() {
                TransportKind::Timeout
            } else {
                TransportKind::Other
            };
            tracing::debug!(kind = ?kind, "transport error");
            // reqwest's `Display` and `Debug` print the URL, whose query may hold `state`, `nonce`
            // and `code_challenge` (step 14): dropped; the context keeps the path.
            let source = source.without_url();
            Error::Transport(Box::new(TransportError {
                context: request.context(),
                kind,
                attempts: 1,
                source: Some(source),
            }))
        };
        let mut response = self.client.execute(outgoing).await.map_err(transport)?;
        let status = response.status().as_u16();
        span.record("status", status);
        let limit = self.config.max_body_bytes;
        let too_large = || Error::BodyTooLarge { context: Box::new(request.context()), limit, status };
        if response.content_length().is_some_and(|len| len > limit as u64) {
            return Err(too_large());
        }
        let expected = response.content_length().and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
        let body = if request.sensitive_response {
            // Copied into a buffer sized from Content-Length and wiped on drop (token responses).
            let mut body: BodyBytes = Zeroizing::new(Vec::with_capacity(expected.min(limit)));
            while let Some(chunk) = response.chunk().await.map_err(transport)? {
                if body.len().saturating_add(chunk.len()) > limit {
                    return Err(too_large());
                }
                append_wiping(&mut body, &chunk);
            }
            ResponseBody::Wiped(body)
        } else {
            // Kept as it came when it came in one piece (the usual case), joined otherwise.
            let mut first: Option<Bytes> = None;
            let mut joined: Option<BytesMut> = None;
            while let Some(chunk) = response.chunk().await.map_err(transport)? {
                let so_far = joined.as_ref().map_or_else(|| first.as_ref().map_or(0, Bytes::len), BytesMut::len);
                if so_far.saturating_add(chunk.len()) > limit {
                    return Err(too_large());
                }
                match (&mut joined, first.take()) {
                    (Some(all), _) => all.extend_from_slice(&chunk),
                    (None, None) => first = Some(chunk),
                    (None, Some(earlier)) => {
                        let mut all =
                            BytesMut::with_capacity(expected.max(so_far.saturating_add(chunk.len())).min(limit));
                        all.extend_from_slice(&earlier);
                        all.extend_from_slice(&chunk);
                        joined = Some(all);
                    }
                }
            }
            ResponseBody::Plain(joined.map_or_else(|| first.unwrap_or_default(), BytesMut::freeze))
        };
        let headers = std::mem::take(response.headers_mut());
        if let Some(sent) = sent {
            span.record("latency_ms", sent.elapsed().as_millis() as u64);
        }
        tracing::debug!(parent: span, "response");
        Ok(ApiResponse { context: request.context(), status, headers, body, sensitive: request.sensitive_response })
    }
}

/// Appends `chunk`; when the buffer must grow, the bytes move to a new buffer and the old one is
/// wiped (a plain `extend` would free it unwiped).
fn append_wiping(body: &mut BodyBytes, chunk: &[u8]) {
    let needed = body.len().saturating_add(chunk.len());
    if needed > body.capacity() {
        let mut grown = Vec::with_capacity(needed.max(body.capacity().saturating_mul(2)));
        grown.extend_from_slice(body);
        // The old buffer is dropped here, wiped.
        *body = Zeroizing::new(grown);
    }
    body.extend_from_slice(chunk);
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A non-cryptographic random number (jitter, correlation IDs): std's randomly keyed SipHash over
/// a counter.
fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

fn jitter() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A random UUID-shaped correlation ID (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`), written digit
/// by digit: a `format!` of five hex fields costs several times as much, on every request.
#[must_use]
pub(crate) fn new_correlation_id() -> String {
    let (a, b) = (random_u64(), random_u64());
    let mut out = String::with_capacity(36);
    push_hex(&mut out, a >> 32, 8);
    out.push('-');
    push_hex(&mut out, (a >> 16) & 0xffff, 4);
    out.push_str("-4");
    push_hex(&mut out, a & 0x0fff, 3);
    out.push('-');
    push_hex(&mut out, ((b >> 48) & 0x3fff) | 0x8000, 4);
    out.push('-');
    push_hex(&mut out, b & 0xffff_ffff_ffff, 12);
    out
}

/// The low `digits` hex digits of `value`, most significant first, in lower case.
fn push_hex(out: &mut String, value: u64, digits: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..digits).rev().map(|i| i.saturating_mul(4)) {
        let nibble = value.checked_shr(shift).unwrap_or(0) & 0xf;
        out.push(char::from(HEX.get(nibble as usize).copied().unwrap_or(b'0')));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_ids_are_uuid_shaped_and_distinct() {
        let a = new_correlation_id();
        let b = new_correlation_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4');
        for id in [&a, &b] {
            let groups: Vec<usize> = id.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
            assert!(id.bytes().all(|c| c == b'-' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c)), "{id}");
            assert!(matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'), "RFC 4122 variant: {id}");
        }
        for _ in 0..1000 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }

    #[test]
    fn response_bodies_grow_into_fresh_buffers() {
        let mut body: BodyBytes = Zeroizing::new(Vec::with_capacity(2));
        for chunk in [&b"ab"[..], b"cde", b"", b"fghijklmnop"] {
            append_wiping(&mut body, chunk);
        }
        assert_eq!(&**body, b"abcdefghijklmnop");
    }
}
