//! Contract tests (httpmock) of the calls issues #15 and #17 added: `usernamePassword.check`
//! and its refusals, `response_mode=pi.flow` (authorize and resume answering JSON), a switch of
//! device, userinfo and sign-off. Exact methods, paths, media types, bodies (snapshots, secrets
//! redacted) and the typed outcomes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use httpmock::prelude::*;
use pingone_core::{ClientAuth, Endpoints, HttpClient, Password, RetryPolicy};
use pingone_flow::{
    AfterUsername, Authorized, FirstStep, FlowError, FlowStatus, OidcApp, PasswordRequired, ResponseMode, SignOnClient,
    SignOnStage,
};
use serde_json::{Value, json};
use support::{CLIENT_ID, ENV, Rig, keys};

const FLOW: &str = "flow-1";
const REDIRECT: &str = "https://app.example.test/callback";
const LOGGED_OUT: &str = "https://app.example.test/logged-out";

type Captured = Arc<Mutex<Vec<String>>>;

struct Server {
    server: MockServer,
    client: SignOnClient,
    state: Arc<Mutex<String>>,
}

fn flow(status: &str, links: &[&str], extra: Value) -> Value {
    let mut body = json!({ "id": FLOW, "status": status, "_links": { "self": { "href": "x" } } });
    for link in links {
        body["_links"][*link] = json!({ "href": "x" });
    }
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    body
}

impl Server {
    async fn new(mode: ResponseMode) -> Self {
        let server = MockServer::start_async().await;
        let endpoints = Endpoints::custom(&server.url("/v1"), &server.base_url()).unwrap();
        let app = OidcApp::new(CLIENT_ID, REDIRECT, &["openid"], ClientAuth::None);
        let http = HttpClient::with_config(pingone_core::HttpConfig {
            retry: RetryPolicy { max_attempts: 1, ..RetryPolicy::default() },
            ..pingone_core::HttpConfig::default()
        })
        .unwrap();
        let client = SignOnClient::new(http, endpoints, ENV.parse().unwrap(), app).with_response_mode(mode);
        Self { server, client, state: Arc::default() }
    }

    /// Authorize: a `302` with `flowId` (redirect mode), or the flow as JSON (`pi.flow`).
    async fn authorize(&self, first: Value) -> Authorized {
        let sink = Arc::clone(&self.state);
        let signon = format!("{}/{ENV}/signon/?flowId={FLOW}", self.server.base_url());
        let pi_flow = first.get("id").is_some();
        self.server
            .mock_async(move |when, then| {
                when.method(GET).path(format!("/{ENV}/as/authorize")).is_true(move |req| {
                    let query: Vec<(String, String)> = req.query_params();
                    *sink.lock().unwrap() = query.iter().find(|(k, _)| k == "state").map(|(_, v)| v.clone()).unwrap();
                    query.iter().any(|(k, v)| k == "response_mode" && v == "pi.flow") == pi_flow
                });
                let then = then.header("set-cookie", format!("ST-NO-SS=pre-session-value; Path=/{ENV}"));
                if pi_flow {
                    then.status(200).header("content-type", "application/json").body(first.to_string());
                } else {
                    then.status(302).header("location", signon);
                }
            })
            .await;
        self.client.authorize().await.unwrap()
    }

    async fn get_flow(&self, body: Value) -> httpmock::Mock<'_> {
        self.server
            .mock_async(|when, then| {
                when.method(GET).path(format!("/{ENV}/flows/{FLOW}")).header("cookie", "ST-NO-SS=pre-session-value");
                then.status(200).header("content-type", "application/json").body(body.to_string());
            })
            .await
    }

    async fn post(&self, action: &str, status: u16, body: Value) -> (httpmock::Mock<'_>, Captured) {
        let captured: Captured = Arc::default();
        let sink = Arc::clone(&captured);
        let mock = self
            .server
            .mock_async(move |when, then| {
                when.method(POST)
                    .path(format!("/{ENV}/flows/{FLOW}"))
                    .header("content-type", format!("application/vnd.pingidentity.{action}+json"))
                    .header("cookie", "ST-NO-SS=pre-session-value")
                    .is_true(move |req| {
                        sink.lock().unwrap().push(req.body_string());
                        true
                    });
                then.status(status).header("content-type", "application/json").body(body.to_string());
            })
            .await;
        (mock, captured)
    }

    /// Authorize, then a read of the flow that asks for the password; the read's mock counts
    /// the reads.
    async fn password_stage(&self) -> (PasswordRequired, httpmock::Mock<'_>) {
        let authorized = self.authorize(Value::Null).await;
        let policy = json!({ "_embedded": { "passwordPolicy": { "name": "Standard", "excludesCommonlyUsed": true,
            "excludesProfileData": true, "notSimilarToCurrent": true, "length": { "min": 8, "max": 255 },
            "lockout": { "failureCount": 5, "durationSeconds": 900 } } } });
        let read = self
            .get_flow(flow("USERNAME_PASSWORD_REQUIRED", &["usernamePassword.check", "password.forgot"], policy))
            .await;
        match authorized.next(&self.client).await.unwrap() {
            FirstStep::PasswordRequired(stage) => (stage, read),
            other => panic!("{other:?}"),
        }
    }
}

