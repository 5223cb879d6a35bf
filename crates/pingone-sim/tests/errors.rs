//! Every error the simulator must produce, driven with plain reqwest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod support;

use std::time::Duration;

use pingone_sim::{CookiePolicy, SimConfig};
use reqwest::Method;
use serde_json::json;
use support::*;

#[tokio::test]
async fn bearer_token_missing_bad_expired_or_restricted() {
    let h = Harness::start().await;
    let url = h.mgmt("users");
    let missing = h.send(Method::GET, &url, None, None, None).await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.body["code"], "ACCESS_FAILED");
    assert_eq!(missing.detail_codes(), ["INVALID_TOKEN"]);
    assert!(missing.body["id"].is_string());
    let bad = h.send(Method::GET, &url, None, None, Some("not-a-token")).await;
    assert_eq!(bad.status, 401);
    // Expiry through the clock.
    h.sim.controls().advance_clock(Duration::from_secs(3601));
    assert_eq!(h.get("users").await.status, 401);
    let h = Harness::start().await;
    h.sim.controls().restrict_worker(true);
    let forbidden = h.get("users").await;
    assert_eq!(forbidden.status, 403);
    assert_eq!(forbidden.detail_codes(), ["INSUFFICIENT_PERMISSIONS"]);
    h.sim.controls().restrict_worker(false);
    h.sim.controls().revoke_worker_tokens();
    assert_eq!(h.get("users").await.status, 401);
}

#[tokio::test]
async fn worker_token_with_wrong_secret_is_invalid_client() {
    let h = Harness::start().await;
    let reply = h
        .http
        .post(h.auth("as/token"))
        .basic_auth(h.sim.worker_client_id(), Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 401);
    let body: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn validation_errors_name_their_targets() {
    let h = Harness::start().await;
    let missing = h.post("users", json!({ "email": "x@example.test" })).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.body["code"], "INVALID_DATA");
    assert_eq!(missing.body["details"][0]["code"], "REQUIRED_VALUE");
    assert_eq!(missing.body["details"][0]["target"], "username");
    let app =
        h.post("applications", json!({ "name": "x", "enabled": "yes", "type": "WEB_APP", "protocol": "NOPE" })).await;
    assert_eq!(app.status, 400);
    let targets: Vec<_> = app.body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["target"].as_str().unwrap()))
        .collect();
    assert_eq!(
        targets,
        [("INVALID_VALUE", "enabled"), ("INVALID_VALUE", "protocol"), ("REQUIRED_VALUE", "tokenEndpointAuthMethod")]
    );
    let email = h.post("users", json!({ "username": "u", "email": "not-an-address" })).await;
    assert_eq!(email.body["details"][0]["target"], "email");
    let long = h.post("users", json!({ "username": "u".repeat(129), "email": "u@example.test" })).await;
    assert_eq!(long.body["details"][0]["code"], "SIZE_LIMIT_EXCEEDED");
}

#[tokio::test]
async fn duplicates_are_uniqueness_violations() {
    let h = Harness::start().await;
    h.created("users", json!({ "username": "ada", "email": "ada@example.test" })).await;
    let dup = h.post("users", json!({ "username": "ADA", "email": "other@example.test" })).await;
    assert_eq!(dup.status, 400);
    assert_eq!(dup.body["details"][0]["code"], "UNIQUENESS_VIOLATION");
    assert_eq!(dup.body["details"][0]["target"], "username");
    h.created("populations", json!({ "name": "pop" })).await;
    assert_eq!(h.post("populations", json!({ "name": "pop" })).await.detail_codes(), ["UNIQUENESS_VIOLATION"]);
    h.created("signOnPolicies", json!({ "name": "Policy_A" })).await;
    assert_eq!(h.post("signOnPolicies", json!({ "name": "Policy_A" })).await.detail_codes(), ["UNIQUENESS_VIOLATION"]);
    assert_eq!(h.post("signOnPolicies", json!({ "name": "bad/name" })).await.detail_codes(), ["INVALID_VALUE"]);
}

