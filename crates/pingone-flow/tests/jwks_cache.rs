//! The JWKS behind ID-token verification: a TTL, throttled refetches for unknown `kid`s, one
//! fetch shared by concurrent verifications, no lock held across the fetch, RS256 signature keys
//! only, and tokens without a `kid`. Time moves on the client's injected clock, never by sleeping.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod support;

use std::time::Duration;

use pingone_flow::{FlowError, IdTokenError, Tokens};
use serde_json::{Value, json};
use support::{Rig, TestKey, keys};

fn id_token_error(result: Result<Tokens, FlowError>) -> IdTokenError {
    match result {
        Err(FlowError::IdToken(e)) => e,
        Err(other) => panic!("expected an ID-token error, got {other}"),
        Ok(tokens) => panic!("the ID token was accepted: {:?}", tokens.claims),
    }
}

fn unknown(key: &TestKey) -> IdTokenError {
    IdTokenError::UnknownKey(Some(key.kid.clone()))
}

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn key_removed_from_the_jwks_stops_being_trusted_after_the_ttl() {
    let [a, b, _] = keys();
    let rig = Rig::new(|c| c).await;
    let jwks = rig.jwks_mock(None).await;
    rig.sign_on(a, |_| {}).await.unwrap();
    assert_eq!(jwks.calls_async().await, 1);
    // Key A is withdrawn and B published.
    rig.publish(&[b.jwk()]);
    rig.clock.advance(9 * MINUTE);
    rig.sign_on(a, |_| {}).await.expect("within the TTL the cached key is still used");
    assert_eq!(jwks.calls_async().await, 1);
    rig.clock.advance(MINUTE + Duration::from_secs(1));
    assert_eq!(id_token_error(rig.sign_on(a, |_| {}).await), unknown(a), "past the 10-minute TTL");
    assert_eq!(jwks.calls_async().await, 2);
    rig.sign_on(b, |_| {}).await.unwrap();
    assert_eq!(jwks.calls_async().await, 2, "the refetched set is cached");
}

#[tokio::test]
async fn jwks_ttl_is_configurable() {
    let [a, b, _] = keys();
    let rig = Rig::new(|c| c.with_jwks_ttl(MINUTE)).await;
    let jwks = rig.jwks_mock(None).await;
    rig.sign_on(a, |_| {}).await.unwrap();
    rig.publish(&[b.jwk()]);
    rig.clock.advance(MINUTE);
    assert_eq!(id_token_error(rig.sign_on(a, |_| {}).await), unknown(a));
    assert_eq!(jwks.calls_async().await, 2);
}

#[tokio::test]
async fn unknown_kid_refetches_at_most_once_per_min_interval() {
    let [a, _, c] = keys();
    let rig = Rig::new(|c| c).await;
    let jwks = rig.jwks_mock(None).await;
    rig.sign_on(a, |_| {}).await.unwrap();
    // Tokens naming a key the JWKS does not have, right after the fetch: no refetch.
    for _ in 0..3 {
        assert_eq!(id_token_error(rig.sign_on(c, |_| {}).await), unknown(c));
    }
    assert_eq!(jwks.calls_async().await, 1);
    // After the minimum interval (30 s), one refetch; then none again for 30 s.
    rig.clock.advance(Duration::from_secs(30));
    assert_eq!(id_token_error(rig.sign_on(c, |_| {}).await), unknown(c));
    assert_eq!(jwks.calls_async().await, 2);
    for _ in 0..3 {
        assert_eq!(id_token_error(rig.sign_on(c, |_| {}).await), unknown(c));
    }
    assert_eq!(jwks.calls_async().await, 2);
    // A rotation is picked up by the next refetch allowed.
    rig.publish(&[a.jwk(), c.jwk()]);
    rig.clock.advance(Duration::from_secs(31));
    rig.sign_on(c, |_| {}).await.unwrap();
    rig.sign_on(c, |_| {}).await.unwrap();
    rig.sign_on(a, |_| {}).await.unwrap();
    assert_eq!(jwks.calls_async().await, 3);
}

