//! Malformed requests (bad JSON, wrong types, oversized bodies, unknown content types, odd IDs,
//! 10 KB strings, garbage queries) never produce a 5xx or a dropped connection.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    clippy::print_stdout
)]

mod support;

use reqwest::Method;
use support::*;

#[tokio::test]
async fn malformed_requests_never_cause_a_server_error() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let long = "x".repeat(10 * 1024);
    let ids = ["../x", "..%2F..%2Fx", "%00", "\u{1F600}", long.as_str(), "' OR 1=1 --", "nope"];
    let mut paths: Vec<String> = Vec::new();
    for id in ids {
        let id = id.replace('/', "%2F");
        for pattern in [
            "applications/{}",
            "applications/{}/secret",
            "applications/{}/grants",
            "applications/{}/signOnPolicyAssignments",
            "resources/{}/scopes",
            "signOnPolicies/{}",
            "signOnPolicies/{}/actions",
            "populations/{}",
            "users/{}",
            "users/{}/password",
            "users/{}/mfaEnabled",
            "users/{}/devices",
            "deviceAuthenticationPolicies/{}",
        ] {
            paths.push(h.mgmt(&pattern.replace("{}", &id)));
        }
        paths.push(h.auth(&format!("flows/{id}")));
        paths.push(format!("{}?flowId={id}", h.auth("as/resume")));
    }
    for collection in ["applications", "signOnPolicies", "populations", "users", "deviceAuthenticationPolicies"] {
        paths.push(h.mgmt(collection));
    }
    paths.push(h.mgmt(&format!("users/{}/password", p.user_id)));
    paths.push(h.mgmt(&format!("users/{}/devices", p.user_id)));
    paths.push(h.mgmt(&format!("applications/{}/grants", p.app_id)));
    paths.push(h.mgmt(&format!("signOnPolicies/{}/actions", p.policy_id)));
    for q in [
        "?filter=%22",
        "?filter=username%20eq",
        "?filter=username%20gt%20%22a%22",
        "?limit=-1",
        "?limit=99999",
        "?cursor=%%%",
        "?cursor=bzo5OTk5OTk5OTk5OTk5OTk5OTk5OTk5",
    ] {
        paths.push(format!("{}{q}", h.mgmt("users")));
    }
    paths.push(h.auth("as/authorize?client_id=%00&redirect_uri=%%&response_type=code&scope=openid"));
    paths.push(h.auth("as/token"));
    // The controls (all but reset, which would revoke this test's token).
    for control in [
        "clock",
        "latency",
        "faults",
        "faults/script",
        "outbox",
        "outbox?to=%%&wait=zz",
        "journal?status=x&since=-1&limit=%00",
        "environments",
        "environments/nope",
        "environments/nope/clock",
        "health",
    ] {
        paths.push(format!("{}/{control}", h.sim.controls_url()));
    }
    let bodies: Vec<(Option<&str>, Vec<u8>)> = vec![
        (Some("application/json"), b"{nope".to_vec()),
        (Some("application/json"), b"[1,2,3]".to_vec()),
        (Some("application/json"), br#"{"name":5,"enabled":"yes","type":[],"protocol":{},"username":null,"email":7,"priority":"x","value":1,"mfaEnabled":"true","otp":9,"device":{"id":[]},"order":"x"}"#.to_vec()),
        (Some("application/json"), format!(r#"{{"name":"{long}","username":"{long}","email":"{long}@x.test"}}"#).into_bytes()),
        (Some("application/json"), vec![b'{'; 100 * 1024]),
        (Some("text/plain"), b"hello".to_vec()),
        (Some("application/xml"), b"<a/>".to_vec()),
        (Some("application/vnd.pingidentity.password.set+json"), br#"{"value":[]}"#.to_vec()),
        (Some("application/vnd.pingidentity.devices.reorder+json"), br#"{"order":[{"id":5}]}"#.to_vec()),
        (Some("application/vnd.pingidentity.otp.check+json"), br#"{"otp":{}}"#.to_vec()),
        (Some("application/x-www-form-urlencoded"), b"grant_type=%%%&code=\xff".to_vec()),
        (None, Vec::new()),
    ];
    let methods = [Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::PATCH];
    let mut tried = 0;
    let mut statuses = std::collections::BTreeMap::new();
    for url in &paths {
        for method in &methods {
            let variants: &[(Option<&str>, Vec<u8>)] =
                if *method == Method::GET || *method == Method::DELETE { &bodies[bodies.len() - 1..] } else { &bodies };
            for (content_type, body) in variants {
                let mut request = h.http.request(method.clone(), url).bearer_auth(&h.token).body(body.clone());
                if let Some(ct) = content_type {
                    request = request.header("content-type", *ct);
                }
                let response = request
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{method} {} dropped: {e}", &url[..url.len().min(120)]));
                let status = response.status().as_u16();
                let _ = response.bytes().await.unwrap();
                assert!(status < 500, "{method} {} with {content_type:?} → {status}", &url[..url.len().min(120)]);
                *statuses.entry(status).or_insert(0) += 1;
                tried += 1;
            }
        }
    }
    // Still healthy afterwards.
    assert_eq!(h.get("resources").await.status, 200);
    println!("simulator hardening: {tried} malformed requests, statuses {statuses:?}, no 5xx");
    assert!(tried > 2000, "{tried}");
}
