//! `SignOnClient`: the auth endpoints plus the application's settings; step 14 (authorize) and
//! the HTTP plumbing every later step shares.

use std::sync::Arc;
use std::time::Duration;

use pingone_core::{ApiRequest, ApiResponse, EnvironmentId, HttpClient, Method, SharedClock, StateToken, Url};
use pingone_core::{Endpoints, Operation, PkceVerifier, Step};
use tracing::Instrument as _;

use crate::binding::{Binding, BindingTags};
use crate::claims_policy::IdTokenPolicy;
use crate::config::{OidcApp, ResponseMode};
use crate::context::{FillRandom, FlowContext, os_random, random_token, s256_challenge};
use crate::cookies::CookieJar;
use crate::error::FlowError;
use crate::flow_json::FlowResponse;
use crate::jwks::{JwksSettings, KeyCache};
use crate::states::Authorized;
use crate::status::FlowStatus;

/// The default leeway of the ID-token time checks (`exp`, `nbf`, `iat`, `auth_time`).
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

pub(crate) struct Inner {
    pub http: HttpClient,
    pub endpoints: Endpoints,
    pub environment: EnvironmentId,
    pub app: OidcApp,
    pub clock: SharedClock,
    pub leeway: Duration,
    pub id_token_policy: IdTokenPolicy,
    pub jwks: JwksSettings,
    pub keys: KeyCache,
    pub binding: Binding,
    pub tags: BindingTags,
    pub random: FillRandom,
    pub response_mode: ResponseMode,
    pub urls: AuthUrls,
}

/// The auth URLs every sign-on uses, built once per client (not once per request).
#[derive(Clone)]
pub(crate) struct AuthUrls {
    pub authorize: Url,
    pub resume: Url,
    pub token: Url,
    /// `{auth}/{envID}/flows`: a flow's URL is this plus its ID.
    pub flows: Url,
    /// `{auth}/{envID}/as`.
    pub issuer: String,
}

impl AuthUrls {
    fn new(endpoints: &Endpoints, environment: &EnvironmentId) -> Self {
        let url = |segments: &[&str]| endpoints.auth_url(environment, segments);
        Self {
            authorize: url(&["as", "authorize"]),
            resume: url(&["as", "resume"]),
            token: url(&["as", "token"]),
            flows: url(&["flows"]),
            issuer: url(&["as"]).as_str().trim_end_matches('/').to_owned(),
        }
    }
}

