//! The example's logic: the 20 steps through the crates' public API, recorded for a transcript.
//! Shared by `main.rs` and the workspace test that snapshots the transcript.
#![allow(unreachable_pub, missing_docs, dead_code, clippy::print_stderr)]

#[path = "common.rs"]
pub mod common;

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use pingone_core::{
    Endpoints, EnvironmentId, Exchange, ExchangeObserver, HttpClient, Operation, Otp, Password, WorkerCredentials,
};
use pingone_flow::{
    AfterUsername, Authorized, Completed, FirstStep, FlowError, IdTokenClaims, OtpOutcome, OtpRequired, SignOnClient,
};
use pingone_provisioning::{
    EmailMfaSetup, EmailMfaSpec, Finding, ManagementClient, Outcome, Provisioned, SetupError, TeardownReport,
};

/// The redirect URI of the demo application (never visited: the flow stops at the redirect).
pub const REDIRECT_URI: &str = "https://app.example.test/callback";
/// Name prefix of everything the example creates.
pub const PREFIX: &str = "email-mfa-demo";

/// Where OTPs are read from.
pub enum OtpSource {
    /// The simulator's outbox.
    Outbox(pingone_sim::Outbox),
    /// The terminal: the user types the code from the e-mail.
    Terminal,
}

/// What to run against.
pub struct Target {
    /// A description for the transcript header.
    pub label: String,
    /// Base URLs.
    pub endpoints: Endpoints,
    /// The environment to configure.
    pub environment: EnvironmentId,
    /// The worker application.
    pub worker: WorkerCredentials,
    /// Where the OTP comes from.
    pub otp: OtpSource,
    /// The demo user's username and e-mail address.
    pub username: String,
    /// Where the OTP is e-mailed.
    pub email: String,
    /// Keep what was created.
    pub keep: bool,
    /// Provision a password-first policy (LOGIN, then e-mail MFA) and sign on with the password
    /// first.
    pub with_password: bool,
}

/// Records every HTTP exchange (no secret is in an [`Exchange`]), tagged with the phase of the
/// run it happened in.
#[derive(Debug, Default)]
pub struct Recorder {
    phase: Mutex<Phase>,
    exchanges: Mutex<Vec<(Phase, Exchange)>>,
}

/// The phases of a run, in order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    #[default]
    Setup,
    Preflight,
    SignOn,
    Teardown,
}

impl Recorder {
    fn enter(&self, phase: Phase) {
        *self.phase.lock().unwrap_or_else(PoisonError::into_inner) = phase;
    }
}

impl ExchangeObserver for Recorder {
    fn on_exchange(&self, exchange: &Exchange) {
        let phase = *self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        self.exchanges.lock().unwrap_or_else(PoisonError::into_inner).push((phase, exchange.clone()));
    }
}

/// What a run did.
pub struct Report {
    pub label: String,
    pub environment: String,
    pub auth_base: String,
    pub exchanges: Vec<(Phase, Exchange)>,
    pub provisioned: Provisioned,
    pub flow_id: String,
    pub claims: IdTokenClaims,
    pub otp_attempts: u32,
    pub teardown: Option<TeardownReport>,
    pub elapsed: Duration,
}

/// Why a run failed, in words a newcomer can act on. No secret is ever part of it.
pub enum RunError {
    WorkerCredentials(String),
    Setup(SetupError),
    Preflight(Vec<Finding>),
    Flow(FlowError),
    Teardown(pingone_core::Error),
    Otp(String),
    App(pingone_mfa::UnsupportedAuthMethod),
    Random,
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::WorkerCredentials(why) => write!(
                f,
                "the worker credentials were refused ({why}): check PINGONE_CLIENT_ID and PINGONE_CLIENT_SECRET, and that the worker application lives in PINGONE_ENVIRONMENT_ID"
            ),
            RunError::Setup(e) => match e.call() {
                Some(call) if call.status() == Some(403) => {
                    write!(
                        f,
                        "provisioning was forbidden: give the worker application the Environment Admin and Identity Data Admin roles ({e})"
                    )
                }
                _ => write!(f, "provisioning failed: {e}"),
            },
            RunError::Preflight(findings) => {
                let reasons: Vec<String> = findings.iter().map(ToString::to_string).collect();
                write!(f, "e-mail MFA would not fire: {}", reasons.join("; "))
            }
            RunError::Flow(e) => write!(f, "the sign-on failed: {e}"),
            RunError::Teardown(e) => write!(f, "the sign-on worked, but teardown failed: {e}"),
            RunError::Otp(why) => write!(f, "no one-time passcode: {why}"),
            RunError::App(e) => write!(f, "the provisioned application cannot be signed on to: {e}"),
            RunError::Random => write!(f, "the system random number generator failed: no password was made"),
        }
    }
}

