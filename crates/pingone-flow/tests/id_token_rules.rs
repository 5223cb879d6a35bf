//! The ID-token rules of OIDC Core 3.1.3.7 (`aud`, `azp`, `nbf`, `auth_time` with `max_age`,
//! `iat` age) and the MFA requirement (`amr`, `acr`), checked at the token exchange against
//! httpmock with keys of the test's own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod support;

use std::time::Duration;

use pingone_flow::{FlowError, IdTokenError};
use serde_json::json;
use support::{CLIENT_ID, Rig, keys};

fn id_token_error(result: Result<pingone_flow::Tokens, FlowError>) -> IdTokenError {
    match result {
        Err(FlowError::IdToken(e)) => e,
        Err(other) => panic!("expected an ID-token error, got {other}"),
        Ok(tokens) => panic!("the ID token was accepted: {:?}", tokens.claims),
    }
}

#[tokio::test]
async fn aud_with_untrusted_extra_audience_is_refused() {
    let rig = Rig::new(|c| c).await;
    let _jwks = rig.jwks_mock(None).await;
    let key = &keys()[0];
    // The audit's token: an extra audience, and `azp` naming it.
    let err = id_token_error(
        rig.sign_on(key, |c| {
            c["aud"] = json!([CLIENT_ID, "evil"]);
            c["azp"] = json!("evil");
        })
        .await,
    );
    assert_eq!(err, IdTokenError::UntrustedAudience("evil".into()));
    // Even with `azp` naming this client, an audience it does not trust is refused.
    let err = id_token_error(
        rig.sign_on(key, |c| {
            c["aud"] = json!(["evil", CLIENT_ID]);
            c["azp"] = json!(CLIENT_ID);
        })
        .await,
    );
    assert_eq!(err, IdTokenError::UntrustedAudience("evil".into()));
    // And `aud` must still name the client.
    let err = id_token_error(rig.sign_on(key, |c| c["aud"] = json!(["evil"])).await);
    assert_eq!(err, IdTokenError::WrongAudience);
    let err = id_token_error(rig.sign_on(key, |c| c["aud"] = json!([])).await);
    assert_eq!(err, IdTokenError::WrongAudience);
}

#[tokio::test]
async fn azp_other_than_the_client_is_refused() {
    let rig = Rig::new(|c| c).await;
    let _jwks = rig.jwks_mock(None).await;
    let err = id_token_error(rig.sign_on(&keys()[0], |c| c["azp"] = json!("evil")).await);
    assert_eq!(err, IdTokenError::AuthorizedPartyMismatch { azp: Some("evil".into()) });
    // `azp` equal to the client ID, with a single audience, is fine.
    let tokens = rig.sign_on(&keys()[0], |c| c["azp"] = json!(CLIENT_ID)).await.unwrap();
    assert_eq!(tokens.claims.azp.as_deref(), Some(CLIENT_ID));
}

#[tokio::test]
async fn trusted_extra_audience_needs_azp_equal_to_the_client() {
    let rig = Rig::new(|c| c.with_trusted_audiences(["https://api.example.test"])).await;
    let _jwks = rig.jwks_mock(None).await;
    let key = &keys()[0];
    let two = json!([CLIENT_ID, "https://api.example.test"]);
    let err = id_token_error(rig.sign_on(key, |c| c["aud"] = two.clone()).await);
    assert_eq!(err, IdTokenError::AuthorizedPartyMismatch { azp: None }, "several audiences without azp");
    let err = id_token_error(
        rig.sign_on(key, |c| {
            c["aud"] = two.clone();
            c["azp"] = json!("https://api.example.test");
        })
        .await,
    );
    assert_eq!(err, IdTokenError::AuthorizedPartyMismatch { azp: Some("https://api.example.test".into()) });
    let tokens = rig
        .sign_on(key, |c| {
            c["aud"] = two.clone();
            c["azp"] = json!(CLIENT_ID);
        })
        .await
        .unwrap();
    assert_eq!(tokens.claims.aud, [CLIENT_ID, "https://api.example.test"]);
    // Trusting one extra audience does not trust another.
    let err = id_token_error(
        rig.sign_on(key, |c| {
            c["aud"] = json!([CLIENT_ID, "https://api.example.test", "evil"]);
            c["azp"] = json!(CLIENT_ID);
        })
        .await,
    );
    assert_eq!(err, IdTokenError::UntrustedAudience("evil".into()));
}