#[tokio::test]
async fn wrong_content_types_are_415() {
    let h = Harness::start().await;
    let user = h.created("users", json!({ "username": "ada", "email": "ada@example.test" })).await;
    let id = user["id"].as_str().unwrap();
    let plain = h.put(&format!("users/{id}/password"), "application/json", json!({ "value": "Corr3ct-Horse!" })).await;
    assert_eq!(plain.status, 415);
    assert_eq!(plain.body["code"], "INVALID_REQUEST");
    let create = h.send(Method::POST, &h.mgmt("users"), Some("text/plain"), Some(&json!({})), Some(&h.token)).await;
    assert_eq!(create.status, 415);
    // Devices: JSON creates, reorder media type reorders, anything else is 415.
    let d1 = h.created(&format!("users/{id}/devices"), json!({ "type": "EMAIL", "email": "ada@example.test" })).await;
    let d2 = h.created(&format!("users/{id}/devices"), json!({ "type": "EMAIL", "email": "ada2@example.test" })).await;
    let reorder = h
        .send(
            Method::POST,
            &h.mgmt(&format!("users/{id}/devices")),
            Some("application/vnd.pingidentity.devices.reorder+json"),
            Some(&json!({ "order": [{ "id": d2["id"] }, { "id": d1["id"] }] })),
            Some(&h.token),
        )
        .await;
    assert_eq!(reorder.status, 200, "{}", reorder.body);
    let listed = h.get(&format!("users/{id}/devices")).await;
    assert_eq!(listed.body["_embedded"]["devices"][0]["id"], d2["id"]);
    let odd = h
        .send(
            Method::POST,
            &h.mgmt(&format!("users/{id}/devices")),
            Some("application/xml"),
            Some(&json!({})),
            Some(&h.token),
        )
        .await;
    assert_eq!(odd.status, 415);
    let bad_json = h
        .http
        .post(h.mgmt("users"))
        .bearer_auth(&h.token)
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), 400);
}

#[tokio::test]
async fn unknown_ids_are_404() {
    let h = Harness::start().await;
    for path in [
        "users/nope",
        "applications/nope",
        "applications/nope/secret",
        "signOnPolicies/nope/actions",
        "users/..%2Fx",
        "deviceAuthenticationPolicies/x",
    ] {
        let reply = h.get(path).await;
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.body["code"], "NOT_FOUND");
    }
    assert_eq!(h.delete("users/nope").await.status, 404);
    let other_env = h
        .send(Method::GET, &format!("{}/environments/other/users", h.sim.management_base()), None, None, Some(&h.token))
        .await;
    assert_eq!(other_env.status, 404);
}

