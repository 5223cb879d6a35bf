//! Bounded memory: expired flows, codes, tokens and lock-outs are dropped by the environment's
//! clock; the outbox and the journal keep only their newest entries.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod support;

use std::time::Duration;

use pingone_sim::SimConfig;
use serde_json::json;
use support::*;

#[tokio::test]
async fn idle_flows_and_unused_codes_are_dropped_when_they_expire() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    for _ in 0..20 {
        h.authorize(&p.app_id).await; // abandoned at once
    }
    let code = h.sign_on(&p.app_id).await; // never exchanged
    let controls = h.sim.controls();
    assert_eq!((controls.flow_count(), controls.code_count()), (20, 1));
    // Moving the clock by hand (not through the controls) leaves the sweep to the next request.
    h.sim.clock().advance(Duration::from_secs(61));
    assert_eq!(controls.code_count(), 1);
    h.get("resources").await;
    assert_eq!((controls.flow_count(), controls.code_count()), (20, 0), "the code went with the next request");
    let secret = h.secret(&p.app_id).await;
    assert_eq!(h.exchange(&p.app_id, &secret, &code, Some(VERIFIER), REDIRECT).await.body["error"], "invalid_grant");
    // The controls sweep at once: flows idle for 15 minutes go.
    controls.advance_clock(Duration::from_secs(15 * 60 + 1));
    assert_eq!(controls.flow_count(), 0);
}

#[tokio::test]
async fn a_busy_flow_stays_while_idle_ones_go() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let (_, busy) = h.authorize(&p.app_id).await;
    h.authorize(&p.app_id).await;
    for _ in 0..3 {
        h.sim.controls().advance_clock(Duration::from_secs(10 * 60));
        assert_eq!(h.flow_get(&busy).await.status, 200, "activity keeps it alive");
    }
    assert_eq!(h.sim.controls().flow_count(), 1, "the idle one is gone");
}

#[tokio::test]
async fn the_outbox_keeps_its_newest_mail() {
    let h = Harness::with(SimConfig { outbox_capacity: 3, ..SimConfig::default() }).await;
    let p = provision(&h, &Options::default()).await;
    let mut sent = Vec::new();
    for _ in 0..5 {
        let (_, mut s) = h.authorize(&p.app_id).await;
        h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
        sent.push(h.sim.outbox().latest_for(EMAIL).unwrap().otp().to_owned());
    }
    let kept: Vec<String> = h.sim.outbox().messages().iter().map(|m| m.otp().to_owned()).collect();
    assert_eq!(kept, sent[2..]);
    // The oldest unread ones went with them: a waiting read gets the oldest kept.
    assert_eq!(h.sim.outbox().next_for(EMAIL, Duration::from_millis(10)).await.unwrap().otp(), sent[2]);
}

#[tokio::test]
async fn the_journal_keeps_its_newest_entries_and_the_file_gets_all() {
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bounded-journal.jsonl");
    let h = Harness::with(SimConfig { journal_capacity: 10, journal_file: Some(file.clone()), ..SimConfig::default() })
        .await;
    for _ in 0..30 {
        h.get("resources").await;
    }
    let journal = h.sim.journal();
    assert_eq!(journal.len(), 10);
    assert_eq!(journal.last().unwrap().completion, 31, "the worker token, then 30 lists");
    assert_eq!(journal.first().unwrap().completion, 22);
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 31);
}

#[tokio::test]
async fn worker_tokens_and_lockouts_end_with_the_clock() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let (_, mut s) = h.authorize(&p.app_id).await;
    h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    for _ in 0..3 {
        h.flow_post(&mut s, "otp.check", json!({ "otp": "not-it" })).await;
    }
    let (_, mut blocked) = h.authorize(&p.app_id).await;
    let reply = h.flow_post(&mut blocked, "user.lookup", json!({ "username": USER })).await;
    assert_eq!(reply.body["error"]["code"], "DEVICE_LOCKED");
    // After an hour the lock-out, the flows and the worker token are all gone.
    h.sim.controls().advance_clock(Duration::from_secs(3600));
    assert_eq!(h.get("users").await.status, 401);
    assert_eq!(h.sim.controls().flow_count(), 0);
    let h = Harness { token: worker_token(&h.http, &h.env).await, ..h };
    let (_, mut again) = h.authorize(&p.app_id).await;
    assert_eq!(
        h.flow_post(&mut again, "user.lookup", json!({ "username": USER })).await.body["status"],
        "OTP_REQUIRED"
    );
}
