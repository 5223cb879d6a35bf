//! `MemoryStore`: single use under a race, expiry on the injected clock, a bounded size.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use pingone_core::ManualClock;
use pingone_flow::SealedStage;
use pingone_session::{FlowStore, MemoryStore, StoreError};

fn sealed(tag: u8) -> SealedStage {
    SealedStage::from_bytes(vec![tag; 64])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_racing_takes_have_exactly_one_winner() {
    for round in 0..20 {
        let store = Arc::new(MemoryStore::new());
        store.put("k", sealed(round), Duration::from_secs(60)).await.unwrap();
        let barrier = Arc::new(tokio::sync::Barrier::new(100));
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.take("k").await.unwrap()
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            if let Some(value) = task.await.unwrap() {
                winners.push(value);
            }
        }
        assert_eq!(winners.len(), 1, "round {round}");
        assert_eq!(winners[0].as_bytes(), sealed(round).as_bytes());
        assert!(store.is_empty());
    }
}

#[tokio::test]
async fn entries_expire_on_the_injected_clock() {
    let clock = ManualClock::starting_now();
    let store = MemoryStore::new().with_clock(Arc::new(clock.clone()));
    store.put("a", sealed(1), Duration::from_secs(10)).await.unwrap();
    store.put("b", sealed(2), Duration::from_secs(30)).await.unwrap();
    clock.advance(Duration::from_secs(11));
    assert!(store.take("a").await.unwrap().is_none(), "expired");
    assert!(store.take("b").await.unwrap().is_some());
    assert!(store.take("b").await.unwrap().is_none(), "taken");
    assert!(store.take("never").await.unwrap().is_none());
}

#[tokio::test]
async fn a_full_store_drops_expired_entries_then_refuses() {
    let clock = ManualClock::starting_now();
    let store = MemoryStore::with_capacity(3).with_clock(Arc::new(clock.clone()));
    for key in ["a", "b", "c"] {
        store.put(key, sealed(0), Duration::from_secs(10)).await.unwrap();
    }
    let err = store.put("d", sealed(0), Duration::from_secs(10)).await.unwrap_err();
    assert_eq!(err, StoreError::Full { capacity: 3 });
    assert!(err.is_transient());
    // Replacing an existing key is not growth.
    store.put("a", sealed(9), Duration::from_secs(10)).await.unwrap();
    clock.advance(Duration::from_secs(11));
    store.put("d", sealed(4), Duration::from_secs(10)).await.unwrap();
    assert_eq!(store.len(), 1, "the expired entries made room");
    assert_eq!(store.take("d").await.unwrap().unwrap().as_bytes(), sealed(4).as_bytes());
}
