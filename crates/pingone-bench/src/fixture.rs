//! What every section shares: the HTTP clients, the wiring to a simulator (in process or in its
//! own process), the demo spec, one complete sign-on through the typestate API, and printing.

use std::future::Future;
use std::time::Duration;

use pingone_core::{ClientAuth, ClientSecret, Endpoints, EnvironmentId, HttpClient, HttpConfig, Otp, Password};
use pingone_core::{RetryPolicy, WorkerCredentials};
use pingone_flow::{AfterUsername, FlowError, OidcApp, OtpOutcome, Recovery, SignOnClient, SignOnStage};
use pingone_provisioning::{EmailMfaSpec, ManagementClient, Provisioned};
use pingone_sim::Simulator;
use serde_json::Value;

pub(crate) const REDIRECT: &str = "https://app.example.test/callback";

/// The client library's HTTP client with `max_attempts` attempts per request.
pub(crate) fn http(max_attempts: u32) -> HttpClient {
    HttpClient::with_config(HttpConfig {
        retry: RetryPolicy { max_attempts, retry_after_cap: Duration::from_secs(1), ..RetryPolicy::default() },
        ..HttpConfig::default()
    })
    .expect("HTTP client")
}

/// A plain reqwest client that follows no redirects: the hand-written baseline (as in the first
/// round, no timeout) or, with a timeout, the harness (provisioning by hand, passcode reads).
pub(crate) fn raw_http(timeout: Option<Duration>) -> reqwest::Client {
    let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    match timeout {
        Some(timeout) => builder.timeout(timeout),
        None => builder,
    }
    .build()
    .expect("reqwest")
}

/// The harness's HTTP client (30 s timeout).
pub(crate) fn harness_http() -> reqwest::Client {
    raw_http(Some(Duration::from_secs(30)))
}

/// The demo application, policies and first user (`ada`).
pub(crate) fn spec() -> EmailMfaSpec {
    EmailMfaSpec::demo("bench", REDIRECT, "ada", "ada@example.test", Password::new("Corr3ct-Horse-Battery!"))
}

/// Where a simulator is and how its worker signs in: from an in-process [`Simulator`] or from
/// the ready line of a `pingone-sim` process.
#[derive(Clone)]
pub(crate) struct Wiring {
    endpoints: Endpoints,
    environment: EnvironmentId,
    worker: WorkerCredentials,
}

impl Wiring {
    pub(crate) fn of(sim: &Simulator) -> Self {
        Self::from_ready(&ready_of(sim))
    }

    /// From the `pingone-sim` ready line.
    pub(crate) fn from_ready(ready: &Value) -> Self {
        let field = |key: &str| ready[key].as_str().unwrap_or_default();
        let endpoints =
            Endpoints::custom(field("management_base"), field("auth_base")).expect("the simulator's endpoints");
        let environment: EnvironmentId = field("environment_id").parse().expect("the simulator's environment ID");
        let worker = WorkerCredentials::basic(
            environment.clone(),
            field("worker_client_id"),
            ClientSecret::new(field("worker_client_secret")),
        );
        Self { endpoints, environment, worker }
    }

    pub(crate) fn management(&self, max_attempts: u32) -> ManagementClient {
        ManagementClient::connect(
            http(max_attempts),
            self.endpoints.clone(),
            self.environment.clone(),
            self.worker.clone(),
        )
    }

    /// A sign-on client for the provisioned application.
    pub(crate) fn sign_on(&self, p: &Provisioned, max_attempts: u32) -> SignOnClient {
        let app = OidcApp::new(
            p.client_id.as_str(),
            REDIRECT,
            &["openid", "profile", "email"],
            ClientAuth::SecretBasic(p.client_secret.clone()),
        );
        SignOnClient::new(http(max_attempts), self.endpoints.clone(), self.environment.clone(), app)
    }
}

/// What the `pingone-sim` binary's ready line holds, for an in-process simulator.
pub(crate) fn ready_of(sim: &Simulator) -> Value {
    serde_json::json!({
        "management_base": sim.management_base(), "auth_base": sim.auth_base(),
        "environment_id": sim.environment_id(), "worker_client_id": sim.worker_client_id(),
        "worker_client_secret": sim.worker_client_secret(), "outbox_url": sim.outbox_url(),
        "controls_url": sim.controls_url(),
    })
}

/// `(username, e-mail)` of the load users `load0` … `load{count-1}`.
pub(crate) fn load_users(count: usize) -> Vec<(String, String)> {
    (0..count).map(|i| (format!("load{i}"), format!("load{i}@example.test"))).collect()
}

/// `count` users spread evenly over `users` (so that a lookup by username is not always of the
/// first users created).
pub(crate) fn spread(users: &[(String, String)], count: usize) -> Vec<(String, String)> {
    let stride = (users.len() / count.max(1)).max(1);
    users.iter().step_by(stride).take(count).cloned().collect()
}

