//! Userinfo, sign-off, single sign-on sessions, the JWKS certificate and discovery, with plain
//! HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod support;

use std::time::Duration;

use base64::Engine as _;
use reqwest::Method;
use reqwest::header::{SET_COOKIE, WWW_AUTHENTICATE};
use serde_json::{Value, json};
use support::*;

const LOGGED_OUT: &str = "https://app.example.test/logged-out";

/// Registers [`LOGGED_OUT`] as the application's post-logout redirect URI.
async fn register_post_logout_uri(h: &Harness, p: &Provisioned) {
    let mut app = h.get(&format!("applications/{}", p.app_id)).await.body;
    let app = app.as_object_mut().unwrap();
    for computed in ["id", "_links", "environment", "createdAt", "updatedAt"] {
        app.remove(computed);
    }
    app.insert("postLogoutRedirectUris".into(), json!([LOGGED_OUT]));
    let updated = h.put(&format!("applications/{}", p.app_id), "application/json", Value::Object(app.clone())).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
}

/// A full sign-on: the browser-like session (with its `ST`) and the token response.
async fn signed_on(h: &Harness, p: &Provisioned) -> (FlowSession, Value) {
    let (_, mut s) = h.authorize(&p.app_id).await;
    h.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
    let otp = h.otp().await;
    assert_eq!(h.flow_post(&mut s, "otp.check", json!({ "otp": otp })).await.body["status"], "COMPLETED");
    let resumed = h.resume(&s).await;
    let code = query_of(&resumed.location())["code"].clone();
    let secret = h.secret(&p.app_id).await;
    let tokens = h.exchange(&p.app_id, &secret, &code, Some(VERIFIER), REDIRECT).await;
    assert_eq!(tokens.status, 200);
    (s, tokens.body)
}

/// Authorize carrying `cookies` (a browser coming back): the first status of the new flow and
/// the `Location`.
async fn authorize_with(
    h: &Harness,
    p: &Provisioned,
    cookies: &FlowSession,
    extra: &[(&str, &str)],
) -> (String, String) {
    let pkce = challenge(VERIFIER);
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", p.app_id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", "openid profile email"),
        ("state", "again"),
        ("code_challenge", &pkce),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    let url = reqwest::Url::parse_with_params(&h.auth("as/authorize"), &params).unwrap();
    let reply = into_reply(h.http.get(url).header("cookie", cookies.cookie_header()).send().await.unwrap()).await;
    assert_eq!(reply.status, 302, "{}", reply.body);
    let location = reply.location();
    let mut s = FlowSession {
        flow_id: query_of(&location)["flowId"].clone(),
        cookies: cookies.cookies.clone(),
        state: "again".into(),
        nonce: String::new(),
    };
    s.absorb(&reply.headers);
    (h.flow_get(&s).await.body["status"].as_str().unwrap().to_owned(), location)
}

async fn userinfo(h: &Harness, token: Option<&str>) -> Reply {
    let mut request = h.http.get(h.auth("as/userinfo"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    into_reply(request.send().await.unwrap()).await
}

#[tokio::test]
async fn userinfo_answers_the_granted_claims_and_refuses_bad_tokens_per_rfc_6750() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let (_, tokens) = signed_on(&h, &p).await;
    let access = tokens["access_token"].as_str().unwrap();
    let info = userinfo(&h, Some(access)).await;
    assert_eq!(info.status, 200, "{}", info.body);
    assert_eq!(info.body["sub"], p.user_id.as_str());
    assert_eq!(info.body["email"], EMAIL);
    assert_eq!(info.body["preferred_username"], USER);
    assert_eq!(info.body["given_name"], "Ada");
    // POST, with the token in the form body (RFC 6750 §2.2).
    let posted = h.http.post(h.auth("as/userinfo")).form(&[("access_token", access)]).send().await.unwrap();
    assert_eq!(posted.status(), 200);
    // Missing: a bare challenge.
    let missing = userinfo(&h, None).await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.headers[WWW_AUTHENTICATE], "Bearer realm=\"PingOne\"");
    // Wrong: invalid_token.
    let forged = pingone_sim::SigningKey::generate().unwrap().sign(&json!({ "sub": p.user_id })).unwrap();
    for bad in ["not-a-token", forged.as_str(), h.token.as_str()] {
        let refused = userinfo(&h, Some(bad)).await;
        assert_eq!(refused.status, 401, "{bad}");
        let challenge = refused.headers[WWW_AUTHENTICATE].to_str().unwrap();
        assert!(challenge.starts_with("Bearer ") && challenge.contains("error=\"invalid_token\""), "{challenge}");
        assert_eq!(refused.body["error"], "invalid_token");
    }
    // Expired.
    h.sim.controls().advance_clock(Duration::from_secs(3601));
    let expired = userinfo(&h, Some(access)).await;
    assert_eq!(expired.status, 401);
    assert!(expired.headers[WWW_AUTHENTICATE].to_str().unwrap().contains("invalid_token"));
}