#[tokio::test]
async fn jwks_min_refetch_interval_is_configurable() {
    let [a, _, c] = keys();
    let rig = Rig::new(|c| c.with_jwks_min_refetch_interval(5 * MINUTE)).await;
    let jwks = rig.jwks_mock(None).await;
    rig.sign_on(a, |_| {}).await.unwrap();
    rig.publish(&[a.jwk(), c.jwk()]);
    rig.clock.advance(4 * MINUTE);
    assert_eq!(id_token_error(rig.sign_on(c, |_| {}).await), unknown(c));
    assert_eq!(jwks.calls_async().await, 1);
    rig.clock.advance(MINUTE);
    rig.sign_on(c, |_| {}).await.unwrap();
    assert_eq!(jwks.calls_async().await, 2);
}

/// Several verifications with unknown `kid`s at once share one fetch (single flight): the old
/// code fetched once per token.
#[tokio::test]
async fn concurrent_unknown_kids_share_one_fetch() {
    let [a, b, c] = keys();
    let rig = Rig::new(|c| c).await;
    let jwks = rig.jwks_mock(Some(Duration::from_millis(300))).await;
    rig.sign_on(a, |_| {}).await.unwrap();
    rig.publish(&[a.jwk(), c.jwk()]);
    rig.clock.advance(Duration::from_secs(31));
    let mut tokens = Vec::new();
    for key in [c, b, c, b] {
        let pending = rig.pending().await;
        let token = key.sign(&rig.claims(&pending));
        tokens.push((pending, token));
    }
    let mut exchanges = tokens.into_iter().map(|(pending, token)| rig.exchange(pending, token));
    let (r1, r2, r3, r4) = tokio::join!(
        exchanges.next().unwrap(),
        exchanges.next().unwrap(),
        exchanges.next().unwrap(),
        exchanges.next().unwrap()
    );
    r1.unwrap();
    r3.unwrap();
    assert_eq!(id_token_error(r2), unknown(b));
    assert_eq!(id_token_error(r4), unknown(b));
    assert_eq!(jwks.calls_async().await, 2, "one initial fetch, one shared refetch");
}