/// How long PingOne keeps a flow without activity (reference §6.5): a flow that answers `404`
/// sooner than this after its last answer was finished by another copy of the stage, not
/// expired.
pub(crate) const FLOW_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// Whether a flow action may be sent again when its answer is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// Read the flow; send again only if it did not move (`user.lookup`: repeating it changes
    /// nothing).
    AfterCheck,
    /// Never: the action has effects a repeat would double (an OTP attempt counted twice, a
    /// second e-mail). The caller gets [`FlowError::OutcomeUnknown`].
    Never,
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
        let binding = Binding {
            environment: environment.as_str().to_owned(),
            auth_origin: endpoints.auth_base().origin().ascii_serialization(),
            client_id: app.client_id.clone(),
            redirect_uri: app.redirect_uri.clone(),
        };
        let tags = binding.tags();
        let urls = AuthUrls::new(&endpoints, &environment);
        Self {
            inner: Arc::new(Inner {
                http,
                endpoints,
                environment,
                app,
                clock,
                leeway: DEFAULT_LEEWAY,
                id_token_policy: IdTokenPolicy::default(),
                jwks: JwksSettings::default(),
                keys: KeyCache::default(),
                binding,
                tags,
                random: os_random,
                response_mode: ResponseMode::Redirect,
                urls,
            }),
        }
    }

    /// Replaces the clock used for the ID-token time checks and the JWKS cache.
    #[must_use]
    pub fn with_clock(self, clock: SharedClock) -> Self {
        self.rebuild(|inner| inner.clock = clock)
    }

    /// Replaces the leeway of the ID-token time checks.
    #[must_use]
    pub fn with_leeway(self, leeway: Duration) -> Self {
        self.rebuild(|inner| inner.leeway = leeway)
    }

    /// Trusts `audiences` besides the client ID in an ID token's `aud` (empty by default: a
    /// token naming any other audience is refused with [`IdTokenError::UntrustedAudience`]).
    /// With several audiences, `azp` must still be the client ID.
    ///
    /// [`IdTokenError::UntrustedAudience`]: crate::IdTokenError::UntrustedAudience
    #[must_use]
    pub fn with_trusted_audiences<I: IntoIterator<Item = S>, S: Into<String>>(self, audiences: I) -> Self {
        let audiences: Vec<String> = audiences.into_iter().map(Into::into).collect();
        self.rebuild(|inner| inner.id_token_policy.trusted_audiences = audiences)
    }

    /// Sends `max_age` (whole seconds) on authorize, so that PingOne makes the user
    /// authenticate again when their session is older; the ID token must then carry
    /// `auth_time` no older than `max_age` (plus the leeway), or the exchange fails with
    /// [`IdTokenError::AuthenticationTooOld`] / [`IdTokenError::MissingClaim`]. Off by default.
    ///
    /// [`IdTokenError::AuthenticationTooOld`]: crate::IdTokenError::AuthenticationTooOld
    /// [`IdTokenError::MissingClaim`]: crate::IdTokenError::MissingClaim
    #[must_use]
    pub fn with_max_age(self, max_age: Duration) -> Self {
        self.rebuild(|inner| inner.id_token_policy.max_age = Some(max_age))
    }

    /// Refuses ID tokens whose `iat` is older than `max_token_age` (plus the leeway) with
    /// [`IdTokenError::IssuedTooLongAgo`]. Off by default (`exp` alone bounds a token's life).
    ///
    /// [`IdTokenError::IssuedTooLongAgo`]: crate::IdTokenError::IssuedTooLongAgo
    #[must_use]
    pub fn with_max_id_token_age(self, max_token_age: Duration) -> Self {
        self.rebuild(|inner| inner.id_token_policy.max_token_age = Some(max_token_age))
    }

    /// Requires MFA: the ID token's `amr` must contain `otp` (what PingOne records for the
    /// e-mailed passcode), or the exchange fails with
    /// [`IdTokenError::MissingAuthenticationMethod`]. Off by default, because PingOne lets a
    /// sign-on policy skip MFA (for a user with MFA disabled, say) and such a sign-on is a
    /// legitimate outcome for some applications; turn it on wherever a sign-on without the
    /// second factor must never count as one. Same as `with_required_amr("otp")`.
    ///
    /// [`IdTokenError::MissingAuthenticationMethod`]: crate::IdTokenError::MissingAuthenticationMethod
    #[must_use]
    pub fn require_mfa(self) -> Self {
        self.with_required_amr("otp")
    }

    /// Requires `method` in the ID token's `amr` (may be called several times; all are required).
    #[must_use]
    pub fn with_required_amr(self, method: impl Into<String>) -> Self {
        let method = method.into();
        self.rebuild(|inner| {
            if !inner.id_token_policy.required_amr.contains(&method) {
                inner.id_token_policy.required_amr.push(method);
            }
        })
    }

    /// Sends `acr_values` on authorize (PingOne: the names of sign-on policies assigned to the
    /// application) and requires the ID token's `acr` to be one of them, or the exchange fails
    /// with [`IdTokenError::AcrMismatch`]. Off by default.
    ///
    /// [`IdTokenError::AcrMismatch`]: crate::IdTokenError::AcrMismatch
    #[must_use]
    pub fn with_acr_values<I: IntoIterator<Item = S>, S: Into<String>>(self, acr_values: I) -> Self {
        let acr_values: Vec<String> = acr_values.into_iter().map(Into::into).collect();
        self.rebuild(|inner| inner.id_token_policy.acr_values = acr_values)
    }

    /// How long a fetched JWKS is trusted before it is fetched again (default
    /// [`DEFAULT_JWKS_TTL`](crate::DEFAULT_JWKS_TTL), 10 minutes): a key removed from the JWKS
    /// stops being trusted at most this long after its removal.
    #[must_use]
    pub fn with_jwks_ttl(self, ttl: Duration) -> Self {
        self.rebuild(|inner| inner.jwks.ttl = ttl)
    }

    /// The shortest time between two JWKS fetches caused by an ID token with an unknown `kid`
    /// (default [`DEFAULT_JWKS_MIN_REFETCH_INTERVAL`](crate::DEFAULT_JWKS_MIN_REFETCH_INTERVAL),
    /// 30 seconds): tokens naming keys that do not exist cannot make this client hammer the
    /// JWKS endpoint.
    #[must_use]
    pub fn with_jwks_min_refetch_interval(self, interval: Duration) -> Self {
        self.rebuild(|inner| inner.jwks.min_refetch_interval = interval)
    }

    /// How PingOne hands over the flow and the code: [`ResponseMode::Redirect`] (the default) or
    /// [`ResponseMode::PiFlow`] (`response_mode=pi.flow`: JSON answers from authorize and
    /// resume).
    #[must_use]
    pub fn with_response_mode(self, mode: ResponseMode) -> Self {
        self.rebuild(|inner| inner.response_mode = mode)
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
                id_token_policy: shared.id_token_policy.clone(),
                jwks: shared.jwks,
                keys: KeyCache::default(),
                binding: shared.binding.clone(),
                tags: shared.tags,
                random: shared.random,
                response_mode: shared.response_mode,
                urls: shared.urls.clone(),
            },
        };
        change(&mut inner);
        Self { inner: Arc::new(inner) }
    }

    /// Replaces the random source (tests: a failing source shows that `authorize` fails closed).
    #[cfg(feature = "test-hooks")]
    pub(crate) fn with_random(self, random: FillRandom) -> Self {
        self.rebuild(|inner| inner.random = random)
    }

    pub(crate) fn binding(&self) -> Binding {
        self.inner.binding.clone()
    }

    pub(crate) fn clock(&self) -> SharedClock {
        self.inner.clock.clone()
    }

    /// Refuses a stage that another client (environment, auth origin or application) made.
    pub(crate) fn check_stage(&self, ctx: &FlowContext, step: &Operation) -> Result<(), FlowError> {
        match ctx.binding.mismatch(self.inner.tags) {
            None => Ok(()),
            Some(mismatch) => Err(FlowError::WrongClient { operation: step.clone(), mismatch }),
        }
    }

    /// The application's settings.
    #[must_use]
    pub fn app(&self) -> &OidcApp {
        &self.inner.app
    }

    /// The issuer ID tokens must carry: `{auth}/{envID}/as`.
    #[must_use]
    pub fn issuer(&self) -> String {
        self.inner.urls.issuer.clone()
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
        let random = |bytes| random_token(self.inner.random, bytes).map_err(|_| FlowError::Random);
        let verifier = PkceVerifier::new(random(32)?);
        let state = StateToken::new(random(32)?);
        let nonce = StateToken::new(random(32)?);
        let app = &self.inner.app;
        let policy = &self.inner.id_token_policy;
        let mut url = self.inner.urls.authorize.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &app.client_id)
            .append_pair("redirect_uri", &app.redirect_uri)
            .append_pair("scope", &app.scope_parameter())
            .append_pair("state", state.secret())
            .append_pair("nonce", nonce.secret())
            .append_pair("code_challenge", &s256_challenge(&verifier))
            .append_pair("code_challenge_method", "S256");
        if let Some(max_age) = policy.max_age {
            url.query_pairs_mut().append_pair("max_age", &max_age.as_secs().to_string());
        }
        if !policy.acr_values.is_empty() {
            url.query_pairs_mut().append_pair("acr_values", &policy.acr_values.join(" "));
        }
        if self.inner.response_mode == ResponseMode::PiFlow {
            url.query_pairs_mut().append_pair("response_mode", "pi.flow");
        }
        let span = tracing::info_span!("pingone.flow", step = 14, flow_id = tracing::field::Empty);
        let request = self.pi_flow_sensitive(ApiRequest::new(STEP, Method::GET, url.clone()));
        let response = self.inner.http.execute(&request).instrument(span.clone()).await?;
        let now = self.inner.clock.now();
        let mut cookies = CookieJar::default();
        cookies.absorb(response.headers(), &url, now);
        let (flow_id, status) = match response.status() {
            302 | 303 => {
                let location = resolve_location(&response, &url, &STEP)?;
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
        let mut ctx =
            FlowContext { flow_id, status, cookies, verifier, state, nonce, binding: self.inner.tags, last_answer: 0 };
        ctx.touch(now);
        Ok(Authorized::new(ctx))
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
    pub(crate) async fn read_flow(&self, ctx: &mut FlowContext, step: &Operation) -> Result<FlowResponse, FlowError> {
        let url = self.flow_url(&ctx.flow_id);
        let request =
            ApiRequest::new(step.clone(), Method::GET, url.clone()).cookies(&self.cookie_header(ctx, &url))?;
        let response =
            self.inner.http.execute(&self.pi_flow_sensitive(request)).instrument(flow_span(step, ctx)).await?;
        self.absorb_flow(ctx, response, &url, step)
    }

    /// In pi.flow mode any flow answer may carry `authorizeResponse.code`: such responses are
    /// sensitive (never quoted in an error).
    fn pi_flow_sensitive(&self, request: ApiRequest) -> ApiRequest {
        if self.inner.response_mode == ResponseMode::PiFlow { request.sensitive_response() } else { request }
    }

    /// `POST` a flow action.
    ///
    /// An answer that leaves the outcome unknown (5xx, a broken connection) is, with
    /// [`Replay::AfterCheck`], resolved by reading the flow: if it moved on, that is the
    /// action's result; if not, the action is sent again (as often as the HTTP retry policy
    /// allows attempts). With [`Replay::Never`] it is [`FlowError::OutcomeUnknown`] at once.
    ///
    /// A refusal (`400`, `404`, `409`) of a stage whose flow has moved on — a double submit, the
    /// back button, a second tab — is [`FlowError::StaleStage`] naming the current status.
    pub(crate) async fn post_action(
        &self,
        ctx: &mut FlowContext,
        step: &Operation,
        action: &'static str,
        body: &(impl serde::Serialize + ?Sized + Sync),
        replay: Replay,
    ) -> Result<FlowResponse, FlowError> {
        let before = ctx.status.clone();
        // As many attempts as the HTTP retry policy allows (1 when retries are off).
        let attempts = self.inner.http.config().retry.max_attempts.max(1);
        let mut attempt = 1;
        let url = self.flow_url(&ctx.flow_id);
        loop {
            let request = ApiRequest::new(step.clone(), Method::POST, url.clone())
                .json(&format!("application/vnd.pingidentity.{action}+json"), body)?
                .cookies(&self.cookie_header(ctx, &url))?
                // Never repeated by the HTTP layer either: this loop decides.
                .retry_safe(false);
            let request = self.pi_flow_sensitive(request);
            let outcome = self.inner.http.execute(&request).instrument(flow_span(step, ctx)).await;
            let unknown = match &outcome {
                Ok(response) => matches!(response.status(), 500 | 502 | 503 | 504),
                Err(e) => e.outcome_unknown() || (replay == Replay::AfterCheck && e.is_connect()),
            };
            if unknown && replay == Replay::Never {
                let error = match outcome {
                    Ok(response) => response.into_error(),
                    Err(error) => error,
                };
                return Err(FlowError::OutcomeUnknown { operation: step.clone(), error, stage: None });
            }
            if !unknown || attempt >= attempts {
                return match self.absorb_flow(ctx, outcome?, &url, step) {
                    Err(FlowError::Http(error)) if matches!(error.status(), Some(400 | 409)) => {
                        Err(self.explain_refusal(ctx, step, error).await)
                    }
                    other => other,
                };
            }
            let wait = outcome
                .as_ref()
                .ok()
                .and_then(|r| r.retry_after(self.inner.clock.now()))
                .unwrap_or(Duration::from_millis(100_u64.saturating_mul(u64::from(attempt))));
            tokio::time::sleep(wait.min(Duration::from_secs(5))).await;
            let current = self.read_flow(ctx, step).await?;
            if current.status != before || !current.offers(action) {
                tracing::debug!(operation = %step, "the action was processed although its answer was lost");
                return Ok(current);
            }
            attempt = attempt.saturating_add(1);
        }
    }

    /// PingOne refused an action: if the flow has moved on since this stage was made, the stage
    /// is stale; otherwise the refusal stands.
    pub(crate) async fn explain_refusal(
        &self,
        ctx: &mut FlowContext,
        step: &Operation,
        error: pingone_core::Error,
    ) -> FlowError {
        // PingOne judged this very code (or password) against this flow: an answer, not a stale
        // stage.
        let judged = error.api().is_some_and(|api| {
            api.body.details.iter().any(|d| {
                matches!(d.code.as_deref(), Some("INVALID_OTP" | "INVALID_CREDENTIALS" | "PASSWORD_LOCKED_OUT"))
            })
        });
        if judged {
            return FlowError::Http(error);
        }
        let expected = ctx.status.clone();
        match self.read_flow(ctx, step).await {
            Ok(flow) if flow.status != expected => {
                FlowError::StaleStage { operation: step.clone(), current: Some(FlowStatus::parse(&flow.status)) }
            }
            Ok(_) => FlowError::Http(error),
            Err(e) => e,
        }
    }

    /// The flow answered `404`: expired, or — when it answered recently — finished by another
    /// copy of this stage.
    pub(crate) fn gone(&self, ctx: &FlowContext, step: &Operation) -> FlowError {
        let now = crate::context::unix_seconds(self.inner.clock.now());
        if now.saturating_sub(ctx.last_answer) < FLOW_LIFETIME.as_secs() {
            FlowError::StaleStage { operation: step.clone(), current: None }
        } else {
            FlowError::Expired { operation: step.clone() }
        }
    }

    /// The `Cookie` header for a request of this flow to `url`.
    pub(crate) fn cookie_header(&self, ctx: &FlowContext, url: &Url) -> String {
        ctx.cookies.header_for(url, self.inner.clock.now())
    }

    pub(crate) fn absorb_flow(
        &self,
        ctx: &mut FlowContext,
        response: ApiResponse,
        url: &Url,
        step: &Operation,
    ) -> Result<FlowResponse, FlowError> {
        let now = self.inner.clock.now();
        ctx.cookies.absorb(response.headers(), url, now);
        if response.status() == 404 {
            return Err(self.gone(ctx, step));
        }
        let flow: FlowResponse = response.json()?;
        if flow.id != ctx.flow_id {
            return Err(FlowError::FlowMismatch { operation: step.clone() });
        }
        ctx.status = flow.status.clone();
        ctx.touch(now);
        Ok(flow)
    }

    fn flow_url(&self, flow_id: &str) -> Url {
        let mut url = self.inner.urls.flows.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.push(flow_id);
        }
        url
    }
}

/// The span of one flow step: the step and the flow ID, never a secret.
pub(crate) fn flow_span(step: &Operation, ctx: &FlowContext) -> tracing::Span {
    tracing::info_span!(
        "pingone.flow",
        step = step.step().map(Step::number),
        operation = %step,
        flow_id = %ctx.flow_id,
        status = %ctx.status
    )
}

/// The `Location` of a redirect, resolved against the request URL.
pub(crate) fn resolve_location(response: &ApiResponse, base: &Url, step: &Operation) -> Result<Url, FlowError> {
    let raw = response.location().ok_or(FlowError::Missing { operation: step.clone(), what: "the Location header" })?;
    base.join(raw).map_err(|_| FlowError::Missing { operation: step.clone(), what: "a valid Location URL" })
}

/// A query parameter of a URL.
pub(crate) fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// Scheme, host and path only: never the query (it may carry a code).
pub(crate) fn redacted_location(url: &Url) -> String {
    format!("{}://{}{}", url.scheme(), url.host_str().unwrap_or(""), url.path())
}