#[tokio::test]
async fn sign_off_ends_the_session_and_the_next_authorize_starts_at_the_first_step() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    register_post_logout_uri(&h, &p).await;
    let (browser, tokens) = signed_on(&h, &p).await;
    assert!(browser.cookies.contains_key("ST"));
    // SSO: the live session identifies the user; the MFA action (no condition) still runs, so
    // the new flow asks for a code at once.
    let (status, _) = authorize_with(&h, &p, &browser, &[]).await;
    assert_eq!(status, "OTP_REQUIRED");
    let id_token = tokens["id_token"].as_str().unwrap();
    // An unregistered post-logout URI is refused, and ends nothing.
    let refused = h
        .http
        .get(h.auth("as/signoff"))
        .query(&[("id_token_hint", id_token), ("post_logout_redirect_uri", "https://evil.example.test/")])
        .header("cookie", browser.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(authorize_with(&h, &p, &browser, &[]).await.0, "OTP_REQUIRED");
    // Sign off: the redirect carries the state; the ST cookie is cleared.
    let signed_off = h
        .http
        .get(h.auth("as/signoff"))
        .query(&[("id_token_hint", id_token), ("post_logout_redirect_uri", LOGGED_OUT), ("state", "bye-1")])
        .header("cookie", browser.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(signed_off.status(), 302);
    let location = signed_off.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("{LOGGED_OUT}?state=bye-1"));
    let cleared = signed_off.headers().get_all(SET_COOKIE).iter().any(|c| c.to_str().unwrap().starts_with("ST=;"));
    assert!(cleared, "the ST cookie is cleared");
    // The same cookies again: the session is gone, so the flow starts at the first step.
    let (status, _) = authorize_with(&h, &p, &browser, &[]).await;
    assert_eq!(status, "SIGN_ON_REQUIRED");
}

