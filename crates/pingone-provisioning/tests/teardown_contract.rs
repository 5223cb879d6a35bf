//! Teardown against httpmock: a device authentication policy that PingOne still sees referenced
//! (`409`, `INVALID_VALUE` on `signOnPolicies`) is deleted again after a back-off, for a bounded
//! time; once the bound is spent the `409` is the error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::time::{Duration, Instant};

use httpmock::prelude::*;
use pingone_core::{ClientSecret, Endpoints, EnvironmentId, HttpClient, Id};
use pingone_provisioning::{ManagementClient, ProvisionedIds, Removal, TeardownOptions, teardown_with};

const ENV: &str = "7d2c1a4e-5b3f-4c8e-9a61-2f0e8b3d4c11";
const STILL_REFERENCED: &str = r#"{"id":"e-409","code":"INVALID_DATA","message":"conflict","details":[{"code":"INVALID_VALUE","target":"signOnPolicies","message":"The policy is used by sign-on policies"}]}"#;

async fn rig() -> (MockServer, ManagementClient) {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(format!("/{ENV}/as/token"));
            then.status(200).body(r#"{"access_token":"t","token_type":"Bearer","expires_in":3600}"#);
        })
        .await;
    let env: EnvironmentId = ENV.parse().unwrap();
    let endpoints = Endpoints::custom(&server.url("/v1"), &server.base_url()).unwrap();
    let worker = pingone_core::WorkerCredentials::basic(env.clone(), "worker", ClientSecret::new("s"));
    let client = ManagementClient::connect(HttpClient::new().unwrap(), endpoints, env, worker);
    (server, client)
}

fn ids() -> ProvisionedIds {
    ProvisionedIds {
        application: Id::new("app"),
        grant: Id::new("grant"),
        sign_on_policy: Id::new("sop"),
        action: Id::new("action"),
        login_action: None,
        assignment: Id::new("assignment"),
        population: Id::new("pop"),
        user: Id::new("user"),
        device_policy: Id::new("dp"),
        device: Id::new("device"),
    }
}

/// `DELETE` of every object but the device policy answers 204.
async fn deletes_succeed(server: &MockServer) -> Vec<httpmock::Mock<'_>> {
    let mut mocks = Vec::new();
    for path in ["applications/app", "users/user/devices/device", "signOnPolicies/sop", "users/user", "populations/pop"]
    {
        let mock = server
            .mock_async(|when, then| {
                when.method(DELETE).path(format!("/v1/environments/{ENV}/{path}"));
                then.status(204);
            })
            .await;
        mocks.push(mock);
    }
    mocks
}

fn quick() -> TeardownOptions {
    TeardownOptions::default().backoff(Duration::from_millis(20), Duration::from_millis(50))
}

#[tokio::test]
async fn a_still_referenced_device_policy_is_deleted_once_pingone_lets_go() {
    let (server, client) = rig().await;
    let others = deletes_succeed(&server).await;
    let refused = server
        .mock_async(|when, then| {
            when.method(DELETE).path(format!("/v1/environments/{ENV}/deviceAuthenticationPolicies/dp"));
            then.status(409).header("content-type", "application/json").body(STILL_REFERENCED);
        })
        .await;
    let options = quick().retry_referenced_for(Duration::from_secs(20));
    let running = tokio::spawn(async move { teardown_with(&client, &ids(), &options).await });
    // Two refusals, then PingOne lets go: the accepting mock is added before the refusing one
    // is removed, so no retry falls between the two.
    let waited = Instant::now();
    while refused.calls_async().await < 2 {
        assert!(waited.elapsed() < Duration::from_secs(10), "teardown did not retry");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let accepted = server
        .mock_async(|when, then| {
            when.method(DELETE).path(format!("/v1/environments/{ENV}/deviceAuthenticationPolicies/dp"));
            then.status(204);
        })
        .await;
    refused.delete_async().await;
    let report = running.await.unwrap().unwrap();
    assert!(report.removed.contains(&("device authentication policy", Removal::Deleted)), "{report:?}");
    assert!(report.removed.iter().all(|(_, r)| *r == Removal::Deleted), "{report:?}");
    accepted.assert_calls_async(1).await;
    for mock in others {
        mock.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn the_retry_is_bounded_and_the_409_is_the_error() {
    let (server, client) = rig().await;
    deletes_succeed(&server).await;
    let refused = server
        .mock_async(|when, then| {
            when.method(DELETE).path(format!("/v1/environments/{ENV}/deviceAuthenticationPolicies/dp"));
            then.status(409).header("content-type", "application/json").body(STILL_REFERENCED);
        })
        .await;
    let options = quick().retry_referenced_for(Duration::from_millis(100));
    let err = teardown_with(&client, &ids(), &options).await.unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.api().unwrap().body.details[0].target.as_deref(), Some("signOnPolicies"));
    // 20 + 40 + 40 ms of waits fit in 100 ms: four attempts in all.
    refused.assert_calls_async(4).await;
    // Without retries, one attempt.
    let no_retry = TeardownOptions::default().retry_referenced_for(Duration::ZERO);
    teardown_with(&client, &ids(), &no_retry).await.unwrap_err();
    refused.assert_calls_async(5).await;
}

#[tokio::test]
async fn another_conflict_is_not_retried() {
    let (server, client) = rig().await;
    deletes_succeed(&server).await;
    let refused = server
        .mock_async(|when, then| {
            when.method(DELETE).path(format!("/v1/environments/{ENV}/deviceAuthenticationPolicies/dp"));
            then.status(400)
                .header("content-type", "application/json")
                .body(r#"{"code":"INVALID_DATA","details":[{"code":"CONSTRAINT_VIOLATION","target":"default"}]}"#);
        })
        .await;
    let err = teardown_with(&client, &ids(), &quick()).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    refused.assert_calls_async(1).await;
}
