//! The management API by hand (plain HTTP with a worker token), as a test suite in any language
//! would drive the simulator: the soak's application, and load users in bulk.

use std::sync::Arc;

use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use crate::fixture::REDIRECT;
use crate::handwritten::send_json;

/// The management API with a worker token, by hand.
pub(crate) struct Admin {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Admin {
    pub(crate) async fn connect(http: &reqwest::Client, ready: &Value) -> Result<Self, String> {
        let field = |key: &str| ready[key].as_str().unwrap_or_default().to_owned();
        let env = field("environment_id");
        let tokens = send_json(
            http.post(format!("{}/{env}/as/token", field("auth_base")))
                .basic_auth(field("worker_client_id"), Some(field("worker_client_secret")))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await?;
        Ok(Self {
            http: http.clone(),
            base: format!("{}/environments/{env}", field("management_base")),
            token: tokens["access_token"].as_str().ok_or("no worker token")?.to_owned(),
        })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut request = self.http.request(method, format!("{}/{path}", self.base)).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body.to_string());
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let body: Value = response.json().await.map_err(|e| e.to_string())?;
        if status.is_success() { Ok(body) } else { Err(format!("{path}: {status} {body}")) }
    }

    /// An OIDC app behind an Email MFA policy, and one user with an EMAIL device per worker.
    pub(crate) async fn provision(&self, users: usize) -> Result<(String, String), String> {
        use reqwest::Method;
        let app = self
            .call(
                Method::POST,
                "applications",
                Some(json!({ "name": "soak", "enabled": true, "type": "WEB_APP", "protocol": "OPENID_CONNECT",
                    "grantTypes": ["AUTHORIZATION_CODE"], "responseTypes": ["CODE"], "redirectUris": [REDIRECT],
                    "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC", "pkceEnforcement": "S256_REQUIRED" })),
            )
            .await?;
        let app_id = app["id"].as_str().ok_or("no app id")?.to_owned();
        let resources = self.call(Method::GET, "resources", None).await?;
        let openid = resources["_embedded"]["resources"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["name"] == "openid"))
            .ok_or("no openid resource")?["id"]
            .clone();
        let scopes =
            self.call(Method::GET, &format!("resources/{}/scopes", openid.as_str().unwrap_or("")), None).await?;
        let wanted: Vec<Value> = scopes["_embedded"]["scopes"]
            .as_array()
            .ok_or("no scopes")?
            .iter()
            .filter(|s| ["openid", "profile", "email"].contains(&s["name"].as_str().unwrap_or("")))
            .map(|s| json!({ "id": s["id"] }))
            .collect();
        self.call(
            Method::POST,
            &format!("applications/{app_id}/grants"),
            Some(json!({ "resource": { "id": openid }, "scopes": wanted })),
        )
        .await?;
        let policy = self.call(Method::POST, "signOnPolicies", Some(json!({ "name": "Soak_MFA" }))).await?;
        let policy_id = policy["id"].as_str().ok_or("no policy id")?;
        self.call(
            Method::POST,
            &format!("signOnPolicies/{policy_id}/actions"),
            Some(json!({ "priority": 1, "type": "MULTI_FACTOR_AUTHENTICATION", "email": { "enabled": true } })),
        )
        .await?;
        self.call(
            Method::POST,
            &format!("applications/{app_id}/signOnPolicyAssignments"),
            Some(json!({ "priority": 1, "signOnPolicy": { "id": policy_id } })),
        )
        .await?;
        for i in 0..users {
            let user = self
                .call(
                    Method::POST,
                    "users",
                    Some(json!({ "username": format!("soak{i}"), "email": format!("soak{i}@example.test"), "mfaEnabled": true })),
                )
                .await?;
            let user_id = user["id"].as_str().ok_or("no user id")?;
            self.call(
                Method::POST,
                &format!("users/{user_id}/devices"),
                Some(json!({ "type": "EMAIL", "email": format!("soak{i}@example.test") })),
            )
            .await?;
        }
        let secret = self.call(Method::GET, &format!("applications/{app_id}/secret"), None).await?;
        Ok((app_id, secret["secret"].as_str().ok_or("no secret")?.to_owned()))
    }
}

impl Admin {
    /// Adds users `(username, e-mail)` with MFA enabled and one EMAIL device each, `concurrency`
    /// at a time: two requests per user (create, device), no lookups — for a load test's users,
    /// where the provisioning crate's idempotent path would add a lookup (and a refused create)
    /// per user.
    pub(crate) async fn add_users(
        self: &Arc<Self>,
        users: &[(String, String)],
        concurrency: usize,
    ) -> Result<(), String> {
        use reqwest::Method;
        for chunk in users.chunks(concurrency.max(1)) {
            let mut adding = tokio::task::JoinSet::new();
            for (username, email) in chunk {
                let (admin, username, email) = (Arc::clone(self), username.clone(), email.clone());
                adding.spawn(async move {
                    let user = admin
                        .call(
                            Method::POST,
                            "users",
                            Some(json!({ "username": username, "email": email, "mfaEnabled": true })),
                        )
                        .await?;
                    let user_id = user["id"].as_str().ok_or("no user id")?;
                    admin
                        .call(
                            Method::POST,
                            &format!("users/{user_id}/devices"),
                            Some(json!({ "type": "EMAIL", "email": email })),
                        )
                        .await?;
                    Ok::<(), String>(())
                });
            }
            for added in adding.join_all().await {
                added?;
            }
        }
        Ok(())
    }
}
