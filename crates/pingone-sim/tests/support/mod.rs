//! A plain-reqwest driver for the simulator: no client crate of ours is used, so these tests
//! check the simulator against the reference alone.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, unreachable_pub)]

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use std::sync::Arc;

use pingone_sim::{Environment, SimConfig, Simulator};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

pub const REDIRECT: &str = "https://app.example.test/callback";
pub const USER: &str = "ada.example";
pub const EMAIL: &str = "ada@example.test";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// One environment of a simulator, with a worker token for it.
pub struct Harness {
    pub sim: Arc<Simulator>,
    pub env: Environment,
    pub http: Client,
    pub token: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn location(&self) -> String {
        self.headers.get(LOCATION).unwrap().to_str().unwrap().to_owned()
    }

    pub fn detail_codes(&self) -> Vec<String> {
        self.body["details"]
            .as_array()
            .map(|d| d.iter().map(|x| x["code"].as_str().unwrap_or("").to_owned()).collect())
            .unwrap_or_default()
    }
}

pub fn client() -> Client {
    Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

pub fn challenge(verifier: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// Query parameters of a URL.
pub fn query_of(url: &str) -> BTreeMap<String, String> {
    reqwest::Url::parse(url).unwrap().query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

impl Harness {
    pub async fn start() -> Self {
        Self::with(SimConfig::default()).await
    }

    pub async fn with(config: SimConfig) -> Self {
        let sim = Arc::new(Simulator::start(config).await.unwrap());
        let env = sim.environment().clone();
        Self::in_environment(sim, env).await
    }

    /// A harness on another environment of the same simulator.
    pub async fn in_environment(sim: Arc<Simulator>, env: Environment) -> Self {
        let http = client();
        let token = worker_token(&http, &env).await;
        Self { sim, env, http, token }
    }

    pub fn env(&self) -> &str {
        self.env.id()
    }

    pub fn mgmt(&self, path: &str) -> String {
        format!("{}/environments/{}/{path}", self.env.management_base(), self.env())
    }

    pub fn auth(&self, path: &str) -> String {
        format!("{}/{}/{path}", self.env.auth_base(), self.env())
    }

    pub async fn send(
        &self,
        method: Method,
        url: &str,
        content_type: Option<&str>,
        body: Option<&Value>,
        bearer: Option<&str>,
    ) -> Reply {
        let mut request = self.http.request(method, url);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, content_type.unwrap_or("application/json")).body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, &self.mgmt(path), None, None, Some(&self.token)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, &self.mgmt(path), Some("application/json"), Some(&body), Some(&self.token)).await
    }

    pub async fn put(&self, path: &str, content_type: &str, body: Value) -> Reply {
        self.send(Method::PUT, &self.mgmt(path), Some(content_type), Some(&body), Some(&self.token)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, &self.mgmt(path), None, None, Some(&self.token)).await
    }

    pub async fn created(&self, path: &str, body: Value) -> Value {
        let reply = self.post(path, body).await;
        assert_eq!(reply.status, 201, "POST {path}: {}", reply.body);
        reply.body
    }
}

/// What provisioning produced.
pub struct Provisioned {
    pub app_id: String,
    pub user_id: String,
    pub device_id: String,
    pub policy_id: String,
    pub device_policy_id: String,
    pub population_id: String,
    /// Every management response of steps 1-13, in order: (step, operation, body).
    pub responses: Vec<(u8, &'static str, Value)>,
}

/// Options for [`provision`].
#[derive(Clone)]
pub struct Options {
    pub auth_method: &'static str,
    pub pkce: &'static str,
    pub otp_length: u64,
    pub failure_count: u64,
    pub lifetime_minutes: u64,
    pub username: String,
    pub email: String,
    pub name_suffix: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            auth_method: "CLIENT_SECRET_BASIC",
            pkce: "S256_REQUIRED",
            otp_length: 6,
            failure_count: 3,
            lifetime_minutes: 30,
            username: USER.into(),
            email: EMAIL.into(),
            name_suffix: String::new(),
        }
    }
}

