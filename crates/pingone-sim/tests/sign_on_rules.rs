//! The sign-on rules PingOne documents (reference §14), checked with plain HTTP: password then
//! MFA with its lockout, the device-selection rules, `acr_values`, the claims, the lockout time
//! of the OTP lock, and the management behaviours around them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod support;

use std::time::Duration;

use base64::Engine as _;
use reqwest::Method;
use serde_json::{Value, json};
use support::*;

/// The claims of a JWT (not verified: the twenty-steps test verifies signatures).
fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Resume and exchange: the token response.
async fn tokens(h: &Harness, p: &Provisioned, s: &FlowSession) -> Value {
    let resumed = h.resume(s).await;
    assert_eq!(resumed.status, 302, "{}", resumed.body);
    let code = query_of(&resumed.location())["code"].clone();
    let secret = h.secret(&p.app_id).await;
    let reply = h.exchange(&p.app_id, &secret, &code, Some(VERIFIER), REDIRECT).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn password(h: &Harness, s: &mut FlowSession, password: &str) -> Reply {
    h.flow_post(s, "usernamePassword.check", json!({ "username": USER, "password": password })).await
}

#[tokio::test]
async fn password_then_mfa_starts_at_username_password_and_ends_with_pwd_and_otp() {
    let h = Harness::start().await;
    let p = provision(&h, &Options { password_first: true, ..Options::default() }).await;
    let (_, mut s) = h.authorize(&p.app_id).await;
    let flow = h.flow_get(&s).await;
    assert_eq!(flow.body["status"], "USERNAME_PASSWORD_REQUIRED");
    for link in ["usernamePassword.check", "password.forgot", "session.reset"] {
        assert!(flow.body["_links"][link]["href"].is_string(), "{link}: {}", flow.body);
    }
    assert!(flow.body["_links"].get("user.lookup").is_none());
    let policy = &flow.body["_embedded"]["passwordPolicy"];
    for required in ["name", "excludesCommonlyUsed", "excludesProfileData", "notSimilarToCurrent"] {
        assert!(policy.get(required).is_some(), "PasswordPolicy requires {required}: {policy}");
    }
    assert_eq!(policy["lockout"]["failureCount"], 5);
    // Wrong password: 400, INVALID_CREDENTIALS, the flow stays where it was, no session yet.
    let wrong = password(&h, &mut s, "not-the-password").await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.detail_codes(), ["INVALID_CREDENTIALS"]);
    assert!(!s.cookies.contains_key("ST"));
    assert_eq!(h.flow_get(&s).await.body["status"], "USERNAME_PASSWORD_REQUIRED");
    // An unknown username gets the very same answer.
    let unknown =
        h.flow_post(&mut s, "usernamePassword.check", json!({ "username": "nobody", "password": PASSWORD })).await;
    assert_eq!(unknown.detail_codes(), ["INVALID_CREDENTIALS"]);
    let right = password(&h, &mut s, PASSWORD).await;
    assert_eq!(right.body["status"], "OTP_REQUIRED", "{}", right.body);
    assert!(s.cookies.contains_key("ST"), "identified: the session cookie is set");
    let otp = h.otp().await;
    assert_eq!(h.flow_post(&mut s, "otp.check", json!({ "otp": otp })).await.body["status"], "COMPLETED");
    let id_token = claims_of(tokens(&h, &p, &s).await["id_token"].as_str().unwrap());
    assert_eq!(id_token["amr"], json!(["pwd", "otp"]));
    assert_eq!(id_token["acr"], "Email_MFA_Policy");
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_password_with_the_time_until_unlock() {
    let h = Harness::start().await;
    let p = provision(&h, &Options { password_first: true, ..Options::default() }).await;
    let (_, mut s) = h.authorize(&p.app_id).await;
    for _ in 0..4 {
        assert_eq!(password(&h, &mut s, "wrong-password").await.detail_codes(), ["INVALID_CREDENTIALS"]);
    }
    let locked = password(&h, &mut s, "wrong-password").await;
    assert_eq!(locked.status, 400);
    assert_eq!(locked.detail_codes(), ["PASSWORD_LOCKED_OUT"]);
    assert_eq!(locked.body["details"][0]["innerError"]["secondsUntilUnlock"], 900);
    h.sim.controls().advance_clock(Duration::from_secs(300));
    // Even the right password is refused while locked, with the time left.
    let still = password(&h, &mut s, PASSWORD).await;
    assert_eq!(still.detail_codes(), ["PASSWORD_LOCKED_OUT"]);
    assert_eq!(still.body["details"][0]["innerError"]["secondsUntilUnlock"], 600);
    h.sim.controls().advance_clock(Duration::from_secs(601));
    let (_, mut s) = h.authorize(&p.app_id).await;
    assert_eq!(password(&h, &mut s, PASSWORD).await.body["status"], "OTP_REQUIRED");
}

#[tokio::test]
async fn a_password_set_with_force_change_must_be_changed_before_mfa() {
    let h = Harness::start().await;
    let p = provision(&h, &Options { password_first: true, ..Options::default() }).await;
    let set = h
        .put(
            &format!("users/{}/password", p.user_id),
            "application/vnd.pingidentity.password.set+json",
            json!({ "value": "Temporary-Pa55", "forceChange": true }),
        )
        .await;
    assert_eq!(set.body["status"], "MUST_CHANGE_PASSWORD");
    let (_, mut s) = h.authorize(&p.app_id).await;
    let must = password(&h, &mut s, "Temporary-Pa55").await;
    assert_eq!(must.body["status"], "MUST_CHANGE_PASSWORD", "{}", must.body);
    assert!(must.body["_links"]["password.reset"].is_object());
    let short = h
        .flow_post(&mut s, "password.reset", json!({ "currentPassword": "Temporary-Pa55", "newPassword": "short" }))
        .await;
    assert_eq!(short.detail_codes(), ["INVALID_VALUE"]);
    let changed = h
        .flow_post(&mut s, "password.reset", json!({ "currentPassword": "Temporary-Pa55", "newPassword": PASSWORD }))
        .await;
    assert_eq!(changed.body["status"], "OTP_REQUIRED", "{}", changed.body);
}

#[tokio::test]
async fn default_to_first_sends_to_the_first_device_and_offers_a_switch() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let work = "ada.work@example.test";
    let second = h
        .created(&format!("users/{}/devices", p.user_id), json!({ "type": "EMAIL", "email": work, "nickname": "Work" }))
        .await;
    assert_eq!(second["nickname"], "Work", "the management API keeps the nickname");
    let (_, mut s) = h.authorize(&p.app_id).await;
    let reply = h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    assert_eq!(reply.body["status"], "OTP_REQUIRED", "DEFAULT_TO_FIRST: no choice");
    assert_eq!(reply.body["_embedded"]["selectedDevice"]["id"], p.device_id.as_str());
    assert!(reply.body["_links"]["device.select"].is_object());
    let devices = reply.body["_embedded"]["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2);
    assert_eq!(devices[1]["nickname"], "Work");
    assert!(h.sim.outbox().latest_for(EMAIL).is_some() && h.sim.outbox().latest_for(work).is_none());
    // Switch to the other device: it gets a code of its own.
    let switched = h.flow_post(&mut s, "device.select", json!({ "device": { "id": second["id"] } })).await;
    assert_eq!(switched.body["_embedded"]["selectedDevice"]["id"], second["id"]);
    let email = h.sim.outbox().next_for(work, Duration::from_secs(2)).await.unwrap();
    assert_eq!(h.flow_post(&mut s, "otp.check", json!({ "otp": email.otp() })).await.body["status"], "COMPLETED");
}

#[tokio::test]
async fn prompt_to_select_asks_only_with_two_devices_and_always_display_always_asks() {
    let h = Harness::start().await;
    let prompt = provision(&h, &Options { device_selection: "PROMPT_TO_SELECT", ..Options::default() }).await;
    let (_, mut s) = h.authorize(&prompt.app_id).await;
    let one = h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    assert_eq!(one.body["status"], "OTP_REQUIRED", "PROMPT_TO_SELECT with one device: no choice");

    let always = provision(
        &h,
        &Options {
            device_selection: "ALWAYS_DISPLAY_DEVICES",
            username: "grace.example".into(),
            email: "grace@example.test".into(),
            name_suffix: "-always".into(),
            ..Options::default()
        },
    )
    .await;
    let (_, mut s) = h.authorize(&always.app_id).await;
    let choose = h.flow_post(&mut s, "user.lookup", json!({ "username": "grace.example" })).await;
    assert_eq!(choose.body["status"], "DEVICE_SELECTION_REQUIRED", "{}", choose.body);
    assert_eq!(choose.body["_embedded"]["devices"].as_array().unwrap().len(), 1);
    assert!(h.sim.outbox().latest_for("grace@example.test").is_none(), "no code before the choice");
}

#[tokio::test]
async fn acr_values_pick_the_assigned_policy_by_name_and_acr_names_it() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    // A second policy, password first, assigned with a lower priority.
    let second = h.created("signOnPolicies", json!({ "name": "Password_Then_MFA" })).await;
    let second_id = second["id"].as_str().unwrap();
    h.created(&format!("signOnPolicies/{second_id}/actions"), json!({ "priority": 1, "type": "LOGIN" })).await;
    h.created(
        &format!("signOnPolicies/{second_id}/actions"),
        json!({ "priority": 2, "type": "MULTI_FACTOR_AUTHENTICATION", "deviceAuthenticationPolicy": { "id": p.device_policy_id } }),
    )
    .await;
    h.created(
        &format!("applications/{}/signOnPolicyAssignments", p.app_id),
        json!({ "priority": 2, "signOnPolicy": { "id": second_id } }),
    )
    .await;
    let authorize = |acr: &'static str| {
        let url = reqwest::Url::parse_with_params(
            &h.auth("as/authorize"),
            &[
                ("response_type", "code"),
                ("client_id", p.app_id.as_str()),
                ("redirect_uri", REDIRECT),
                ("scope", "openid"),
                ("state", "af0ifjsldkj"),
                ("code_challenge", &challenge(VERIFIER)),
                ("code_challenge_method", "S256"),
                ("acr_values", acr),
            ],
        )
        .unwrap();
        let http = h.http.clone();
        async move {
            let reply = into_reply(http.get(url).send().await.unwrap()).await;
            let mut s = FlowSession {
                flow_id: query_of(&reply.location())["flowId"].clone(),
                cookies: Default::default(),
                state: "af0ifjsldkj".into(),
                nonce: String::new(),
            };
            s.absorb(&reply.headers);
            s
        }
    };
    let mut s = authorize("Password_Then_MFA").await;
    assert_eq!(h.flow_get(&s).await.body["status"], "USERNAME_PASSWORD_REQUIRED");
    password(&h, &mut s, PASSWORD).await;
    let otp = h.otp().await;
    h.flow_post(&mut s, "otp.check", json!({ "otp": otp })).await;
    let id_token = claims_of(tokens(&h, &p, &s).await["id_token"].as_str().unwrap());
    assert_eq!(id_token["acr"], "Password_Then_MFA");
    // A name no assigned policy has: the assignment order decides (the client's acr check
    // catches it).
    let s = authorize("No_Such_Policy").await;
    assert_eq!(h.flow_get(&s).await.body["status"], "SIGN_ON_REQUIRED");
}

