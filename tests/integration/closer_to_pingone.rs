//! Issue #15.2–15.8 end to end against the simulator, through the clients: `pi.flow`,
//! `acr_values`, the device-selection rules with a switch of device, PingOne's claims, the
//! cookies in strict mode, the lockout time, and the management behaviours.

use std::time::Duration;

use crate::support::*;
use pingone_core::Otp;
use pingone_flow::{AfterUsername, FlowError, IdTokenError, OtpOutcome, OtpRequired, Recovery, ResponseMode};
use pingone_provisioning::model::{DeviceSelection, DeviceSpec, DeviceStatus};
use pingone_sim::{CookiePolicy, SimConfig};

fn otp_required(next: AfterUsername) -> OtpRequired {
    match next {
        AfterUsername::OtpRequired(s) => s,
        other => panic!("expected OTP_REQUIRED, got {other:?}"),
    }
}

#[tokio::test]
async fn pi_flow_from_authorize_to_tokens() {
    let w = World::new().await;
    let client = w.client.clone().with_response_mode(ResponseMode::PiFlow);
    let authorized = client.authorize().await.unwrap();
    let state = otp_required(authorized.submit_username(&client, USER).await.unwrap().next().unwrap());
    let otp = w.otp().await;
    let OtpOutcome::Completed(done) = state.submit_otp(&client, &otp).await.unwrap() else { panic!() };
    let tokens = done.finish(&client).await.unwrap();
    assert_eq!(tokens.claims.amr, ["otp"]);
    // Authorize answered JSON and resume answered JSON: no redirect in this sign-on.
    let journal = w.sim.journal();
    let auth = journal.iter().filter(|e| e.path.contains("/as/authorize") || e.path.contains("/as/resume"));
    let statuses: Vec<u16> = auth.map(|e| e.status).collect();
    assert_eq!(statuses, [200, 200]);
}

#[tokio::test]
async fn acr_values_pick_the_policy_and_the_client_checks_acr() {
    let w = World::new().await;
    let policy = w.provisioned.sign_on_policy_name.clone();
    let client = w.client.clone().with_acr_values([policy.as_str()]);
    let state =
        otp_required(client.authorize().await.unwrap().submit_username(&client, USER).await.unwrap().next().unwrap());
    let otp = w.otp().await;
    let OtpOutcome::Completed(done) = state.submit_otp(&client, &otp).await.unwrap() else { panic!() };
    let tokens = done.finish(&client).await.unwrap();
    assert_eq!(tokens.claims.acr.as_deref(), Some(policy.as_str()));
    // A name no policy of the application has: PingOne uses the assigned one, the client refuses
    // the token.
    let client = w.client.clone().with_acr_values(["Some_Other_Policy"]);
    let state =
        otp_required(client.authorize().await.unwrap().submit_username(&client, USER).await.unwrap().next().unwrap());
    let otp = w.otp().await;
    let OtpOutcome::Completed(done) = state.submit_otp(&client, &otp).await.unwrap() else { panic!() };
    let err = done.finish(&client).await.unwrap_err();
    assert!(matches!(err, FlowError::IdToken(IdTokenError::AcrMismatch { .. })), "{err}");
    assert_eq!(err.recovery(), Recovery::Misconfigured);
}

#[tokio::test]
async fn default_to_first_sends_the_code_to_the_first_device_and_the_user_can_switch() {
    let w = World::with(SimConfig::default(), spec().with_device_nickname("Home")).await;
    let work = "ada.work@example.test";
    let second = DeviceSpec::email(work, Some(w.provisioned.ids.device_policy.clone())).with_nickname("Work");
    let second = w.management.create_device(&w.provisioned.ids.user, &second).await.unwrap();
    let state = otp_required(
        w.client.authorize().await.unwrap().submit_username(&w.client, USER).await.unwrap().next().unwrap(),
    );
    assert_eq!(state.selected_device().map(|d| d.id.as_str()), Some(w.provisioned.ids.device.as_str()));
    assert!(state.can_switch_device());
    let labels: Vec<&str> = state.devices().iter().map(|d| d.label()).collect();
    assert_eq!(labels, ["Home", "Work"]);
    // An ID the flow did not list: nothing sent, the stage comes back.
    let err = state.switch_device(&w.client, "not-listed").await.unwrap_err();
    let FlowError::DeviceNotOffered { state, .. } = err else { panic!("{err}") };
    let state = state.switch_device(&w.client, second.id.as_str()).await.unwrap();
    assert_eq!(state.selected_device().map(|d| d.id.as_str()), Some(second.id.as_str()));
    let email = w.sim.outbox().next_for(work, Duration::from_secs(5)).await.unwrap();
    let OtpOutcome::Completed(done) = state.submit_otp(&w.client, &Otp::new(email.otp())).await.unwrap() else {
        panic!()
    };
    done.finish(&w.client).await.unwrap();
}

