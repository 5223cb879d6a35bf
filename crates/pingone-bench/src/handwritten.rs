//! The floor: the same sign-on requests written by hand with reqwest, as a careful developer
//! would (PKCE, state and nonce, cookies, no redirects, the ID token's signature and claims
//! checked with jsonwebtoken against a key fetched once).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

pub(crate) struct HandWritten {
    http: reqwest::Client,
    auth: String,
    env: String,
    client_id: String,
    secret: String,
    redirect: String,
    key: DecodingKey,
}

fn random() -> String {
    let mut bytes = [0u8; 32];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn query(url: &str, name: &str) -> Option<String> {
    reqwest::Url::parse(url).ok()?.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

fn absorb(jar: &mut Vec<(String, String)>, headers: &reqwest::header::HeaderMap) {
    for v in headers.get_all(SET_COOKIE) {
        if let Some((name, value)) = v.to_str().ok().and_then(|t| t.split(';').next()).and_then(|p| p.split_once('=')) {
            jar.retain(|(n, _)| n != name);
            jar.push((name.to_owned(), value.to_owned()));
        }
    }
}

fn cookie_header(jar: &[(String, String)]) -> String {
    jar.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
}

/// Sends `request` and reads its JSON body.
pub(crate) async fn send_json(request: reqwest::RequestBuilder) -> Result<Value, String> {
    request.send().await.map_err(|e| e.to_string())?.json().await.map_err(|e| e.to_string())
}

impl HandWritten {
    /// A client for the application `client_id` in `env` at `auth`, with the signing key fetched.
    pub(crate) async fn connect(
        http: reqwest::Client,
        auth: &str,
        env: &str,
        client_id: &str,
        secret: &str,
    ) -> Result<Self, String> {
        let key = Self::key(&http, auth, env).await?;
        Ok(Self {
            http,
            auth: auth.to_owned(),
            env: env.to_owned(),
            client_id: client_id.to_owned(),
            secret: secret.to_owned(),
            redirect: crate::fixture::REDIRECT.into(),
            key,
        })
    }

    /// Fetches the signing key once (as a hand-written client would cache it).
    pub(crate) async fn key(http: &reqwest::Client, auth: &str, env: &str) -> Result<DecodingKey, String> {
        let jwks = send_json(http.get(format!("{auth}/{env}/as/jwks"))).await?;
        let key = jwks["keys"].get(0).ok_or("no key")?;
        DecodingKey::from_rsa_components(key["n"].as_str().unwrap_or_default(), key["e"].as_str().unwrap_or_default())
            .map_err(|e| e.to_string())
    }

    /// One complete sign-on; `otp` reads the e-mailed code.
    pub(crate) async fn sign_on<F, Fut>(&self, username: &str, otp: F) -> Result<(), String>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Option<String>>,
    {
        let err = |e: reqwest::Error| e.to_string();
        let (verifier, state, nonce) = (random(), random(), random());
        let challenge =
            URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()).as_ref());
        let base = format!("{}/{}", self.auth, self.env);
        let authorize = self
            .http
            .get(format!("{base}/as/authorize"))
            .query(&[
                ("response_type", "code"),
                ("client_id", &self.client_id),
                ("redirect_uri", &self.redirect),
                ("scope", "openid profile email"),
                ("state", &state),
                ("nonce", &nonce),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ])
            .send()
            .await
            .map_err(err)?;
        let mut jar = Vec::new();
        absorb(&mut jar, authorize.headers());
        let location = authorize.headers().get(LOCATION).and_then(|v| v.to_str().ok()).ok_or("no Location")?.to_owned();
        let flow_id = query(&location, "flowId").ok_or("no flowId")?;
        let flow_url = format!("{base}/flows/{flow_id}");
        let flow: Value = self
            .http
            .get(&flow_url)
            .header(COOKIE, cookie_header(&jar))
            .send()
            .await
            .map_err(err)?
            .json()
            .await
            .map_err(err)?;
        if flow["_links"]["user.lookup"].is_null() {
            return Err("no user.lookup".into());
        }
        let looked_up = self
            .http
            .post(&flow_url)
            .header(COOKIE, cookie_header(&jar))
            .header(CONTENT_TYPE, "application/vnd.pingidentity.user.lookup+json")
            .body(json!({ "username": username }).to_string())
            .send()
            .await
            .map_err(err)?;
        absorb(&mut jar, looked_up.headers());
        let body: Value = looked_up.json().await.map_err(err)?;
        if body["status"] != "OTP_REQUIRED" {
            return Err(format!("status {}", body["status"]));
        }
        let code = otp().await.ok_or("no OTP")?;
        let checked = self
            .http
            .post(&flow_url)
            .header(COOKIE, cookie_header(&jar))
            .header(CONTENT_TYPE, "application/vnd.pingidentity.otp.check+json")
            .body(json!({ "otp": code }).to_string())
            .send()
            .await
            .map_err(err)?;
        absorb(&mut jar, checked.headers());
        let body: Value = checked.json().await.map_err(err)?;
        if body["status"] != "COMPLETED" {
            return Err(format!("status {}", body["status"]));
        }
        let resumed = self
            .http
            .get(format!("{base}/as/resume"))
            .query(&[("flowId", &flow_id)])
            .header(COOKIE, cookie_header(&jar))
            .send()
            .await
            .map_err(err)?;
        let location = resumed.headers().get(LOCATION).and_then(|v| v.to_str().ok()).ok_or("no Location")?.to_owned();
        if !location.starts_with(&self.redirect) || query(&location, "state").as_deref() != Some(state.as_str()) {
            return Err("bad redirect".into());
        }
        let code = query(&location, "code").ok_or("no code")?;
        let tokens: Value = self
            .http
            .post(format!("{base}/as/token"))
            .basic_auth(&self.client_id, Some(&self.secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", &self.redirect),
                ("code_verifier", &verifier),
            ])
            .send()
            .await
            .map_err(err)?
            .json()
            .await
            .map_err(err)?;
        let id_token = tokens["id_token"].as_str().ok_or("no id_token")?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[self.client_id.as_str()]);
        validation.set_issuer(&[format!("{base}/as")]);
        validation.leeway = Duration::from_secs(60).as_secs();
        let claims = jsonwebtoken::decode::<Value>(id_token, &self.key, &validation).map_err(|e| e.to_string())?.claims;
        if claims["nonce"] != nonce.as_str() {
            return Err("nonce".into());
        }
        Ok(())
    }
}
