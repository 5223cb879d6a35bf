//! Sealed stages: round trips, a tamper sweep, keys and rotation, binding to the environment
//! and application, expiry on the injected clock, and the typed error for each.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use httpmock::prelude::*;
use pingone_core::{ClientAuth, Endpoints, HttpClient, ManualClock};
use pingone_flow::{
    Authorized, BindingMismatch, FlowError, KeyRing, OidcApp, OpenError, OtpRequired, SealError, SealedStage,
    SealingKey, SignOnClient, SignOnStage, StageSealer,
};

const ENV: &str = "7d2c1a4e-5b3f-4c8e-9a61-2f0e8b3d4c11";
const OTHER_ENV: &str = "11111111-2222-4333-8444-555555555555";
const REDIRECT: &str = "https://app.example.test/callback";

fn key(byte: u8) -> SealingKey {
    SealingKey::from_bytes(&[byte; 32]).unwrap()
}

fn client_for(server: &MockServer, env: &str, client_id: &str, redirect: &str) -> SignOnClient {
    let endpoints = Endpoints::custom(&server.url("/v1"), &server.base_url()).unwrap();
    let app = OidcApp::new(client_id, redirect, &["openid"], ClientAuth::None);
    SignOnClient::new(HttpClient::new().unwrap(), endpoints, env.parse().unwrap(), app)
}

async fn server() -> MockServer {
    let server = MockServer::start_async().await;
    let location = format!("{}/{ENV}/signon/?flowId=flow-1", server.base_url());
    server
        .mock_async(move |when, then| {
            when.method(GET).path(format!("/{ENV}/as/authorize"));
            then.status(302)
                .header("location", location)
                .header("set-cookie", format!("ST=session-cookie-secret; Path=/{ENV}; HttpOnly"));
        })
        .await;
    server
}

async fn authorized(server: &MockServer) -> (SignOnClient, Authorized) {
    let client = client_for(server, ENV, "client-1", REDIRECT);
    let stage = client.authorize().await.unwrap();
    (client, stage)
}

#[tokio::test]
async fn a_sealed_stage_opens_as_itself_and_its_text_fits_in_a_cookie() {
    let server = server().await;
    let (client, stage) = authorized(&server).await;
    let sealer = StageSealer::new(&client, KeyRing::new(key(1)));
    let sealed = sealer.seal(stage).unwrap();
    let text = sealed.to_text();
    assert!(text.len() <= 1536, "{} bytes", text.len());
    assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "cookie- and URL-safe");
    assert!(format!("{sealed:?}").starts_with("SealedStage([redacted]"));
    assert!(!format!("{sealed:?}").contains(&text));
    let opened: Authorized = sealer.open(&text.parse().unwrap()).unwrap();
    assert_eq!(opened.flow_id(), "flow-1");
    let any = sealer.open_any(&sealed).unwrap();
    assert_eq!(any.stage_name(), "Authorized");
    assert!(matches!(any, SignOnStage::Authorized(_)));
    // Two seals of the same content differ (random nonce = seal ID).
    let again = sealer.seal(opened).unwrap();
    assert_ne!(again.seal_id(), sealed.seal_id());
    assert_ne!(again.to_text(), text);
}

#[tokio::test]
async fn every_flipped_byte_truncation_and_extension_is_a_typed_error() {
    let server = server().await;
    let (client, stage) = authorized(&server).await;
    let sealer = StageSealer::new(&client, KeyRing::new(key(1)));
    let bytes = sealer.seal(stage).unwrap().as_bytes().to_vec();
    let mut cases = 0;
    for i in 0..bytes.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut flipped = bytes.clone();
            flipped[i] ^= mask;
            let err = sealer.open_any(&SealedStage::from_bytes(flipped)).unwrap_err();
            assert!(
                matches!(
                    err,
                    OpenError::Tampered
                        | OpenError::WrongKey
                        | OpenError::UnknownVersion(_)
                        | OpenError::WrongBinding(_)
                        | OpenError::Malformed
                ),
                "byte {i}: {err:?}"
            );
            // Bytes 0 (version), 2..10 (key ID) and 10..18 (binding tags) are read before the
            // cryptography and give the more precise errors; the rest must fail authentication.
            if i >= 18 {
                assert_eq!(err, OpenError::Tampered, "byte {i}");
            }
            cases += 1;
        }
    }
    for len in 0..bytes.len() {
        let err = sealer.open_any(&SealedStage::from_bytes(bytes[..len].to_vec())).unwrap_err();
        assert!(matches!(err, OpenError::Malformed | OpenError::Tampered), "length {len}: {err:?}");
        cases += 1;
    }
    for extra in [&[0u8][..], &[0; 16], b"appended"] {
        let extended = [bytes.as_slice(), extra].concat();
        assert_eq!(sealer.open_any(&SealedStage::from_bytes(extended)).unwrap_err(), OpenError::Tampered);
        cases += 1;
    }
    assert!(cases > 3 * bytes.len());
    // The text form: garbage and cut text.
    assert_eq!("not*base64".parse::<SealedStage>().unwrap_err(), OpenError::Malformed);
    assert_eq!(sealer.open_any(&"".parse().unwrap()).unwrap_err(), OpenError::Malformed);
}