#[tokio::test]
async fn list_filter_paging_and_delete() {
    let h = Harness::with(SimConfig { users_page_size: 2, ..SimConfig::default() }).await;
    for i in 0..5 {
        h.created("users", json!({ "username": format!("user{i}"), "email": format!("u{i}@example.test") })).await;
    }
    let filtered = h
        .send(
            Method::GET,
            &format!("{}?filter=username%20eq%20%22user3%22", h.mgmt("users")),
            None,
            None,
            Some(&h.token),
        )
        .await;
    assert_eq!(filtered.body["_embedded"]["users"].as_array().unwrap().len(), 1);
    assert_eq!(filtered.body["_embedded"]["users"][0]["username"], "user3");
    let mut seen = Vec::new();
    let mut next = Some(h.mgmt("users"));
    while let Some(url) = next {
        let page = h.send(Method::GET, &url, None, None, Some(&h.token)).await;
        assert!(page.body["size"].as_u64().unwrap() <= 2);
        for u in page.body["_embedded"]["users"].as_array().unwrap() {
            seen.push(u["username"].as_str().unwrap().to_owned());
        }
        next = page.body["_links"]["next"]["href"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, ["user0", "user1", "user2", "user3", "user4"]);
    let bad = h
        .send(Method::GET, &format!("{}?filter=password%20eq%20%22x%22", h.mgmt("users")), None, None, Some(&h.token))
        .await;
    assert_eq!(bad.detail_codes(), ["INVALID_FILTER"]);
    let id = h.get("users").await.body["_embedded"]["users"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(h.delete(&format!("users/{id}")).await.status, 204);
    assert_eq!(h.get(&format!("users/{id}")).await.status, 404);
}

#[tokio::test]
async fn constraint_violations_on_delete() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let actions = h.get(&format!("signOnPolicies/{}/actions", p.policy_id)).await;
    let action = actions.body["_embedded"]["actions"][0]["id"].as_str().unwrap().to_owned();
    let last = h.delete(&format!("signOnPolicies/{}/actions/{action}", p.policy_id)).await;
    assert_eq!(last.status, 400);
    assert_eq!(last.detail_codes(), ["CONSTRAINT_VIOLATION"]);
    let population = h.delete(&format!("populations/{}", p.population_id)).await;
    assert_eq!(population.detail_codes(), ["CONSTRAINT_VIOLATION"]);
    // In PingOne's order everything goes.
    assert_eq!(h.delete(&format!("users/{}", p.user_id)).await.status, 204);
    assert_eq!(h.delete(&format!("populations/{}", p.population_id)).await.status, 204);
    assert_eq!(h.delete(&format!("signOnPolicies/{}", p.policy_id)).await.status, 204);
    assert_eq!(h.delete(&format!("deviceAuthenticationPolicies/{}", p.device_policy_id)).await.status, 204);
    assert_eq!(h.delete(&format!("applications/{}", p.app_id)).await.status, 204);
    assert_eq!(h.get(&format!("applications/{}/grants", p.app_id)).await.status, 404);
}

#[tokio::test]
async fn wrong_redirect_uri_is_not_redirected() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let url = reqwest::Url::parse_with_params(
        &h.auth("as/authorize"),
        &[
            ("response_type", "code"),
            ("client_id", p.app_id.as_str()),
            ("redirect_uri", "https://evil.example.test/cb"),
            ("scope", "openid"),
        ],
    )
    .unwrap();
    let reply = h.send(Method::GET, url.as_str(), None, None, None).await;
    assert_eq!(reply.status, 400);
    assert!(reply.headers.get("location").is_none());
    assert_eq!(reply.body["error"], "invalid_request");
    // A scope that was not granted is redirected as invalid_scope.
    let url = reqwest::Url::parse_with_params(
        &h.auth("as/authorize"),
        &[
            ("response_type", "code"),
            ("client_id", p.app_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", "openid phone"),
            ("state", "s1"),
        ],
    )
    .unwrap();
    let reply = h.send(Method::GET, url.as_str(), None, None, None).await;
    assert_eq!(reply.status, 302);
    let q = query_of(&reply.location());
    assert_eq!((q["error"].as_str(), q["state"].as_str()), ("invalid_scope", "s1"));
}

#[tokio::test]
async fn pkce_is_enforced_at_authorize_and_token() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    // S256_REQUIRED: no challenge → error redirect.
    let url = reqwest::Url::parse_with_params(
        &h.auth("as/authorize"),
        &[("response_type", "code"), ("client_id", p.app_id.as_str()), ("redirect_uri", REDIRECT), ("scope", "openid")],
    )
    .unwrap();
    let reply = h.send(Method::GET, url.as_str(), None, None, None).await;
    assert_eq!(query_of(&reply.location())["error"], "invalid_request");
    let secret = h.secret(&p.app_id).await;
    // Missing verifier.
    let code = h.sign_on(&p.app_id).await;
    let missing = h.exchange(&p.app_id, &secret, &code, None, REDIRECT).await;
    assert_eq!((missing.status.as_u16(), missing.body["error"].as_str()), (400, Some("invalid_grant")));
    // Wrong verifier.
    let code = h.sign_on(&p.app_id).await;
    let wrong =
        h.exchange(&p.app_id, &secret, &code, Some("wrong-verifier-wrong-verifier-wrong-verifier-0"), REDIRECT).await;
    assert_eq!(wrong.body["error"], "invalid_grant");
    // Wrong redirect_uri at the token endpoint.
    let code = h.sign_on(&p.app_id).await;
    let wrong = h.exchange(&p.app_id, &secret, &code, Some(VERIFIER), "https://app.example.test/other").await;
    assert_eq!(wrong.body["error"], "invalid_grant");
}

#[tokio::test]
async fn codes_are_single_use_short_lived_and_bound_to_the_client() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let secret = h.secret(&p.app_id).await;
    let code = h.sign_on(&p.app_id).await;
    assert_eq!(h.exchange(&p.app_id, &secret, &code, Some(VERIFIER), REDIRECT).await.status, 200);
    let replay = h.exchange(&p.app_id, &secret, &code, Some(VERIFIER), REDIRECT).await;
    assert_eq!(replay.body["error"], "invalid_grant");
    // Expired.
    let code = h.sign_on(&p.app_id).await;
    h.sim.controls().advance_clock(Duration::from_secs(61));
    assert_eq!(h.exchange(&p.app_id, &secret, &code, Some(VERIFIER), REDIRECT).await.body["error"], "invalid_grant");
    // Another application's client cannot exchange it.
    let other = h
        .created(
            "applications",
            json!({ "name": "other", "enabled": true, "type": "WEB_APP", "protocol": "OPENID_CONNECT", "grantTypes": ["AUTHORIZATION_CODE"],
                "responseTypes": ["CODE"], "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC", "redirectUris": [REDIRECT] }),
        )
        .await;
    let other_id = other["id"].as_str().unwrap();
    let other_secret = h.secret(other_id).await;
    h.sim.controls().advance_clock(Duration::from_secs(3600));
    // The worker token expired with the hour: a fresh one.
    let h = Harness { token: worker_token(&h.http, &h.env).await, ..h };
    let code = h.sign_on(&p.app_id).await;
    let foreign = h.exchange(other_id, &other_secret, &code, Some(VERIFIER), REDIRECT).await;
    assert_eq!(foreign.body["error"], "invalid_grant");
    // Wrong client authentication method: the app wants Basic, the client posts the secret.
    let code = h.sign_on(&p.app_id).await;
    let post = h
        .http
        .post(h.auth("as/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", &p.app_id),
            ("client_secret", &secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 401);
}