#[tokio::test]
async fn tokens_carry_pingones_claims_and_discovery_lists_exactly_what_is_issued() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let (_, mut s) = h.authorize(&p.app_id).await;
    h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    let otp = h.otp().await;
    h.flow_post(&mut s, "otp.check", json!({ "otp": otp })).await;
    let body = tokens(&h, &p, &s).await;
    let id_token = claims_of(body["id_token"].as_str().unwrap());
    assert_eq!(id_token["acr"], "Email_MFA_Policy");
    assert_eq!(id_token["env"], h.env());
    assert_eq!(id_token["p1.region"], "NA");
    assert!(id_token["sid"].is_string() && id_token["org"].is_string());
    assert_eq!(id_token["name"], "Ada Example");
    // The worker's token: client_id, env, org, jti; no sub.
    let worker = claims_of(&h.token);
    for claim in ["client_id", "env", "org", "jti", "iss", "iat", "exp", "aud"] {
        assert!(worker.get(claim).is_some(), "worker token lacks {claim}: {worker}");
    }
    assert!(worker.get("sub").is_none(), "{worker}");
    assert_eq!(worker["org"], id_token["org"]);
    // claims_supported: every claim issued, and nothing that is never issued.
    let discovery = h.send(Method::GET, &h.auth("as/.well-known/openid-configuration"), None, None, None).await.body;
    let supported: Vec<&str> =
        discovery["claims_supported"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let userinfo = h
        .http
        .get(h.auth("as/userinfo"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let issued: Vec<&String> =
        id_token.as_object().unwrap().keys().chain(userinfo.as_object().unwrap().keys()).collect();
    for claim in &issued {
        assert!(supported.contains(&claim.as_str()), "{claim} is issued but not in claims_supported");
    }
    for claim in &supported {
        assert!(issued.iter().any(|c| c == claim), "{claim} is advertised but never issued");
    }
}

#[tokio::test]
async fn the_otp_lock_carries_the_seconds_until_unlock() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let (_, mut s) = h.authorize(&p.app_id).await;
    h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    for _ in 0..3 {
        h.flow_post(&mut s, "otp.check", json!({ "otp": "000000" })).await;
    }
    let failed = h.flow_get(&s).await.body;
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(failed["error"]["code"], "TOO_MANY_ATTEMPTS");
    assert_eq!(failed["error"]["details"][0]["innerError"]["secondsUntilUnlock"], 120);
    h.sim.controls().advance_clock(Duration::from_secs(30));
    let (_, mut s) = h.authorize(&p.app_id).await;
    let blocked = h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await.body;
    assert_eq!(blocked["status"], "FAILED");
    assert_eq!(blocked["error"]["code"], "DEVICE_LOCKED");
    assert_eq!(blocked["error"]["details"][0]["innerError"]["secondsUntilUnlock"], 90);
}

#[tokio::test]
async fn deleting_an_application_removes_its_grants_and_assignments() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let grants = h.get(&format!("applications/{}/grants", p.app_id)).await.body;
    let grant = grants["_embedded"]["grants"][0]["id"].as_str().unwrap().to_owned();
    let assignments = h.get(&format!("applications/{}/signOnPolicyAssignments", p.app_id)).await.body;
    let assignment = assignments["_embedded"]["signOnPolicyAssignments"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(h.delete(&format!("applications/{}", p.app_id)).await.status, 204);
    assert_eq!(h.get(&format!("applications/{}/grants/{grant}", p.app_id)).await.status, 404);
    let gone = h.get(&format!("applications/{}/signOnPolicyAssignments/{assignment}", p.app_id)).await;
    assert_eq!(gone.status, 404);
    assert_eq!(h.get(&format!("applications/{}/grants", p.app_id)).await.status, 404);
}

#[tokio::test]
async fn a_device_policy_an_mfa_action_uses_cannot_be_deleted() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let refused = h.delete(&format!("deviceAuthenticationPolicies/{}", p.device_policy_id)).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.body["details"][0]["code"], "INVALID_VALUE");
    assert_eq!(refused.body["details"][0]["target"], "signOnPolicies");
    assert_eq!(h.delete(&format!("signOnPolicies/{}", p.policy_id)).await.status, 204);
    assert_eq!(h.delete(&format!("deviceAuthenticationPolicies/{}", p.device_policy_id)).await.status, 204);
}