#[tokio::test]
async fn keys_decide_who_opens_and_a_ring_rotates() {
    let server = server().await;
    let (client, stage) = authorized(&server).await;
    let old = StageSealer::new(&client, KeyRing::new(key(1)));
    let sealed_with_old = old.seal(stage).unwrap();
    let stranger = StageSealer::new(&client, KeyRing::new(key(9)));
    assert_eq!(stranger.open_any(&sealed_with_old).unwrap_err(), OpenError::WrongKey);
    let rotated = StageSealer::new(&client, KeyRing::new(key(2)).with_previous(key(1)));
    let stage: Authorized = rotated.open(&sealed_with_old).unwrap();
    let sealed_with_new = rotated.seal(stage).unwrap();
    assert_eq!(old.open_any(&sealed_with_new).unwrap_err(), OpenError::WrongKey, "new seals use the new key");
    assert!(StageSealer::new(&client, KeyRing::new(key(2))).open_any(&sealed_with_new).is_ok());
}

#[tokio::test]
async fn a_sealed_stage_opens_only_for_its_environment_and_application() {
    let server = server().await;
    let (client, stage) = authorized(&server).await;
    let sealed = StageSealer::new(&client, KeyRing::new(key(1))).seal(stage).unwrap();
    let open_with = |c: &SignOnClient| StageSealer::new(c, KeyRing::new(key(1))).open_any(&sealed).map(|_| ());
    assert_eq!(
        open_with(&client_for(&server, ENV, "client-2", REDIRECT)),
        Err(OpenError::WrongBinding(BindingMismatch::Application))
    );
    assert_eq!(
        open_with(&client_for(&server, ENV, "client-1", "https://app.example.test/other")),
        Err(OpenError::WrongBinding(BindingMismatch::Application))
    );
    assert_eq!(
        open_with(&client_for(&server, OTHER_ENV, "client-1", REDIRECT)),
        Err(OpenError::WrongBinding(BindingMismatch::Environment))
    );
    let other_origin = {
        let endpoints = Endpoints::custom("http://127.0.0.2:1/v1", "http://127.0.0.2:1").unwrap();
        let app = OidcApp::new("client-1", REDIRECT, &["openid"], ClientAuth::None);
        SignOnClient::new(HttpClient::new().unwrap(), endpoints, ENV.parse().unwrap(), app)
    };
    assert_eq!(open_with(&other_origin), Err(OpenError::WrongBinding(BindingMismatch::Environment)));
    assert_eq!(open_with(&client), Ok(()));
}

#[tokio::test]
async fn a_sealed_stage_expires_on_the_injected_clock() {
    let server = server().await;
    let (client, stage) = authorized(&server).await;
    let clock = ManualClock::starting_now();
    let sealer = StageSealer::new(&client, KeyRing::new(key(1)))
        .with_clock(Arc::new(clock.clone()))
        .with_max_age(Duration::from_secs(60));
    let sealed = sealer.seal(stage).unwrap();
    clock.advance(Duration::from_secs(60));
    assert!(sealer.open_any(&sealed).is_ok(), "valid through its maximum age");
    clock.advance(Duration::from_secs(5));
    assert_eq!(sealer.open_any(&sealed).unwrap_err(), OpenError::Expired { seconds_ago: 5 });
    // The default is PingOne's flow lifetime.
    assert_eq!(StageSealer::new(&client, KeyRing::new(key(1))).max_age(), Duration::from_secs(900));
}

