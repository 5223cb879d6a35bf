//! The setup, its idempotence, lost responses, teardown and preflight against the simulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::time::Duration;

use pingone_core::{
    ClientSecret, Endpoints, EnvironmentId, HttpClient, HttpConfig, Password, RetryPolicy, Step, WorkerCredentials,
};
use pingone_provisioning::model::{ActionType, DeviceSelection, DeviceStatus, DeviceType};
use pingone_provisioning::{
    EmailMfaSetup, EmailMfaSpec, Finding, ManagementClient, Outcome, PopulationFilter, Removal, SetupError, preflight,
    teardown,
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
    // The optimistic creates of the uniquely named objects were refused (400
    // UNIQUENESS_VIOLATION) and resolved by lookups; nothing was created.
    let mut posts: Vec<(String, u16)> = sim.journal()[mark..]
        .iter()
        .filter(|e| e.method == "POST")
        .map(|e| (e.path.rsplit('/').next().unwrap_or_default().to_owned(), e.status))
        .collect();
    posts.sort();
    let refused = |collection: &str| (collection.to_owned(), 400);
    assert_eq!(posts, [refused("deviceAuthenticationPolicies"), refused("populations"), refused("signOnPolicies")]);
    assert_eq!(second.outcomes.created(), 0);
    assert!(second.outcomes.all().iter().all(|(_, o)| *o == Outcome::Reused), "{:?}", second.outcomes);
    assert_eq!(first.ids, second.ids);
    assert_eq!(first.client_secret, second.client_secret);
    // A changed spec is converged by an update, not a duplicate.
    let mut changed = spec();
    changed.application.redirect_uris.push("https://app.example.test/other".into());
    let third =
        EmailMfaSetup::new(changed.with_device_selection(DeviceSelection::PromptToSelect)).run(&client).await.unwrap();
    assert_eq!(third.outcomes.application, Outcome::Updated);
    assert_eq!(third.outcomes.device_policy, Outcome::Updated);
    assert_eq!(third.ids, first.ids);
}

#[tokio::test]
async fn sequential_run_converges_on_the_same_objects() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = client_for(&sim);
    let concurrent = EmailMfaSetup::new(spec()).run(&client).await.unwrap();
    let sequential = EmailMfaSetup::new(spec()).run_sequential(&client).await.unwrap();
    assert_eq!(concurrent.ids, sequential.ids);
}

/// The request levels of one setup run, the worker token fetched before.
async fn levels_of(sim: &Simulator, client: &ManagementClient, sequential: bool) -> (usize, usize) {
    client.transport().tokens().token().await.unwrap();
    let mark = sim.journal().len();
    let setup = EmailMfaSetup::new(spec());
    if sequential {
        setup.run_sequential(client).await.unwrap();
    } else {
        setup.run(client).await.unwrap();
    }
    let journal = sim.journal()[mark..].to_vec();
    (request_levels(&journal), journal.len())
}

#[tokio::test]
async fn the_setup_is_three_request_levels_deep_on_a_first_and_on_a_repeated_run() {
    // 100 ms per request: a request sent late because the machine is busy still shares its level.
    let sim =
        Simulator::start(SimConfig { latency: Duration::from_millis(100), ..SimConfig::default() }).await.unwrap();
    let client = client_for(&sim);
    let (fresh, requests) = levels_of(&sim, &client, false).await;
    println!("first run: {requests} requests in {fresh} levels");
    // 1 list applications, list resources, create the policy, population and device policy;
    // 2 create the application, list scopes, create the user; 3 grant, secret, action,
    // assignment, password, mfaEnabled, device.
    assert!(fresh <= 3, "{fresh} levels");
    assert_eq!(requests, 15);
    let (repeated, requests) = levels_of(&sim, &client, false).await;
    println!("second run: {requests} requests in {repeated} levels");
    // 1 the same, the creates refused; 2 look the refused ones up (and the user beside its
    // population), list scopes; 3 the children's lookups, password, secret.
    assert!(repeated <= 3, "{repeated} levels");

    let sim2 =
        Simulator::start(SimConfig { latency: Duration::from_millis(20), ..SimConfig::default() }).await.unwrap();
    let (sequential, requests) = levels_of(&sim2, &client_for(&sim2), true).await;
    println!("step-by-step baseline: {requests} requests in {sequential} levels");
    assert_eq!(sequential, requests, "one request per level");
    assert_eq!(requests, 19, "every object looked up, then created");
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
async fn a_create_answered_with_a_server_fault_is_looked_up_then_sent_again() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let controls = sim.controls();
    // A 500 for the first create of every uniquely named object: not processed, so the lookup
    // finds nothing and the create is sent once more.
    for path in ["/signOnPolicies", "/populations", "/users", "/deviceAuthenticationPolicies"] {
        controls.inject(ScriptedFault::matching("POST", path, Fault::ServerError));
    }
    let client = client_for(&sim);
    let p = EmailMfaSetup::new(spec()).run(&client).await.unwrap();
    assert_eq!(controls.faults_injected(), 4);
    assert_eq!(p.outcomes.created(), 9);
    let created = |collection: &str| {
        sim.journal().iter().filter(|e| e.method == "POST" && e.path.ends_with(collection) && e.status == 201).count()
    };
    for collection in ["/signOnPolicies", "/populations", "/users", "/deviceAuthenticationPolicies"] {
        assert_eq!(created(collection), 1, "{collection}");
    }
}