impl From<SetupError> for RunError {
    fn from(e: SetupError) -> Self {
        RunError::Setup(e)
    }
}

impl From<FlowError> for RunError {
    fn from(e: FlowError) -> Self {
        RunError::Flow(e)
    }
}

use pingone_mfa::oidc_app;

impl Target {
    /// The embedded simulator, with the OTP read from its outbox.
    pub fn simulator(
        sim: &pingone_sim::Simulator,
        username: String,
        email: String,
        keep: bool,
    ) -> Result<Self, String> {
        let tenant = common::Tenant::simulator(sim)?;
        Ok(Self {
            label: tenant.label,
            endpoints: tenant.endpoints,
            worker: tenant.worker,
            environment: tenant.environment,
            otp: OtpSource::Outbox(sim.outbox().clone()),
            username,
            email,
            keep,
            with_password: false,
        })
    }
}

/// Steps 1-20 (and teardown unless `keep`).
pub async fn run(target: Target) -> Result<Report, RunError> {
    let started = Instant::now();
    let recorder = Arc::new(Recorder::default());
    let http = HttpClient::new().map_err(|e| RunError::Flow(e.into()))?.with_observer(recorder.clone());
    let management =
        ManagementClient::connect(http.clone(), target.endpoints.clone(), target.environment.clone(), target.worker);
    // Section 3: the worker token. Wrong credentials are the first thing newcomers meet.
    if let Err(e) = management.transport().tokens().token().await {
        return Err(match e.status() {
            Some(400 | 401) => RunError::WorkerCredentials(e.oauth_error().unwrap_or("401").to_owned()),
            _ => RunError::Setup(e.into()),
        });
    }
    // Steps 1-13 and 19, concurrently and idempotently.
    let password = common::demo_password().ok_or(RunError::Random)?;
    let mut spec = EmailMfaSpec::demo(PREFIX, REDIRECT_URI, &target.username, &target.email, password.clone());
    if target.with_password {
        spec = spec.with_password_first();
    }
    let provisioned = EmailMfaSetup::new(spec).run(&management).await?;
    recorder.enter(Phase::Preflight);
    let findings = pingone_provisioning::preflight(&management, &provisioned.client_id, &provisioned.ids.user)
        .await
        .map_err(SetupError::from)?;
    if !findings.is_empty() {
        return Err(RunError::Preflight(findings));
    }
    // Steps 14-18 and 20.
    recorder.enter(Phase::SignOn);
    let client = SignOnClient::new(
        http,
        target.endpoints.clone(),
        target.environment.clone(),
        oidc_app(&provisioned).map_err(RunError::App)?,
    );
    let authorized = client.authorize().await?;
    let flow_id = authorized.flow_id().to_owned();
    let identified = if target.with_password {
        sign_on_with_password(&client, authorized, &target.username, &password).await?
    } else {
        authorized.submit_username(&client, &target.username).await?.next()?
    };
    let mut otp_attempts = 0;
    let completed = match identified {
        AfterUsername::OtpRequired(state) => {
            otp_loop(&client, state, &target.otp, &target.email, &mut otp_attempts).await?
        }
        AfterUsername::DeviceSelectionRequired(selection) => {
            let first = selection.devices().first().map(|d| d.id.clone()).unwrap_or_default();
            let state = selection.select(&client, &first).await?;
            otp_loop(&client, state, &target.otp, &target.email, &mut otp_attempts).await?
        }
        AfterUsername::Completed(done) => done,
    };
    let resumed = completed.resume(&client).await?;
    let tokens = resumed.exchange(&client).await?;
    let claims = tokens.claims.clone();
    recorder.enter(Phase::Teardown);
    let teardown = if target.keep {
        None
    } else {
        Some(pingone_provisioning::teardown(&management, &provisioned.ids).await.map_err(RunError::Teardown)?)
    };
    let exchanges = recorder.exchanges.lock().unwrap_or_else(PoisonError::into_inner).clone();
    Ok(Report {
        label: target.label,
        environment: target.environment.to_string(),
        auth_base: target.endpoints.auth_base().as_str().trim_end_matches('/').to_owned(),
        exchanges,
        provisioned,
        flow_id,
        claims,
        otp_attempts,
        teardown,
        elapsed: started.elapsed(),
    })
}