fn refusal(detail: Value) -> Value {
    json!({ "id": "e-1", "code": "INVALID_DATA", "message": "validation", "details": [detail] })
}

#[tokio::test]
async fn username_password_check_contract() {
    let s = Server::new(ResponseMode::Redirect).await;
    let (stage, _) = s.password_stage().await;
    let policy = stage.password_policy().unwrap();
    assert_eq!((policy.name.as_deref(), policy.min_length, policy.max_length), (Some("Standard"), Some(8), Some(255)));
    assert_eq!((policy.lockout_failures, policy.lockout_seconds), (Some(5), Some(900)));
    assert!(stage.can_recover());
    let otp_required = flow(
        "OTP_REQUIRED",
        &["otp.check", "device.select"],
        json!({ "_embedded": { "devices": [{ "id": "dev-1", "type": "EMAIL" }], "selectedDevice": { "id": "dev-1" } } }),
    );
    let (check, body) = s.post("usernamePassword.check", 200, otp_required).await;
    let next = stage.submit_credentials(&s.client, "ada.example", &Password::new("pass-secret-value")).await.unwrap();
    check.assert_calls_async(1).await;
    assert!(matches!(next, AfterUsername::OtpRequired(_)), "{next:?}");
    let sent: Value = serde_json::from_str(&body.lock().unwrap()[0]).unwrap();
    assert_eq!(sent["password"], "pass-secret-value");
    insta::assert_json_snapshot!("username_password_check", sent, { ".password" => "[password]" });
}

#[tokio::test]
async fn a_wrong_password_hands_the_stage_back_without_reading_the_flow_again() {
    let s = Server::new(ResponseMode::Redirect).await;
    let (stage, read) = s.password_stage().await;
    let wrong = refusal(
        json!({ "code": "INVALID_CREDENTIALS", "target": "password", "message": "no", "innerError": { "remainingAttempts": 2 } }),
    );
    let (check, _) = s.post("usernamePassword.check", 400, wrong).await;
    let err = stage.submit_credentials(&s.client, "ada.example", &Password::new("wrong-secret")).await.unwrap_err();
    check.assert_calls_async(1).await;
    // PingOne judged this password against this flow: no second read to tell a stale stage.
    read.assert_calls_async(1).await;
    assert!(!format!("{err} {err:?}").contains("wrong-secret"));
    let FlowError::CredentialsRejected { remaining_attempts, state, .. } = err else { panic!("{err}") };
    assert_eq!(remaining_attempts, Some(2));
    // The stage handed back is the password stage, ready to try again.
    let any: SignOnStage = (*state).into();
    assert_eq!(any.stage_name(), "PasswordRequired");
}

#[tokio::test]
async fn lockout_and_statuses_not_driven_are_typed() {
    let s = Server::new(ResponseMode::Redirect).await;
    let (stage, _) = s.password_stage().await;
    let locked = refusal(json!({ "code": "PASSWORD_LOCKED_OUT", "innerError": { "secondsUntilUnlock": 840 } }));
    s.post("usernamePassword.check", 400, locked).await;
    let err = stage.submit_credentials(&s.client, "ada", &Password::new("x")).await.unwrap_err();
    assert!(matches!(err, FlowError::PasswordLocked { unlock_in: Some(d) } if d == Duration::from_secs(840)), "{err}");

    let s = Server::new(ResponseMode::Redirect).await;
    let (stage, _) = s.password_stage().await;
    s.post("usernamePassword.check", 200, flow("MUST_CHANGE_PASSWORD", &["password.reset"], json!({}))).await;
    let err = stage.submit_credentials(&s.client, "ada", &Password::new("x")).await.unwrap_err();
    assert!(matches!(err, FlowError::UnexpectedStatus { status: FlowStatus::MustChangePassword, .. }), "{err}");
    assert!(err.to_string().contains("usernamePassword.check") && err.to_string().contains("MUST_CHANGE_PASSWORD"));
}