#[tokio::test]
async fn teardown_removes_everything_in_order_and_tolerates_what_is_gone() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = client_for(&sim);
    let p = EmailMfaSetup::new(spec().with_password_first()).run(&client).await.unwrap();
    // Delete one object behind teardown's back.
    client.delete_device(&p.ids.user, &p.ids.device).await.unwrap();
    let mark = sim.journal().len();
    let report = teardown(&client, &p.ids).await.unwrap();
    let labels: Vec<&str> = report.removed.iter().map(|(label, _)| *label).collect();
    assert_eq!(
        labels,
        [
            "application, with its grants and policy assignments",
            "EMAIL device",
            "sign-on policy, with its actions",
            "user",
            "device authentication policy",
            "population"
        ]
    );
    assert_eq!(report.removed.iter().filter(|(_, r)| *r == Removal::AlreadyGone).count(), 1);
    // The order PingOne needs: the application before the sign-on policy, the sign-on policy
    // (whose MFA action references the device policy) before the device policy, the user
    // before its population.
    let journal = sim.journal()[mark..].to_vec();
    let delete = |collection: &str| {
        journal
            .iter()
            .find(|e| e.method == "DELETE" && e.path.rsplit('/').nth(1) == Some(collection))
            .unwrap_or_else(|| panic!("no DELETE of {collection}"))
    };
    let before = |first: &str, then: &str| {
        assert!(delete(first).completion <= delete(then).completed_before, "{first} is deleted before {then}");
    };
    before("applications", "signOnPolicies");
    before("signOnPolicies", "deviceAuthenticationPolicies");
    before("users", "populations");
    assert!(client.read_application(&p.client_id).await.unwrap_err().is_not_found());
    assert!(client.read_grant(&p.client_id, &p.ids.grant).await.unwrap_err().is_not_found(), "grants go with it");
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

#[tokio::test]
async fn a_password_first_policy_has_a_login_action_before_the_mfa_action() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = client_for(&sim);
    let p = EmailMfaSetup::new(spec().with_password_first()).run(&client).await.unwrap();
    assert!(p.password_first);
    assert_eq!(p.outcomes.created(), 10);
    assert_eq!(p.outcomes.login_action, Some(Outcome::Created));
    let mut actions = client.list_sign_on_policy_actions(&p.ids.sign_on_policy).await.unwrap();
    actions.sort_by_key(|a| a.settings.priority);
    let layout: Vec<(ActionType, u32)> =
        actions.iter().map(|a| (a.settings.kind.clone(), a.settings.priority)).collect();
    assert_eq!(layout, [(ActionType::Login, 1), (ActionType::MultiFactorAuthentication, 2)]);
    assert_eq!(Some(&actions[0].id), p.ids.login_action.as_ref());
    assert_eq!(actions[1].id, p.ids.action);
    assert_eq!(
        actions[1].settings.device_authentication_policy.as_ref().map(|r| &r.id),
        Some(&p.ids.device_policy),
        "the MFA action uses the setup's device policy"
    );
    // Idempotent as well.
    let again = EmailMfaSetup::new(spec().with_password_first()).run(&client).await.unwrap();
    assert_eq!(again.ids, p.ids);
    assert_eq!(again.outcomes.created(), 0);
    assert_eq!(client.list_sign_on_policy_actions(&p.ids.sign_on_policy).await.unwrap().len(), 2);
    // Switching the same policy to password-first later: the MFA action moves to priority 2
    // (an update) and the LOGIN action is added.
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = client_for(&sim);
    let email_only = EmailMfaSetup::new(spec()).run(&client).await.unwrap();
    assert_eq!(email_only.ids.login_action, None);
    let switched = EmailMfaSetup::new(spec().with_password_first()).run(&client).await.unwrap();
    assert_eq!(switched.outcomes.action, Outcome::Updated);
    assert_eq!(switched.outcomes.login_action, Some(Outcome::Created));
    assert_eq!(switched.ids.action, email_only.ids.action);
    // And back: the LOGIN action is removed and the MFA action returns to priority 1.
    let back = EmailMfaSetup::new(spec()).run(&client).await.unwrap();
    assert_eq!(back.ids.login_action, None);
    assert_eq!(back.outcomes.action, Outcome::Updated);
    assert_eq!(back.ids.action, email_only.ids.action);
    let actions = client.list_sign_on_policy_actions(&back.ids.sign_on_policy).await.unwrap();
    let layout: Vec<(ActionType, u32)> =
        actions.iter().map(|a| (a.settings.kind.clone(), a.settings.priority)).collect();
    assert_eq!(layout, [(ActionType::MultiFactorAuthentication, 1)]);
    assert!(!back.password_first);
}