/// Steps 15-16 of a password-first policy: read the flow, which asks for the username and
/// password (`USERNAME_PASSWORD_REQUIRED`), then send them (`usernamePassword.check`).
async fn sign_on_with_password(
    client: &SignOnClient,
    authorized: Authorized,
    username: &str,
    password: &Password,
) -> Result<AfterUsername, RunError> {
    match authorized.next(client).await? {
        FirstStep::PasswordRequired(stage) => Ok(stage.submit_credentials(client, username, password).await?),
        // The policy asks for the username alone after all: go on without the password.
        FirstStep::UsernameRequired(stage) => Ok(stage.submit_username(client, username).await?.next()?),
    }
}

async fn otp_loop(
    client: &SignOnClient,
    mut state: OtpRequired,
    source: &OtpSource,
    email: &str,
    attempts: &mut u32,
) -> Result<Completed, RunError> {
    loop {
        let otp = match source {
            OtpSource::Outbox(outbox) => {
                let mail = outbox
                    .next_for(email, Duration::from_secs(10))
                    .await
                    .ok_or_else(|| RunError::Otp("no e-mail arrived in 10 s".into()))?;
                Otp::new(mail.otp())
            }
            OtpSource::Terminal => {
                let to = state.selected_device().and_then(|d| d.masked_address()).unwrap_or(email).to_owned();
                Otp::new(prompt(&format!("Enter the one-time passcode e-mailed to {to}: "))?)
            }
        };
        *attempts += 1;
        match state.submit_otp(client, &otp).await? {
            OtpOutcome::Completed(done) => return Ok(done),
            OtpOutcome::Rejected(rejection) => {
                let left = rejection.remaining_attempts.map_or_else(String::new, |n| format!(" ({n} attempt(s) left)"));
                if rejection.expired {
                    eprintln!("That passcode expired; a new one is on its way.");
                    state = rejection.state.resend(client).await?;
                } else {
                    eprintln!("That passcode was wrong{left}. Try again.");
                    state = rejection.state;
                }
            }
        }
    }
}

fn prompt(question: &str) -> Result<String, RunError> {
    use std::io::{BufRead, Write};
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| RunError::Otp(e.to_string()))?;
    let code = line.trim().to_owned();
    if code.is_empty() { Err(RunError::Otp("nothing was typed".into())) } else { Ok(code) }
}

/// The number printed in the step column: the workflow step the exchange is or serves (read from
/// its [`Operation`], never parsed from text); 0 for the worker token; 99 (printed `-`) for
/// teardown and anything outside the workflow.
fn step_of(phase: Phase, operation: &Operation) -> u32 {
    match (phase, operation) {
        (Phase::Teardown, _) => 99,
        (_, Operation::WorkerToken) => 0,
        (_, operation) => operation.step().map_or(99, |step| u32::from(step.number())),
    }
}

/// A short note on an exchange that is not one of the 20 steps itself.
fn note_of(phase: Phase, exchange: &Exchange) -> &'static str {
    match (phase, &exchange.operation) {
        (Phase::Setup, Operation::WorkerToken) => "worker token",
        (Phase::Setup, operation) if !operation.is_step() => "lookup",
        (Phase::Preflight, _) => "preflight",
        (Phase::SignOn, Operation::Discovery) => "discovery",
        (Phase::SignOn, Operation::Jwks) => "JWKS",
        _ => "",
    }
}

fn looks_like_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