/// One complete sign-on through the typestate API: authorize, username, the e-mailed passcode
/// (read by `otp`), resume, token exchange with the ID token verified.
pub(crate) async fn typestate_sign_on<F, Fut>(client: &SignOnClient, username: &str, otp: F) -> Result<(), String>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Option<String>>,
{
    sign_on_once(client, username, otp).await.map_err(|e| e.to_string())
}

/// Why one sign-on attempt failed: a step's error (which says how to recover) or the harness.
#[derive(Debug)]
pub(crate) enum SignOnFailure {
    Flow(FlowError),
    Harness(&'static str),
}

impl SignOnFailure {
    /// Whether a real application would start a new sign-on from authorize: the step's error
    /// says retry (a lost answer, a `429` or `5xx`) or start over.
    pub(crate) fn restartable(&self) -> bool {
        matches!(self, SignOnFailure::Flow(e) if matches!(e.recovery(), Recovery::Retry | Recovery::StartOver))
    }
}

impl std::fmt::Display for SignOnFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignOnFailure::Flow(e) => e.fmt(f),
            SignOnFailure::Harness(what) => f.write_str(what),
        }
    }
}

impl From<FlowError> for SignOnFailure {
    fn from(e: FlowError) -> Self {
        SignOnFailure::Flow(e)
    }
}

/// One attempt of [`typestate_sign_on`], keeping the step's error.
pub(crate) async fn sign_on_once<F, Fut>(client: &SignOnClient, username: &str, otp: F) -> Result<(), SignOnFailure>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Option<String>>,
{
    let submitted = client.authorize().await?.submit_username(client, username).await?;
    let AfterUsername::OtpRequired(state) = submitted.next()? else {
        return Err(SignOnFailure::Harness("no OTP step"));
    };
    let otp = Otp::new(otp().await.ok_or(SignOnFailure::Harness("no e-mail"))?);
    let mut state = state;
    let done = loop {
        match state.submit_otp(client, &otp).await {
            Ok(OtpOutcome::Completed(done)) => break done,
            Ok(OtpOutcome::Rejected(_)) => return Err(SignOnFailure::Harness("OTP rejected")),
            // The answer was lost: read where the flow stands rather than sending the code again.
            Err(FlowError::OutcomeUnknown { stage: Some(stage), .. }) => {
                let SignOnStage::OtpRequired(stage) = *stage else {
                    return Err(SignOnFailure::Harness("not the OTP stage"));
                };
                match stage.refresh(client).await? {
                    OtpOutcome::Completed(done) => break done,
                    OtpOutcome::Rejected(rejection) => state = rejection.state,
                }
            }
            Err(e) => return Err(e.into()),
        }
    };
    done.resume(client).await?.exchange(client).await?;
    Ok(())
}

/// How one sign-on went when restarted from authorize after a retryable or start-over error.
pub(crate) struct Restarted {
    pub result: Result<(), SignOnFailure>,
    /// How many times it started over.
    pub restarts: usize,
}

/// A sign-on as a real application drives it: when a step fails with an error that says retry
/// or start over, the sign-on starts again from authorize, at most `max_restarts` times. Before
/// each new attempt, `before_restart` runs (it drops passcodes mailed for the abandoned flow).
pub(crate) async fn sign_on_restarting<F, Fut, B, BFut>(
    client: &SignOnClient,
    username: &str,
    max_restarts: usize,
    otp: F,
    before_restart: B,
) -> Restarted
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<String>>,
    B: Fn() -> BFut,
    BFut: Future<Output = ()>,
{
    let mut restarts = 0;
    loop {
        let result = sign_on_once(client, username, &otp).await;
        match result {
            Err(e) if e.restartable() && restarts < max_restarts => {
                restarts += 1;
                before_restart().await;
            }
            result => return Restarted { result, restarts },
        }
    }
}

/// The next passcode mailed to `to` in an in-process simulator's outbox.
pub(crate) async fn mailed_otp(sim: &Simulator, to: &str) -> Option<String> {
    sim.outbox().next_for(to, Duration::from_secs(60)).await.map(|m| m.otp().to_owned())
}

/// Drops the passcodes mailed to `to` that nobody read (those of an abandoned flow).
pub(crate) async fn drop_mailed(sim: &Simulator, to: &str) {
    while sim.outbox().next_for(to, Duration::ZERO).await.is_some() {}
}

/// Prints a titled table of `(label, value)` rows.
pub(crate) fn table(title: &str, rows: &[(String, String)]) {
    println!("\n== {title}");
    for (k, v) in rows {
        println!("  {k:<56} {v}");
    }
}