#[tokio::test]
async fn wrong_otp_then_the_right_one() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let (_, mut s) = h.authorize(&p.app_id).await;
    h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    let otp = h.otp().await;
    let wrong = h.flow_post(&mut s, "otp.check", json!({ "otp": "000000" })).await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.body["code"], "INVALID_DATA");
    assert_eq!(wrong.body["details"][0]["code"], "INVALID_OTP");
    assert_eq!(wrong.body["details"][0]["target"], "otp");
    assert_eq!(wrong.body["details"][0]["innerError"]["remainingAttempts"], 2);
    assert_eq!(h.flow_get(&s).await.body["status"], "OTP_REQUIRED");
    let right = h.flow_post(&mut s, "otp.check", json!({ "otp": otp })).await;
    assert_eq!(right.body["status"], "COMPLETED");
    // An action the flow does not offer is rejected.
    let again = h.flow_post(&mut s, "otp.check", json!({ "otp": otp })).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.body["code"], "INVALID_REQUEST");
}

#[tokio::test]
async fn lockout_makes_the_flow_failed_and_blocks_the_device() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let (_, mut s) = h.authorize(&p.app_id).await;
    h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    let otp = h.otp().await;
    let remaining: Vec<_> = {
        let mut r = Vec::new();
        for _ in 0..3 {
            let reply = h.flow_post(&mut s, "otp.check", json!({ "otp": "999999" })).await;
            r.push(reply.body["details"][0]["innerError"]["remainingAttempts"].as_u64().unwrap());
        }
        r
    };
    assert_eq!(remaining, [2, 1, 0]);
    let flow = h.flow_get(&s).await;
    assert_eq!(flow.body["status"], "FAILED");
    assert_eq!(flow.body["error"]["code"], "TOO_MANY_ATTEMPTS");
    // The right OTP no longer helps: the action is gone.
    assert_eq!(h.flow_post(&mut s, "otp.check", json!({ "otp": otp })).await.status, 400);
    // Resume of a failed flow redirects with an error.
    let resumed = h.resume(&s).await;
    assert_eq!(query_of(&resumed.location())["error"], "access_denied");
    // A new flow during the cool-down fails at once; after it, the OTP is sent again.
    let (_, mut s2) = h.authorize(&p.app_id).await;
    let blocked = h.flow_post(&mut s2, "user.lookup", json!({ "username": USER })).await;
    assert_eq!(blocked.body["status"], "FAILED");
    assert_eq!(blocked.body["error"]["code"], "DEVICE_LOCKED");
    h.sim.controls().advance_clock(Duration::from_secs(121));
    let (_, mut s3) = h.authorize(&p.app_id).await;
    assert_eq!(h.flow_post(&mut s3, "user.lookup", json!({ "username": USER })).await.body["status"], "OTP_REQUIRED");
}

#[tokio::test]
async fn otp_expiry_and_resend_through_the_clock() {
    let h = Harness::start().await;
    let p = provision(&h, &Options { lifetime_minutes: 5, ..Options::default() }).await;
    let (_, mut s) = h.authorize(&p.app_id).await;
    h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    let otp = h.otp().await;
    h.sim.controls().advance_clock(Duration::from_secs(5 * 60 + 1));
    let expired = h.flow_post(&mut s, "otp.check", json!({ "otp": otp })).await;
    assert_eq!(expired.status, 400);
    assert_eq!(expired.body["details"][0]["innerError"]["expired"], true);
    // Resend: select the device again.
    let resent = h.flow_post(&mut s, "device.select", json!({ "device": { "id": p.device_id } })).await;
    assert_eq!(resent.body["status"], "OTP_REQUIRED");
    let fresh = h.otp().await;
    assert_eq!(h.flow_post(&mut s, "otp.check", json!({ "otp": fresh })).await.body["status"], "COMPLETED");
}

