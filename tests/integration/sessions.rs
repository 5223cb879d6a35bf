//! Sign-ons across requests: stages parked in a store (memory, a real Redis) or a sealed cookie,
//! single-use under races, and stale stages (double submit, back button, replay) as typed
//! errors, never a raw 400.

use std::sync::Arc;
use std::time::Duration;

use crate::services::{self, RedisServer};
use crate::support::*;
use pingone_flow::{
    AfterUsername, Authorized, Completed, FlowError, FlowStatus, KeyRing, OtpOutcome, OtpRequired, SealingKey,
    SignOnStage, StageSealer,
};
use pingone_session::{FlowStore, MemoryStore, RedisStore, SessionError, SignOnSessions, StoreError};

fn sealer(w: &World) -> StageSealer {
    StageSealer::new(&w.client, KeyRing::new(SealingKey::generate().unwrap()))
}

async fn otp_stage(w: &World) -> OtpRequired {
    let submitted = w.client.authorize().await.unwrap().submit_username(&w.client, USER).await.unwrap();
    let AfterUsername::OtpRequired(stage) = submitted.next().unwrap() else { panic!("no OTP step") };
    stage
}

async fn racing_takes(store: Arc<dyn FlowStore>) {
    for round in 0..5u8 {
        let key = format!("race-{round}");
        store
            .put(&key, pingone_flow::SealedStage::from_bytes(vec![round; 700]), Duration::from_secs(60))
            .await
            .unwrap();
        let barrier = Arc::new(tokio::sync::Barrier::new(100));
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let (store, barrier, key) = (Arc::clone(&store), Arc::clone(&barrier), key.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.take(&key).await.unwrap()
                })
            })
            .collect();
        let mut winners = 0;
        for task in tasks {
            if let Some(value) = task.await.unwrap() {
                assert_eq!(value.as_bytes(), vec![round; 700].as_slice());
                winners += 1;
            }
        }
        assert_eq!(winners, 1, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_racing_takes_have_one_winner_in_memory_and_in_redis() {
    racing_takes(Arc::new(MemoryStore::new())).await;
    let Some(redis) = RedisServer::start() else { return };
    racing_takes(Arc::new(RedisStore::connect(&redis.url()).await.unwrap())).await;
}

#[tokio::test]
async fn redis_entries_expire_and_an_unreachable_redis_is_a_typed_error() {
    let Some(redis) = RedisServer::start() else { return };
    let store = RedisStore::connect(&redis.url()).await.unwrap();
    store.put("short", pingone_flow::SealedStage::from_bytes(vec![1; 10]), Duration::from_millis(100)).await.unwrap();
    store.put("long", pingone_flow::SealedStage::from_bytes(vec![2; 10]), Duration::from_secs(60)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(store.take("short").await.unwrap().is_none(), "expired by PX");
    assert_eq!(store.take("long").await.unwrap().unwrap().as_bytes(), [2; 10]);
    drop(redis);
    let err = store.take("long").await.unwrap_err();
    assert!(matches!(err, StoreError::Unreachable { .. }), "{err:?}");
    assert!(err.is_transient());
    let closed = services::free_port();
    let err = RedisStore::connect(&format!("redis://:hunter2@127.0.0.1:{closed}")).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("unreachable") && text.contains("check the URL"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    let err = RedisStore::connect("http://not-redis").await.unwrap_err();
    assert!(matches!(err, StoreError::InvalidUrl { .. }), "{err:?}");
}

/// A whole sign-on, each stage parked between "requests"; a second take of any token fails.
async fn sign_on_through(w: &World, sessions: &SignOnSessions) {
    let token = sessions.park(w.client.authorize().await.unwrap()).await.unwrap();
    let SignOnStage::Authorized(stage) = sessions.take(token.secret()).await.unwrap() else { panic!() };
    // Single use, with a store and (per instance) in a cookie.
    assert!(matches!(sessions.take(token.secret()).await, Err(SessionError::Missing)), "single use");
    let AfterUsername::OtpRequired(stage) = stage.submit_username(&w.client, USER).await.unwrap().next().unwrap()
    else {
        panic!()
    };
    let token = sessions.park(stage).await.unwrap();
    assert!(format!("{token:?}").contains("redacted"));
    let SignOnStage::OtpRequired(stage) = sessions.take(token.secret()).await.unwrap() else { panic!() };
    let OtpOutcome::Completed(done) = stage.submit_otp(&w.client, &w.otp().await).await.unwrap() else { panic!() };
    let token = sessions.park(done).await.unwrap();
    let SignOnStage::Completed(done) = sessions.take(token.secret()).await.unwrap() else { panic!() };
    let tokens = done.resume(&w.client).await.unwrap().exchange(&w.client).await.unwrap();
    assert_eq!(tokens.claims.preferred_username.as_deref(), Some(USER));
    assert!(matches!(sessions.take(token.secret()).await, Err(SessionError::Missing)), "single use");
}

/// The decoy's attempt count lives in its sealed stage: a replayed cookie must not reset it
/// (a decoy that never locks would tell a made-up username from a real one).
#[tokio::test]
async fn a_replayed_cookie_is_refused_so_a_decoy_still_locks() {
    let w = World::new().await;
    let sessions = SignOnSessions::in_cookie(sealer(&w));
    let authorized = w.client.authorize().await.unwrap();
    let Err(FlowError::UsernameRejected { state, .. }) = authorized.submit_username(&w.client, "nobody").await else {
        panic!("the username is unknown")
    };
    let policy = pingone_flow::DecoyPolicy { attempts: 3, lock_for: Duration::from_secs(120) };
    let first = sessions.park(state.decoy(policy)).await.unwrap();
    let SignOnStage::OtpRequired(decoy) = sessions.take(first.secret()).await.unwrap() else { panic!() };
    let OtpOutcome::Rejected(rejected) = decoy.submit_otp(&w.client, &pingone_core::Otp::new("000000")).await.unwrap()
    else {
        panic!("a decoy never completes")
    };
    assert_eq!(rejected.remaining_attempts, Some(2));
    sessions.park(rejected.state).await.unwrap();
    // Sending the first cookie again finds nothing (a form bound to it would still pass the CSRF
    // check: it is the cookie itself that is refused).
    let err = sessions.take(first.secret()).await.unwrap_err();
    assert!(matches!(err, SessionError::Missing), "{err}");
    assert!(err.is_start_over());
}

#[tokio::test]
async fn csrf_tokens_are_keyed_and_follow_a_key_rotation() {
    let w = World::new().await;
    let old = SealingKey::from_base64(&base64_key(1)).unwrap();
    let sessions = SignOnSessions::in_cookie(StageSealer::new(&w.client, KeyRing::new(old)));
    let token = sessions.csrf_token("cookie-value");
    assert!(sessions.csrf_matches("cookie-value", &token));
    assert!(!sessions.csrf_matches("other-cookie", &token));
    assert!(!sessions.csrf_matches("cookie-value", ""));
    assert!(!token.contains("cookie-value"));
    assert_eq!(token.len(), 22, "128 bits, base64url");
    // Another key makes another token: nobody without the key can make one for a cookie value.
    let other = SignOnSessions::in_cookie(StageSealer::new(
        &w.client,
        KeyRing::new(SealingKey::from_base64(&base64_key(2)).unwrap()),
    ));
    assert_ne!(other.csrf_token("cookie-value"), token);
    assert!(!other.csrf_matches("cookie-value", &token));
    // After a rotation, a form shown before it still posts.
    let ring = KeyRing::new(SealingKey::from_base64(&base64_key(2)).unwrap())
        .with_previous(SealingKey::from_base64(&base64_key(1)).unwrap());
    let rotated = SignOnSessions::in_cookie(StageSealer::new(&w.client, ring));
    assert!(rotated.csrf_matches("cookie-value", &token));
    assert_eq!(rotated.csrf_token("cookie-value"), other.csrf_token("cookie-value"));
}

fn base64_key(byte: u8) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode([byte; 32])
}

/// A cookie names its key and application before anything is authenticated: from a browser,
/// such a mismatch is tampering (start over), never "misconfigured" (an alert an attacker could
/// raise at will). From the app's own store it is a misconfiguration.
#[tokio::test]
async fn a_cookie_for_another_key_means_start_over_but_a_stored_one_is_misconfigured() {
    let w = World::new().await;
    let theirs = SignOnSessions::in_cookie(sealer(&w));
    let token = theirs.park(w.client.authorize().await.unwrap()).await.unwrap();
    let ours = SignOnSessions::in_cookie(sealer(&w));
    let err = ours.take(token.secret()).await.unwrap_err();
    assert_eq!(err.recovery(), pingone_flow::Recovery::StartOver, "{err}");
    let store = Arc::new(MemoryStore::new());
    let writer = SignOnSessions::with_store(sealer(&w), Arc::clone(&store) as Arc<dyn FlowStore>);
    let reader = SignOnSessions::with_store(sealer(&w), store);
    let token = writer.park(w.client.authorize().await.unwrap()).await.unwrap();
    let err = reader.take(token.secret()).await.unwrap_err();
    assert_eq!(err.recovery(), pingone_flow::Recovery::Misconfigured, "{err}");
}

#[tokio::test]
async fn a_sign_on_crosses_requests_in_memory_in_a_cookie_and_in_redis() {
    let w = World::new().await;
    sign_on_through(&w, &SignOnSessions::with_store(sealer(&w), Arc::new(MemoryStore::new()))).await;
    sign_on_through(&w, &SignOnSessions::in_cookie(sealer(&w))).await;
    let Some(redis) = RedisServer::start() else { return };
    let store = RedisStore::connect(&redis.url()).await.unwrap();
    sign_on_through(&w, &SignOnSessions::with_store(sealer(&w), Arc::new(store))).await;
}

#[tokio::test]
async fn tampered_and_unknown_tokens_mean_start_over() {
    let w = World::new().await;
    let cookie = SignOnSessions::in_cookie(sealer(&w));
    let token = cookie.park(w.client.authorize().await.unwrap()).await.unwrap();
    let mut tampered = token.secret().to_owned();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let err = cookie.take(&tampered).await.unwrap_err();
    assert!(err.is_start_over(), "{err}");
    let stored = SignOnSessions::with_store(sealer(&w), Arc::new(MemoryStore::new()));
    for junk in ["", "short", &"x".repeat(43), token.secret()] {
        assert!(matches!(stored.take(junk).await, Err(SessionError::Missing)), "{junk:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_submitted_otp_gives_one_completion_and_one_stale_stage() {
    let w = World::new().await;
    let sealer = sealer(&w);
    let sealed = sealer.seal(otp_stage(&w).await).unwrap();
    let otp = w.otp().await;
    let (first, second): (OtpRequired, OtpRequired) = (sealer.open(&sealed).unwrap(), sealer.open(&sealed).unwrap());
    let (c1, c2, o1, o2) = (w.client.clone(), w.client.clone(), otp.clone(), otp);
    let (a, b) = tokio::join!(
        tokio::spawn(async move { first.submit_otp(&c1, &o1).await }),
        tokio::spawn(async move { second.submit_otp(&c2, &o2).await })
    );
    let results = [a.unwrap(), b.unwrap()];
    let completed = results.iter().filter(|r| matches!(r, Ok(OtpOutcome::Completed(_)))).count();
    let stale = results
        .iter()
        .filter(|r| matches!(r, Err(FlowError::StaleStage { current: Some(FlowStatus::Completed), .. })))
        .count();
    assert_eq!((completed, stale), (1, 1), "{results:?}");
    for result in &results {
        if let Err(e) = result {
            assert_ne!(e.status(), Some(400), "never a raw 400: {e}");
        }
    }
}

#[tokio::test]
async fn the_back_button_and_a_second_resume_are_stale_stages() {
    let w = World::new().await;
    let sealer = sealer(&w);
    // Back to the username page after it was submitted.
    let sealed = sealer.seal(w.client.authorize().await.unwrap()).unwrap();
    let stage: Authorized = sealer.open(&sealed).unwrap();
    let AfterUsername::OtpRequired(otp_stage) = stage.submit_username(&w.client, USER).await.unwrap().next().unwrap()
    else {
        panic!()
    };
    let back: Authorized = sealer.open(&sealed).unwrap();
    let err = back.submit_username(&w.client, USER).await.unwrap_err();
    assert!(matches!(err, FlowError::StaleStage { current: Some(FlowStatus::OtpRequired), .. }), "{err}");
    // Back to the code page after the code was accepted.
    let sealed = sealer.seal(otp_stage).unwrap();
    let stage: OtpRequired = sealer.open(&sealed).unwrap();
    let OtpOutcome::Completed(done) = stage.submit_otp(&w.client, &w.otp().await).await.unwrap() else { panic!() };
    let back: OtpRequired = sealer.open(&sealed).unwrap();
    let err = back.submit_otp(&w.client, &pingone_core::Otp::new("123456")).await.unwrap_err();
    assert!(matches!(err, FlowError::StaleStage { current: Some(FlowStatus::Completed), .. }), "{err}");
    // Resuming twice.
    let sealed = sealer.seal(done).unwrap();
    let done: Completed = sealer.open(&sealed).unwrap();
    done.resume(&w.client).await.unwrap();
    let again: Completed = sealer.open(&sealed).unwrap();
    let err = again.resume(&w.client).await.unwrap_err();
    assert!(matches!(err, FlowError::StaleStage { current: None, .. }), "{err}");
}
