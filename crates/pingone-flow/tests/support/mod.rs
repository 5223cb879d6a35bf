//! The rig of the ID-token and JWKS contract tests: PingOne's authorize, flow, resume,
//! discovery, JWKS and token endpoints on httpmock; RSA keys of our own (not the simulator's);
//! and a manual clock injected into the client, so that time moves without sleeping.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use httpmock::prelude::*;
use httpmock::{HttpMockResponse, Mock};
use pingone_core::ClientAuth;
use pingone_core::{Clock as _, Endpoints, HttpClient, ManualClock, Otp};
use pingone_flow::{AfterUsername, FlowError, OidcApp, OtpOutcome, Resumed, SignOnClient, Tokens};
use serde_json::{Value, json};

pub const ENV: &str = "7d2c1a4e-5b3f-4c8e-9a61-2f0e8b3d4c11";
pub const CLIENT_ID: &str = "client-1";
const FLOW: &str = "flow-1";
const REDIRECT: &str = "https://app.example.test/callback";

/// An RS256 key pair of the test's own.
pub struct TestKey {
    pair: KeyPair,
    pub kid: String,
    n: String,
    e: String,
}

impl TestKey {
    fn generate(kid: &str) -> Self {
        let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
        let public = pair.public_key();
        let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
        Self { pair, kid: kid.to_owned(), n, e }
    }

    /// The public key as PingOne publishes it: `kty`, `kid`, `use`, `n`, `e` (no `alg`).
    pub fn jwk(&self) -> Value {
        json!({ "kty": "RSA", "kid": self.kid, "use": "sig", "n": self.n, "e": self.e })
    }

    /// The public key with `member` set to `value` (or removed, for `Value::Null`).
    pub fn jwk_with(&self, member: &str, value: Value) -> Value {
        let mut jwk = self.jwk();
        let object = jwk.as_object_mut().unwrap();
        if value.is_null() {
            object.remove(member);
        } else {
            object.insert(member.to_owned(), value);
        }
        jwk
    }

    /// A compact RS256 JWT with this key's `kid` in the header.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(&json!({ "alg": "RS256", "typ": "JWT", "kid": self.kid }), claims)
    }

    /// A compact RS256 JWT whose header has no `kid`.
    pub fn sign_without_kid(&self, claims: &Value) -> String {
        self.sign_with_header(&json!({ "alg": "RS256", "typ": "JWT" }), claims)
    }

    fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let mut jwt =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.pair.sign(&RSA_PKCS1_SHA256, &rng, jwt.as_bytes(), &mut signature).unwrap();
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(signature));
        jwt
    }
}

/// Three keys, generated once per test binary: `key-a`, `key-b`, `key-c`.
pub fn keys() -> &'static [TestKey; 3] {
    static KEYS: OnceLock<[TestKey; 3]> = OnceLock::new();
    KEYS.get_or_init(|| [TestKey::generate("key-a"), TestKey::generate("key-b"), TestKey::generate("key-c")])
}

type Shared<T> = Arc<Mutex<T>>;

/// A flow that reached step 20, with the nonce its ID token must carry.
pub struct Pending {
    pub resumed: Resumed,
    pub nonce: String,
    code: String,
}

pub struct Rig {
    pub server: MockServer,
    pub client: SignOnClient,
    pub clock: ManualClock,
    /// The JWKS the JWKS endpoint serves (change it to rotate keys).
    pub jwks: Shared<Value>,
    authorize_query: Shared<BTreeMap<String, String>>,
    tokens: Shared<HashMap<String, String>>,
    codes: Arc<AtomicUsize>,
}

fn flow_body(status: &str, link: Option<&str>) -> Value {
    let mut links = json!({ "self": { "href": "x" } });
    if let Some(link) = link {
        links[link] = json!({ "href": "x" });
    }
    json!({ "id": FLOW, "status": status, "_links": links,
        "_embedded": { "devices": [{ "id": "dev-1", "type": "EMAIL" }], "selectedDevice": { "id": "dev-1" } } })
}

