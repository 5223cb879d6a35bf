//! The router: a known path with a wrong method is `405`, an unknown path `404`, both with
//! PingOne's error body; every workflow step's route is marked with its step number.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod support;

use reqwest::Method;
use support::*;

#[tokio::test]
async fn wrong_methods_are_405_with_pingone_error_bodies() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let cases = [
        (Method::PATCH, h.mgmt("applications")),
        (Method::DELETE, h.mgmt("resources")),
        (Method::POST, h.mgmt(&format!("applications/{}/secret", p.app_id))),
        (Method::PUT, h.mgmt(&format!("applications/{}/grants", p.app_id))),
        (Method::POST, h.mgmt(&format!("users/{}/password", p.user_id))),
        (Method::DELETE, h.mgmt(&format!("users/{}/mfaEnabled", p.user_id))),
        (Method::PUT, h.mgmt(&format!("users/{}/devices", p.user_id))),
        (Method::PUT, h.mgmt("populations")),
        (Method::GET, h.auth("as/token")),
        (Method::DELETE, h.auth("as/authorize")),
        (Method::PUT, h.auth("flows/some-flow")),
    ];
    for (method, url) in cases {
        let reply = h.send(method.clone(), &url, None, None, Some(&h.token)).await;
        assert_eq!(reply.status, 405, "{method} {url}");
        assert_eq!(reply.body["code"], "INVALID_REQUEST", "{method} {url}: {}", reply.body);
        assert!(reply.body["id"].is_string());
    }
}

#[tokio::test]
async fn unknown_paths_are_404_with_pingone_error_bodies() {
    let h = Harness::start().await;
    for url in [
        h.mgmt("nothing"),
        h.mgmt("users/u/devices/d/extra"),
        h.auth("as/nothing"),
        format!("{}/nothing/at/all", h.sim.auth_base()),
        format!("{}/v1/environments", h.sim.auth_base()),
    ] {
        let reply = h.send(Method::GET, &url, None, None, Some(&h.token)).await;
        assert_eq!(reply.status, 404, "{url}");
        assert_eq!(reply.body["code"], "NOT_FOUND", "{url}");
    }
    // A route of another environment's ID: 404 whether or not the path exists.
    let other = format!("{}/00000000-0000-4000-8000-000000000000/as/jwks", h.sim.auth_base());
    assert_eq!(h.send(Method::GET, &other, None, None, None).await.status, 404);
}

#[tokio::test]
async fn the_hosted_sign_on_placeholder_answers_under_any_sub_path() {
    let h = Harness::start().await;
    for path in ["signon", "signon/", "signon/deep/er"] {
        let reply = h.http.get(h.auth(path)).send().await.unwrap();
        assert_eq!(reply.status(), 200, "{path}");
        assert!(reply.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    }
}

/// Each of the 20 workflow steps is marked where the simulator serves it (`Step N` next to its
/// route), so that a reader can find any step on the simulator's side.
#[test]
fn every_workflow_step_is_marked_at_its_route() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut text = String::new();
    let mut dirs = vec![src];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                for line in std::fs::read_to_string(&path).unwrap().lines() {
                    // Route comments only, not module docs.
                    if line.trim_start().starts_with("// ") {
                        text.push_str(&line.to_lowercase());
                        text.push('\n');
                    }
                }
            }
        }
    }
    for step in 1..=20 {
        let marked = text
            .match_indices(&format!("step {step}"))
            .any(|(i, m)| !text[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()));
        assert!(marked, "no route comment names step {step}");
    }
}
