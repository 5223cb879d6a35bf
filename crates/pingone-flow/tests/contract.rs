//! Contract tests for steps 14–18 and 20 against httpmock: exact query parameters and media
//! types, the authorize cookies carried to every later call, no redirect followed; request
//! bodies as insta snapshots (secrets redacted). Then every failure the flow must type.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use httpmock::prelude::*;
use pingone_core::{ClientAuth, ClientSecret, Endpoints, HttpClient, Operation, Otp, Step};
use pingone_flow::{
    AfterUsername, Completed, FlowError, FlowStatus, IdTokenError, OidcApp, OtpOutcome, Resumed, SignOnClient,
};
use pingone_sim::SigningKey;
use serde_json::{Value, json};

const ENV: &str = "7d2c1a4e-5b3f-4c8e-9a61-2f0e8b3d4c11";
const FLOW: &str = "flow-1";
const REDIRECT: &str = "https://app.example.test/callback";
const COOKIES: &str = "interactionId=flow-1; interactionToken=cookie-secret-value";

type Shared<T> = Arc<Mutex<T>>;

struct Rig {
    server: MockServer,
    client: SignOnClient,
    authorize_query: Shared<BTreeMap<String, String>>,
    key: SigningKey,
}

fn flow_body(status: &str, links: &[&str]) -> Value {
    let mut l = serde_json::Map::new();
    l.insert("self".into(), json!({ "href": "x" }));
    for link in links {
        l.insert((*link).into(), json!({ "href": "x" }));
    }
    json!({ "id": FLOW, "status": status, "_links": l,
        "_embedded": { "devices": [{ "id": "dev-1", "type": "EMAIL", "email": "a***@example.test" }], "selectedDevice": { "id": "dev-1" } } })
}

fn key() -> SigningKey {
    static KEY: std::sync::OnceLock<SigningKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate().unwrap()).clone()
}

impl Rig {
    async fn new(auth: ClientAuth) -> Self {
        let server = MockServer::start_async().await;
        let endpoints = Endpoints::custom(&server.url("/v1"), &server.base_url()).unwrap();
        let app = OidcApp::new("client-1", REDIRECT, &["openid", "profile", "email"], auth);
        let client = SignOnClient::new(HttpClient::new().unwrap(), endpoints, ENV.parse().unwrap(), app);
        Self { server, client, authorize_query: Arc::default(), key: key() }
    }

    fn path(&self, rest: &str) -> String {
        format!("/{ENV}/{rest}")
    }

    async fn authorize_mock(&self, location: &str) {
        let sink = Arc::clone(&self.authorize_query);
        let location = location.to_owned();
        self.server
            .mock_async(move |when, then| {
                when.method(GET).path(format!("/{ENV}/as/authorize")).header_missing("cookie").is_true(move |req| {
                    *sink.lock().unwrap() = req.query_params().into_iter().collect();
                    true
                });
                then.status(302)
                    .header("location", location)
                    .header("set-cookie", "interactionId=flow-1; Path=/; HttpOnly")
                    .header("set-cookie", "interactionToken=cookie-secret-value; Path=/; HttpOnly");
            })
            .await;
    }

    async fn standard_authorize(&self) {
        let location = format!("{}/{ENV}/signon/?flowId={FLOW}", self.server.base_url());
        self.authorize_mock(&location).await;
    }