#[tokio::test]
async fn nbf_in_the_future_is_refused_with_leeway_and_the_injected_clock() {
    let rig = Rig::new(|c| c.with_leeway(Duration::from_secs(60))).await;
    let _jwks = rig.jwks_mock(None).await;
    let key = &keys()[0];
    let year = 365 * 24 * 3600;
    let err = id_token_error(rig.sign_on(key, |c| c["nbf"] = json!(c["iat"].as_u64().unwrap() + year)).await);
    assert_eq!(err, IdTokenError::NotYetValid);
    // Within the leeway: accepted.
    let tokens = rig.sign_on(key, |c| c["nbf"] = json!(c["iat"].as_u64().unwrap() + 50)).await.unwrap();
    assert!(tokens.claims.nbf.is_some());
    // Beyond the leeway by the client's clock (not the system's): refused, then accepted once
    // the injected clock reaches it.
    let pending = rig.pending().await;
    let mut claims = rig.claims(&pending);
    let nbf = rig.now() + 600;
    claims["nbf"] = json!(nbf);
    claims["exp"] = json!(nbf + 300);
    let token = key.sign(&claims);
    assert_eq!(id_token_error(rig.exchange(pending, token.clone()).await), IdTokenError::NotYetValid);
    rig.clock.advance(Duration::from_secs(600));
    let pending = rig.pending().await;
    claims["nonce"] = json!(pending.nonce);
    rig.exchange(pending, key.sign(&claims)).await.unwrap();
}

#[tokio::test]
async fn max_age_is_sent_on_authorize_and_requires_a_recent_auth_time() {
    let rig = Rig::new(|c| c.with_max_age(Duration::from_secs(300)).with_leeway(Duration::from_secs(10))).await;
    let _jwks = rig.jwks_mock(None).await;
    let key = &keys()[0];
    let err = id_token_error(
        rig.sign_on(key, |c| {
            c.as_object_mut().unwrap().remove("auth_time");
        })
        .await,
    );
    assert_eq!(rig.sent("max_age").as_deref(), Some("300"));
    assert_eq!(err, IdTokenError::MissingClaim("auth_time".into()));
    let err = id_token_error(rig.sign_on(key, |c| c["auth_time"] = json!(c["iat"].as_u64().unwrap() - 311)).await);
    assert_eq!(err, IdTokenError::AuthenticationTooOld);
    let err = id_token_error(rig.sign_on(key, |c| c["auth_time"] = json!(c["iat"].as_u64().unwrap() + 3600)).await);
    assert_eq!(err, IdTokenError::AuthenticatedInFuture);
    let tokens = rig.sign_on(key, |c| c["auth_time"] = json!(c["iat"].as_u64().unwrap() - 305)).await.unwrap();
    assert!(tokens.claims.auth_time.is_some(), "within max_age plus the leeway");

    // Without `with_max_age`, nothing is sent and `auth_time` is optional.
    let plain = Rig::new(|c| c).await;
    let _jwks = plain.jwks_mock(None).await;
    plain
        .sign_on(key, |c| {
            c.as_object_mut().unwrap().remove("auth_time");
        })
        .await
        .unwrap();
    assert_eq!(plain.sent("max_age"), None);
}

