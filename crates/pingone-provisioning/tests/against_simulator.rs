//! The setup, its idempotence, lost responses, teardown and preflight against the simulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::time::Duration;

use pingone_core::{
    ClientSecret, Endpoints, EnvironmentId, HttpClient, HttpConfig, Password, RetryPolicy, Step, WorkerCredentials,
};
use pingone_provisioning::{
    EmailMfaSetup, EmailMfaSpec, Finding, ManagementClient, Outcome, Removal, SetupError, preflight, teardown,
};
use pingone_sim::{Fault, ScriptedFault, SimConfig, Simulator, request_levels};

fn client_for(sim: &Simulator) -> ManagementClient {
    let http = HttpClient::with_config(HttpConfig {
        retry: RetryPolicy {
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            ..RetryPolicy::default()
        },
        ..HttpConfig::default()
    })
    .unwrap();
    let endpoints = Endpoints::custom(sim.management_base(), sim.auth_base()).unwrap();
    let env: EnvironmentId = sim.environment_id().parse().unwrap();
    let worker =
        WorkerCredentials::basic(env.clone(), sim.worker_client_id(), ClientSecret::new(sim.worker_client_secret()));
    ManagementClient::connect(http, endpoints, env, worker)
}

fn spec() -> EmailMfaSpec {
    EmailMfaSpec::demo(
        "email-mfa-demo",
        "https://app.example.test/callback",
        "ada.example",
        "ada@example.test",
        Password::new("Corr3ct-Horse-Battery!"),
    )
}

fn management_posts(sim: &Simulator, from: usize) -> Vec<String> {
    sim.journal()[from..]
        .iter()
        .filter(|e| e.method == "POST" && e.path.starts_with("/v1/"))
        .map(|e| e.path.clone())
        .collect()
}

#[tokio::test]
async fn setup_provisions_everything_the_flow_needs() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = client_for(&sim);
    let p = EmailMfaSetup::new(spec()).run(&client).await.unwrap();
    assert_eq!(p.redirect_uri, "https://app.example.test/callback");
    assert_eq!(p.username, "ada.example");
    assert_eq!(p.email, "ada@example.test");
    assert_eq!(p.scopes, ["openid", "profile", "email"]);
    assert_eq!(p.outcomes.created(), 9);
    assert!(!p.client_secret.secret().is_empty());
    assert!(!format!("{p:?}").contains(p.client_secret.secret()));
    // Every step's POST/PUT went out exactly once.
    assert_eq!(management_posts(&sim, 0).len(), 9, "{:?}", management_posts(&sim, 0));
    assert!(preflight(&client, &p.client_id, &p.ids.user).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_second_run_creates_nothing() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = client_for(&sim);
    let first = EmailMfaSetup::new(spec()).run(&client).await.unwrap();
    let mark = sim.journal().len();
    let second = EmailMfaSetup::new(spec()).run(&client).await.unwrap();
    assert_eq!(management_posts(&sim, mark), Vec::<String>::new(), "no POST on the second run");
    assert_eq!(second.outcomes.created(), 0);
    assert!(second.outcomes.all().iter().all(|(_, o)| *o == Outcome::Reused), "{:?}", second.outcomes);
    assert_eq!(first.ids, second.ids);
    assert_eq!(first.client_secret, second.client_secret);
    // A changed spec is converged by an update, not a duplicate.
    let mut changed = spec();
    changed.application.redirect_uris.push("https://app.example.test/other".into());
    let third = EmailMfaSetup::new(changed).run(&client).await.unwrap();
    assert_eq!(third.outcomes.application, Outcome::Updated);
    assert_eq!(third.ids.application, first.ids.application);
}

#[tokio::test]
async fn sequential_run_converges_on_the_same_objects() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = client_for(&sim);
    let concurrent = EmailMfaSetup::new(spec()).run(&client).await.unwrap();
    let sequential = EmailMfaSetup::new(spec()).run_sequential(&client).await.unwrap();
    assert_eq!(concurrent.ids, sequential.ids);
}

#[tokio::test]
async fn concurrent_setup_is_four_request_levels_deep_sequential_is_nineteen() {
    let sim = Simulator::start(SimConfig { latency: Duration::from_millis(30), ..SimConfig::default() }).await.unwrap();
    let client = client_for(&sim);
    // Fetch the worker token first so that it is not counted as a level.
    client.transport().tokens().token().await.unwrap();
    let mark = sim.journal().len();
    EmailMfaSetup::new(spec()).run(&client).await.unwrap();
    let concurrent: Vec<_> = sim.journal()[mark..].to_vec();
    let levels = request_levels(&concurrent);
    // 1 lookups + resources; 2 creates + scopes; 3 secret, action, user; 4 grant, assignment,
    // password, mfaEnabled, device.
    println!("concurrent setup: {} requests in {levels} levels", concurrent.len());
    assert_eq!(levels, 4);
    let sim2 =
        Simulator::start(SimConfig { latency: Duration::from_millis(30), ..SimConfig::default() }).await.unwrap();
    let client2 = client_for(&sim2);
    client2.transport().tokens().token().await.unwrap();
    let mark = sim2.journal().len();
    EmailMfaSetup::new(spec()).run_sequential(&client2).await.unwrap();
    let sequential = request_levels(&sim2.journal()[mark..]);
    println!("sequential setup: {sequential} levels");
    assert_eq!(sequential, sim2.journal()[mark..].len(), "one request per level");
    assert!(sequential >= 13, "{sequential}");
    assert!(levels * 3 <= sequential, "concurrent {levels} vs sequential {sequential}");
}