    async fn flow_get(&self, status: &str, links: &[&str]) -> httpmock::Mock<'_> {
        let body = flow_body(status, links);
        self.server
            .mock_async(|when, then| {
                when.method(GET).path(self.path(&format!("flows/{FLOW}"))).header("cookie", COOKIES);
                then.status(200).header("content-type", "application/json").body(body.to_string());
            })
            .await
    }

    async fn flow_post(&self, action: &str, status: u16, body: Value) -> (httpmock::Mock<'_>, Shared<Vec<String>>) {
        let captured: Shared<Vec<String>> = Arc::default();
        let sink = Arc::clone(&captured);
        let mock = self
            .server
            .mock_async(move |when, then| {
                when.method(POST)
                    .path(format!("/{ENV}/flows/{FLOW}"))
                    .header("content-type", format!("application/vnd.pingidentity.{action}+json"))
                    .header("cookie", COOKIES)
                    .is_true(move |req| {
                        sink.lock().unwrap().push(req.body_string());
                        true
                    });
                then.status(status).header("content-type", "application/json").body(body.to_string());
            })
            .await;
        (mock, captured)
    }

    fn sent(&self, name: &str) -> String {
        self.authorize_query.lock().unwrap().get(name).cloned().unwrap_or_default()
    }

    async fn resume_mock(&self, location: String) -> httpmock::Mock<'_> {
        self.server
            .mock_async(|when, then| {
                when.method(GET).path(self.path("as/resume")).query_param("flowId", FLOW).header("cookie", COOKIES);
                then.status(302).header("location", location);
            })
            .await
    }

    async fn discovery(&self) -> (httpmock::Mock<'_>, httpmock::Mock<'_>) {
        let issuer = format!("{}/{ENV}/as", self.server.base_url());
        let discovery = self
            .server
            .mock_async(|when, then| {
                when.method(GET).path(self.path("as/.well-known/openid-configuration"));
                then.status(200).body(json!({ "issuer": issuer, "jwks_uri": format!("{issuer}/jwks") }).to_string());
            })
            .await;
        let jwk = self.key.jwk().unwrap();
        let jwks = self
            .server
            .mock_async(|when, then| {
                when.method(GET).path(self.path("as/jwks"));
                then.status(200).body(json!({ "keys": [jwk] }).to_string());
            })
            .await;
        (discovery, jwks)
    }

    fn claims(&self) -> Value {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        json!({ "iss": format!("{}/{ENV}/as", self.server.base_url()), "sub": "user-1", "aud": "client-1", "iat": now, "exp": now + 300,
            "auth_time": now, "nonce": self.sent("nonce"), "amr": ["otp"] })
    }

    async fn token_mock(
        &self,
        status: u16,
        body: Value,
    ) -> (httpmock::Mock<'_>, Shared<Vec<(String, String, Option<String>)>>) {
        let captured: Shared<Vec<(String, String, Option<String>)>> = Arc::default();
        let sink = Arc::clone(&captured);
        let mock = self
            .server
            .mock_async(move |when, then| {
                when.method(POST)
                    .path(format!("/{ENV}/as/token"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .is_true(move |req| {
                        let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
                        sink.lock().unwrap().push((req.body_string(), String::new(), auth));
                        true
                    });
                then.status(status).header("content-type", "application/json").body(body.to_string());
            })
            .await;
        (mock, captured)
    }

    /// Steps 14-17 on the happy path.
    async fn completed(&self) -> Completed {
        self.standard_authorize().await;
        self.flow_get("SIGN_ON_REQUIRED", &["user.lookup", "session.reset"]).await;
        self.flow_post("user.lookup", 200, flow_body("OTP_REQUIRED", &["otp.check", "device.select"])).await;
        self.flow_post("otp.check", 200, flow_body("COMPLETED", &[])).await;
        let authorized = self.client.authorize().await.unwrap();
        let next = authorized.submit_username(&self.client, "ada.example").await.unwrap().next().unwrap();
        let AfterUsername::OtpRequired(state) = next else { panic!("{next:?}") };
        let OtpOutcome::Completed(done) = state.submit_otp(&self.client, &Otp::new("123456")).await.unwrap() else {
            panic!()
        };
        done
    }

    async fn resumed(&self) -> Resumed {
        let done = self.completed().await;
        self.resume_mock(format!("{REDIRECT}?code=code-secret-value&state={}", self.sent("state"))).await;
        done.resume(&self.client).await.unwrap()
    }
}

fn form(body: &str) -> BTreeMap<String, String> {
    reqwest_free_form(body)
}

fn reqwest_free_form(body: &str) -> BTreeMap<String, String> {
    pingone_core::Url::parse(&format!("x:?{body}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn steps_14_to_20_contract() {
    let rig = Rig::new(ClientAuth::SecretBasic(ClientSecret::new("client-secret-value"))).await;
    rig.standard_authorize().await;
    let read = rig.flow_get("SIGN_ON_REQUIRED", &["user.lookup", "session.reset"]).await;
    let (lookup, lookup_body) =
        rig.flow_post("user.lookup", 200, flow_body("OTP_REQUIRED", &["otp.check", "device.select"])).await;
    let (check, check_body) = rig.flow_post("otp.check", 200, flow_body("COMPLETED", &[])).await;

    // 14
    let authorized = rig.client.authorize().await.unwrap();
    assert_eq!(authorized.flow_id(), FLOW);
    let q = rig.authorize_query.lock().unwrap().clone();
    assert_eq!(
        q.keys().collect::<Vec<_>>(),
        [
            "client_id",
            "code_challenge",
            "code_challenge_method",
            "nonce",
            "redirect_uri",
            "response_type",
            "scope",
            "state"
        ]
    );
    assert_eq!(
        (q["response_type"].as_str(), q["client_id"].as_str(), q["redirect_uri"].as_str()),
        ("code", "client-1", REDIRECT)
    );
    assert_eq!((q["scope"].as_str(), q["code_challenge_method"].as_str()), ("openid profile email", "S256"));
    assert_eq!(q["code_challenge"].len(), 43);
    assert!(q["state"].len() >= 22 && q["nonce"].len() >= 22, "at least 128 bits each");
    assert_ne!(q["state"], q["nonce"]);
    // 15-16
    let submitted = authorized.submit_username(&rig.client, "ada.example").await.unwrap();
    read.assert_calls_async(1).await;
    lookup.assert_calls_async(1).await;
    insta::assert_json_snapshot!(
        "user_lookup",
        serde_json::from_str::<Value>(&lookup_body.lock().unwrap()[0]).unwrap()
    );
    let AfterUsername::OtpRequired(state) = submitted.next().unwrap() else { panic!() };
    // 17
    let OtpOutcome::Completed(done) = state.submit_otp(&rig.client, &Otp::new("123456")).await.unwrap() else {
        panic!()
    };
    check.assert_calls_async(1).await;
    let sent_otp: Value = serde_json::from_str(&check_body.lock().unwrap()[0]).unwrap();
    assert_eq!(sent_otp["otp"], "123456");
    insta::assert_json_snapshot!("otp_check", sent_otp, { ".otp" => "[otp]" });
    // 18
    let resume = rig.resume_mock(format!("{REDIRECT}?code=code-secret-value&state={}", rig.sent("state"))).await;
    let resumed = done.resume(&rig.client).await.unwrap();
    resume.assert_calls_async(1).await;
    // 20
    let (discovery, jwks) = rig.discovery().await;
    let id_token = rig.key.sign(&rig.claims()).unwrap();
    let (token, token_body) =
        rig.token_mock(200, json!({ "access_token": "access-secret-value", "token_type": "Bearer", "expires_in": 3600, "scope": "openid profile email", "id_token": id_token })).await;
    let tokens = resumed.exchange(&rig.client).await.unwrap();
    token.assert_calls_async(1).await;
    discovery.assert_calls_async(1).await;
    jwks.assert_calls_async(1).await;
    let (body, _, auth) = token_body.lock().unwrap()[0].clone();
    assert_eq!(auth.as_deref(), Some("Basic Y2xpZW50LTE6Y2xpZW50LXNlY3JldC12YWx1ZQ=="));
    let fields = form(&body);
    assert_eq!(fields["code"], "code-secret-value");
    assert_eq!(crate_challenge(&fields["code_verifier"]), q["code_challenge"], "the verifier matches the challenge");
    insta::assert_json_snapshot!("token_exchange_basic", fields, { ".code" => "[code]", ".code_verifier" => "[verifier]" });
    assert_eq!(tokens.claims.sub, "user-1");
}

fn crate_challenge(verifier: &str) -> String {
    use base64::Engine as _;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

#[tokio::test]
async fn client_secret_post_and_public_clients() {
    for (auth, name) in [
        (ClientAuth::SecretPost(ClientSecret::new("client-secret-value")), "token_exchange_post"),
        (ClientAuth::None, "token_exchange_none"),
    ] {
        let rig = Rig::new(auth).await;
        let resumed = rig.resumed().await;
        rig.discovery().await;
        let id_token = rig.key.sign(&rig.claims()).unwrap();
        let (_, body) =
            rig.token_mock(200, json!({ "access_token": "a", "token_type": "Bearer", "id_token": id_token })).await;
        resumed.exchange(&rig.client).await.unwrap();
        let (sent, _, auth) = body.lock().unwrap()[0].clone();
        assert_eq!(auth, None, "no Basic header");
        insta::assert_json_snapshot!(name, form(&sent), { ".code" => "[code]", ".code_verifier" => "[verifier]", ".client_secret" => "[secret]" });
    }
}

#[tokio::test]
async fn no_redirect_is_followed_and_unexpected_locations_are_refused() {
    let rig = Rig::new(ClientAuth::None).await;
    rig.authorize_mock("https://evil.example.test/signon/?flowId=flow-1").await;
    let err = rig.client.authorize().await.unwrap_err();
    assert!(
        matches!(err, FlowError::UnexpectedRedirect { operation: Operation::Step(Step::Authorize), ref location } if location == "https://evil.example.test/signon/"),
        "{err}"
    );
    let rig = Rig::new(ClientAuth::None).await;
    rig.authorize_mock(&format!("{}/{ENV}/signon/", rig.server.base_url())).await;
    assert!(matches!(
        rig.client.authorize().await.unwrap_err(),
        FlowError::Missing { what: "flowId in the Location", .. }
    ));
    let rig = Rig::new(ClientAuth::None).await;
    rig.authorize_mock(&format!("{REDIRECT}?error=invalid_scope&error_description=nope&state=x")).await;
    assert!(
        matches!(rig.client.authorize().await.unwrap_err(), FlowError::Authorization { ref error, .. } if error == "invalid_scope")
    );
}

#[tokio::test]
async fn resume_state_mismatch_error_redirect_and_foreign_host() {
    let rig = Rig::new(ClientAuth::None).await;
    let done = rig.completed().await;
    rig.resume_mock(format!("{REDIRECT}?code=c&state=forged")).await;
    assert!(matches!(done.resume(&rig.client).await.unwrap_err(), FlowError::StateMismatch));

    let rig = Rig::new(ClientAuth::None).await;
    let done = rig.completed().await;
    rig.resume_mock(format!("{REDIRECT}?error=access_denied&error_description=locked&state={}", rig.sent("state")))
        .await;
    let err = done.resume(&rig.client).await.unwrap_err();
    assert!(
        matches!(err, FlowError::Authorization { operation: Operation::Step(Step::Resume), ref error, ref description } if error == "access_denied" && description.as_deref() == Some("locked")),
        "{err}"
    );

    let rig = Rig::new(ClientAuth::None).await;
    let done = rig.completed().await;
    rig.resume_mock(format!("https://evil.example.test/callback?code=c&state={}", rig.sent("state"))).await;
    let err = done.resume(&rig.client).await.unwrap_err();
    assert!(matches!(err, FlowError::UnexpectedRedirect { operation: Operation::Step(Step::Resume), .. }), "{err}");
    assert!(!err.to_string().contains("code=c"), "the code is not printed: {err}");

    let rig = Rig::new(ClientAuth::None).await;
    let done = rig.completed().await;
    rig.resume_mock(format!("{REDIRECT}?state={}", rig.sent("state"))).await;
    assert!(matches!(
        done.resume(&rig.client).await.unwrap_err(),
        FlowError::Missing { what: "code on the redirect", .. }
    ));
}

#[tokio::test]
async fn token_error_is_typed() {
    let rig = Rig::new(ClientAuth::None).await;
    let resumed = rig.resumed().await;
    rig.token_mock(400, json!({ "error": "invalid_grant", "error_description": "code reused" })).await;
    let err = resumed.exchange(&rig.client).await.unwrap_err();
    let FlowError::Http(inner) = &err else { panic!("{err}") };
    assert_eq!(inner.oauth_error(), Some("invalid_grant"));
    assert_eq!(inner.step(), Some(Step::TokenExchange));
    assert_eq!(err.step(), Some(Step::TokenExchange));
}

async fn id_token_error(tamper: impl Fn(&Rig, &mut Value) -> Option<String>) -> FlowError {
    let rig = Rig::new(ClientAuth::None).await;
    let resumed = rig.resumed().await;
    rig.discovery().await;
    let mut claims = rig.claims();
    let token = tamper(&rig, &mut claims).unwrap_or_else(|| rig.key.sign(&claims).unwrap());
    rig.token_mock(200, json!({ "access_token": "a", "token_type": "Bearer", "id_token": token })).await;
    resumed.exchange(&rig.client).await.unwrap_err()
}

#[tokio::test]
async fn id_tokens_with_bad_signature_audience_nonce_or_expiry_are_rejected() {
    let other = SigningKey::generate().unwrap();
    // Signed by another key but claiming our key's kid.
    let err = id_token_error(|rig, claims| {
        let forged = other.sign(claims).unwrap();
        let genuine = rig.key.sign(claims).unwrap();
        let mut parts: Vec<&str> = genuine.split('.').collect();
        let forged_sig = forged.rsplit('.').next().unwrap();
        parts[2] = forged_sig;
        Some(parts.join("."))
    })
    .await;
    assert!(matches!(err, FlowError::IdToken(IdTokenError::BadSignature)), "{err}");
    let err = id_token_error(|_, c| {
        c["aud"] = json!("someone-else");
        None
    })
    .await;
    assert!(matches!(err, FlowError::IdToken(IdTokenError::WrongAudience)), "{err}");
    let err = id_token_error(|_, c| {
        c["nonce"] = json!("replayed-nonce");
        None
    })
    .await;
    assert!(matches!(err, FlowError::IdToken(IdTokenError::NonceMismatch)), "{err}");
    let err = id_token_error(|_, c| {
        c["exp"] = json!(1_000_000);
        c["iat"] = json!(999_000);
        None
    })
    .await;
    assert!(matches!(err, FlowError::IdToken(IdTokenError::Expired)), "{err}");
    let err = id_token_error(|_, c| {
        c["iss"] = json!("https://evil.example.test/as");
        None
    })
    .await;
    assert!(matches!(err, FlowError::IdToken(IdTokenError::WrongIssuer { .. })), "{err}");
    // Signed by a key the JWKS does not have: the JWKS is refetched once, then refused.
    let err = id_token_error(|_, c| Some(other.sign(c).unwrap())).await;
    assert!(matches!(err, FlowError::IdToken(IdTokenError::UnknownKey(_))), "{err}");
    // alg=none.
    let err = id_token_error(|_, c| {
        use base64::Engine as _;
        let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        Some(format!("{}.{}.", b64(&json!({ "alg": "none", "typ": "JWT" })), b64(c)))
    })
    .await;
    assert!(
        matches!(err, FlowError::IdToken(IdTokenError::Malformed(_) | IdTokenError::UnexpectedAlgorithm(_))),
        "{err}"
    );
}

#[tokio::test]
async fn unknown_status_and_failed_flow_keep_their_text() {
    let rig = Rig::new(ClientAuth::None).await;
    rig.standard_authorize().await;
    rig.flow_get("SIGN_ON_REQUIRED", &["user.lookup"]).await;
    rig.flow_post("user.lookup", 200, flow_body("PUSH_CONFIRMATION_REQUIRED", &[])).await;
    let submitted = rig.client.authorize().await.unwrap().submit_username(&rig.client, "ada").await.unwrap();
    let err = submitted.next().unwrap_err();
    assert!(
        matches!(err, FlowError::UnexpectedStatus { status: FlowStatus::Unknown(ref s), .. } if s == "PUSH_CONFIRMATION_REQUIRED"),
        "{err}"
    );
    assert!(err.to_string().contains("PUSH_CONFIRMATION_REQUIRED"));

    let rig = Rig::new(ClientAuth::None).await;
    rig.standard_authorize().await;
    rig.flow_get("USERNAME_PASSWORD_REQUIRED", &["usernamePassword.check"]).await;
    let err = rig.client.authorize().await.unwrap().submit_username(&rig.client, "ada").await.unwrap_err();
    assert!(
        matches!(
            err,
            FlowError::ActionNotOffered { action: "user.lookup", status: FlowStatus::UsernamePasswordRequired, .. }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn flow_404_is_expired() {
    let rig = Rig::new(ClientAuth::None).await;
    rig.standard_authorize().await;
    rig.server
        .mock_async(|when, then| {
            when.method(GET).path(format!("/{ENV}/flows/{FLOW}"));
            then.status(404).body(r#"{"id":"e","code":"NOT_FOUND","message":"gone"}"#);
        })
        .await;
    // Fifteen minutes after PingOne last answered, a 404 is an expired flow...
    let clock = pingone_core::ManualClock::starting_now();
    let client = rig.client.clone().with_clock(Arc::new(clock.clone()));
    let authorized = client.authorize().await.unwrap();
    clock.advance(Duration::from_secs(15 * 60 + 1));
    let err = authorized.submit_username(&client, "ada").await.unwrap_err();
    assert!(matches!(err, FlowError::Expired { operation: Operation::Step(Step::ReadFlow) }), "{err}");
    // ...sooner, the flow was finished by another copy of the stage.
    let err = client.authorize().await.unwrap().submit_username(&client, "ada").await.unwrap_err();
    assert!(
        matches!(err, FlowError::StaleStage { operation: Operation::Step(Step::ReadFlow), current: None }),
        "{err}"
    );
}

#[tokio::test]
async fn states_debug_shows_flow_and_status_only() {
    let rig = Rig::new(ClientAuth::SecretBasic(ClientSecret::new("client-secret-value"))).await;
    let resumed = rig.resumed().await;
    let printed = format!("{resumed:?} {:?}", rig.client);
    assert!(printed.contains("flow-1") && printed.contains("COMPLETED"), "{printed}");
    for secret in
        ["code-secret-value", "cookie-secret-value", "client-secret-value", &rig.sent("state"), &rig.sent("nonce")]
    {
        assert!(!printed.contains(secret), "{printed}");
    }
    let _ = Duration::ZERO;
}
