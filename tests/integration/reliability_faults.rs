//! Setup and 200 sign-ons against a simulator that answers 10% of requests with 503 and 5% with
//! 429 (both with `Retry-After`) and adds up to 50 ms of random latency: every sign-on completes,
//! and the environment holds exactly one of each provisioned object.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::*;
use pingone_core::{HttpClient, HttpConfig, Otp, RetryPolicy};
use pingone_flow::{AfterUsername, FlowError, OtpOutcome, SignOnClient, SignOnStage};
use pingone_mfa::testing::add_mfa_users;
use pingone_provisioning::EmailMfaSetup;
use pingone_sim::{FaultRates, SimConfig, Simulator};

const WORKERS: usize = 20;
const SIGN_ONS_PER_WORKER: usize = 10;

/// A retry policy for a server that fails 15% of requests: ten attempts make a request fail
/// with probability 0.15^10 (about 6e-9).
fn patient_http() -> HttpClient {
    HttpClient::with_config(HttpConfig {
        retry: RetryPolicy {
            max_attempts: 10,
            max_elapsed: Duration::from_secs(60),
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            retry_after_cap: Duration::from_secs(1),
        },
        ..HttpConfig::default()
    })
    .unwrap()
}

/// One sign-on as an application should write it when answers can be lost: an OTP whose outcome
/// is unknown is resolved by reading the flow (never by sending it blind), and a token exchange
/// whose outcome is unknown starts the sign-on over. Returns the number of restarts.
async fn sign_on(sim: &Simulator, client: &SignOnClient, username: &str, email: &str) -> usize {
    for restarts in 0..5 {
        let submitted = client.authorize().await.unwrap().submit_username(client, username).await.unwrap();
        let AfterUsername::OtpRequired(mut state) = submitted.next().unwrap() else { panic!("no OTP step") };
        let mail = sim.outbox().next_for(email, Duration::from_secs(30)).await.expect("an OTP e-mail");
        let otp = Otp::new(mail.otp());
        let done = loop {
            match state.submit_otp(client, &otp).await {
                Ok(OtpOutcome::Completed(done)) => break done,
                Ok(OtpOutcome::Rejected(_)) => panic!("OTP rejected"),
                Err(FlowError::OutcomeUnknown { stage: Some(stage), .. }) => {
                    let SignOnStage::OtpRequired(stage) = *stage else { panic!("not the OTP stage") };
                    match stage.refresh(client).await.unwrap() {
                        OtpOutcome::Completed(done) => break done,
                        OtpOutcome::Rejected(rejection) => state = rejection.state,
                    }
                }
                Err(e) => panic!("{e}"),
            }
        };
        match done.resume(client).await.unwrap().exchange(client).await {
            Ok(tokens) => {
                assert_eq!(tokens.claims.preferred_username.as_deref(), Some(username));
                return restarts;
            }
            Err(FlowError::OutcomeUnknown { .. }) => {}
            Err(e) => panic!("{e}"),
        }
    }
    panic!("five sign-ons in a row lost their token exchange")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_and_200_sign_ons_survive_503_429_and_latency() {
    let started = Instant::now();
    let sim = Arc::new(
        Simulator::start(SimConfig {
            latency_jitter: Duration::from_millis(50),
            faults: FaultRates {
                unavailable: 0.10,
                too_many_requests: 0.05,
                retry_after_secs: 1,
                ..FaultRates::default()
            },
            seed: Some(2026),
            ..SimConfig::default()
        })
        .await
        .unwrap(),
    );
    let management = target(&sim).management(patient_http());
    let p = EmailMfaSetup::new(spec()).run(&management).await.unwrap();
    // One user per worker, so that each worker's OTP e-mails are its own.
    let users: Vec<(String, String)> =
        (0..WORKERS).map(|i| (format!("worker{i}"), format!("worker{i}@example.test"))).collect();
    add_mfa_users(&management, &spec(), &users, WORKERS).await.unwrap();
    let client = target(&sim).sign_on(patient_http(), oidc_app(&p).unwrap());
    let tasks: Vec<_> = users
        .into_iter()
        .map(|(username, email)| {
            let (sim, client) = (Arc::clone(&sim), client.clone());
            tokio::spawn(async move {
                let mut restarts = 0;
                for _ in 0..SIGN_ONS_PER_WORKER {
                    restarts += sign_on(&sim, &client, &username, &email).await;
                }
                (SIGN_ONS_PER_WORKER, restarts)
            })
        })
        .collect();
    let (mut completed, mut restarts) = (0, 0);
    for task in tasks {
        let (done, restarted) = task.await.unwrap();
        completed += done;
        restarts += restarted;
    }
    assert_eq!(completed, 200);

    // Exactly one of each provisioned object, although creates met 503s.
    sim.controls().set_fault_rates(FaultRates::default());
    let apps = management.list_applications().await.unwrap();
    assert_eq!(apps.iter().filter(|a| a.name == "email-mfa-demo-web").count(), 1);
    assert_eq!(management.list_grants(&p.client_id).await.unwrap().len(), 1);
    assert_eq!(management.list_sign_on_policy_assignments(&p.client_id).await.unwrap().len(), 1);
    let policies = management.list_sign_on_policies().await.unwrap();
    assert_eq!(policies.iter().filter(|x| x.settings.name == spec().sign_on_policy.name).count(), 1);
    assert_eq!(management.list_sign_on_policy_actions(&p.ids.sign_on_policy).await.unwrap().len(), 1);
    assert_eq!(management.find_populations_by_name(&spec().population.name).await.unwrap().len(), 1);
    let device_policies = management.list_device_authentication_policies().await.unwrap();
    assert_eq!(device_policies.iter().filter(|x| x.name == spec().device_policy.name).count(), 1);
    let mut checked = 7;
    for username in std::iter::once(USER.to_owned()).chain((0..WORKERS).map(|i| format!("worker{i}"))) {
        let user = management.find_user_by_username(&username).await.unwrap().expect("the user");
        assert_eq!(management.list_devices(&user.id).await.unwrap().len(), 1, "{username}");
        checked += 2;
    }
    let journal = sim.journal();
    let faults = journal.iter().filter(|e| e.fault.is_some()).count();
    let (f503, f429) = (
        journal.iter().filter(|e| e.fault == Some("503")).count(),
        journal.iter().filter(|e| e.fault == Some("429")).count(),
    );
    println!(
        "faults: {} requests, {faults} faults injected ({f503} x 503, {f429} x 429); 200/200 sign-ons completed ({restarts} restarted after a token exchange with an unknown outcome); {checked} objects checked for duplicates; {:.1} s",
        journal.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(f503 > 100 && f429 > 50, "the faults did happen: {f503} x 503, {f429} x 429");
}
