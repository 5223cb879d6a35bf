//! Runs the `email_mfa` example's logic against the simulator and snapshots its transcript (IDs,
//! host and times redacted), so that a change to any step shows up as a reviewed diff.

#[path = "../../examples/email_mfa/workflow.rs"]
mod workflow;

use pingone_sim::{SimConfig, Simulator};
use workflow::Target;

#[tokio::test]
async fn transcript_of_the_twenty_steps() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let target = Target::simulator(&sim, "ada.example".into(), "ada@example.test".into(), false).unwrap();
    let report = match workflow::run(target).await {
        Ok(report) => report,
        Err(e) => panic!("{e}"),
    };
    let transcript = workflow::render(&report, true);
    // Every one of the 20 steps appears.
    for step in 1..=20 {
        assert!(
            transcript.lines().any(|l| l.trim_start().starts_with(&format!("{step} "))),
            "step {step} missing:\n{transcript}"
        );
    }
    // Nothing secret: the worker secret, the app secret and the OTP never print.
    assert!(!transcript.contains(sim.worker_client_secret()));
    assert!(!transcript.contains(report.provisioned.client_secret.secret()));
    let otp = sim.outbox().latest_for("ada@example.test").unwrap();
    assert!(!transcript.contains(otp.otp()));
    insta::assert_snapshot!("email_mfa_transcript", transcript);
}

#[tokio::test]
async fn wrong_worker_credentials_are_explained_without_the_secret() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let mut target = Target::simulator(&sim, "ada.example".into(), "ada@example.test".into(), false).unwrap();
    target.worker = pingone_core::WorkerCredentials::basic(
        target.environment.clone(),
        target.worker.client_id(),
        pingone_core::ClientSecret::new("not-the-secret"),
    );
    let Err(error) = workflow::run(target).await else { panic!("ran with a wrong secret") };
    let text = error.to_string();
    assert!(matches!(error, workflow::RunError::WorkerCredentials(_)), "{text}");
    assert!(text.contains("PINGONE_CLIENT_ID and PINGONE_CLIENT_SECRET"), "{text}");
    assert!(!text.contains("not-the-secret") && !text.contains(sim.worker_client_secret()), "{text}");
}

#[tokio::test]
async fn with_password_provisions_the_password_first_policy_and_names_the_missing_flow_stage() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let mut target = Target::simulator(&sim, "ada.example".into(), "ada@example.test".into(), false).unwrap();
    target.with_password = true;
    let Err(error) = workflow::run(target).await else { panic!("signed on without a password stage") };
    let text = error.to_string();
    assert!(matches!(error, workflow::RunError::PasswordStageMissing { torn_down: true }), "{text}");
    assert!(text.starts_with("password-first sign-on needs pingone-flow's PasswordRequired stage"), "{text}");
    // A LOGIN action and the MFA action were created; then everything was torn down.
    let journal = sim.journal();
    let actions = journal.iter().filter(|e| e.method == "POST" && e.path.ends_with("/actions") && e.status == 201);
    assert_eq!(actions.count(), 2);
    let deleted = journal.iter().filter(|e| e.method == "DELETE" && e.status == 204).count();
    assert_eq!(deleted, 6);
}