/// A seal made elsewhere with the same key lives here no longer than this sealer's maximum age,
/// and one stamped further ahead than the clock skew allows is refused: either would outlive
/// what a stateless instance remembers of the seals it has opened.
#[tokio::test]
async fn a_seal_opens_no_longer_than_the_opening_sealers_max_age_and_never_from_the_future() {
    let server = server().await;
    let (client, stage) = authorized(&server).await;
    let clock = ManualClock::starting_now();
    let lenient = StageSealer::new(&client, KeyRing::new(key(1)))
        .with_clock(Arc::new(clock.clone()))
        .with_max_age(Duration::from_secs(3600));
    let strict = StageSealer::new(&client, KeyRing::new(key(1)))
        .with_clock(Arc::new(clock.clone()))
        .with_max_age(Duration::from_secs(60));
    let sealed = lenient.seal(stage).unwrap();
    clock.advance(Duration::from_secs(70));
    assert!(lenient.open_any(&sealed).is_ok());
    assert_eq!(strict.open_any(&sealed).unwrap_err(), OpenError::Expired { seconds_ago: 10 });
    // Sealed by an instance whose clock is two minutes fast.
    let (_, stage) = authorized(&server).await;
    let fast = ManualClock::starting_now();
    fast.advance(Duration::from_secs(190));
    let sealed = StageSealer::new(&client, KeyRing::new(key(1))).with_clock(Arc::new(fast)).seal(stage).unwrap();
    let err = strict.open_any(&sealed).unwrap_err();
    assert!(matches!(err, OpenError::SealedInTheFuture { seconds_ahead: 119..=121 }), "{err:?}");
}

#[tokio::test]
async fn the_wrong_stage_type_and_an_unknown_version_are_named() {
    let server = server().await;
    let (client, stage) = authorized(&server).await;
    let sealer = StageSealer::new(&client, KeyRing::new(key(1)));
    let sealed = sealer.seal(stage).unwrap();
    assert_eq!(
        sealer.open::<OtpRequired>(&sealed).unwrap_err(),
        OpenError::WrongStage { expected: "OtpRequired", found: "Authorized" }
    );
    let mut future = sealed.as_bytes().to_vec();
    future[0] = 2;
    assert_eq!(sealer.open_any(&SealedStage::from_bytes(future)).unwrap_err(), OpenError::UnknownVersion(2));
}

#[tokio::test]
async fn a_stage_is_refused_by_a_client_for_another_environment_or_application() {
    let server = server().await;
    let (_, stage) = authorized(&server).await;
    let other_app = client_for(&server, ENV, "client-2", REDIRECT);
    let err = stage.submit_username(&other_app, "ada").await.unwrap_err();
    assert!(matches!(err, FlowError::WrongClient { mismatch: BindingMismatch::Application, .. }), "{err}");
    let (_, stage) = authorized(&server).await;
    let other_env = client_for(&server, OTHER_ENV, "client-1", REDIRECT);
    let err = stage.submit_username(&other_env, "ada").await.unwrap_err();
    assert!(matches!(err, FlowError::WrongClient { mismatch: BindingMismatch::Environment, .. }), "{err}");
}

#[tokio::test]
async fn a_stage_is_not_sealed_by_another_applications_sealer() {
    let server = server().await;
    let (_, stage) = authorized(&server).await;
    let other = client_for(&server, ENV, "client-2", REDIRECT);
    let err = StageSealer::new(&other, KeyRing::new(key(1))).seal(stage).unwrap_err();
    assert_eq!(err, SealError::WrongBinding(BindingMismatch::Application));
}

#[tokio::test]
async fn form_tokens_are_keyed_by_the_sealing_key() {
    let server = server().await;
    let (client, _) = authorized(&server).await;
    let (one, two) = (StageSealer::new(&client, KeyRing::new(key(1))), StageSealer::new(&client, KeyRing::new(key(2))));
    let token = one.form_token("value");
    assert!(one.form_token_matches("value", &token));
    assert!(!two.form_token_matches("value", &token), "another key, another token");
    assert!(!one.form_token_matches("other", &token));
    assert!(!one.form_token_matches("value", &token[..21]), "a truncated token");
    let rotated = StageSealer::new(&client, KeyRing::new(key(2)).with_previous(key(1)));
    assert!(rotated.form_token_matches("value", &token), "forms shown before a rotation still post");
    assert_eq!(rotated.form_token("value"), two.form_token("value"), "the first key makes new tokens");
}

#[tokio::test]
async fn authorize_fails_closed_when_the_random_source_fails() {
    let server = MockServer::start_async().await;
    let authorize = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("/{ENV}/as/authorize"));
            then.status(302).header("location", "/signon/?flowId=flow-1");
        })
        .await;
    let client = pingone_flow::internal::with_failing_random(client_for(&server, ENV, "client-1", REDIRECT));
    let err = client.authorize().await.unwrap_err();
    assert!(matches!(err, FlowError::Random), "{err}");
    assert_eq!(authorize.calls_async().await, 0, "nothing was sent");
    let client = client_for(&server, ENV, "client-1", REDIRECT);
    assert!(client.authorize().await.is_ok());
    assert_eq!(authorize.calls_async().await, 1);
}
