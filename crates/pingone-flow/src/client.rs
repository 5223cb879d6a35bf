//! `SignOnClient`: the auth endpoints plus the application's settings; step 14 (authorize) and
//! the HTTP plumbing every later step shares.

use std::sync::Arc;
use std::time::Duration;

use pingone_core::{ApiRequest, ApiResponse, EnvironmentId, HttpClient, Method, SharedClock, StateToken, Url};
use pingone_core::{Endpoints, Operation, PkceVerifier, Step};
use serde_json::Value;
use tracing::Instrument as _;

use crate::config::OidcApp;
use crate::context::{CookieJar, FlowContext, random_token, s256_challenge};
use crate::error::FlowError;
use crate::flow_json::FlowResponse;
use crate::id_token::KeyCache;
use crate::states::Authorized;

/// The default leeway for `exp` and `iat` checks.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

pub(crate) struct Inner {
    pub http: HttpClient,
    pub endpoints: Endpoints,
    pub environment: EnvironmentId,
    pub app: OidcApp,
    pub clock: SharedClock,
    pub leeway: Duration,
    pub keys: KeyCache,
}

/// Drives sign-on flows for one application. Cheap to clone; share one across requests and
/// flows (each flow keeps its own cookie jar in its state).
#[derive(Clone)]
pub struct SignOnClient {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for SignOnClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignOnClient")
            .field("auth", &self.inner.endpoints.auth_base().as_str())
            .field("environment", &self.inner.environment)
            .field("client_id", &self.inner.app.client_id)
            .finish_non_exhaustive()
    }
}

impl SignOnClient {
    /// A client for `app` in `environment`.
    #[must_use]
    pub fn new(http: HttpClient, endpoints: Endpoints, environment: EnvironmentId, app: OidcApp) -> Self {
        let clock = http.clock().clone();
        Self {
            inner: Arc::new(Inner {
                http,
                endpoints,
                environment,
                app,
                clock,
                leeway: DEFAULT_LEEWAY,
                keys: KeyCache::default(),
            }),
        }
    }

    /// Replaces the clock used for ID-token `exp`/`iat` checks.
    #[must_use]
    pub fn with_clock(self, clock: SharedClock) -> Self {
        self.rebuild(|inner| inner.clock = clock)
    }

    /// Replaces the leeway of the ID-token time checks.
    #[must_use]
    pub fn with_leeway(self, leeway: Duration) -> Self {
        self.rebuild(|inner| inner.leeway = leeway)
    }

    fn rebuild(self, change: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = match Arc::try_unwrap(self.inner) {
            Ok(inner) => inner,
            Err(shared) => Inner {
                http: shared.http.clone(),
                endpoints: shared.endpoints.clone(),
                environment: shared.environment.clone(),
                app: shared.app.clone(),
                clock: shared.clock.clone(),
                leeway: shared.leeway,
                keys: KeyCache::default(),
            },
        };
        change(&mut inner);
        Self { inner: Arc::new(inner) }
    }

    /// The application's settings.
    #[must_use]
    pub fn app(&self) -> &OidcApp {
        &self.inner.app
    }

    /// The issuer ID tokens must carry: `{auth}/{envID}/as`.
    #[must_use]
    pub fn issuer(&self) -> String {
        self.auth_url(&["as"]).as_str().trim_end_matches('/').to_owned()
    }

    pub(crate) fn auth_url(&self, segments: &[&str]) -> Url {
        self.inner.endpoints.auth_url(&self.inner.environment, segments)
    }

