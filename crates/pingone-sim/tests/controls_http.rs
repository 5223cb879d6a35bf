//! Every `/__sim/` control, end to end over HTTP, as a test in another language would use them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod support;

use std::time::{Duration, Instant};

use pingone_sim::SimConfig;
use reqwest::Method;
use serde_json::{Value, json};
use support::*;

impl Harness {
    /// `METHOD /__sim/{path}` with an optional JSON body.
    async fn control(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let url = format!("{}/{path}", self.sim.controls_url());
        let mut request = self.http.request(method, &url);
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        into_reply(request.send().await.unwrap()).await
    }
}

#[tokio::test]
async fn health_reports_the_simulator() {
    let h = Harness::start().await;
    let health = h.control(Method::GET, "health", None).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.headers["content-type"], "application/json");
    assert_eq!(health.body["status"], "ok");
    assert_eq!(health.body["environments"], 1);
    assert_eq!(health.body["default_environment_id"], h.env());
    assert!(health.body["journal_entries"].as_u64().unwrap() >= 1, "the worker token request");
}

#[tokio::test]
async fn environments_are_created_listed_read_and_deleted() {
    let h = Harness::with(SimConfig { max_environments: 2, ..SimConfig::default() }).await;
    let created = h.control(Method::POST, "environments", None).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["environment_id"].as_str().unwrap().to_owned();
    assert_ne!(id, h.env());
    for key in
        ["management_base", "auth_base", "worker_client_id", "worker_client_secret", "outbox_url", "controls_url"]
    {
        assert!(created.body[key].is_string(), "{key}: {}", created.body);
    }
    assert_ne!(created.body["worker_client_id"], h.sim.worker_client_id());
    // Its worker application works against its own management API, not the default one's.
    let token = h
        .http
        .post(format!("{}/{id}/as/token", created.body["auth_base"].as_str().unwrap()))
        .basic_auth(created.body["worker_client_id"].as_str().unwrap(), created.body["worker_client_secret"].as_str())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
    let token = token.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();
    let own = format!("{}/environments/{id}/users", created.body["management_base"].as_str().unwrap());
    assert_eq!(h.send(Method::GET, &own, None, None, Some(&token)).await.status, 200);
    assert_eq!(h.send(Method::GET, &h.mgmt("users"), None, None, Some(&token)).await.status, 401);

    let listed = h.control(Method::GET, "environments", None).await;
    let ids: Vec<&str> =
        listed.body["environments"].as_array().unwrap().iter().map(|e| e["environment_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [h.env(), id.as_str()], "the default environment first");
    let one = h.control(Method::GET, &format!("environments/{id}"), None).await;
    assert_eq!(one.status, 200);
    assert_eq!((one.body["default"].as_bool(), one.body["flows"].as_u64()), (Some(false), Some(0)));
    // The limit counts the default environment.
    let full = h.control(Method::POST, "environments", None).await;
    assert_eq!(full.status, 409);
    assert_eq!(full.body["code"], "LIMIT_EXCEEDED");

    assert_eq!(h.control(Method::DELETE, &format!("environments/{id}"), None).await.status, 204);
    assert_eq!(h.send(Method::GET, &own, None, None, Some(&token)).await.status, 404, "its routes are gone");
    assert_eq!(h.control(Method::GET, &format!("environments/{id}"), None).await.status, 404);
    assert_eq!(h.control(Method::DELETE, &format!("environments/{id}"), None).await.status, 404);
    let default = h.control(Method::DELETE, &format!("environments/{}", h.env()), None).await;
    assert_eq!(default.status, 400);
    assert_eq!(h.control(Method::POST, "environments", None).await.status, 201, "room again");
}

#[tokio::test]
async fn the_clock_advances_sets_resets_and_expires_codes() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let secret = h.secret(&p.app_id).await;
    let code = h.sign_on(&p.app_id).await;
    let read = h.control(Method::GET, "clock", None).await;
    assert_eq!((read.status.as_u16(), read.body["offsetMs"].as_i64()), (200, Some(0)));
    let advanced = h.control(Method::POST, "clock", Some(json!({ "advance": "61s" }))).await;
    assert_eq!(advanced.status, 200, "{}", advanced.body);
    assert!(advanced.body["offsetMs"].as_i64().unwrap() >= 61_000);
    // The code lived 60 s: refused, and already swept from memory.
    assert_eq!(h.sim.controls().code_count(), 0);
    let refused = h.exchange(&p.app_id, &secret, &code, Some(VERIFIER), REDIRECT).await;
    assert_eq!(refused.body["error"], "invalid_grant");
    let seconds = h.control(Method::POST, "clock", Some(json!({ "advanceSeconds": 10 }))).await;
    assert!(seconds.body["offsetMs"].as_i64().unwrap() >= 71_000);
    let set = h.control(Method::POST, "clock", Some(json!({ "set": "2030-01-01T00:00:00Z" }))).await;
    assert!(set.body["now"].as_str().unwrap().starts_with("2030-01-01T00:00:0"), "{}", set.body);
    assert_eq!(h.control(Method::GET, "clock", None).await.body["now"].as_str().unwrap().get(..4), Some("2030"));
    let reset = h.control(Method::POST, "clock", Some(json!({ "reset": true }))).await;
    assert_eq!(reset.body["offsetMs"], 0);
    for bad in [
        json!({}),
        json!({ "advance": "soon" }),
        json!({ "set": "yesterday" }),
        json!({ "advance": "1s", "reset": true }),
    ] {
        let reply = h.control(Method::POST, "clock", Some(bad.clone())).await;
        assert_eq!(reply.status, 400, "{bad}");
        assert!(reply.body["code"].is_string());
    }
}

#[tokio::test]
async fn latency_is_set_and_read() {
    let h = Harness::start().await;
    let set = h.control(Method::PUT, "latency", Some(json!({ "fixedMs": 60, "jitterMs": 5 }))).await;
    assert_eq!(set.status, 200);
    assert_eq!((set.body["fixedMs"].as_u64(), set.body["jitterMs"].as_u64()), (Some(60), Some(5)));
    let started = Instant::now();
    assert_eq!(h.get("resources").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(60));
    let read = h.control(Method::GET, "latency", None).await;
    assert_eq!(read.body["fixedMs"], 60);
    assert_eq!(h.control(Method::PUT, "latency", Some(json!({ "fixedMs": 600_000 }))).await.status, 400);
    assert_eq!(h.control(Method::PUT, "latency", Some(json!({ "fixed": 1 }))).await.status, 400, "unknown field");
    h.control(Method::PUT, "latency", Some(json!({}))).await;
    let started = Instant::now();
    h.control(Method::GET, "health", None).await;
    assert!(started.elapsed() < Duration::from_secs(5), "controls themselves are never delayed");
}

#[tokio::test]
async fn random_faults_by_rate_replay_with_their_seed() {
    let h = Harness::start().await;
    let set = h
        .control(
            Method::PUT,
            "faults",
            Some(json!({ "rates": { "tooManyRequests": 0.3, "unavailable": 0.2, "retryAfterSecs": 1 }, "seed": 11 })),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["rates"]["tooManyRequests"], 0.3);
    let mut runs = Vec::new();
    for _ in 0..2 {
        h.control(Method::PUT, "faults", Some(json!({ "seed": 11 }))).await;
        let mut statuses = Vec::new();
        for _ in 0..30 {
            statuses.push(h.get("resources").await.status.as_u16());
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1], "the same seed, the same faults");
    assert!(runs[0].contains(&429) && runs[0].contains(&503) && runs[0].contains(&200), "{:?}", runs[0]);
    let read = h.control(Method::GET, "faults", None).await;
    assert!(read.body["injected"].as_u64().unwrap() > 0);
    let uniform = h.control(Method::PUT, "faults", Some(json!({ "uniform": 0.4 }))).await;
    assert_eq!(uniform.body["rates"]["serverError"], 0.1);
    for bad in [
        json!({ "rates": { "serverError": 1.5 } }),
        json!({ "rates": { "serverError": 0.6, "unavailable": 0.6 } }),
        json!({}),
    ] {
        assert_eq!(h.control(Method::PUT, "faults", Some(bad.clone())).await.status, 400, "{bad}");
    }
    let cleared = h.control(Method::DELETE, "faults", None).await;
    assert_eq!(cleared.body["rates"]["serverError"], 0.0);
    for _ in 0..10 {
        assert_eq!(h.get("resources").await.status, 200);
    }
}

#[tokio::test]
async fn scripted_faults_apply_once_to_matching_requests() {
    let h = Harness::start().await;
    let queued = h
        .control(
            Method::POST,
            "faults/script",
            Some(json!({ "faults": [
                { "kind": "429", "method": "GET", "pathContains": "/resources", "retryAfterSecs": 2 },
                { "kind": "503", "pathContains": "/populations", "times": 2 },
            ] })),
        )
        .await;
    assert_eq!((queued.status.as_u16(), queued.body["queued"].as_u64()), (201, Some(3)));
    let script = h.control(Method::GET, "faults", None).await.body["script"].clone();
    assert_eq!(script.as_array().unwrap().len(), 3);
    assert_eq!(script[0]["kind"], "429");
    assert_eq!(h.get("users").await.status, 200, "does not match");
    let limited = h.get("resources").await;
    assert_eq!((limited.status.as_u16(), limited.headers["retry-after"].to_str().unwrap()), (429, "2"));
    assert_eq!(h.get("resources").await.status, 200, "once");
    assert_eq!(h.get("populations").await.status, 503);
    assert_eq!(h.get("populations").await.status, 503);
    assert_eq!(h.get("populations").await.status, 200);
    // A single fault without the array; a dropped connection.
    h.control(Method::POST, "faults/script", Some(json!({ "kind": "drop" }))).await;
    let dropped = async { h.http.get(h.mgmt("resources")).bearer_auth(&h.token).send().await?.bytes().await };
    assert!(dropped.await.is_err());
    h.control(Method::POST, "faults/script", Some(json!({ "kind": "500", "method": "DELETE" }))).await;
    assert_eq!(h.control(Method::GET, "faults", None).await.body["injected"], 4);
    assert_eq!(h.control(Method::DELETE, "faults", None).await.body["script"], json!([]));
    let bad = h.control(Method::POST, "faults/script", Some(json!({ "kind": "418" }))).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["details"][0]["target"], "kind");
    let faults: Vec<&str> = h.sim.journal().iter().filter_map(|e| e.fault).collect();
    assert_eq!(faults, ["429", "503", "503", "drop"]);
}

