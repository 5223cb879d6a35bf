//! The 20 steps end to end with plain reqwest, the ID token verified with jsonwebtoken, and
//! discovery checked against the routes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod support;

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use reqwest::Method;
use serde_json::{Value, json};
use support::*;

#[tokio::test]
async fn twenty_steps_end_to_end() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;

    // 14: authorize → 302 to the sign-on page with flowId, cookies set.
    let (reply, mut s) = h.authorize(&p.app_id).await;
    assert_eq!(reply.status, 302);
    let location = reply.location();
    assert!(location.starts_with(&format!("{}/{}/signon/?flowId=", h.sim.auth_base(), h.env())), "{location}");
    assert!(!s.flow_id.is_empty());
    assert!(s.cookies.contains_key("ST-NO-SS") && !s.cookies.contains_key("ST"), "{:?}", s.cookies.keys());

    // 15: read the flow.
    let flow = h.flow_get(&s).await;
    assert_eq!(flow.status, 200);
    assert_eq!(flow.body["status"], "SIGN_ON_REQUIRED");
    assert!(flow.body["_links"]["user.lookup"]["href"].is_string());
    assert_eq!(flow.body["_embedded"]["application"]["id"], p.app_id.as_str());
    assert_eq!(flow.body["resumeUrl"], format!("{}/{}/as/resume?flowId={}", h.sim.auth_base(), h.env(), s.flow_id));
    // GET changes nothing.
    assert_eq!(h.flow_get(&s).await.body["status"], "SIGN_ON_REQUIRED");

    // 16: user.lookup → OTP e-mailed, OTP_REQUIRED.
    let looked_up = h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    assert_eq!(looked_up.status, 200, "{}", looked_up.body);
    assert_eq!(looked_up.body["status"], "OTP_REQUIRED");
    assert!(looked_up.body["_links"]["otp.check"].is_object());
    assert_eq!(looked_up.body["_embedded"]["devices"][0]["email"], "a***@example.test");
    assert_eq!(looked_up.body["_embedded"]["selectedDevice"]["id"], p.device_id.as_str());
    assert!(s.cookies.contains_key("ST"), "the session token cookie is set once the user is identified");
    let email = h.sim.outbox().latest_for(EMAIL).unwrap();
    assert!(email.body.contains(email.otp()));
    assert_eq!(email.otp().len(), 6);
    let otp = h.otp().await;

    // 17: otp.check → COMPLETED, ST cookie.
    let done = h.flow_post(&mut s, "otp.check", json!({ "otp": otp })).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["status"], "COMPLETED");
    assert!(s.cookies.contains_key("ST"));

    // 18: resume → 302 to redirect_uri with code and state.
    let resumed = h.resume(&s).await;
    assert_eq!(resumed.status, 302);
    let location = resumed.location();
    assert!(location.starts_with(REDIRECT), "{location}");
    let params = query_of(&location);
    assert_eq!(params["state"], "af0ifjsldkj");
    let code = params["code"].clone();

    // 19: the secret.
    let secret = h.secret(&p.app_id).await;

    // 20: token exchange.
    let tokens = h.exchange(&p.app_id, &secret, &code, Some(VERIFIER), REDIRECT).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    assert_eq!(tokens.body["token_type"], "Bearer");
    assert_eq!(tokens.body["scope"], "openid profile email");
    assert_eq!(tokens.headers["cache-control"], "no-store");
    let id_token = tokens.body["id_token"].as_str().unwrap();

    // The ID token verifies against the JWKS found through discovery.
    let discovery = h.send(Method::GET, &h.auth("as/.well-known/openid-configuration"), None, None, None).await.body;
    let jwks = h.send(Method::GET, discovery["jwks_uri"].as_str().unwrap(), None, None, None).await.body;
    let header = decode_header(id_token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let kid = header.kid.unwrap();
    let jwk = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == kid.as_str()).unwrap();
    let key = DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[p.app_id.as_str()]);
    validation.set_issuer(&[discovery["issuer"].as_str().unwrap()]);
    let claims = decode::<Value>(id_token, &key, &validation).unwrap().claims;
    assert_eq!(claims["sub"], p.user_id.as_str());
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(claims["amr"], json!(["otp"]));
    assert_eq!(claims["email"], EMAIL);
    assert_eq!(claims["preferred_username"], USER);
    for claim in ["iat", "exp", "auth_time"] {
        assert!(claims[claim].is_u64(), "{claim}");
    }
    // The access token is signed by the same key.
    let access = tokens.body["access_token"].as_str().unwrap();
    let mut access_validation = Validation::new(Algorithm::RS256);
    access_validation.set_audience(&["https://api.pingone.com"]);
    assert!(decode::<Value>(access, &key, &access_validation).is_ok());

    // A token signed with another key is rejected.
    let other = pingone_sim::SigningKey::generate().unwrap();
    let forged = other.sign(&claims).unwrap();
    assert!(decode::<Value>(&forged, &key, &validation).is_err());

    // Save the management responses of steps 1-13 for the OpenAPI schema check (.ci/run), with
    // two more that the specs describe: the password policy a password-first flow embeds, and
    // the activation of a device created ACTIVATION_REQUIRED.
    let mut dump: Vec<Value> =
        p.responses.iter().map(|(step, op, body)| json!({ "step": step, "operation": op, "body": body })).collect();
    h.created(&format!("signOnPolicies/{}/actions", p.policy_id), json!({ "priority": 1, "type": "LOGIN" })).await;
    let (_, s) = h.authorize(&p.app_id).await;
    let flow = h.flow_get(&s).await.body;
    assert_eq!(flow["status"], "USERNAME_PASSWORD_REQUIRED");
    let policy = flow["_embedded"]["passwordPolicy"].clone();
    dump.push(json!({ "step": "passwordPolicy", "operation": "the flow's _embedded.passwordPolicy", "body": policy }));
    let address = "ada.new@example.test";
    let device = h
        .created(
            &format!("users/{}/devices", p.user_id),
            json!({ "type": "EMAIL", "email": address, "status": "ACTIVATION_REQUIRED" }),
        )
        .await;
    let otp = h.sim.outbox().next_for(address, std::time::Duration::from_secs(2)).await.unwrap().otp().to_owned();
    let activated = h
        .send(
            Method::POST,
            &h.mgmt(&format!("users/{}/devices/{}", p.user_id, device["id"].as_str().unwrap())),
            Some("application/vnd.pingidentity.device.activate+json"),
            Some(&json!({ "otp": otp })),
            Some(&h.token),
        )
        .await;
    assert_eq!(activated.status, 200);
    dump.push(json!({ "step": "activateDevice", "operation": "activate MFA device", "body": activated.body }));
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sim-management-responses.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&dump).unwrap()).unwrap();
}