#[tokio::test]
async fn the_spec_sets_device_selection_nickname_and_post_logout_redirect_uris() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = client_for(&sim);
    let spec = spec()
        .with_device_selection(DeviceSelection::AlwaysDisplayDevices)
        .with_device_nickname("Work e-mail")
        .with_post_logout_redirect_uri("https://app.example.test/signed-out");
    let p = EmailMfaSetup::new(spec).run(&client).await.unwrap();
    assert_eq!(p.post_logout_redirect_uris, ["https://app.example.test/signed-out"]);
    let app = client.read_application(&p.client_id).await.unwrap();
    assert_eq!(app.settings.post_logout_redirect_uris, ["https://app.example.test/signed-out"]);
    let policy = client.read_device_authentication_policy(&p.ids.device_policy).await.unwrap();
    assert_eq!(policy.settings.authentication.map(|a| a.device_selection), Some(DeviceSelection::AlwaysDisplayDevices));
    let device = client.read_device(&p.ids.user, &p.ids.device).await.unwrap();
    assert_eq!(device.kind, DeviceType::Email);
    assert_eq!(device.status, Some(DeviceStatus::Active));
    assert_eq!(device.nickname.as_deref(), Some("Work e-mail"));
}

#[tokio::test]
async fn two_setups_racing_converge_on_the_uniquely_named_objects() {
    let sim = Simulator::start(SimConfig { latency_jitter: Duration::from_millis(20), ..SimConfig::default() })
        .await
        .unwrap();
    let client = client_for(&sim);
    let (one, other) = (EmailMfaSetup::new(spec()), EmailMfaSetup::new(spec()));
    let (a, b) = tokio::join!(one.run(&client), other.run(&client));
    let (a, b) = (a.unwrap(), b.unwrap());
    let refused = sim.journal().iter().filter(|e| e.method == "POST" && e.status == 400).count();
    assert!(refused >= 3, "each uniquely named object was created once and refused once: {refused}");
    // PingOne refuses a second policy, population, user or device policy of the same name: the
    // run that lost each race found the winner's.
    assert_eq!(a.ids.sign_on_policy, b.ids.sign_on_policy);
    assert_eq!(a.ids.population, b.ids.population);
    assert_eq!(a.ids.user, b.ids.user);
    assert_eq!(a.ids.device_policy, b.ids.device_policy);
    assert_eq!(a.ids.action, b.ids.action, "the action's priority is unique too");
    assert_eq!(client.list_sign_on_policy_actions(&a.ids.sign_on_policy).await.unwrap().len(), 1);
    assert_eq!(client.find_populations_by_name("email-mfa-demo-population").await.unwrap().len(), 1);
}

#[tokio::test]
async fn populations_are_found_by_name_a_page_at_a_time() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = client_for(&sim);
    let p = EmailMfaSetup::new(spec()).run(&client).await.unwrap();
    let filter = PopulationFilter::ByName("EMAIL-MFA-DEMO-POPULATION".into());
    let page = client.list_populations_page(Some(&filter), Some(10), None).await.unwrap();
    assert_eq!(page.populations.iter().map(|x| &x.id).collect::<Vec<_>>(), [&p.ids.population]);
    assert_eq!(page.next_cursor, None, "one page");
    assert_eq!(client.find_populations(&filter).await.unwrap().len(), 1);
}