#[tokio::test]
async fn always_display_devices_asks_even_with_one_device() {
    let w =
        World::with(SimConfig::default(), spec().with_device_selection(DeviceSelection::AlwaysDisplayDevices)).await;
    let next = w.client.authorize().await.unwrap().submit_username(&w.client, USER).await.unwrap().next().unwrap();
    let AfterUsername::DeviceSelectionRequired(choice) = next else { panic!("{next:?}") };
    assert_eq!(choice.devices().len(), 1);
}

#[tokio::test]
async fn id_tokens_carry_pingones_claims() {
    let w = World::new().await;
    let state = otp_required(
        w.client.authorize().await.unwrap().submit_username(&w.client, USER).await.unwrap().next().unwrap(),
    );
    let otp = w.otp().await;
    let OtpOutcome::Completed(done) = state.submit_otp(&w.client, &otp).await.unwrap() else { panic!() };
    let claims = done.finish(&w.client).await.unwrap().claims;
    assert_eq!(claims.acr.as_deref(), Some(w.provisioned.sign_on_policy_name.as_str()));
    assert!(claims.sid.is_some());
    assert_eq!(claims.other["env"], w.sim.environment_id());
    assert!(claims.other["org"].is_string());
    assert_eq!(claims.other["p1.region"], "NA");
}

#[tokio::test]
async fn strict_cookies_are_met_by_the_clients_jar() {
    // The client's per-flow jar carries ST-NO-SS, then ST: strict mode never refuses it.
    let w = World::with(SimConfig { cookies: CookiePolicy::Strict, ..SimConfig::default() }, spec()).await;
    let state = otp_required(
        w.client.authorize().await.unwrap().submit_username(&w.client, USER).await.unwrap().next().unwrap(),
    );
    let otp = w.otp().await;
    let OtpOutcome::Completed(done) = state.submit_otp(&w.client, &otp).await.unwrap() else { panic!() };
    done.finish(&w.client).await.unwrap();
    assert!(w.sim.journal().iter().all(|e| e.status != 401), "no flow call lacked its cookie");
}

#[tokio::test]
async fn the_otp_lock_is_typed_with_the_time_until_unlock() {
    let w = World::new().await;
    let mut state = otp_required(
        w.client.authorize().await.unwrap().submit_username(&w.client, USER).await.unwrap().next().unwrap(),
    );
    let err = loop {
        match state.submit_otp(&w.client, &Otp::new("000000")).await {
            Ok(OtpOutcome::Rejected(r)) => state = r.state,
            Ok(OtpOutcome::Completed(_)) => panic!("a wrong code completed"),
            Err(e) => break e,
        }
    };
    // The demo policy's cool-down: 2 minutes.
    assert!(matches!(err, FlowError::Locked { unlock_in: Some(d) } if d == Duration::from_secs(120)), "{err}");
    // A new sign-on meets the lock, with the time left.
    w.sim.controls().advance_clock(Duration::from_secs(20));
    let err = w.client.authorize().await.unwrap().submit_username(&w.client, USER).await.unwrap().next().unwrap_err();
    assert!(matches!(err, FlowError::Locked { unlock_in: Some(d) } if d == Duration::from_secs(100)), "{err}");
}

#[tokio::test]
async fn a_device_created_activation_required_is_activated_with_its_emailed_code() {
    let w = World::new().await;
    let address = "ada.new@example.test";
    let spec = DeviceSpec::email(address, Some(w.provisioned.ids.device_policy.clone())).activation_required();
    let device = w.management.create_device(&w.provisioned.ids.user, &spec).await.unwrap();
    assert_eq!(device.status, Some(DeviceStatus::ActivationRequired));
    let code = w.sim.outbox().next_for(address, Duration::from_secs(5)).await.unwrap();
    let wrong = w.management.activate_device(&w.provisioned.ids.user, &device.id, &Otp::new("000000")).await;
    assert_eq!(wrong.unwrap_err().status(), Some(400));
    w.management.activate_device(&w.provisioned.ids.user, &device.id, &Otp::new(code.otp())).await.unwrap();
    let read = w.management.read_device(&w.provisioned.ids.user, &device.id).await.unwrap();
    assert_eq!(read.status, Some(DeviceStatus::Active));
}

#[tokio::test]
async fn teardown_meets_the_409_of_a_device_policy_in_use_and_still_removes_everything() {
    let w = World::new().await;
    // Deleting the device policy while the MFA action uses it: 409.
    let refused = w.management.delete_device_authentication_policy(&w.provisioned.ids.device_policy).await;
    assert_eq!(refused.unwrap_err().status(), Some(409));
    let report = pingone_provisioning::teardown(&w.management, &w.provisioned.ids).await.unwrap();
    assert!(!report.removed.is_empty());
    let gone = w.management.read_device_authentication_policy(&w.provisioned.ids.device_policy).await;
    assert_eq!(gone.unwrap_err().status(), Some(404));
}