    /// Step 14: starts a flow. Sends `response_type=code`, PKCE `S256` (a 256-bit verifier from
    /// the OS), a 256-bit `state` and `nonce`; does not follow the redirect; reads `flowId` from
    /// the `302` `Location` (or from a `pi.flow` JSON answer); keeps the cookies in a jar that
    /// belongs to this flow alone.
    ///
    /// # Errors
    /// [`FlowError::Http`] (an OAuth error for a bad `client_id` or `redirect_uri`),
    /// [`FlowError::Authorization`] for an error redirect, [`FlowError::UnexpectedRedirect`] for a
    /// `Location` on an unexpected host, [`FlowError::Missing`] when `flowId` is absent.
    pub async fn authorize(&self) -> Result<Authorized, FlowError> {
        const STEP: Operation = Operation::Step(Step::Authorize);
        let verifier = PkceVerifier::new(random_token(32));
        let state = StateToken::new(random_token(32));
        let nonce = StateToken::new(random_token(32));
        let app = &self.inner.app;
        let mut url = self.auth_url(&["as", "authorize"]);
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &app.client_id)
            .append_pair("redirect_uri", &app.redirect_uri)
            .append_pair("scope", &app.scopes.join(" "))
            .append_pair("state", state.secret())
            .append_pair("nonce", nonce.secret())
            .append_pair("code_challenge", &s256_challenge(&verifier))
            .append_pair("code_challenge_method", "S256");
        let span = tracing::info_span!(
            "pingone.flow",
            step = Step::Authorize.number(),
            operation = %STEP,
            flow_id = tracing::field::Empty
        );
        let request = ApiRequest::new(STEP, Method::GET, url.clone());
        let response = self.inner.http.execute(&request).instrument(span.clone()).await?;
        let mut cookies = CookieJar::default();
        cookies.absorb(response.headers());
        let (flow_id, status) = match response.status() {
            302 | 303 => {
                let location = resolve_location(&response, &url, STEP)?;
                if let Some(error) = query_param(&location, "error") {
                    return Err(FlowError::Authorization {
                        operation: STEP,
                        error,
                        description: query_param(&location, "error_description"),
                    });
                }
                if !self.sign_on_origin_allowed(&location) {
                    return Err(FlowError::UnexpectedRedirect {
                        operation: STEP,
                        location: redacted_location(&location),
                    });
                }
                let flow_id = query_param(&location, "flowId")
                    .ok_or(FlowError::Missing { operation: STEP, what: "flowId in the Location" })?;
                (flow_id, String::new())
            }
            200 => {
                let flow: FlowResponse = response.json()?;
                (flow.id, flow.status)
            }
            status if (200..400).contains(&status) => {
                return Err(response.protocol_error(format!("unexpected status {status} from authorize")).into());
            }
            _ => return Err(response.into_error().into()),
        };
        if flow_id.is_empty()
            || flow_id.len() > 128
            || !flow_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(FlowError::Missing { operation: STEP, what: "a well-formed flowId" });
        }
        span.record("flow_id", flow_id.as_str());
        tracing::info!(parent: &span, flow_id = %flow_id, "flow started");
        Ok(Authorized::new(FlowContext { flow_id, status, cookies, verifier, state, nonce }))
    }

    /// Whether the authorize redirect may point at `location`: the auth host, its `apps.`
    /// sibling (PingOne's hosted sign-on page), or a configured sign-on origin.
    fn sign_on_origin_allowed(&self, location: &Url) -> bool {
        let auth = self.inner.endpoints.auth_base();
        if location.origin() == auth.origin() {
            return true;
        }
        if let (Some(host), Some(auth_host)) = (location.host_str(), auth.host_str())
            && let Some(domain) = auth_host.strip_prefix("auth.")
            && host == format!("apps.{domain}")
            && location.scheme() == auth.scheme()
        {
            return true;
        }
        let origin = location.origin().ascii_serialization();
        self.inner.app.sign_on_origins.iter().any(|o| o.trim_end_matches('/') == origin)
    }

    /// `GET` the flow (steps 15 and re-reads).
    pub(crate) async fn read_flow(&self, ctx: &mut FlowContext, step: Operation) -> Result<FlowResponse, FlowError> {
        let span = flow_span(&step, ctx);
        let request =
            ApiRequest::new(step.clone(), Method::GET, self.flow_url(&ctx.flow_id)).cookies(&ctx.cookies.header())?;
        let response = self.inner.http.execute(&request).instrument(span).await?;
        self.absorb_flow(ctx, response, step)
    }

    /// `POST` a flow action. An answer that leaves the outcome unknown (5xx, a broken
    /// connection) is resolved by reading the flow: if it moved on, that is the action's result;
    /// if not, the action is sent again (as often as the HTTP retry policy allows attempts).
    pub(crate) async fn post_action(
        &self,
        ctx: &mut FlowContext,
        step: Operation,
        action: &'static str,
        body: &Value,
    ) -> Result<FlowResponse, FlowError> {
        let before = ctx.status.clone();
        // As many attempts as the HTTP retry policy allows (1 when retries are off).
        let attempts = self.inner.http.config().retry.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            let request = ApiRequest::new(step.clone(), Method::POST, self.flow_url(&ctx.flow_id))
                .json(&format!("application/vnd.pingidentity.{action}+json"), body)?
                .cookies(&ctx.cookies.header())?;
            let outcome = self.inner.http.execute(&request).instrument(flow_span(&step, ctx)).await;
            let unknown = match &outcome {
                Ok(response) => matches!(response.status(), 500 | 502 | 503 | 504),
                Err(e) => e.outcome_unknown() || e.is_connect(),
            };
            if !unknown || attempt >= attempts {
                return self.absorb_flow(ctx, outcome?, step);
            }
            let wait = outcome
                .as_ref()
                .ok()
                .and_then(|r| r.retry_after(self.inner.clock.now()))
                .unwrap_or(Duration::from_millis(100 * u64::from(attempt)));
            tokio::time::sleep(wait.min(Duration::from_secs(5))).await;
            let current = self.read_flow(ctx, step.clone()).await?;
            if current.status != before || !current.offers(action) {
                tracing::debug!(operation = %step, "the action was processed although its answer was lost");
                return Ok(current);
            }
            attempt += 1;
        }
    }

    fn absorb_flow(
        &self,
        ctx: &mut FlowContext,
        response: ApiResponse,
        step: Operation,
    ) -> Result<FlowResponse, FlowError> {
        ctx.cookies.absorb(response.headers());
        if response.status() == 404 {
            return Err(FlowError::Expired { operation: step });
        }
        let flow: FlowResponse = response.json()?;
        if flow.id != ctx.flow_id {
            return Err(FlowError::FlowMismatch { operation: step });
        }
        ctx.status = flow.status.clone();
        Ok(flow)
    }

    fn flow_url(&self, flow_id: &str) -> Url {
        self.auth_url(&["flows", flow_id])
    }
}

/// The span of one flow step: the step's number and label and the flow ID, never a secret.
pub(crate) fn flow_span(operation: &Operation, ctx: &FlowContext) -> tracing::Span {
    tracing::info_span!(
        "pingone.flow",
        step = operation.step().map(Step::number),
        operation = %operation,
        flow_id = %ctx.flow_id,
        status = %ctx.status
    )
}

/// The `Location` of a redirect, resolved against the request URL.
pub(crate) fn resolve_location(response: &ApiResponse, base: &Url, step: Operation) -> Result<Url, FlowError> {
    let Some(raw) = response.location() else {
        return Err(FlowError::Missing { operation: step, what: "the Location header" });
    };
    base.join(raw).map_err(|_| FlowError::Missing { operation: step, what: "a valid Location URL" })
}

/// A query parameter of a URL.
pub(crate) fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// Scheme, host and path only: never the query (it may carry a code).
pub(crate) fn redacted_location(url: &Url) -> String {
    format!("{}://{}{}", url.scheme(), url.host_str().unwrap_or(""), url.path())
}