fn json_response(status: u16, body: &Value) -> HttpMockResponse {
    HttpMockResponse::builder().status(status).header("content-type", "application/json").body(body.to_string()).build()
}

impl Rig {
    /// A rig whose client is `SignOnClient::new(...)` passed through `configure`; the JWKS
    /// endpoint serves `key-a`. The JWKS mock is not created: call [`Rig::jwks_mock`].
    pub async fn new(configure: impl FnOnce(SignOnClient) -> SignOnClient) -> Self {
        Self::with_scopes(&["openid", "profile", "email"], configure).await
    }

    pub async fn with_scopes(scopes: &[&str], configure: impl FnOnce(SignOnClient) -> SignOnClient) -> Self {
        let server = MockServer::start_async().await;
        let endpoints = Endpoints::custom(&server.url("/v1"), &server.base_url()).unwrap();
        let app = OidcApp::new(CLIENT_ID, REDIRECT, scopes, ClientAuth::None);
        let clock = ManualClock::starting_now();
        let client = SignOnClient::new(HttpClient::new().unwrap(), endpoints, ENV.parse().unwrap(), app)
            .with_clock(Arc::new(clock.clone()));
        let rig = Self {
            server,
            client: configure(client),
            clock,
            jwks: Arc::new(Mutex::new(json!({ "keys": [keys()[0].jwk()] }))),
            authorize_query: Arc::default(),
            tokens: Arc::default(),
            codes: Arc::default(),
        };
        rig.mock_flow().await;
        rig
    }

    async fn mock_flow(&self) {
        let sink = Arc::clone(&self.authorize_query);
        let signon = format!("{}/{ENV}/signon/?flowId={FLOW}", self.server.base_url());
        self.server
            .mock_async(move |when, then| {
                when.method(GET).path(format!("/{ENV}/as/authorize")).is_true(move |req| {
                    *sink.lock().unwrap() = req.query_params().into_iter().collect();
                    true
                });
                // PingOne's session cookie, kept in the tokens for sign-off.
                then.status(302)
                    .header("location", signon)
                    .header("set-cookie", format!("ST=session-cookie-value; Path=/{ENV}; HttpOnly"));
            })
            .await;
        let flow = format!("/{ENV}/flows/{FLOW}");
        self.server
            .mock_async(|when, then| {
                when.method(GET).path(flow.clone());
                then.status(200)
                    .header("content-type", "application/json")
                    .body(flow_body("SIGN_ON_REQUIRED", Some("user.lookup")).to_string());
            })
            .await;
        for (action, next, link) in
            [("user.lookup", "OTP_REQUIRED", Some("otp.check")), ("otp.check", "COMPLETED", None)]
        {
            self.server
                .mock_async(|when, then| {
                    when.method(POST)
                        .path(flow.clone())
                        .header("content-type", format!("application/vnd.pingidentity.{action}+json"));
                    then.status(200).header("content-type", "application/json").body(flow_body(next, link).to_string());
                })
                .await;
        }
        let query = Arc::clone(&self.authorize_query);
        let codes = Arc::clone(&self.codes);
        self.server
            .mock_async(move |when, then| {
                when.method(GET).path(format!("/{ENV}/as/resume")).query_param("flowId", FLOW);
                then.respond_with(move |_| {
                    let state = query.lock().unwrap().get("state").cloned().unwrap_or_default();
                    let code = codes.fetch_add(1, Ordering::SeqCst);
                    HttpMockResponse::builder()
                        .status(302)
                        .header("location", format!("{REDIRECT}?code=code-{code}&state={state}"))
                        .build()
                });
            })
            .await;
        let tokens = Arc::clone(&self.tokens);
        self.server
            .mock_async(move |when, then| {
                when.method(POST).path(format!("/{ENV}/as/token"));
                then.respond_with(move |req| {
                    let body = req.body_string();
                    let code = body.split('&').find_map(|p| p.strip_prefix("code=")).unwrap_or_default();
                    match tokens.lock().unwrap().get(code) {
                        Some(id_token) => json_response(
                            200,
                            &json!({ "access_token": "a", "token_type": "Bearer", "id_token": id_token }),
                        ),
                        None => json_response(400, &json!({ "error": "invalid_grant" })),
                    }
                });
            })
            .await;
        let issuer = self.issuer();
        self.server
            .mock_async(|when, then| {
                when.method(GET).path(format!("/{ENV}/as/.well-known/openid-configuration"));
                then.status(200)
                    .header("content-type", "application/json")
                    .body(json!({ "issuer": issuer, "jwks_uri": format!("{issuer}/jwks") }).to_string());
            })
            .await;
    }