/// The transcript. With `redact`, IDs, the host and times are replaced by placeholders (for a
/// stable snapshot).
pub fn render(report: &Report, redact: bool) -> String {
    let p = &report.provisioned;
    let mut ids: Vec<(String, &str)> = vec![(report.environment.clone(), "{envID}")];
    if redact {
        ids.extend([
            (p.ids.application.to_string(), "{applicationID}"),
            (p.ids.grant.to_string(), "{grantID}"),
            (p.ids.sign_on_policy.to_string(), "{policyID}"),
            (p.ids.action.to_string(), "{actionID}"),
            (p.ids.assignment.to_string(), "{assignmentID}"),
            (p.ids.population.to_string(), "{populationID}"),
            (p.ids.user.to_string(), "{userID}"),
            (p.ids.device_policy.to_string(), "{devicePolicyID}"),
            (p.ids.device.to_string(), "{deviceID}"),
            (report.flow_id.clone(), "{flowID}"),
            (report.auth_base.clone(), "{auth}"),
        ]);
    }
    let clean = |text: &str| {
        let known = ids.iter().fold(text.to_owned(), |acc, (id, label)| acc.replace(id.as_str(), label));
        if redact {
            known.split('/').map(|seg| if looks_like_uuid(seg) { "{id}" } else { seg }).collect::<Vec<_>>().join("/")
        } else {
            known
        }
    };
    let ms = |d: Duration| if redact { "_ ms".to_owned() } else { format!("{:.1} ms", d.as_secs_f64() * 1e3) };
    let mut out = String::new();
    let _ = writeln!(out, "PingOne Email MFA workflow: {}", clean(&report.label));
    let _ = writeln!(out, "environment {}\n", if redact { "{envID}".to_owned() } else { report.environment.clone() });
    let _ = writeln!(out, "step  method status      time  path  [note]");
    let mut rows: Vec<&(Phase, Exchange)> = report.exchanges.iter().collect();
    // Teardown last; otherwise by step; concurrent requests in a stable order.
    rows.sort_by_key(|(phase, e)| {
        (
            *phase == Phase::Teardown,
            step_of(*phase, &e.operation),
            *phase,
            e.method.to_string(),
            e.path.clone(),
            e.attempt,
        )
    });
    let created = |step: u32| -> Option<(String, Outcome)> {
        let o = &p.outcomes;
        let (label, id, outcome) = match step {
            1 => ("application", p.ids.application.to_string(), o.application),
            4 => ("grant", p.ids.grant.to_string(), o.grant),
            5 => ("sign-on policy", p.ids.sign_on_policy.to_string(), o.sign_on_policy),
            6 => ("MFA action", p.ids.action.to_string(), o.action),
            7 => ("assignment", p.ids.assignment.to_string(), o.assignment),
            8 => ("population", p.ids.population.to_string(), o.population),
            9 => ("user", p.ids.user.to_string(), o.user),
            12 => ("device policy", p.ids.device_policy.to_string(), o.device_policy),
            13 => ("EMAIL device", p.ids.device.to_string(), o.device),
            14 => ("flow", report.flow_id.clone(), Outcome::Created),
            15.. => return None,
            _ => return None,
        };
        Some((format!("{label} {}", clean(&id)), outcome))
    };
    let mut teardown_heading = false;
    for (phase, e) in rows {
        let step = step_of(*phase, &e.operation);
        let note = note_of(*phase, e);
        if *phase == Phase::Teardown && !teardown_heading {
            let _ = writeln!(out, "\nteardown:");
            teardown_heading = true;
        }
        let status = e.status.map_or_else(|| "-".to_owned(), |s| s.to_string());
        let mut note = note.to_owned();
        if note.is_empty()
            && (e.method != pingone_core::Method::GET || step == 14)
            && let Some((what, outcome)) = created(step)
        {
            note = match outcome {
                Outcome::Created => format!("created {what}"),
                Outcome::Reused => format!("reused {what}"),
                Outcome::Updated => format!("updated {what}"),
            };
        }
        if e.attempt > 1 {
            note.push_str(&format!(" (attempt {})", e.attempt));
        }
        let step_text = if *phase == Phase::Teardown || step == 99 { "-".to_owned() } else { step.to_string() };
        let note = if note.trim().is_empty() { String::new() } else { format!("  [{}]", note.trim()) };
        let _ = writeln!(
            out,
            "{step_text:>4}  {:<6} {status:>6} {:>9}  {}{note}",
            e.method.as_str(),
            ms(e.elapsed),
            clean(&e.path)
        );
    }
    let c = &report.claims;
    let time = |t: u64| if redact { "{time}".to_owned() } else { t.to_string() };
    let _ = writeln!(out, "\nID token claims (verified: RS256 signature, iss, aud, exp, iat, nonce):");
    let _ = writeln!(out, "  iss                {}", clean(&c.iss));
    let _ = writeln!(out, "  sub                {}", clean(&c.sub));
    let _ = writeln!(out, "  aud                {}", clean(&c.aud.join(" ")));
    let _ = writeln!(out, "  preferred_username {}", c.preferred_username.as_deref().unwrap_or("-"));
    let _ = writeln!(out, "  email              {}", c.email.as_deref().unwrap_or("-"));
    let _ = writeln!(out, "  amr                {}", c.amr.join(" "));
    let _ = writeln!(out, "  auth_time          {}", c.auth_time.map_or_else(|| "-".to_owned(), time));
    let _ = writeln!(out, "  iat                {}", time(c.iat));
    let _ = writeln!(out, "  exp                {}", time(c.exp));
    let requests = report.exchanges.len();
    let torn = report
        .teardown
        .as_ref()
        .map_or_else(|| "kept everything (--keep)".to_owned(), |t| format!("tore down {} objects", t.removed.len()));
    let _ = writeln!(
        out,
        "\nSummary: 20 steps in {requests} requests, {}; {} signed on with {} after {} passcode attempt(s); {torn}.",
        ms(report.elapsed),
        c.preferred_username.as_deref().unwrap_or("the user"),
        if c.amr.iter().any(|m| m == "pwd") { "a password and e-mail MFA" } else { "e-mail MFA" },
        report.otp_attempts,
    );
    out
}