/// While a refetch for an unknown `kid` is stalled on the network, a token whose key is cached
/// verifies at once: no lock is held across the fetch. (The old code held a mutex across it: the
/// second exchange waited for the first's fetch, and the timeout below fired.)
#[tokio::test]
async fn no_lock_is_held_across_the_jwks_fetch() {
    let [a, _, c] = keys();
    let rig = Rig::new(|c| c).await;
    let quick = rig.jwks_mock(None).await;
    rig.sign_on(a, |_| {}).await.unwrap();
    quick.delete_async().await;
    let stalled = rig.jwks_mock(Some(Duration::from_secs(60))).await;
    rig.clock.advance(Duration::from_secs(31));
    let slow_pending = rig.pending().await;
    let slow_token = c.sign(&rig.claims(&slow_pending));
    let fast_pending = rig.pending().await;
    let fast_token = a.sign(&rig.claims(&fast_pending));

    // Boxed, so that dropping it below really cancels it.
    let mut slow = Box::pin(rig.exchange(slow_pending, slow_token));
    // Drive the unknown-kid exchange until its JWKS request has reached the server.
    while stalled.calls_async().await == 0 {
        tokio::select! {
            result = &mut slow => panic!("the stalled exchange finished: {result:?}"),
            () = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
    }
    let fast = tokio::time::timeout(Duration::from_secs(15), rig.exchange(fast_pending, fast_token)).await;
    let tokens = fast.expect("the cached key was usable while the refetch was in flight").unwrap();
    assert_eq!(tokens.claims.sub, "user-1");

    // The stalled exchange is abandoned (its caller went away). The cache is not wedged: once
    // the minimum interval has passed, the next verification that needs keys fetches them.
    drop(slow);
    stalled.delete_async().await;
    let jwks = rig.jwks_mock(None).await;
    rig.publish(&[a.jwk(), c.jwk()]);
    rig.clock.advance(Duration::from_secs(30));
    rig.sign_on(c, |_| {}).await.unwrap();
    assert_eq!(jwks.calls_async().await, 1);
}

/// Only keys fit for RS256 signatures verify: `use` `sig` or absent, `alg` `RS256` or absent,
/// `key_ops` with `verify` or absent. PingOne publishes `use: enc` keys in the same JWKS.
#[tokio::test]
async fn only_rs256_signature_keys_are_used() {
    let a = &keys()[0];
    let unfit: [(&str, Value); 6] = [
        ("use", json!("enc")),
        ("alg", json!("RS384")),
        ("alg", json!("RSA-OAEP-256")),
        ("key_ops", json!(["encrypt", "wrapKey"])),
        ("key_ops", json!([])),
        ("kty", json!("oct")),
    ];
    for (member, value) in unfit {
        let rig = Rig::new(|c| c).await;
        let _jwks = rig.jwks_mock(None).await;
        rig.publish(&[a.jwk_with(member, value.clone())]);
        let result = rig.sign_on(a, |_| {}).await;
        assert_eq!(id_token_error(result), unknown(a), "{member}: {value}");
    }
    let fit: [(&str, Value); 4] = [
        ("use", Value::Null),
        ("alg", json!("RS256")),
        ("key_ops", json!(["verify"])),
        ("key_ops", json!(["sign", "verify"])),
    ];
    for (member, value) in fit {
        let rig = Rig::new(|c| c).await;
        let _jwks = rig.jwks_mock(None).await;
        rig.publish(&[a.jwk_with(member, value.clone())]);
        rig.sign_on(a, |_| {}).await.unwrap_or_else(|e| panic!("{member}: {value}: {e}"));
    }
}

#[tokio::test]
async fn token_without_kid_is_tried_against_each_eligible_key() {
    let [a, b, c] = keys();
    let rig = Rig::new(|c| c).await;
    let jwks = rig.jwks_mock(None).await;
    rig.publish(&[b.jwk(), c.jwk(), a.jwk()]);
    let pending = rig.pending().await;
    let token = a.sign_without_kid(&rig.claims(&pending));
    let tokens = rig.exchange(pending, token).await.unwrap();
    assert_eq!(tokens.claims.sub, "user-1");
    assert_eq!(jwks.calls_async().await, 1);

    // A key unfit for signatures is not tried, even when it is the right one.
    let rig = Rig::new(|c| c).await;
    let _jwks = rig.jwks_mock(None).await;
    rig.publish(&[a.jwk_with("use", json!("enc")), b.jwk()]);
    let pending = rig.pending().await;
    let token = a.sign_without_kid(&rig.claims(&pending));
    assert_eq!(id_token_error(rig.exchange(pending, token).await), IdTokenError::BadSignature);
}

/// A failed fetch is an error for every verification that waited for it (the one that ran it
/// gets PingOne's answer, the others `KeysUnavailable`), and is not cached: the next
/// verification fetches again.
#[tokio::test]
async fn failed_jwks_fetch_is_shared_then_retried() {
    let a = &keys()[0];
    let rig = Rig::new(|c| c).await;
    let failing = rig
        .server
        .mock_async(|when, then| {
            when.method(httpmock::Method::GET).path(format!("/{}/as/jwks", support::ENV));
            then.status(404).delay(Duration::from_secs(1));
        })
        .await;
    let first = rig.pending().await;
    let first_token = a.sign(&rig.claims(&first));
    let second = rig.pending().await;
    let second_token = a.sign(&rig.claims(&second));
    let (r1, r2) = tokio::join!(rig.exchange(first, first_token), rig.exchange(second, second_token));
    let mut errors = [r1.unwrap_err(), r2.unwrap_err()];
    errors.sort_by_key(|e| matches!(e, FlowError::IdToken(_)));
    assert!(matches!(&errors[0], FlowError::Http(e) if e.status() == Some(404)), "{}", errors[0]);
    assert!(matches!(errors[1], FlowError::IdToken(IdTokenError::KeysUnavailable)), "{}", errors[1]);
    assert_eq!(failing.calls_async().await, 1);
    failing.delete_async().await;
    let jwks = rig.jwks_mock(None).await;
    rig.sign_on(a, |_| {}).await.unwrap();
    assert_eq!(jwks.calls_async().await, 1);
}