#[tokio::test]
async fn a_lost_answer_to_the_password_is_never_sent_again() {
    let s = Server::new(ResponseMode::Redirect).await;
    let (stage, _) = s.password_stage().await;
    let (check, _) = s.post("usernamePassword.check", 503, json!({ "code": "UNAVAILABLE" })).await;
    let err = stage.submit_credentials(&s.client, "ada", &Password::new("x")).await.unwrap_err();
    check.assert_calls_async(1).await;
    let FlowError::OutcomeUnknown { stage: Some(stage), .. } = err else { panic!("{err}") };
    assert_eq!(stage.stage_name(), "PasswordRequired");
}

#[tokio::test]
async fn pi_flow_authorize_and_resume_answer_json_and_the_state_is_checked() {
    for (answer_state, ok) in [(None, true), (Some("forged"), false)] {
        let s = Server::new(ResponseMode::PiFlow).await;
        let authorized = s.authorize(flow("SIGN_ON_REQUIRED", &["user.lookup"], json!({}))).await;
        assert_eq!(authorized.flow_id(), FLOW);
        s.get_flow(flow("SIGN_ON_REQUIRED", &["user.lookup"], json!({}))).await;
        s.post("user.lookup", 200, flow("COMPLETED", &[], json!({}))).await;
        let next = authorized.submit_username(&s.client, "ada").await.unwrap().next().unwrap();
        let AfterUsername::Completed(done) = next else { panic!("{next:?}") };
        let state = answer_state.map_or_else(|| s.state.lock().unwrap().clone(), str::to_owned);
        let answer = flow("COMPLETED", &[], json!({ "authorizeResponse": { "code": "code-secret", "state": state } }));
        let resume = s
            .server
            .mock_async(|when, then| {
                when.method(GET)
                    .path(format!("/{ENV}/as/resume"))
                    .query_param("flowId", FLOW)
                    .header("cookie", "ST-NO-SS=pre-session-value");
                then.status(200).header("content-type", "application/json").body(answer.to_string());
            })
            .await;
        let resumed = done.resume(&s.client).await;
        resume.assert_calls_async(1).await;
        assert_eq!(resumed.is_ok(), ok, "{resumed:?}");
        if !ok {
            assert!(matches!(resumed.unwrap_err(), FlowError::StateMismatch));
        }
    }
    // An OAuth error in authorizeResponse.
    let s = Server::new(ResponseMode::PiFlow).await;
    let authorized = s.authorize(flow("SIGN_ON_REQUIRED", &["user.lookup"], json!({}))).await;
    s.get_flow(flow("SIGN_ON_REQUIRED", &["user.lookup"], json!({}))).await;
    s.post("user.lookup", 200, flow("COMPLETED", &[], json!({}))).await;
    let AfterUsername::Completed(done) = authorized.submit_username(&s.client, "ada").await.unwrap().next().unwrap()
    else {
        panic!()
    };
    let denied =
        flow("FAILED", &[], json!({ "authorizeResponse": { "error": "access_denied", "error_description": "no" } }));
    s.server
        .mock_async(|when, then| {
            when.method(GET).path(format!("/{ENV}/as/resume"));
            then.status(200).header("content-type", "application/json").body(denied.to_string());
        })
        .await;
    let err = done.resume(&s.client).await.unwrap_err();
    assert!(matches!(err, FlowError::Authorization { ref error, .. } if error == "access_denied"), "{err}");
}