#[tokio::test]
async fn sign_off_checks_the_hint_against_the_session() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let (browser, tokens) = signed_on(&h, &p).await;
    let other = provision(
        &h,
        &Options {
            username: "grace.example".into(),
            email: "grace@example.test".into(),
            name_suffix: "-2".into(),
            ..Options::default()
        },
    )
    .await;
    let (_, mut s) = h.authorize(&other.app_id).await;
    h.flow_post(&mut s, "user.lookup", json!({ "username": "grace.example" })).await;
    let otp = h.env.outbox().next_for("grace@example.test", Duration::from_secs(2)).await.unwrap().otp().to_owned();
    h.flow_post(&mut s, "otp.check", json!({ "otp": otp })).await;
    let code = query_of(&h.resume(&s).await.location())["code"].clone();
    let secret = h.secret(&other.app_id).await;
    let grace = h.exchange(&other.app_id, &secret, &code, Some(VERIFIER), REDIRECT).await.body;
    // Grace's ID token with Ada's session cookie: refused.
    let mismatch = h
        .http
        .get(h.auth("as/signoff"))
        .query(&[("id_token_hint", grace["id_token"].as_str().unwrap())])
        .header("cookie", browser.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(mismatch.status(), 400);
    // A hint of another issuer, and a post-logout URI without a hint: refused.
    let forged = pingone_sim::SigningKey::generate().unwrap().sign(&json!({ "iss": "x" })).unwrap();
    let bad = h.http.get(h.auth("as/signoff")).query(&[("id_token_hint", forged.as_str())]).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let no_hint = h.http.get(h.auth("as/signoff")).query(&[("post_logout_redirect_uri", LOGGED_OUT)]).send().await;
    assert_eq!(no_hint.unwrap().status(), 400);
    // Without the cookie, nothing is ended (the hint alone names no session).
    let hint_only = h
        .http
        .get(h.auth("as/signoff"))
        .query(&[("id_token_hint", tokens["id_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(hint_only.status(), 200);
    assert_eq!(authorize_with(&h, &p, &browser, &[]).await.0, "OTP_REQUIRED");
}

#[tokio::test]
async fn single_sign_on_skips_actions_whose_condition_says_the_session_is_recent() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    // The MFA action runs only if the last e-mail sign-on is more than 10 minutes old.
    let actions = h.get(&format!("signOnPolicies/{}/actions", p.policy_id)).await.body;
    let mut action = actions["_embedded"]["actions"][0].as_object().unwrap().clone();
    let action_id = action["id"].as_str().unwrap().to_owned();
    for computed in ["id", "_links", "environment", "createdAt", "updatedAt", "signOnPolicy"] {
        action.remove(computed);
    }
    action.insert(
        "condition".into(),
        json!({ "secondsSince": "${session.lastSignOn.withAuthenticator.email.at}", "greater": 600 }),
    );
    let put = h
        .put(&format!("signOnPolicies/{}/actions/{action_id}", p.policy_id), "application/json", Value::Object(action))
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let (browser, _) = signed_on(&h, &p).await;
    // Within 10 minutes: completed at authorize, straight to resume.
    let (status, location) = authorize_with(&h, &p, &browser, &[]).await;
    assert_eq!(status, "COMPLETED");
    assert!(location.contains("/as/resume?flowId="), "{location}");
    // prompt=login asks for a full sign-on anyway.
    assert_eq!(authorize_with(&h, &p, &browser, &[("prompt", "login")]).await.0, "SIGN_ON_REQUIRED");
    // Later than 10 minutes: the action runs again, for the user the session names.
    h.sim.controls().advance_clock(Duration::from_secs(601));
    assert_eq!(authorize_with(&h, &p, &browser, &[]).await.0, "OTP_REQUIRED");
}

#[tokio::test]
async fn single_sign_on_completes_with_the_sessions_authentication() {
    let h = Harness::start().await;
    let p = provision(&h, &Options::default()).await;
    let actions = h.get(&format!("signOnPolicies/{}/actions", p.policy_id)).await.body;
    let mut action = actions["_embedded"]["actions"][0].as_object().unwrap().clone();
    let action_id = action["id"].as_str().unwrap().to_owned();
    for computed in ["id", "_links", "environment", "createdAt", "updatedAt", "signOnPolicy"] {
        action.remove(computed);
    }
    action.insert("condition".into(), json!({ "secondsSince": "${session.lastSignOn.at}", "greater": 3600 }));
    h.put(&format!("signOnPolicies/{}/actions/{action_id}", p.policy_id), "application/json", Value::Object(action))
        .await;
    let (browser, first) = signed_on(&h, &p).await;
    h.sim.controls().advance_clock(Duration::from_secs(60));
    let (status, location) = authorize_with(&h, &p, &browser, &[]).await;
    assert_eq!(status, "COMPLETED");
    let flow_id = query_of(&location)["flowId"].clone();
    let resumed = h
        .http
        .get(h.auth("as/resume"))
        .query(&[("flowId", flow_id.as_str())])
        .header("cookie", browser.cookie_header())
        .send()
        .await
        .unwrap();
    let code = query_of(resumed.headers()["location"].to_str().unwrap())["code"].clone();
    let secret = h.secret(&p.app_id).await;
    let again = h.exchange(&p.app_id, &secret, &code, Some(VERIFIER), REDIRECT).await;
    assert_eq!(again.status, 200, "{}", again.body);
    let decode = |t: &Value| -> Value {
        let payload = t.as_str().unwrap().split('.').nth(1).unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    let (before, after) = (decode(&first["id_token"]), decode(&again.body["id_token"]));
    assert_eq!(after["amr"], before["amr"], "the session's methods");
    assert_eq!(after["auth_time"], before["auth_time"], "the session's authentication time");
    assert_eq!(after["sid"], before["sid"], "the same session");
}

#[tokio::test]
async fn sso_off_ignores_the_session() {
    let h = Harness::with(pingone_sim::SimConfig { sso: pingone_sim::SsoMode::Off, ..Default::default() }).await;
    let p = provision(&h, &Options::default()).await;
    let (browser, _) = signed_on(&h, &p).await;
    assert_eq!(authorize_with(&h, &p, &browser, &[]).await.0, "SIGN_ON_REQUIRED");
}

/// A DER element: (tag, content, rest).
fn der(bytes: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = bytes[0];
    let (len, header) = match bytes[1] {
        n if n < 0x80 => (usize::from(n), 2),
        n => {
            let count = usize::from(n & 0x7f);
            (bytes[2..2 + count].iter().fold(0, |acc, b| (acc << 8) | usize::from(*b)), 2 + count)
        }
    };
    (tag, &bytes[header..header + len], &bytes[header + len..])
}

#[tokio::test]
async fn jwks_keys_carry_a_self_signed_certificate_of_the_signing_key() {
    let h = Harness::start().await;
    let jwks = h.send(Method::GET, &h.auth("as/jwks"), None, None, None).await.body;
    let key = &jwks["keys"][0];
    for member in ["kty", "kid", "use", "n", "e", "x5c", "x5t", "x5t#S256"] {
        assert!(key.get(member).is_some(), "{member}: {key}");
    }
    let cert = base64::engine::general_purpose::STANDARD.decode(key["x5c"][0].as_str().unwrap()).unwrap();
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let sha1 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &cert);
    let sha256 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &cert);
    assert_eq!(key["x5t"], url.encode(sha1.as_ref()));
    assert_eq!(key["x5t#S256"], url.encode(sha256.as_ref()));
    // Certificate ::= SEQUENCE { tbs, algorithm, signature BIT STRING }.
    let (tag, certificate, rest) = der(&cert);
    assert_eq!((tag, rest.len()), (0x30, 0));
    let tbs_len = cert.len() - certificate.len();
    let (_, _, after_tbs) = der(certificate);
    let tbs = &cert[tbs_len..tbs_len + certificate.len() - after_tbs.len()];
    let (_, _, after_alg) = der(after_tbs);
    let (tag, signature, _) = der(after_alg);
    assert_eq!(tag, 0x03);
    // The key in the certificate is the JWK's: the signature verifies with n and e.
    let n = url.decode(key["n"].as_str().unwrap()).unwrap();
    let e = url.decode(key["e"].as_str().unwrap()).unwrap();
    let public = aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e };
    public.verify(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256, tbs, &signature[1..]).unwrap();
    // tbs: version, serial, algorithm, issuer, validity, subject, subjectPublicKeyInfo.
    let (_, mut fields, _) = der(tbs);
    for _ in 0..6 {
        fields = der(fields).2;
    }
    let (_, spki, _) = der(fields);
    let (_, _, after_algorithm) = der(spki);
    let (_, bits, _) = der(after_algorithm);
    let (_, rsa_key, _) = der(&bits[1..]);
    let (_, modulus, after_modulus) = der(rsa_key);
    let (_, exponent, _) = der(after_modulus);
    let strip = |b: &[u8]| b.iter().copied().skip_while(|x| *x == 0).collect::<Vec<u8>>();
    assert_eq!((strip(modulus), strip(exponent)), (n, e));
}

#[tokio::test]
async fn every_url_discovery_advertises_is_served() {
    let h = Harness::start().await;
    let discovery = h.send(Method::GET, &h.auth("as/.well-known/openid-configuration"), None, None, None).await.body;
    let urls: Vec<&str> = discovery
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "issuer")
        .filter_map(|(_, v)| v.as_str())
        .filter(|v| v.starts_with("http"))
        .collect();
    assert!(urls.len() >= 5, "{urls:?}");
    for url in urls {
        let reply = h.send(Method::GET, url, None, None, None).await;
        assert_ne!(reply.status, 404, "GET {url}");
    }
    for key in ["userinfo_endpoint", "end_session_endpoint"] {
        assert!(discovery[key].is_string(), "{key} is served, so it is advertised");
    }
}