#[tokio::test]
async fn the_journal_is_read_with_filters() {
    let h = Harness::start().await;
    h.created("users", json!({ "username": "j", "email": "j@example.test" })).await;
    assert_eq!(h.get("users/nope").await.status, 404);
    let other = h.sim.create_environment().unwrap();
    let o = Harness::in_environment(std::sync::Arc::clone(&h.sim), other).await;
    o.get("resources").await;
    let all = h.control(Method::GET, "journal", None).await.body["entries"].as_array().unwrap().clone();
    assert_eq!(all.len(), 5, "two worker tokens, a create, a 404, a list: {all:?}");
    assert!(all.iter().all(|e| e["completion"].is_u64() && e["at"].is_string()));
    let posts =
        h.control(Method::GET, "journal?method=POST&path=/users&status=201", None).await.body["entries"].clone();
    assert_eq!(posts.as_array().unwrap().len(), 1);
    assert_eq!(posts[0]["environment"], h.env());
    let mine = h.control(Method::GET, &format!("journal?environment={}", o.env()), None).await.body["entries"].clone();
    assert_eq!(mine.as_array().unwrap().len(), 2);
    let scoped = format!("environments/{}/journal", o.env());
    assert_eq!(h.control(Method::GET, &scoped, None).await.body["entries"], mine, "the same, scoped by path");
    let since = all[2]["completion"].as_u64().unwrap();
    let later = h.control(Method::GET, &format!("journal?since={since}"), None).await.body["entries"].clone();
    assert_eq!(later.as_array().unwrap().len(), 2);
    let newest = h.control(Method::GET, "journal?limit=1", None).await.body["entries"].clone();
    assert_eq!(newest[0]["completion"], all[4]["completion"]);
    h.control(Method::POST, "faults/script", Some(json!({ "kind": "500" }))).await;
    h.get("resources").await;
    let faults = h.control(Method::GET, "journal?faults=true", None).await.body["entries"].clone();
    assert_eq!(faults.as_array().unwrap().len(), 1);
    assert_eq!(faults[0]["fault"], "500");
    assert_eq!(h.control(Method::GET, "journal?status=abc", None).await.status, 400);
    // Nothing secret: no query strings, headers or bodies.
    let text = h.control(Method::GET, "journal", None).await.body.to_string();
    assert!(!text.contains(&h.token) && !text.contains(h.sim.worker_client_secret()));
}