#[tokio::test]
async fn switching_device_posts_device_select_once() {
    let s = Server::new(ResponseMode::Redirect).await;
    let authorized = s.authorize(Value::Null).await;
    s.get_flow(flow("SIGN_ON_REQUIRED", &["user.lookup"], json!({}))).await;
    let devices = json!({ "_embedded": { "devices": [{ "id": "dev-1", "type": "EMAIL", "email": "a***@x.test" },
        { "id": "dev-2", "type": "EMAIL", "email": "b***@x.test", "nickname": "Work" }], "selectedDevice": { "id": "dev-1" } } });
    s.post("user.lookup", 200, flow("OTP_REQUIRED", &["otp.check", "device.select"], devices)).await;
    let next = authorized.submit_username(&s.client, "ada").await.unwrap().next().unwrap();
    let AfterUsername::OtpRequired(state) = next else { panic!("{next:?}") };
    assert!(state.can_switch_device());
    // A lost answer: never sent again, the stage handed back.
    let (select, body) = s.post("device.select", 503, json!({ "code": "UNAVAILABLE" })).await;
    let err = state.switch_device(&s.client, "dev-2").await.unwrap_err();
    select.assert_calls_async(1).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body.lock().unwrap()[0]).unwrap(),
        json!({ "device": { "id": "dev-2" } })
    );
    let FlowError::OutcomeUnknown { stage: Some(stage), .. } = err else { panic!("{err}") };
    let SignOnStage::OtpRequired(state) = *stage else { panic!() };
    assert_eq!(state.selected_device().map(|d| d.id.as_str()), Some("dev-1"));
    assert!(state.can_switch_device(), "the stage handed back can try again");
}

#[tokio::test]
async fn userinfo_sends_the_bearer_token_and_checks_the_subject() {
    let rig = Rig::new(|c| c).await;
    rig.jwks_mock(None).await;
    let tokens = rig.sign_on(&keys()[0], |_| {}).await.unwrap();
    let answer = std::sync::Mutex::new(json!({ "sub": "user-1", "email": "ada@example.test" }));
    let answer = Arc::new(answer);
    let served = Arc::clone(&answer);
    let userinfo = rig
        .server
        .mock_async(move |when, then| {
            when.method(GET).path(format!("/{ENV}/as/userinfo")).header("authorization", "Bearer a");
            then.respond_with(move |_| {
                httpmock::HttpMockResponse::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .body(served.lock().unwrap().to_string())
                    .build()
            });
        })
        .await;
    let info = rig.client.userinfo(&tokens).await.unwrap();
    assert_eq!((info.sub.as_str(), info.email.as_deref()), ("user-1", Some("ada@example.test")));
    *answer.lock().unwrap() = json!({ "sub": "someone-else" });
    let err = rig.client.userinfo(&tokens).await.unwrap_err();
    assert!(matches!(err, FlowError::SubjectMismatch { .. }), "{err}");
    userinfo.assert_calls_async(2).await;
}

#[tokio::test]
async fn sign_off_sends_the_hint_the_uri_the_state_and_the_session_cookie() {
    let rig = Rig::new(|c| c).await;
    rig.jwks_mock(None).await;
    let tokens = rig.sign_on(&keys()[0], |_| {}).await.unwrap();
    let id_token = tokens.id_token.secret().to_owned();
    let signoff = rig
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/{ENV}/as/signoff"))
                .query_param("id_token_hint", &id_token)
                .query_param("post_logout_redirect_uri", LOGGED_OUT)
                .query_param("state", "bye")
                .header("cookie", "ST=session-cookie-value");
            then.status(302).header("location", format!("{LOGGED_OUT}?state=bye"));
        })
        .await;
    let done = rig.client.sign_off(&tokens, Some(LOGGED_OUT), Some("bye")).await.unwrap();
    signoff.assert_calls_async(1).await;
    assert_eq!(done.redirect.unwrap().as_str(), format!("{LOGGED_OUT}?state=bye"));
    // A redirect anywhere else is refused.
    let rig = Rig::new(|c| c).await;
    rig.jwks_mock(None).await;
    let tokens = rig.sign_on(&keys()[0], |_| {}).await.unwrap();
    rig.server
        .mock_async(|when, then| {
            when.method(GET).path(format!("/{ENV}/as/signoff"));
            then.status(302).header("location", "https://evil.example.test/x?state=bye");
        })
        .await;
    let err = rig.client.sign_off(&tokens, Some(LOGGED_OUT), Some("bye")).await.unwrap_err();
    assert!(
        matches!(err, FlowError::UnexpectedRedirect { ref location, .. } if location == "https://evil.example.test/x")
    );
}
