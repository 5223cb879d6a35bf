//! Issue #17 end to end: tokens, userinfo (its `sub` checked against the ID token's), sign-off
//! from the server with the session cookie the sign-on left, and the proof that PingOne's
//! session ended: the same cookies at authorize start at the first step again.

use std::time::Duration;

use crate::support::*;
use base64::Engine as _;
use pingone_core::{ApiRequest, Method, Url};
use pingone_flow::{AfterUsername, FlowError, OtpOutcome, Recovery, Tokens};
use pingone_sim::SimConfig;

const LOGGED_OUT: &str = "https://app.example.test/logged-out";

async fn signed_on(w: &World) -> Tokens {
    let next = w.client.authorize().await.unwrap().submit_username(&w.client, USER).await.unwrap().next().unwrap();
    let AfterUsername::OtpRequired(state) = next else { panic!("{next:?}") };
    let otp = w.otp().await;
    let OtpOutcome::Completed(done) = state.submit_otp(&w.client, &otp).await.unwrap() else { panic!() };
    done.finish(&w.client).await.unwrap()
}

/// An authorize with `response_mode=pi.flow` carrying the cookies the sign-on left (a browser
/// coming back): the status the new flow starts at.
async fn status_of_a_new_flow_with(w: &World, tokens: &Tokens) -> String {
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref());
    let mut url = Url::parse(&format!("{}/{}/as/authorize", w.sim.auth_base(), w.sim.environment_id())).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("response_mode", "pi.flow")
        .append_pair("client_id", w.provisioned.client_id.as_str())
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", "openid")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let cookies = pingone_flow::internal::session_cookie_header(tokens, &url);
    assert!(cookies.contains("ST="), "the sign-on left PingOne's session cookie");
    let request = ApiRequest::new("authorize again", Method::GET, url).cookies(&cookies).unwrap();
    let response = http().execute(&request).await.unwrap().error_for_status().unwrap();
    let flow: serde_json::Value = response.json().unwrap();
    flow["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn tokens_then_userinfo_then_sign_off_and_the_next_authorize_starts_over() {
    let w = World::with(SimConfig::default(), spec().with_post_logout_redirect_uri(LOGGED_OUT)).await;
    let tokens = signed_on(&w).await;
    // Userinfo: the same user as the ID token.
    let info = w.client.userinfo(&tokens).await.unwrap();
    assert_eq!(info.sub, tokens.claims.sub);
    assert_eq!(info.email.as_deref(), Some(EMAIL));
    assert_eq!(info.preferred_username.as_deref(), Some(USER));
    // The session is alive: a new flow with the same cookies knows the user and asks for the
    // code straight away.
    assert_eq!(status_of_a_new_flow_with(&w, &tokens).await, "OTP_REQUIRED");
    // Sign off from the server.
    let signed_off = w.client.sign_off(&tokens, Some(LOGGED_OUT), Some("bye")).await.unwrap();
    let redirect = signed_off.redirect.unwrap();
    assert_eq!(redirect.as_str(), format!("{LOGGED_OUT}?state=bye"));
    // The same cookies again: the session is gone, the flow starts at the first step.
    assert_eq!(status_of_a_new_flow_with(&w, &tokens).await, "SIGN_ON_REQUIRED");
}

#[tokio::test]
async fn sign_off_without_a_post_logout_uri_answers_pingones_page() {
    let w = World::new().await;
    let tokens = signed_on(&w).await;
    let signed_off = w.client.sign_off(&tokens, None, None).await.unwrap();
    assert!(signed_off.redirect.is_none());
    assert_eq!(status_of_a_new_flow_with(&w, &tokens).await, "SIGN_ON_REQUIRED");
}

#[tokio::test]
async fn an_unregistered_post_logout_uri_is_refused_and_ends_nothing() {
    let w = World::new().await;
    let tokens = signed_on(&w).await;
    let err = w.client.sign_off(&tokens, Some("https://evil.example.test/"), None).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert_eq!(status_of_a_new_flow_with(&w, &tokens).await, "OTP_REQUIRED");
}

#[tokio::test]
async fn the_sign_off_url_is_for_a_browser_that_holds_the_session() {
    let w = World::new().await;
    let tokens = signed_on(&w).await;
    let url = w.client.sign_off_url(&tokens.id_token, Some(LOGGED_OUT), Some("s-1"));
    assert_eq!(url.path(), format!("/{}/as/signoff", w.sim.environment_id()));
    let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    assert_eq!(pairs[0], ("id_token_hint".into(), tokens.id_token.secret().to_owned()));
    assert_eq!(pairs[1..], [("post_logout_redirect_uri".into(), LOGGED_OUT.into()), ("state".into(), "s-1".into())]);
}

#[tokio::test]
async fn userinfo_with_an_expired_access_token_is_a_401_to_start_over_from() {
    let w = World::new().await;
    let tokens = signed_on(&w).await;
    w.sim.controls().advance_clock(Duration::from_secs(3601));
    let err = w.client.userinfo(&tokens).await.unwrap_err();
    let FlowError::Http(inner) = &err else { panic!("{err}") };
    assert_eq!(inner.status(), Some(401));
    assert_eq!(inner.oauth_error(), Some("invalid_token"));
    assert_eq!(err.recovery(), Recovery::StartOver);
    assert!(!err.to_string().contains(tokens.access_token.secret()));
}
