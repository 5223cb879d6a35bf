//! End to end against the simulator: provisioning, then the typestate flow from `authorize()` to
//! verified tokens, and every branch and failure the flow can meet.

use std::time::Duration;

use crate::support::*;
use pingone_core::{Operation, Otp, Step};
use pingone_flow::{
    AfterUsername, Authorized, Completed, DeviceSelectionRequired, FlowError, FlowStatus, KeyRing, OpenError,
    OtpOutcome, OtpRequired, Resumed, SealingKey, SignOnStage, StageSealer,
};
use pingone_sim::{CookiePolicy, SimConfig};

fn otp_required(next: AfterUsername) -> OtpRequired {
    match next {
        AfterUsername::OtpRequired(s) => s,
        other => panic!("expected OTP_REQUIRED, got {other:?}"),
    }
}

#[tokio::test]
async fn authorize_to_tokens() {
    let w = World::new().await;
    let authorized = w.client.authorize().await.unwrap();
    let submitted = authorized.submit_username(&w.client, USER).await.unwrap();
    assert_eq!(submitted.status(), FlowStatus::OtpRequired);
    let otp_state = otp_required(submitted.next().unwrap());
    assert_eq!(otp_state.selected_device().and_then(|d| d.masked_address()), Some("a***@example.test"));
    assert!(otp_state.can_resend());
    let otp = w.otp().await;
    let OtpOutcome::Completed(completed) = otp_state.submit_otp(&w.client, &otp).await.unwrap() else {
        panic!("rejected")
    };
    let resumed = completed.resume(&w.client).await.unwrap();
    let tokens = resumed.exchange(&w.client).await.unwrap();
    let claims = tokens.claims.clone();
    assert_eq!(claims.sub, w.provisioned.ids.user.as_str());
    assert_eq!(claims.aud, [w.provisioned.client_id.as_str()]);
    assert_eq!(claims.amr, ["otp"]);
    assert_eq!(claims.email.as_deref(), Some(EMAIL));
    assert_eq!(tokens.scope.as_deref(), Some("openid profile email"));
    let printed = format!("{tokens:?}");
    assert!(!printed.contains(tokens.access_token.secret()));
    assert!(!printed.contains(tokens.id_token.secret()));
}

#[tokio::test]
async fn wrong_otp_then_right_otp() {
    let w = World::new().await;
    let submitted = w.client.authorize().await.unwrap().submit_username(&w.client, USER).await.unwrap();
    let state = otp_required(submitted.next().unwrap());
    let otp = w.otp().await;
    let OtpOutcome::Rejected(rejection) = state.submit_otp(&w.client, &Otp::new("000000")).await.unwrap() else {
        panic!("accepted")
    };
    assert_eq!(rejection.remaining_attempts, Some(2));
    assert!(!rejection.expired);
    let OtpOutcome::Completed(done) = rejection.state.submit_otp(&w.client, &otp).await.unwrap() else {
        panic!("rejected")
    };
    done.resume(&w.client).await.unwrap().exchange(&w.client).await.unwrap();
}

#[tokio::test]
async fn lockout_is_a_terminal_error() {
    let w = World::new().await;
    let submitted = w.client.authorize().await.unwrap().submit_username(&w.client, USER).await.unwrap();
    let mut state = otp_required(submitted.next().unwrap());
    let mut remaining = Vec::new();
    let err = loop {
        match state.submit_otp(&w.client, &Otp::new("000000")).await {
            Ok(OtpOutcome::Rejected(r)) => {
                remaining.push(r.remaining_attempts);
                state = r.state;
            }
            Ok(OtpOutcome::Completed(_)) => panic!("a wrong OTP completed"),
            Err(e) => break e,
        }
    };
    assert_eq!(remaining, [Some(2), Some(1)]);
    assert!(matches!(err, FlowError::Locked { .. }), "{err}");
}

#[tokio::test]
async fn expired_otp_then_resend() {
    let mut spec = spec();
    spec.device_policy.email.otp.life_time = pingone_provisioning::model::TimeSpan::minutes(5);
    let w = World::with(SimConfig::default(), spec).await;
    let submitted = w.client.authorize().await.unwrap().submit_username(&w.client, USER).await.unwrap();
    let state = otp_required(submitted.next().unwrap());
    let old = w.otp().await;
    w.sim.controls().advance_clock(Duration::from_secs(6 * 60));
    let OtpOutcome::Rejected(rejection) = state.submit_otp(&w.client, &old).await.unwrap() else { panic!("accepted") };
    assert!(rejection.expired);
    let state = rejection.state.resend(&w.client).await.unwrap();
    let fresh = w.otp().await;
    assert!(matches!(state.submit_otp(&w.client, &fresh).await.unwrap(), OtpOutcome::Completed(_)));
}