#[tokio::test]
async fn a_create_whose_response_was_lost_is_resolved_by_a_lookup() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let controls = sim.controls();
    for path in [
        "/users",
        "/populations",
        "/applications",
        "/signOnPolicies",
        "/deviceAuthenticationPolicies",
        "/devices",
        "/grants",
    ] {
        controls.inject(ScriptedFault::matching("POST", path, Fault::DropAfterCommit));
    }
    let client = client_for(&sim);
    let p = EmailMfaSetup::new(spec()).run(&client).await.unwrap();
    assert_eq!(controls.faults_injected(), 7);
    assert_eq!(p.outcomes.created(), 9);
    // Exactly one of each.
    let users = client.find_user_by_username("ada.example").await.unwrap();
    assert!(users.is_some());
    let apps = client.list_applications().await.unwrap();
    assert_eq!(apps.iter().filter(|a| a.name == "email-mfa-demo-web").count(), 1);
    assert_eq!(client.list_devices(&p.ids.user).await.unwrap().len(), 1);
    assert_eq!(client.list_grants(&p.client_id).await.unwrap().len(), 1);
    assert_eq!(client.find_populations_by_name("email-mfa-demo-population").await.unwrap().len(), 1);
    assert_eq!(
        client.list_sign_on_policies().await.unwrap().iter().filter(|x| x.settings.name.contains("Email_MFA")).count(),
        1
    );
}

#[tokio::test]
async fn teardown_removes_everything_and_tolerates_what_is_gone() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = client_for(&sim);
    let p = EmailMfaSetup::new(spec()).run(&client).await.unwrap();
    // Delete one object behind teardown's back.
    client.delete_device(&p.ids.user, &p.ids.device).await.unwrap();
    let report = teardown(&client, &p.ids).await.unwrap();
    assert_eq!(report.removed.len(), 8, "the MFA action goes with its policy");
    assert_eq!(report.removed.iter().filter(|(_, r)| *r == Removal::AlreadyGone).count(), 1);
    assert!(client.read_application(&p.client_id).await.unwrap_err().is_not_found());
    assert!(client.read_user(&p.ids.user).await.unwrap_err().is_not_found());
    assert!(client.find_populations_by_name("email-mfa-demo-population").await.unwrap().is_empty());
    assert!(!client.list_sign_on_policies().await.unwrap().iter().any(|x| x.id == p.ids.sign_on_policy));
    assert!(client.read_device_authentication_policy(&p.ids.device_policy).await.unwrap_err().is_not_found());
    // Twice is fine.
    let again = teardown(&client, &p.ids).await.unwrap();
    assert!(again.removed.iter().all(|(_, r)| *r == Removal::AlreadyGone));
}

#[tokio::test]
async fn preflight_names_each_reason_mfa_would_not_fire() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = client_for(&sim);
    let p = EmailMfaSetup::new(spec()).run(&client).await.unwrap();
    client.set_mfa_enabled(&p.ids.user, false).await.unwrap();
    client.delete_device(&p.ids.user, &p.ids.device).await.unwrap();
    let mut policy = spec().device_policy;
    policy.email.enabled = false;
    client.update_device_authentication_policy(&p.ids.device_policy, &policy).await.unwrap();
    let findings = preflight(&client, &p.client_id, &p.ids.user).await.unwrap();
    assert_eq!(
        findings,
        [
            Finding::MfaNotEnabled,
            Finding::NoActiveEmailDevice,
            Finding::DevicePolicyEmailDisabled { policy: p.ids.device_policy.clone() }
        ]
    );
    client.delete_sign_on_policy_assignment(&p.client_id, &p.ids.assignment).await.unwrap();
    let findings = preflight(&client, &p.client_id, &p.ids.user).await.unwrap();
    assert!(findings.contains(&Finding::NoPolicyAssigned));
    assert!(findings.iter().all(|f| !f.to_string().is_empty()));
}

#[tokio::test]
async fn setup_errors_name_the_step() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = client_for(&sim);
    let mut bad = spec();
    bad.password = Password::new("short");
    let err = EmailMfaSetup::new(bad).run(&client).await.unwrap_err();
    let SetupError::Call(call) = &err else { panic!("{err}") };
    assert_eq!(call.step(), Some(Step::SetPassword));
    assert_eq!(err.step(), Some(Step::SetPassword));
    assert!(err.to_string().starts_with("step 10: set password (PUT "), "{err}");
    assert_eq!(call.status(), Some(400));
    assert!(!err.to_string().contains("short"), "{err}");
    let mut missing = spec();
    missing.scopes.push("no-such-scope".into());
    let err = EmailMfaSetup::new(missing).run(&client).await.unwrap_err();
    assert!(matches!(err, SetupError::MissingScopes(ref m) if m == &["no-such-scope".to_owned()]), "{err}");
    assert_eq!(err.step(), Some(Step::ListScopes));
    assert!(err.to_string().starts_with("step 3: list scopes: the openid resource has no scope(s) named"), "{err}");
}