    /// The JWKS endpoint, serving whatever [`Rig::jwks`] holds at the time of each call, after
    /// `delay` if one is given. The handle counts the fetches.
    pub async fn jwks_mock(&self, delay: Option<Duration>) -> Mock<'_> {
        let jwks = Arc::clone(&self.jwks);
        self.server
            .mock_async(move |when, then| {
                when.method(GET).path(format!("/{ENV}/as/jwks"));
                let then = then.respond_with(move |_| json_response(200, &jwks.lock().unwrap()));
                if let Some(delay) = delay {
                    then.delay(delay);
                }
            })
            .await
    }

    /// Serves `keys` from the JWKS endpoint from now on.
    pub fn publish(&self, keys: &[Value]) {
        *self.jwks.lock().unwrap() = json!({ "keys": keys });
    }

    pub fn issuer(&self) -> String {
        format!("{}/{ENV}/as", self.server.base_url())
    }

    /// Now on the rig's clock, in Unix seconds.
    pub fn now(&self) -> u64 {
        self.clock.now().duration_since(UNIX_EPOCH).unwrap().as_secs()
    }

    /// What the last authorize request sent for `name`.
    pub fn sent(&self, name: &str) -> Option<String> {
        self.authorize_query.lock().unwrap().get(name).cloned()
    }

    /// The claims of a valid ID token for `pending`, at the rig's current time.
    pub fn claims(&self, pending: &Pending) -> Value {
        let now = self.now();
        json!({ "iss": self.issuer(), "sub": "user-1", "aud": CLIENT_ID, "iat": now, "exp": now + 300,
            "auth_time": now, "nonce": pending.nonce, "amr": ["otp"] })
    }

    /// Steps 14 to 18: a flow ready for the token exchange.
    pub async fn pending(&self) -> Pending {
        let authorized = self.client.authorize().await.unwrap();
        let nonce = self.sent("nonce").unwrap();
        let next = authorized.submit_username(&self.client, "ada.example").await.unwrap().next().unwrap();
        let AfterUsername::OtpRequired(otp) = next else { panic!("{next:?}") };
        let OtpOutcome::Completed(done) = otp.submit_otp(&self.client, &Otp::new("123456")).await.unwrap() else {
            panic!("the OTP was refused")
        };
        let code = format!("code-{}", self.codes.load(Ordering::SeqCst));
        let resumed = done.resume(&self.client).await.unwrap();
        Pending { resumed, nonce, code }
    }

    /// Step 20 with `id_token` as the token endpoint's answer.
    pub async fn exchange(&self, pending: Pending, id_token: String) -> Result<Tokens, FlowError> {
        self.tokens.lock().unwrap().insert(pending.code.clone(), id_token);
        pending.resumed.exchange(&self.client).await
    }

    /// A whole sign-on whose ID token has `claims` (made from [`Rig::claims`] and changed by
    /// `tamper`), signed with `key`.
    pub async fn sign_on(&self, key: &TestKey, tamper: impl FnOnce(&mut Value)) -> Result<Tokens, FlowError> {
        let pending = self.pending().await;
        let mut claims = self.claims(&pending);
        tamper(&mut claims);
        let token = key.sign(&claims);
        self.exchange(pending, token).await
    }
}