#[tokio::test]
async fn populations_filter_on_id_and_name_and_page() {
    let h = Harness::start().await;
    for n in 0..3 {
        h.created("populations", json!({ "name": format!("pop-{n}") })).await;
    }
    let one = h.get("populations?filter=name%20eq%20%22pop-1%22").await.body;
    let found = &one["_embedded"]["populations"];
    assert_eq!(found.as_array().unwrap().len(), 1);
    let id = found[0]["id"].as_str().unwrap();
    let by_id = h.get(&format!("populations?filter=id%20eq%20%22{id}%22")).await.body;
    assert_eq!(by_id["_embedded"]["populations"][0]["name"], "pop-1");
    // Four populations (the default one too), two per page.
    let first = h.get("populations?limit=2").await.body;
    assert_eq!((first["size"].as_u64(), first["count"].as_u64()), (Some(2), Some(4)));
    let next = first["_links"]["next"]["href"].as_str().unwrap();
    let second = h.send(Method::GET, next, None, None, Some(&h.token)).await.body;
    assert_eq!(second["size"], 2);
    assert!(second["_links"].get("next").is_none());
    assert_eq!(h.get("populations?filter=description%20eq%20%22x%22").await.status, 400);
}

#[tokio::test]
async fn devices_created_activation_required_are_activated_with_the_emailed_passcode() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let address = "ada.new@example.test";
    let device = h
        .created(
            &format!("users/{}/devices", p.user_id),
            json!({ "type": "EMAIL", "email": address, "status": "ACTIVATION_REQUIRED" }),
        )
        .await;
    assert_eq!(device["status"], "ACTIVATION_REQUIRED");
    let path = format!("users/{}/devices/{}", p.user_id, device["id"].as_str().unwrap());
    let activate = "application/vnd.pingidentity.device.activate+json";
    let url = h.mgmt(&path);
    let wrong = h.send(Method::POST, &url, Some(activate), Some(&json!({ "otp": "000000" })), Some(&h.token)).await;
    assert_eq!(wrong.detail_codes(), ["INVALID_OTP"]);
    let plain = h.send(Method::POST, &url, Some("application/json"), Some(&json!({})), Some(&h.token)).await;
    assert_eq!(plain.status, 415);
    let code = h.sim.outbox().next_for(address, Duration::from_secs(2)).await.unwrap().otp().to_owned();
    let done = h.send(Method::POST, &url, Some(activate), Some(&json!({ "otp": code })), Some(&h.token)).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["status"], "ACTIVE");
    assert_eq!(h.get(&path).await.body["status"], "ACTIVE");
    let again = h.send(Method::POST, &url, Some(activate), Some(&json!({ "otp": code })), Some(&h.token)).await;
    assert_eq!(again.status, 400, "already active");
}
