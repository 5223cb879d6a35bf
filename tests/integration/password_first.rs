//! Issue #15.1 end to end: a password-first policy (`LOGIN`, then e-mail MFA) through the
//! typed path, `Authorized::next` → `PasswordRequired::submit_credentials` → the code; a wrong
//! password, the lockout, and a password that must be changed.

use std::time::Duration;

use crate::support::*;
use pingone_core::Password;
use pingone_flow::{
    AfterUsername, FirstStep, FlowError, FlowStatus, KeyRing, OtpOutcome, PasswordRequired, Recovery, SealingKey,
    SignOnStage, StageSealer,
};
use pingone_sim::SimConfig;

async fn password_world() -> World {
    World::with(SimConfig::default(), spec().with_password_first()).await
}

async fn password_stage(w: &World) -> PasswordRequired {
    match w.client.authorize().await.unwrap().next(&w.client).await.unwrap() {
        FirstStep::PasswordRequired(stage) => stage,
        other => panic!("expected USERNAME_PASSWORD_REQUIRED, got {other:?}"),
    }
}

#[tokio::test]
async fn password_then_code_to_tokens_with_pwd_and_otp() {
    let w = password_world().await;
    let stage = password_stage(&w).await;
    // The provisioned LOGIN action leaves recovery at PingOne's default, off: no password.forgot.
    assert!(!stage.can_recover());
    let policy = stage.password_policy().unwrap();
    assert_eq!((policy.min_length, policy.lockout_failures), (Some(8), Some(5)));
    // The stage seals and opens like the others.
    let sealer = StageSealer::new(&w.client, KeyRing::new(SealingKey::generate().unwrap()));
    let sealed = sealer.seal(stage).unwrap();
    assert!(matches!(sealer.open_any(&sealed).unwrap(), SignOnStage::PasswordRequired(_)));
    let stage: PasswordRequired = sealer.open(&sealed).unwrap();
    assert_eq!(stage.password_policy().and_then(|p| p.lockout_seconds), Some(900));
    let next = stage.submit_credentials(&w.client, USER, &Password::new(PASSWORD)).await.unwrap();
    let AfterUsername::OtpRequired(otp_stage) = next else { panic!("{next:?}") };
    let otp = w.otp().await;
    let OtpOutcome::Completed(done) = otp_stage.submit_otp(&w.client, &otp).await.unwrap() else { panic!() };
    let tokens = done.finish(&w.client).await.unwrap();
    assert_eq!(tokens.claims.amr, ["pwd", "otp"]);
    assert_eq!(tokens.claims.sub, w.provisioned.ids.user.as_str());
}

#[tokio::test]
async fn a_wrong_password_hands_the_stage_back() {
    let w = password_world().await;
    let stage = password_stage(&w).await;
    let err = stage.submit_credentials(&w.client, USER, &Password::new("not-the-password")).await.unwrap_err();
    assert_eq!(err.recovery(), Recovery::Retry);
    assert!(!err.is_terminal());
    let FlowError::CredentialsRejected { error, state, .. } = err else { panic!("{err}") };
    assert_eq!(error.status(), Some(400));
    assert!(!error.to_string().contains("not-the-password"));
    // The same stage, again, with the right password.
    let next = state.submit_credentials(&w.client, USER, &Password::new(PASSWORD)).await.unwrap();
    assert!(matches!(next, AfterUsername::OtpRequired(_)), "{next:?}");
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_with_the_time_until_unlock() {
    let w = password_world().await;
    let mut stage = password_stage(&w).await;
    let mut rejected = 0;
    let err = loop {
        match stage.submit_credentials(&w.client, USER, &Password::new("wrong-password")).await {
            Err(FlowError::CredentialsRejected { state, .. }) => {
                rejected += 1;
                stage = *state;
            }
            Err(e) => break e,
            Ok(next) => panic!("a wrong password was accepted: {next:?}"),
        }
    };
    assert_eq!(rejected, 4);
    assert!(matches!(err, FlowError::PasswordLocked { unlock_in: Some(d) } if d == Duration::from_secs(900)), "{err}");
    assert_eq!(err.recovery(), Recovery::Locked { unlock_in: Some(Duration::from_secs(900)) });
}

#[tokio::test]
async fn a_password_that_must_change_is_a_typed_error_naming_the_status() {
    let w = password_world().await;
    let user = &w.provisioned.ids.user;
    w.management.set_password(user, &Password::new("Temporary-Pa55"), true).await.unwrap();
    let stage = password_stage(&w).await;
    let err = stage.submit_credentials(&w.client, USER, &Password::new("Temporary-Pa55")).await.unwrap_err();
    assert!(matches!(err, FlowError::UnexpectedStatus { status: FlowStatus::MustChangePassword, .. }), "{err}");
    assert!(err.to_string().contains("MUST_CHANGE_PASSWORD"), "{err}");
}

#[tokio::test]
async fn a_username_only_policy_says_so_and_submit_username_goes_on() {
    let w = World::new().await;
    let authorized = w.client.authorize().await.unwrap();
    let FirstStep::UsernameRequired(authorized) = authorized.next(&w.client).await.unwrap() else { panic!() };
    let submitted = authorized.submit_username(&w.client, USER).await.unwrap();
    assert_eq!(submitted.status(), FlowStatus::OtpRequired);
}

#[derive(Clone, Default)]
struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_password_token_or_session_cookie_in_traces_or_debug_output() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // As in `secrets`: a second dispatcher makes every callsite ask this subscriber too.
    let _second_dispatcher = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let logged_out = "https://app.example.test/logged-out";
    let w =
        World::with(SimConfig::default(), spec().with_password_first().with_post_logout_redirect_uri(logged_out)).await;
    let mut debug = Vec::new();
    let stage = password_stage(&w).await;
    debug.push(format!("{stage:?}"));
    let err = stage.submit_credentials(&w.client, USER, &Password::new("Wr0ng-Passw0rd-Secret")).await.unwrap_err();
    debug.push(format!("{err:?} {err}"));
    let FlowError::CredentialsRejected { state, .. } = err else { panic!("{err}") };
    let next = state.submit_credentials(&w.client, USER, &Password::new(PASSWORD)).await.unwrap();
    debug.push(format!("{next:?}"));
    let AfterUsername::OtpRequired(otp_stage) = next else { panic!() };
    let otp = w.otp().await;
    let OtpOutcome::Completed(done) = otp_stage.submit_otp(&w.client, &otp).await.unwrap() else { panic!() };
    let tokens = done.finish(&w.client).await.unwrap();
    let info = w.client.userinfo(&tokens).await.unwrap();
    let url = w.client.sign_off_url(&tokens.id_token, None, None);
    let cookie = pingone_flow::internal::session_cookie_header(&tokens, &url);
    let signed_off = w.client.sign_off(&tokens, Some(logged_out), Some("bye")).await.unwrap();
    debug.push(format!("{tokens:?} {info:?} {signed_off:?} {:?}", w.client));
    let session = cookie.split("; ").find_map(|c| c.strip_prefix("ST=")).unwrap().to_owned();
    let output = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap() + &debug.join("\n");
    assert!(output.contains("usernamePassword.check"), "the password step is traced");
    for secret in [
        PASSWORD,
        "Wr0ng-Passw0rd-Secret",
        otp.secret(),
        tokens.access_token.secret(),
        tokens.id_token.secret(),
        session.as_str(),
    ] {
        assert!(!output.contains(secret), "a secret in the output: {secret:.6}…");
    }
}