#[tokio::test]
async fn discovery_matches_the_routes() {
    let h = Harness::start().await;
    let d = h.send(Method::GET, &h.auth("as/.well-known/openid-configuration"), None, None, None).await.body;
    let issuer = format!("{}/{}/as", h.sim.auth_base(), h.env());
    assert_eq!(d["issuer"], issuer.as_str());
    for (key, path) in [
        ("authorization_endpoint", "authorize"),
        ("token_endpoint", "token"),
        ("jwks_uri", "jwks"),
        ("userinfo_endpoint", "userinfo"),
        ("end_session_endpoint", "signoff"),
    ] {
        assert_eq!(d[key], format!("{issuer}/{path}"), "{key}");
    }
    // The endpoints the workflow uses answer at the advertised URLs.
    let jwks = h.send(Method::GET, d["jwks_uri"].as_str().unwrap(), None, None, None).await;
    assert_eq!(jwks.status, 200);
    assert_eq!(jwks.body["keys"][0]["kty"], "RSA");
    assert!(jwks.body["keys"][0]["x5c"][0].is_string(), "PingOne lists x5c");
    let token = h
        .send(
            Method::POST,
            d["token_endpoint"].as_str().unwrap(),
            Some("application/x-www-form-urlencoded"),
            Some(&json!("x")),
            None,
        )
        .await;
    assert_ne!(token.status, 404);
    let authorize = h.send(Method::GET, d["authorization_endpoint"].as_str().unwrap(), None, None, None).await;
    assert_eq!(authorize.status, 400, "unknown client: an error, not a missing route");
    assert_eq!(d["code_challenge_methods_supported"], json!(["plain", "S256"]));
    assert_eq!(d["id_token_signing_alg_values_supported"], json!(["RS256"]));
}

#[tokio::test]
async fn pi_flow_response_mode_answers_json_and_resume_carries_the_code() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let url = reqwest::Url::parse_with_params(
        &h.auth("as/authorize"),
        &[
            ("response_type", "code"),
            ("response_mode", "pi.flow"),
            ("client_id", p.app_id.as_str()),
            ("scope", "openid"),
            ("state", "xyz"),
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ],
    )
    .unwrap();
    let reply = h.send(Method::GET, url.as_str(), None, None, None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["status"], "SIGN_ON_REQUIRED");
    let mut s = FlowSession {
        flow_id: reply.body["id"].as_str().unwrap().into(),
        cookies: Default::default(),
        state: "xyz".into(),
        nonce: String::new(),
    };
    s.absorb(&reply.headers);
    h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    let otp = h.otp().await;
    let done = h.flow_post(&mut s, "otp.check", json!({ "otp": otp })).await;
    assert_eq!(done.body["status"], "COMPLETED");
    assert!(done.body.get("authorizeResponse").is_none(), "the code comes from resume");
    // Resume answers JSON, not a redirect: the flow with authorizeResponse.code and .state.
    let resumed = h.resume(&s).await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    assert!(resumed.headers.get("location").is_none());
    assert_eq!(resumed.body["status"], "COMPLETED");
    assert_eq!(resumed.body["authorizeResponse"]["state"], "xyz");
    let code = resumed.body["authorizeResponse"]["code"].as_str().unwrap();
    let secret = h.secret(&p.app_id).await;
    // No redirect_uri was sent at authorize, so none is sent at the exchange either.
    let response = h
        .http
        .post(h.auth("as/token"))
        .basic_auth(&p.app_id, Some(&secret))
        .form(&[("grant_type", "authorization_code"), ("code", code), ("code_verifier", VERIFIER)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // The flow is gone once resumed.
    assert_eq!(h.resume(&s).await.status, 404);
}