/// Steps 1-13 with plain HTTP.
pub async fn provision(h: &Harness, o: &Options) -> Provisioned {
    let mut responses = Vec::new();
    let sfx = &o.name_suffix;
    let app = h
        .created(
            "applications",
            json!({ "name": format!("email-mfa-demo-web{sfx}"), "enabled": true, "type": "WEB_APP", "protocol": "OPENID_CONNECT",
                "grantTypes": ["AUTHORIZATION_CODE"], "responseTypes": ["CODE"], "tokenEndpointAuthMethod": o.auth_method,
                "redirectUris": [REDIRECT], "pkceEnforcement": o.pkce }),
        )
        .await;
    responses.push((1, "create application", app.clone()));
    let app_id = app["id"].as_str().unwrap().to_owned();
    let resources = h.get("resources").await;
    assert_eq!(resources.status, 200);
    responses.push((2, "list resources", resources.body.clone()));
    let openid = resources.body["_embedded"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "OPENID_CONNECT")
        .unwrap()
        .clone();
    let openid_id = openid["id"].as_str().unwrap().to_owned();
    let scopes = h.get(&format!("resources/{openid_id}/scopes")).await;
    assert_eq!(scopes.status, 200);
    responses.push((3, "list scopes", scopes.body.clone()));
    let wanted: Vec<Value> = scopes.body["_embedded"]["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| ["openid", "profile", "email"].contains(&s["name"].as_str().unwrap()))
        .map(|s| json!({ "id": s["id"] }))
        .collect();
    assert_eq!(wanted.len(), 3);
    let grant = h
        .created(&format!("applications/{app_id}/grants"), json!({ "resource": { "id": openid_id }, "scopes": wanted }))
        .await;
    responses.push((4, "create grant", grant));
    let policy = h
        .created(
            "signOnPolicies",
            json!({ "name": format!("Email_MFA_Policy{sfx}"), "description": "Username lookup then e-mail OTP" }),
        )
        .await;
    responses.push((5, "create sign-on policy", policy.clone()));
    let policy_id = policy["id"].as_str().unwrap().to_owned();
    let device_policy = h
        .created(
            "deviceAuthenticationPolicies",
            json!({ "name": format!("EmailOnlyMfa{sfx}"), "default": false,
                "authentication": { "deviceSelection": "DEFAULT_TO_FIRST" },
                "email": { "enabled": true, "otp": { "lifeTime": { "duration": o.lifetime_minutes, "timeUnit": "MINUTES" },
                    "failure": { "count": o.failure_count, "coolDown": { "duration": 2, "timeUnit": "MINUTES" } }, "otpLength": o.otp_length } },
                "sms": { "enabled": false, "otp": { "lifeTime": { "duration": 30, "timeUnit": "MINUTES" }, "failure": { "count": 3, "coolDown": { "duration": 0, "timeUnit": "MINUTES" } } } },
                "voice": { "enabled": false, "otp": { "lifeTime": { "duration": 30, "timeUnit": "MINUTES" }, "failure": { "count": 3, "coolDown": { "duration": 0, "timeUnit": "MINUTES" } } } },
                "mobile": { "enabled": false, "otp": { "failure": { "count": 3, "coolDown": { "duration": 2, "timeUnit": "MINUTES" } } } },
                "totp": { "enabled": false, "otp": { "failure": { "count": 3, "coolDown": { "duration": 2, "timeUnit": "MINUTES" } } } } }),
        )
        .await;
    let device_policy_id = device_policy["id"].as_str().unwrap().to_owned();
    let action = h
        .created(
            &format!("signOnPolicies/{policy_id}/actions"),
            json!({ "priority": 10, "type": "MULTI_FACTOR_AUTHENTICATION", "sms": { "enabled": false }, "email": { "enabled": true },
                "deviceAuthenticationPolicy": { "id": device_policy_id } }),
        )
        .await;
    responses.push((6, "create MFA action", action));
    let assignment = h
        .created(
            &format!("applications/{app_id}/signOnPolicyAssignments"),
            json!({ "priority": 1, "signOnPolicy": { "id": policy_id } }),
        )
        .await;
    responses.push((7, "assign policy", assignment));
    let population = h
        .created("populations", json!({ "name": format!("email-mfa-demo-pop{sfx}"), "description": "Test users" }))
        .await;
    responses.push((8, "create population", population.clone()));
    let population_id = population["id"].as_str().unwrap().to_owned();
    let user = h
        .created(
            "users",
            json!({ "username": o.username, "email": o.email, "name": { "given": "Ada", "family": "Example" }, "population": { "id": population_id } }),
        )
        .await;
    responses.push((9, "create user", user.clone()));
    let user_id = user["id"].as_str().unwrap().to_owned();
    let password = h
        .put(
            &format!("users/{user_id}/password"),
            "application/vnd.pingidentity.password.set+json",
            json!({ "value": "Corr3ct-Horse-Battery!", "forceChange": false }),
        )
        .await;
    assert_eq!(password.status, 200, "{}", password.body);
    assert_eq!(password.body["status"], "OK");
    responses.push((10, "set password", password.body));
    let mfa = h.put(&format!("users/{user_id}/mfaEnabled"), "application/json", json!({ "mfaEnabled": true })).await;
    assert_eq!(mfa.status, 200);
    assert_eq!(mfa.body["mfaEnabled"], true);
    responses.push((11, "enable MFA", mfa.body));
    responses.push((12, "create device authentication policy", device_policy));
    let device = h
        .created(
            &format!("users/{user_id}/devices"),
            json!({ "type": "EMAIL", "email": o.email, "policy": { "id": device_policy_id } }),
        )
        .await;
    assert_eq!(device["status"], "ACTIVE");
    responses.push((13, "create EMAIL device", device.clone()));
    let device_id = device["id"].as_str().unwrap().to_owned();
    Provisioned { app_id, user_id, device_id, policy_id, device_policy_id, population_id, responses }
}

/// A browser-like flow session: the cookie jar of one flow.
pub struct FlowSession {
    pub flow_id: String,
    pub cookies: BTreeMap<String, String>,
    pub state: String,
    pub nonce: String,
}

impl FlowSession {
    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub fn absorb(&mut self, headers: &reqwest::header::HeaderMap) {
        for value in headers.get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.insert(k.trim().to_owned(), v.trim().to_owned());
        }
    }
}