#[tokio::test]
async fn max_id_token_age_refuses_an_old_iat() {
    let rig = Rig::new(|c| c.with_max_id_token_age(Duration::from_secs(120))).await;
    let _jwks = rig.jwks_mock(None).await;
    let key = &keys()[0];
    let err = id_token_error(rig.sign_on(key, |c| c["iat"] = json!(c["iat"].as_u64().unwrap() - 3600)).await);
    assert_eq!(err, IdTokenError::IssuedTooLongAgo);
    rig.sign_on(key, |c| c["iat"] = json!(c["iat"].as_u64().unwrap() - 100)).await.unwrap();
}

#[tokio::test]
async fn require_mfa_refuses_a_sign_on_without_otp_in_amr() {
    let rig = Rig::new(|c| c.require_mfa()).await;
    let _jwks = rig.jwks_mock(None).await;
    let key = &keys()[0];
    let err = id_token_error(rig.sign_on(key, |c| c["amr"] = json!(["pwd"])).await);
    assert_eq!(err, IdTokenError::MissingAuthenticationMethod { required: "otp".into(), amr: vec!["pwd".into()] });
    let err = id_token_error(
        rig.sign_on(key, |c| {
            c.as_object_mut().unwrap().remove("amr");
        })
        .await,
    );
    assert_eq!(err, IdTokenError::MissingAuthenticationMethod { required: "otp".into(), amr: vec![] });
    let tokens = rig.sign_on(key, |c| c["amr"] = json!(["pwd", "otp"])).await.unwrap();
    assert_eq!(tokens.claims.amr, ["pwd", "otp"]);
    rig.sign_on(key, |_| {}).await.unwrap();
}

/// The default is opt-in: a client without `require_mfa` accepts a sign-on that PingOne's
/// policy completed without MFA (a user with MFA disabled), as the simulator tests expect.
#[tokio::test]
async fn mfa_is_not_required_unless_asked_for() {
    let rig = Rig::new(|c| c).await;
    let _jwks = rig.jwks_mock(None).await;
    let tokens = rig.sign_on(&keys()[0], |c| c["amr"] = json!([])).await.unwrap();
    assert!(tokens.claims.amr.is_empty());
}

#[tokio::test]
async fn acr_values_are_sent_and_the_token_acr_must_be_one_of_them() {
    let rig = Rig::new(|c| c.with_acr_values(["Email_MFA", "Email_MFA_Strict"])).await;
    let _jwks = rig.jwks_mock(None).await;
    let key = &keys()[0];
    let err = id_token_error(rig.sign_on(key, |c| c["acr"] = json!("Single_Factor")).await);
    assert_eq!(rig.sent("acr_values").as_deref(), Some("Email_MFA Email_MFA_Strict"));
    let requested = vec!["Email_MFA".to_owned(), "Email_MFA_Strict".to_owned()];
    assert_eq!(err, IdTokenError::AcrMismatch { requested: requested.clone(), acr: Some("Single_Factor".into()) });
    let err = id_token_error(rig.sign_on(key, |_| {}).await);
    assert_eq!(err, IdTokenError::AcrMismatch { requested, acr: None });
    let tokens = rig.sign_on(key, |c| c["acr"] = json!("Email_MFA_Strict")).await.unwrap();
    assert_eq!(tokens.claims.acr.as_deref(), Some("Email_MFA_Strict"));
}

#[tokio::test]
async fn openid_is_always_requested_so_requirements_are_always_checked() {
    // An app configured without `openid`: the scope is sent anyway, an ID token comes back, and
    // the MFA requirement is checked on it (never silently skipped).
    let rig = Rig::with_scopes(&["profile"], |c| c.require_mfa()).await;
    let _jwks = rig.jwks_mock(None).await;
    let err = id_token_error(rig.sign_on(&keys()[0], |c| c["amr"] = json!(["pwd"])).await);
    assert_eq!(rig.sent("scope").as_deref(), Some("openid profile"));
    assert_eq!(err, IdTokenError::MissingAuthenticationMethod { required: "otp".into(), amr: vec!["pwd".into()] });
}