#[tokio::test]
async fn the_outbox_long_poll_waits_for_the_mail() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let (_, mut s) = h.authorize(&p.app_id).await;
    // Wait first, then cause the e-mail.
    let waiting = {
        let (http, url) = (h.http.clone(), format!("{}/outbox?to={EMAIL}&wait=5s", h.sim.controls_url()));
        tokio::spawn(async move { into_reply(http.get(url).send().await.unwrap()).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    let got = waiting.await.unwrap();
    assert_eq!(got.status, 200);
    let mail = &got.body["messages"][0];
    assert_eq!(mail["to"], EMAIL);
    let otp = mail["otp"].as_str().unwrap();
    assert!(mail["body"].as_str().unwrap().contains(otp));
    assert_eq!(h.flow_post(&mut s, "otp.check", json!({ "otp": otp })).await.body["status"], "COMPLETED");
    // Handed out once: the next wait times out with no message.
    let started = Instant::now();
    let none = h.control(Method::GET, &format!("outbox?to={EMAIL}&wait=300ms"), None).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(none.body["messages"], json!([]));
    // Without wait: the list, which still holds it.
    let listed = h.control(Method::GET, &format!("outbox?to={}", EMAIL.to_uppercase()), None).await;
    assert_eq!(listed.body["messages"].as_array().unwrap().len(), 1);
    assert_eq!(h.control(Method::GET, "outbox?wait=1s", None).await.status, 400, "wait needs to");
    assert_eq!(h.control(Method::GET, &format!("outbox?to={EMAIL}&wait=later"), None).await.status, 400);
}

#[tokio::test]
async fn reset_returns_to_the_start() {
    let h = Harness::start().await;
    provision(&h, &Options::default()).await;
    h.control(Method::PUT, "latency", Some(json!({ "fixedMs": 20 }))).await;
    h.control(Method::POST, "clock", Some(json!({ "advance": "1h" }))).await;
    let created = h.sim.create_environment().unwrap();
    let reset = h.control(Method::POST, "reset", None).await;
    assert_eq!((reset.status.as_u16(), reset.body["environments"].as_u64()), (200, Some(1)));
    assert!(h.sim.find_environment(created.id()).is_none());
    assert_eq!(h.control(Method::GET, "latency", None).await.body["fixedMs"], 0);
    assert_eq!(h.control(Method::GET, "clock", None).await.body["offsetMs"], 0);
    assert_eq!(h.control(Method::GET, "journal", None).await.body["entries"], json!([]));
    assert!(h.sim.outbox().is_empty());
    // The same worker credentials still work; the objects are gone, the seeded ones are back.
    assert_eq!(h.get("users").await.status, 401, "tokens are gone");
    let h = Harness { token: worker_token(&h.http, &h.env).await, ..h };
    assert_eq!(h.get("users").await.body["count"], 0);
    assert_eq!(h.get("resources").await.body["count"], 2);
    provision(&h, &Options::default()).await;
}

#[tokio::test]
async fn controls_are_refused_on_a_non_loopback_bind_unless_allowed() {
    let any = std::net::SocketAddr::from(([0, 0, 0, 0], 0));
    let closed = Harness::with(SimConfig { bind: any, ..SimConfig::default() }).await;
    for path in ["health", "outbox", "environments/x/clock"] {
        let reply = closed.control(Method::GET, path, None).await;
        assert_eq!(reply.status, 403, "{path}");
        assert_eq!(reply.body["code"], "CONTROLS_DISABLED");
    }
    assert_eq!(closed.control(Method::POST, "reset", None).await.status, 403);
    assert_eq!(closed.get("resources").await.status, 200, "the PingOne API still answers");
    let open = Harness::with(SimConfig { bind: any, allow_remote_controls: true, ..SimConfig::default() }).await;
    assert_eq!(open.control(Method::GET, "health", None).await.status, 200);
}
