//! Isolated environments: two driven concurrently by one test share no objects, names, flows,
//! codes, tokens, e-mails or clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use pingone_sim::{SimConfig, Simulator};
use reqwest::Method;
use serde_json::json;
use support::*;

/// Steps 1-13, then a complete sign-on (steps 14-20), in one environment.
async fn provision_and_sign_on(h: &Harness) -> (Provisioned, String) {
    let p = provision(h, &Options::default()).await;
    let secret = h.secret(&p.app_id).await;
    let code = h.sign_on(&p.app_id).await;
    let tokens = h.exchange(&p.app_id, &secret, &code, Some(VERIFIER), REDIRECT).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    (p, tokens.body["id_token"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_environments_driven_concurrently_see_nothing_of_each_other() {
    let sim = Arc::new(Simulator::start(SimConfig::default()).await.unwrap());
    let (a, b) = (sim.create_environment().unwrap(), sim.create_environment().unwrap());
    assert_ne!(a.id(), b.id());
    assert_ne!(a.worker_client_id(), b.worker_client_id());
    let a = Harness::in_environment(Arc::clone(&sim), a).await;
    let b = Harness::in_environment(Arc::clone(&sim), b).await;

    // The same names, usernames and e-mail address in both, at the same time: no clash.
    let ((pa, id_a), (pb, id_b)) = tokio::join!(provision_and_sign_on(&a), provision_and_sign_on(&b));
    assert_ne!(pa.user_id, pb.user_id);
    assert_ne!(id_a, id_b);

    // Objects: each sees one user, its own; the other's IDs are unknown.
    for (me, other, mine) in [(&a, &pb, &pa), (&b, &pa, &pb)] {
        let users = me.get("users").await;
        assert_eq!(users.body["count"], 1);
        assert_eq!(users.body["_embedded"]["users"][0]["id"], mine.user_id.as_str());
        assert_eq!(me.get(&format!("users/{}", other.user_id)).await.status, 404);
        assert_eq!(me.get(&format!("applications/{}", other.app_id)).await.status, 404);
        assert_eq!(me.get(&format!("signOnPolicies/{}", other.policy_id)).await.status, 404);
        assert_eq!(me.get(&format!("populations/{}", other.population_id)).await.status, 404);
    }
    // Tokens: a worker token of one environment is not valid in the other.
    assert_eq!(a.send(Method::GET, &b.mgmt("users"), None, None, Some(&a.token)).await.status, 401);
    // Applications: b's client is unknown to a's authorize.
    let (foreign, _) = a.authorize(&pb.app_id).await;
    assert_eq!((foreign.status.as_u16(), foreign.body["error"].as_str()), (400, Some("invalid_client")));

    // Flows: a flow of a is not found under b, even with its cookies.
    let (_, mut flow_a) = a.authorize(&pa.app_id).await;
    let stolen = b
        .http
        .get(b.auth(&format!("flows/{}", flow_a.flow_id)))
        .header("cookie", flow_a.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(stolen.status(), 404);
    assert_eq!(a.flow_get(&flow_a).await.status, 200);

    // E-mails: each outbox holds only its own environment's passcodes.
    a.flow_post(&mut flow_a, "user.lookup", json!({ "username": USER })).await;
    assert_eq!(a.env.outbox().len(), 2);
    assert_eq!(b.env.outbox().len(), 1);
    assert!(sim.outbox().is_empty(), "the default environment sent nothing");
    assert!(b.env.outbox().next_for(EMAIL, Duration::from_millis(50)).await.is_none(), "a's new mail is not b's");
    assert!(a.env.outbox().next_for(EMAIL, Duration::from_millis(50)).await.is_some());
    let over_http = a.http.get(format!("{}?to={EMAIL}", b.env.outbox_url())).send().await.unwrap();
    assert_eq!(over_http.json::<serde_json::Value>().await.unwrap()["messages"].as_array().unwrap().len(), 1);

    // Clock: moving a's time leaves b's alone.
    a.env.controls().advance_clock(Duration::from_secs(3600));
    assert!(a.env.clock().unix() >= b.env.clock().unix() + 3599);
    assert_eq!(b.get("users").await.status, 200, "b's worker token is still valid");
    assert_eq!(a.get("users").await.status, 401, "a's expired with a's hour");

    // Journal: each environment's view holds only its own exchanges.
    for (me, other) in [(&a, &b), (&b, &a)] {
        let journal = me.env.journal();
        assert!(!journal.is_empty());
        assert!(journal.iter().all(|e| e.environment.as_deref() == Some(me.env())));
        assert!(journal.iter().all(|e| !e.path.contains(other.env())));
    }
}

#[tokio::test]
async fn created_environments_are_found_deleted_and_limited() {
    let sim = Simulator::start(SimConfig { max_environments: 3, ..SimConfig::default() }).await.unwrap();
    let made = sim.create_environment().unwrap();
    assert_eq!(sim.find_environment(made.id()).unwrap().worker_client_id(), made.worker_client_id());
    assert_eq!(sim.find_environment(sim.environment_id()).unwrap().id(), sim.environment().id());
    sim.create_environment().unwrap();
    let refused = sim.create_environment().unwrap_err();
    assert_eq!(refused.max, 3);
    assert!(refused.to_string().contains('3'));
    assert!(!sim.delete_environment(sim.environment_id()), "the default environment stays");
    assert!(sim.delete_environment(made.id()));
    assert!(!sim.delete_environment(made.id()));
    assert!(sim.find_environment(made.id()).is_none());
    sim.create_environment().unwrap();
}

#[tokio::test]
async fn seeded_environments_are_reproducible() {
    async fn ids(seed: u64) -> Vec<String> {
        let sim = Simulator::start(SimConfig { seed: Some(seed), ..SimConfig::default() }).await.unwrap();
        let (one, two) = (sim.create_environment().unwrap(), sim.create_environment().unwrap());
        vec![
            sim.environment_id().to_owned(),
            one.id().to_owned(),
            one.worker_client_secret().to_owned(),
            two.id().to_owned(),
        ]
    }
    let first = ids(5).await;
    assert_eq!(first, ids(5).await);
    assert_ne!(first, ids(6).await);
}

#[tokio::test]
async fn debug_output_holds_no_secret() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let (_, mut s) = h.authorize(&p.app_id).await;
    h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    let otp = h.sim.outbox().latest_for(EMAIL).unwrap().otp().to_owned();
    let other = h.sim.create_environment().unwrap();
    let printed = format!("{:?} {other:?} {:?} {:?}", h.sim, h.sim.controls(), h.sim.outbox().messages());
    for secret in
        [h.sim.worker_client_secret(), other.worker_client_secret(), otp.as_str(), &s.cookies["interactionToken"]]
    {
        assert!(!printed.contains(secret), "a secret in Debug output");
    }
    assert!(printed.contains(h.sim.environment_id()));
}