#[tokio::test]
async fn idle_flows_expire_to_404() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let (_, s) = h.authorize(&p.app_id).await;
    h.sim.controls().advance_clock(Duration::from_secs(14 * 60));
    assert_eq!(h.flow_get(&s).await.status, 200, "activity within 15 minutes keeps it alive");
    h.sim.controls().advance_clock(Duration::from_secs(14 * 60));
    assert_eq!(h.flow_get(&s).await.status, 200);
    h.sim.controls().advance_clock(Duration::from_secs(15 * 60 + 1));
    let gone = h.flow_get(&s).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.body["code"], "NOT_FOUND");
    assert_eq!(h.resume(&s).await.status, 404);
}

#[tokio::test]
async fn flow_calls_without_cookies_are_rejected_unless_relaxed() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let (_, mut s) = h.authorize(&p.app_id).await;
    let jar = std::mem::take(&mut s.cookies);
    assert_eq!(h.flow_get(&s).await.status, 403);
    assert_eq!(h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await.status, 403);
    s.cookies.insert("interactionToken".into(), "forged".into());
    assert_eq!(h.flow_get(&s).await.status, 403);
    s.cookies = jar;
    assert_eq!(h.flow_get(&s).await.status, 200);

    let relaxed = Harness::with(SimConfig { cookies: CookiePolicy::ActionsOnly, ..SimConfig::default() }).await;
    let p = provision(&relaxed, &Options::default()).await;
    let (_, mut s) = relaxed.authorize(&p.app_id).await;
    s.cookies.clear();
    assert_eq!(relaxed.flow_get(&s).await.status, 200);
    assert_eq!(relaxed.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await.status, 403);
}

#[tokio::test]
async fn several_devices_require_selection() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let second = h
        .created(&format!("users/{}/devices", p.user_id), json!({ "type": "EMAIL", "email": "ada.work@example.test" }))
        .await;
    let (_, mut s) = h.authorize(&p.app_id).await;
    let reply = h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    assert_eq!(reply.body["status"], "DEVICE_SELECTION_REQUIRED");
    assert_eq!(reply.body["_embedded"]["devices"].as_array().unwrap().len(), 2);
    assert!(h.sim.outbox().messages().is_empty(), "no OTP before selection");
    let bad = h.flow_post(&mut s, "device.select", json!({ "device": { "id": "nope" } })).await;
    assert_eq!(bad.status, 400);
    let selected = h.flow_post(&mut s, "device.select", json!({ "device": { "id": second["id"] } })).await;
    assert_eq!(selected.body["status"], "OTP_REQUIRED");
    let email = h.sim.outbox().next_for("ada.work@example.test", Duration::from_secs(2)).await.unwrap();
    assert_eq!(h.flow_post(&mut s, "otp.check", json!({ "otp": email.otp() })).await.body["status"], "COMPLETED");
}

#[tokio::test]
async fn unknown_user_and_mfa_disabled() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let (_, mut s) = h.authorize(&p.app_id).await;
    let unknown = h.flow_post(&mut s, "user.lookup", json!({ "username": "nobody" })).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.body["details"][0]["target"], "username");
    h.put(&format!("users/{}/mfaEnabled", p.user_id), "application/json", json!({ "mfaEnabled": false })).await;
    let skipped = h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    assert_eq!(skipped.body["status"], "COMPLETED", "MFA disabled: the MFA action is skipped");
}

#[tokio::test]
async fn resume_before_completion_is_an_error() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let (_, s) = h.authorize(&p.app_id).await;
    let early = h.resume(&s).await;
    assert_eq!(early.status, 400);
    assert_eq!(early.body["code"], "INVALID_REQUEST");
}

#[tokio::test]
async fn outbox_is_served_as_json() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let (_, mut s) = h.authorize(&p.app_id).await;
    h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    let outbox = h.send(Method::GET, &h.sim.outbox_url(), None, None, None).await;
    let messages = outbox.body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["to"], EMAIL);
    let otp = h.sim.outbox().latest_for(EMAIL).unwrap().otp().to_owned();
    assert!(messages[0]["body"].as_str().unwrap().contains(&otp));
    assert!(messages[0]["sentAt"].is_string());
}
