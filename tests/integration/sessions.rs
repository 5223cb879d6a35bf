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
    if !sessions.is_stateless() {
        assert!(matches!(sessions.take(token.secret()).await, Err(SessionError::Missing)), "single use");
    }
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
    if sessions.is_stateless() {
        // A replayed cookie opens, but PingOne's flow refuses it: the flow was resumed.
        let SignOnStage::Completed(replayed) = sessions.take(token.secret()).await.unwrap() else { panic!() };
        let err = replayed.resume(&w.client).await.unwrap_err();
        assert!(matches!(err, FlowError::StaleStage { current: None, .. }), "{err}");
    } else {
        assert!(matches!(sessions.take(token.secret()).await, Err(SessionError::Missing)), "single use");
    }
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