#[tokio::test]
async fn device_selection_when_the_user_has_two_devices_and_the_policy_prompts() {
    let spec = spec().with_device_selection(pingone_provisioning::model::DeviceSelection::PromptToSelect);
    let w = World::with(SimConfig::default(), spec).await;
    let second = pingone_provisioning::model::DeviceSpec::email(
        "ada.work@example.test",
        Some(w.provisioned.ids.device_policy.clone()),
    );
    w.management.create_device(&w.provisioned.ids.user, &second).await.unwrap();
    let submitted = w.client.authorize().await.unwrap().submit_username(&w.client, USER).await.unwrap();
    let AfterUsername::DeviceSelectionRequired(selection) = submitted.next().unwrap() else { panic!("no selection") };
    let sealer = StageSealer::new(&w.client, KeyRing::new(SealingKey::generate().unwrap()));
    let selection: DeviceSelectionRequired = sealer.open(&sealer.seal(selection).unwrap()).unwrap();
    let masked: Vec<_> = selection.devices().iter().filter_map(|d| d.masked_address()).collect();
    assert_eq!(masked, ["a***@example.test", "a***@example.test"]);
    let work = selection.devices()[1].id.clone();
    // An ID the flow did not offer: nothing is sent and the stage comes back.
    let err = selection.select(&w.client, "not-offered").await.unwrap_err();
    let FlowError::UnknownDevice { state: selection, .. } = err else { panic!("{err}") };
    let state = selection.select(&w.client, &work).await.unwrap();
    let email = w.sim.outbox().next_for("ada.work@example.test", Duration::from_secs(5)).await.unwrap();
    let OtpOutcome::Completed(done) = state.submit_otp(&w.client, &Otp::new(email.otp())).await.unwrap() else {
        panic!()
    };
    done.resume(&w.client).await.unwrap().exchange(&w.client).await.unwrap();
}

#[tokio::test]
async fn unknown_username_hands_the_stage_back() {
    let w = World::new().await;
    let authorized = w.client.authorize().await.unwrap();
    let err = authorized.submit_username(&w.client, "nobody").await.unwrap_err();
    let FlowError::UsernameRejected { error, state } = err else { panic!("{err}") };
    assert_eq!(error.status(), Some(400));
    let submitted = state.submit_username(&w.client, USER).await.unwrap();
    assert_eq!(submitted.status(), FlowStatus::OtpRequired);
}

#[tokio::test]
async fn mfa_disabled_completes_without_otp() {
    let w = World::new().await;
    w.management.set_mfa_enabled(&w.provisioned.ids.user, false).await.unwrap();
    let submitted = w.client.authorize().await.unwrap().submit_username(&w.client, USER).await.unwrap();
    let AfterUsername::Completed(done) = submitted.next().unwrap() else { panic!("MFA ran") };
    let tokens = done.resume(&w.client).await.unwrap().exchange(&w.client).await.unwrap();
    assert!(tokens.claims.amr.is_empty());
}

#[tokio::test]
async fn flow_expiry_is_a_typed_error() {
    let w = World::new().await;
    // The client's clock moves with the simulator's: a flow that has not answered for 16 minutes
    // expired (a 404 sooner than that would be a stale stage).
    let clock = pingone_core::ManualClock::starting_now();
    let client = w.client.clone().with_clock(std::sync::Arc::new(clock.clone()));
    let authorized = client.authorize().await.unwrap();
    w.sim.controls().advance_clock(Duration::from_secs(16 * 60));
    clock.advance(Duration::from_secs(16 * 60));
    let err = authorized.submit_username(&client, USER).await.unwrap_err();
    assert!(matches!(err, FlowError::Expired { operation: Operation::Step(Step::ReadFlow) }), "{err}");
}

#[tokio::test]
async fn every_stage_seals_and_opens_and_refuses_the_wrong_type() {
    let w = World::new().await;
    let sealer = StageSealer::new(&w.client, KeyRing::new(SealingKey::generate().unwrap()));
    let mut sizes = Vec::new();
    let mut seal = |stage: SignOnStage| {
        let sealed = sealer.seal(stage).unwrap();
        sizes.push(sealed.to_text().len());
        sealed
    };
    let sealed = seal(w.client.authorize().await.unwrap().into());
    assert!(format!("{sealed:?}").starts_with("SealedStage([redacted]"));
    assert!(matches!(sealer.open::<OtpRequired>(&sealed), Err(OpenError::WrongStage { .. })));
    let restored: Authorized = sealer.open(&sealed).unwrap();
    let submitted = restored.submit_username(&w.client, USER).await.unwrap();
    let sealed = seal(otp_required(submitted.next().unwrap()).into());
    let state: OtpRequired = sealer.open(&sealed).unwrap();
    let otp = w.otp().await;
    let OtpOutcome::Completed(done) = state.submit_otp(&w.client, &otp).await.unwrap() else { panic!() };
    let done: Completed = sealer.open(&seal(done.into())).unwrap();
    let resumed = done.resume(&w.client).await.unwrap();
    let resumed: Resumed = sealer.open(&seal(resumed.into())).unwrap();
    // An opened stage moves between tasks (Send + 'static) and finishes there.
    let client = w.client.clone();
    let tokens = tokio::spawn(async move { resumed.exchange(&client).await }).await.unwrap().unwrap();
    assert!(!tokens.claims.sub.is_empty());
    assert!(sizes.iter().all(|&n| n <= 1536), "sealed text sizes {sizes:?}");
}

#[tokio::test]
async fn cookies_are_kept_per_flow() {
    let w = World::with(SimConfig { cookies: CookiePolicy::Strict, ..SimConfig::default() }, spec()).await;
    // Two flows at once: each carries its own jar; the simulator refuses a flow call without
    // that flow's cookie, so finishing both proves the jars are separate.
    let a = w.client.authorize().await.unwrap();
    let b = w.client.authorize().await.unwrap();
    assert_ne!(a.flow_id(), b.flow_id());
    let a = otp_required(a.submit_username(&w.client, USER).await.unwrap().next().unwrap());
    let otp_a = w.otp().await;
    let b = otp_required(b.submit_username(&w.client, USER).await.unwrap().next().unwrap());
    let otp_b = w.otp().await;
    assert!(matches!(b.submit_otp(&w.client, &otp_b).await.unwrap(), OtpOutcome::Completed(_)));
    assert!(matches!(a.submit_otp(&w.client, &otp_a).await.unwrap(), OtpOutcome::Completed(_)));
}