impl Harness {
    /// Step 14 with PKCE S256.
    pub async fn authorize(&self, app_id: &str) -> (Reply, FlowSession) {
        let url = reqwest::Url::parse_with_params(
            &self.auth("as/authorize"),
            &[
                ("response_type", "code"),
                ("client_id", app_id),
                ("redirect_uri", REDIRECT),
                ("scope", "openid profile email"),
                ("state", "af0ifjsldkj"),
                ("nonce", "n-0S6_WzA2Mj"),
                ("code_challenge", &challenge(VERIFIER)),
                ("code_challenge_method", "S256"),
            ],
        )
        .unwrap();
        let reply = self.send(Method::GET, url.as_str(), None, None, None).await;
        let mut session = FlowSession {
            flow_id: String::new(),
            cookies: BTreeMap::new(),
            state: "af0ifjsldkj".into(),
            nonce: "n-0S6_WzA2Mj".into(),
        };
        if reply.status == 302 {
            session.flow_id = query_of(&reply.location()).get("flowId").cloned().unwrap_or_default();
            session.absorb(&reply.headers);
        }
        (reply, session)
    }

    pub async fn flow_get(&self, s: &FlowSession) -> Reply {
        let response = self
            .http
            .get(self.auth(&format!("flows/{}", s.flow_id)))
            .header(COOKIE, s.cookie_header())
            .send()
            .await
            .unwrap();
        into_reply(response).await
    }

    pub async fn flow_post(&self, s: &mut FlowSession, action: &str, body: Value) -> Reply {
        let response = self
            .http
            .post(self.auth(&format!("flows/{}", s.flow_id)))
            .header(COOKIE, s.cookie_header())
            .header(CONTENT_TYPE, format!("application/vnd.pingidentity.{action}+json"))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let reply = into_reply(response).await;
        s.absorb(&reply.headers);
        reply
    }

    pub async fn resume(&self, s: &FlowSession) -> Reply {
        let response = self
            .http
            .get(self.auth("as/resume"))
            .query(&[("flowId", s.flow_id.as_str())])
            .header(COOKIE, s.cookie_header())
            .send()
            .await
            .unwrap();
        into_reply(response).await
    }

    pub async fn otp(&self) -> String {
        self.env.outbox().next_for(EMAIL, Duration::from_secs(5)).await.expect("an OTP e-mail").otp().to_owned()
    }

    pub async fn secret(&self, app_id: &str) -> String {
        let reply = self.get(&format!("applications/{app_id}/secret")).await;
        assert_eq!(reply.status, 200);
        reply.body["secret"].as_str().unwrap().to_owned()
    }

    pub async fn exchange(
        &self,
        app_id: &str,
        secret: &str,
        code: &str,
        verifier: Option<&str>,
        redirect: &str,
    ) -> Reply {
        let mut form = vec![("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect)];
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        let response =
            self.http.post(self.auth("as/token")).basic_auth(app_id, Some(secret)).form(&form).send().await.unwrap();
        into_reply(response).await
    }

    /// Steps 14-18: a completed sign-on, returning the authorization code.
    pub async fn sign_on(&self, app_id: &str) -> String {
        let (reply, mut s) = self.authorize(app_id).await;
        assert_eq!(reply.status, 302, "{}", reply.body);
        let looked_up = self.flow_post(&mut s, "user.lookup", json!({ "username": USER })).await;
        assert_eq!(looked_up.body["status"], "OTP_REQUIRED", "{}", looked_up.body);
        let otp = self.otp().await;
        let done = self.flow_post(&mut s, "otp.check", json!({ "otp": otp })).await;
        assert_eq!(done.body["status"], "COMPLETED", "{}", done.body);
        let resumed = self.resume(&s).await;
        assert_eq!(resumed.status, 302);
        query_of(&resumed.location())["code"].clone()
    }
}

pub async fn into_reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    Reply { status, headers, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
}

/// A worker token of `env` (client credentials, Basic).
pub async fn worker_token(http: &Client, env: &Environment) -> String {
    let reply = http
        .post(format!("{}/{}/as/token", env.auth_base(), env.id()))
        .basic_auth(env.worker_client_id(), Some(env.worker_client_secret()))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    body["access_token"].as_str().unwrap().to_owned()
}
