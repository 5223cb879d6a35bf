//! Contract tests: every management call's method, path, headers (Bearer, content type
//! including the vendor media types) and body, against httpmock. Bodies are insta snapshots
//! (IDs and the password redacted).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use pingone_core::{
    ClientSecret, Endpoints, EnvironmentId, HttpClient, Id, Operation, Password, Step, WorkerCredentials,
};
use pingone_provisioning::model::*;
use pingone_provisioning::{ManagementClient, PopulationFilter};
use serde_json::{Value, json};

const ENV: &str = "7d2c1a4e-5b3f-4c8e-9a61-2f0e8b3d4c11";
const BEARER: &str = "Bearer contract-token";

struct Contract {
    server: MockServer,
    client: ManagementClient,
}

type Captured = Arc<Mutex<Vec<String>>>;

impl Contract {
    async fn new() -> Self {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(POST).path(format!("/{ENV}/as/token")).body("grant_type=client_credentials");
                then.status(200).body(r#"{"access_token":"contract-token","token_type":"Bearer","expires_in":3600}"#);
            })
            .await;
        let env: EnvironmentId = ENV.parse().unwrap();
        let endpoints = Endpoints::custom(&server.url("/v1"), &server.base_url()).unwrap();
        let worker = WorkerCredentials::basic(env.clone(), "worker", ClientSecret::new("worker-secret"));
        let client = ManagementClient::connect(HttpClient::new().unwrap(), endpoints, env, worker);
        Self { server, client }
    }

    /// Expects exactly one `method path` with the Bearer token and (for bodies) `content_type`;
    /// answers `status` with `response`; captures the request body.
    async fn expect(
        &self,
        method: httpmock::Method,
        path: &str,
        content_type: Option<&str>,
        status: u16,
        response: Value,
    ) -> (httpmock::Mock<'_>, Captured) {
        let captured: Captured = Arc::default();
        let sink = Arc::clone(&captured);
        let full = format!("/v1/environments/{ENV}/{path}");
        let mock = self
            .server
            .mock_async(move |when, then| {
                let mut when = when
                    .method(method)
                    .path(full)
                    .header("authorization", BEARER)
                    .header_exists("x-ping-external-transaction-id");
                when = match content_type {
                    Some(ct) => when.header("content-type", ct),
                    None => when.header_missing("content-type"),
                };
                when.is_true(move |req| {
                    sink.lock().unwrap().push(req.body_string());
                    true
                });
                then.status(status).header("content-type", "application/json").body(response.to_string());
            })
            .await;
        (mock, captured)
    }
}

fn body(captured: &Captured) -> Value {
    let all = captured.lock().unwrap();
    serde_json::from_str(all.last().expect("a request body")).unwrap()
}

fn app_response() -> Value {
    json!({ "id": "app-1", "name": "demo-web", "enabled": true, "type": "WEB_APP", "protocol": "OPENID_CONNECT",
        "grantTypes": ["AUTHORIZATION_CODE"], "responseTypes": ["CODE"], "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC",
        "redirectUris": ["https://app.example.test/callback"], "pkceEnforcement": "S256_REQUIRED", "refreshTokenDuration": 2592000,
        "unknownFutureField": { "x": 1 } })
}

fn web_app() -> OidcApplication {
    OidcApplication::web_app(
        "demo-web",
        "https://app.example.test/callback",
        TokenEndpointAuthMethod::ClientSecretBasic,
    )
}

#[tokio::test]
async fn applications() {
    let c = Contract::new().await;
    let app: Id<Application> = Id::new("app-1");
    let (create, sent) = c.expect(POST, "applications", Some("application/json"), 201, app_response()).await;
    let created = c.client.create_application(&web_app()).await.unwrap();
    assert_eq!(created.id, app);
    assert_eq!(created.settings.pkce_enforcement, Some(PkceEnforcement::S256Required));
    create.assert_calls_async(1).await;
    insta::assert_json_snapshot!("create_application", body(&sent));

    let (update, sent) = c.expect(PUT, "applications/app-1", Some("application/json"), 200, app_response()).await;
    let mut changed = web_app();
    changed.description = Some("changed".into());
    c.client.update_application(&app, &changed).await.unwrap();
    update.assert_calls_async(1).await;
    insta::assert_json_snapshot!("update_application", body(&sent));

    let (read, _) = c.expect(GET, "applications/app-1", None, 200, app_response()).await;
    assert_eq!(c.client.read_application(&app).await.unwrap().settings.name, "demo-web");
    read.assert_calls_async(1).await;

    let list_body = json!({ "_embedded": { "applications": [app_response(), { "id": "saml-1", "name": "a SAML app", "protocol": "SAML", "type": "WEB_APP" }] }, "size": 2 });
    let (list, _) = c.expect(GET, "applications", None, 200, list_body).await;
    let all = c.client.list_applications().await.unwrap();
    assert_eq!(all.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["demo-web", "a SAML app"]);
    list.assert_calls_async(1).await;

    let (secret, _) = c.expect(GET, "applications/app-1/secret", None, 200, json!({ "secret": "s3cr3t-value" })).await;
    let value = c.client.read_application_secret(&app).await.unwrap();
    assert_eq!(value.secret(), "s3cr3t-value");
    secret.assert_calls_async(1).await;

    let (delete, _) = c.expect(DELETE, "applications/app-1", None, 204, Value::Null).await;
    c.client.delete_application(&app).await.unwrap();
    delete.assert_calls_async(1).await;
}

#[tokio::test]
async fn resources_scopes_and_grants() {
    let c = Contract::new().await;
    let (resources, _) = c
        .expect(
            GET,
            "resources",
            None,
            200,
            json!({ "_embedded": { "resources": [
            { "id": "r-oidc", "name": "openid", "type": "OPENID_CONNECT" },
            { "id": "r-api", "name": "PingOne API", "type": "PING_ONE_API" } ] } }),
        )
        .await;
    let listed = c.client.list_resources().await.unwrap();
    assert_eq!(listed[1].kind, ResourceType::PingOneApi, "the docs' spelling is tolerated");
    resources.assert_calls_async(1).await;
    let (scopes, _) = c
        .expect(
            GET,
            "resources/r-oidc/scopes",
            None,
            200,
            json!({ "_embedded": { "scopes": [{ "id": "s-openid", "name": "openid" }] } }),
        )
        .await;
    assert_eq!(c.client.list_scopes(&Id::new("r-oidc")).await.unwrap()[0].name, "openid");
    scopes.assert_calls_async(1).await;

    let spec = GrantSpec {
        resource: pingone_core::Ref::to(Id::new("r-oidc")),
        scopes: vec![pingone_core::Ref::to(Id::new("s-openid"))],
    };
    let response = json!({ "id": "g-1", "resource": { "id": "r-oidc" }, "scopes": [{ "id": "s-openid" }], "application": { "id": "app-1" } });
    let (create, sent) =
        c.expect(POST, "applications/app-1/grants", Some("application/json"), 201, response.clone()).await;
    c.client.create_grant(&Id::new("app-1"), &spec).await.unwrap();
    create.assert_calls_async(1).await;
    insta::assert_json_snapshot!("create_grant", body(&sent), { ".**.id" => "[id]" });
    let (list, _) =
        c.expect(GET, "applications/app-1/grants", None, 200, json!({ "_embedded": { "grants": [response] } })).await;
    assert_eq!(c.client.list_grants(&Id::new("app-1")).await.unwrap().len(), 1);
    list.assert_calls_async(1).await;
    let (read, _) = c.expect(GET, "applications/app-1/grants/g-1", None, 200, response.clone()).await;
    assert_eq!(c.client.read_grant(&Id::new("app-1"), &Id::new("g-1")).await.unwrap().id, Id::new("g-1"));
    read.assert_calls_async(1).await;
    let (delete, _) = c.expect(DELETE, "applications/app-1/grants/g-1", None, 204, Value::Null).await;
    c.client.delete_grant(&Id::new("app-1"), &Id::new("g-1")).await.unwrap();
    delete.assert_calls_async(1).await;
}

#[tokio::test]
async fn sign_on_policies_actions_and_assignments() {
    let c = Contract::new().await;
    let policy_spec = SignOnPolicySpec { name: "Email_MFA_Policy".into(), description: Some("lookup then OTP".into()) };
    let (create, sent) = c
        .expect(
            POST,
            "signOnPolicies",
            Some("application/json"),
            201,
            json!({ "id": "p-1", "name": "Email_MFA_Policy", "default": false }),
        )
        .await;
    c.client.create_sign_on_policy(&policy_spec).await.unwrap();
    create.assert_calls_async(1).await;
    insta::assert_json_snapshot!("create_sign_on_policy", body(&sent));
    let (list, _) = c
        .expect(
            GET,
            "signOnPolicies",
            None,
            200,
            json!({ "_embedded": { "signOnPolicies": [{ "id": "p-1", "name": "Email_MFA_Policy" }] } }),
        )
        .await;
    assert_eq!(c.client.list_sign_on_policies().await.unwrap()[0].id, Id::new("p-1"));
    list.assert_calls_async(1).await;

    let (read, _) =
        c.expect(GET, "signOnPolicies/p-1", None, 200, json!({ "id": "p-1", "name": "Email_MFA_Policy" })).await;
    assert_eq!(c.client.read_sign_on_policy(&Id::new("p-1")).await.unwrap().settings.name, "Email_MFA_Policy");
    read.assert_calls_async(1).await;
    let action = SignOnPolicyActionSpec::email_mfa(10, Some(Id::new("dp-1")));
    let action_response = json!({ "id": "a-1", "type": "MULTI_FACTOR_AUTHENTICATION", "priority": 10, "email": { "enabled": true },
        "sms": { "enabled": false }, "deviceAuthenticationPolicy": { "id": "dp-1" }, "signOnPolicy": { "id": "p-1" } });
    let (create, sent) =
        c.expect(POST, "signOnPolicies/p-1/actions", Some("application/json"), 201, action_response.clone()).await;
    c.client.create_sign_on_policy_action(&Id::new("p-1"), &action).await.unwrap();
    create.assert_calls_async(1).await;
    insta::assert_json_snapshot!("create_mfa_action", body(&sent), { ".**.id" => "[id]" });
    let (update, _) =
        c.expect(PUT, "signOnPolicies/p-1/actions/a-1", Some("application/json"), 200, action_response.clone()).await;
    c.client.update_sign_on_policy_action(&Id::new("p-1"), &Id::new("a-1"), &action).await.unwrap();
    update.assert_calls_async(1).await;
    let (list, _) = c
        .expect(
            GET,
            "signOnPolicies/p-1/actions",
            None,
            200,
            json!({ "_embedded": { "actions": [action_response,
        { "id": "a-0", "type": "SOMETHING_NEW", "priority": 1 }] } }),
        )
        .await;
    let actions = c.client.list_sign_on_policy_actions(&Id::new("p-1")).await.unwrap();
    assert_eq!(actions[1].settings.kind, ActionType::Unknown("SOMETHING_NEW".into()));
    list.assert_calls_async(1).await;

    let assignment = SignOnPolicyAssignmentSpec { priority: 1, sign_on_policy: pingone_core::Ref::to(Id::new("p-1")) };
    let assignment_response =
        json!({ "id": "as-1", "priority": 1, "signOnPolicy": { "id": "p-1" }, "application": { "id": "app-1" } });
    let (create, sent) = c
        .expect(
            POST,
            "applications/app-1/signOnPolicyAssignments",
            Some("application/json"),
            201,
            assignment_response.clone(),
        )
        .await;
    c.client.create_sign_on_policy_assignment(&Id::new("app-1"), &assignment).await.unwrap();
    create.assert_calls_async(1).await;
    insta::assert_json_snapshot!("create_assignment", body(&sent), { ".**.id" => "[id]" });
    let (list, _) = c
        .expect(
            GET,
            "applications/app-1/signOnPolicyAssignments",
            None,
            200,
            json!({ "_embedded": { "signOnPolicyAssignments": [assignment_response] } }),
        )
        .await;
    assert_eq!(c.client.list_sign_on_policy_assignments(&Id::new("app-1")).await.unwrap().len(), 1);
    list.assert_calls_async(1).await;
    let (read, _) = c
        .expect(
            GET,
            "applications/app-1/signOnPolicyAssignments/as-1",
            None,
            200,
            json!({ "id": "as-1", "priority": 1, "signOnPolicy": { "id": "p-1" } }),
        )
        .await;
    assert_eq!(
        c.client.read_sign_on_policy_assignment(&Id::new("app-1"), &Id::new("as-1")).await.unwrap().settings.priority,
        1
    );
    read.assert_calls_async(1).await;
    let (delete_assignment, _) =
        c.expect(DELETE, "applications/app-1/signOnPolicyAssignments/as-1", None, 204, Value::Null).await;
    c.client.delete_sign_on_policy_assignment(&Id::new("app-1"), &Id::new("as-1")).await.unwrap();
    delete_assignment.assert_calls_async(1).await;
    let (delete, _) = c.expect(DELETE, "signOnPolicies/p-1", None, 204, Value::Null).await;
    c.client.delete_sign_on_policy(&Id::new("p-1")).await.unwrap();
    delete.assert_calls_async(1).await;
}

#[tokio::test]
async fn populations_users_password_and_mfa() {
    let c = Contract::new().await;
    let (create, sent) = c
        .expect(
            POST,
            "populations",
            Some("application/json"),
            201,
            json!({ "id": "pop-1", "name": "demo-pop", "userCount": 0 }),
        )
        .await;
    c.client.create_population(&PopulationSpec { name: "demo-pop".into(), description: None }).await.unwrap();
    create.assert_calls_async(1).await;
    insta::assert_json_snapshot!("create_population", body(&sent));
    let filtered = c
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/environments/{ENV}/populations"))
                .query_param("filter", "name eq \"demo \\\"pop\\\"\"");
            then.status(200).body(r#"{"_embedded":{"populations":[]}}"#);
        })
        .await;
    assert!(c.client.find_populations_by_name("demo \"pop\"").await.unwrap().is_empty());
    filtered.assert_calls_async(1).await;
    let (read, _) = c
        .expect(GET, "populations/pop-1", None, 200, json!({ "id": "pop-1", "name": "demo-pop", "userCount": 2 }))
        .await;
    assert_eq!(c.client.read_population(&Id::new("pop-1")).await.unwrap().user_count, Some(2));
    read.assert_calls_async(1).await;
    let (list, _) = c
        .expect(
            GET,
            "populations",
            None,
            200,
            json!({ "_embedded": { "populations": [{ "id": "pop-1", "name": "demo-pop" }] } }),
        )
        .await;
    assert_eq!(c.client.list_populations().await.unwrap().len(), 1);
    list.assert_calls_async(1).await;
    let (delete, _) = c.expect(DELETE, "populations/pop-1", None, 204, Value::Null).await;
    c.client.delete_population(&Id::new("pop-1")).await.unwrap();
    delete.assert_calls_async(1).await;

    let user = NewUser {
        username: "ada.example".into(),
        email: "ada@example.test".into(),
        name: Some(Name { given: Some("Ada".into()), family: Some("Example".into()) }),
        population: Some(pingone_core::Ref::to(Id::new("pop-1"))),
    };
    let user_response = json!({ "id": "u-1", "username": "ada.example", "email": "ada@example.test", "enabled": true, "mfaEnabled": false,
        "population": { "id": "pop-1" }, "account": { "canAuthenticate": true, "status": "OK" }, "lifecycle": { "status": "ACCOUNT_OK" } });
    let (create, sent) = c.expect(POST, "users", Some("application/json"), 201, user_response.clone()).await;
    c.client.create_user(&user).await.unwrap();
    create.assert_calls_async(1).await;
    insta::assert_json_snapshot!("create_user", body(&sent), { ".**.id" => "[id]" });
    let (read, _) = c.expect(GET, "users/u-1", None, 200, user_response.clone()).await;
    assert_eq!(c.client.read_user(&Id::new("u-1")).await.unwrap().mfa_enabled, Some(false));
    read.assert_calls_async(1).await;
    let by_name = c
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/environments/{ENV}/users"))
                .query_param("filter", "username eq \"ada.example\"");
            then.status(200).body(json!({ "_embedded": { "users": [user_response] } }).to_string());
        })
        .await;
    assert!(c.client.find_user_by_username("ada.example").await.unwrap().is_some());
    by_name.assert_calls_async(1).await;
    let by_email = c
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/environments/{ENV}/users"))
                .query_param("filter", "email eq \"ada@example.test\"");
            then.status(200).body(r#"{"_embedded":{"users":[]}}"#);
        })
        .await;
    assert!(c.client.list_users(Some("email eq \"ada@example.test\"")).await.unwrap().is_empty());
    by_email.assert_calls_async(1).await;

    let (password, sent) = c
        .expect(
            PUT,
            "users/u-1/password",
            Some("application/vnd.pingidentity.password.set+json"),
            200,
            json!({ "status": "OK" }),
        )
        .await;
    let status = c.client.set_password(&Id::new("u-1"), &Password::new("Corr3ct-Horse-Battery!"), false).await.unwrap();
    assert_eq!(status.status, "OK");
    password.assert_calls_async(1).await;
    let sent_body = body(&sent);
    assert_eq!(sent_body["value"], "Corr3ct-Horse-Battery!", "the password is sent");
    insta::assert_json_snapshot!("set_password", sent_body, { ".value" => "[password]" });

    let (mfa, sent) =
        c.expect(PUT, "users/u-1/mfaEnabled", Some("application/json"), 200, json!({ "mfaEnabled": true })).await;
    assert!(c.client.set_mfa_enabled(&Id::new("u-1"), true).await.unwrap().mfa_enabled);
    mfa.assert_calls_async(1).await;
    insta::assert_json_snapshot!("set_mfa_enabled", body(&sent));
    let (read_mfa, _) = c.expect(GET, "users/u-1/mfaEnabled", None, 200, json!({ "mfaEnabled": true })).await;
    assert!(c.client.read_mfa_enabled(&Id::new("u-1")).await.unwrap().mfa_enabled);
    read_mfa.assert_calls_async(1).await;
    let (delete, _) = c.expect(DELETE, "users/u-1", None, 204, Value::Null).await;
    c.client.delete_user(&Id::new("u-1")).await.unwrap();
    delete.assert_calls_async(1).await;
}

#[tokio::test]
async fn device_policies_and_devices() {
    let c = Contract::new().await;
    let spec =
        DeviceAuthenticationPolicySpec::email_only("EmailOnlyMfa", 8, TimeSpan::minutes(10), 3, TimeSpan::minutes(2));
    let mut response = serde_json::to_value(&spec).unwrap();
    response["id"] = json!("dp-1");
    response["newDeviceNotification"] = json!("EMAIL_THEN_SMS");
    let (create, sent) =
        c.expect(POST, "deviceAuthenticationPolicies", Some("application/json"), 201, response.clone()).await;
    let created = c.client.create_device_authentication_policy(&spec).await.unwrap();
    assert_eq!(created.settings, spec);
    create.assert_calls_async(1).await;
    insta::assert_json_snapshot!("create_device_authentication_policy", body(&sent));
    let (read, _) = c.expect(GET, "deviceAuthenticationPolicies/dp-1", None, 200, response.clone()).await;
    c.client.read_device_authentication_policy(&Id::new("dp-1")).await.unwrap();
    read.assert_calls_async(1).await;
    let (update, _) =
        c.expect(PUT, "deviceAuthenticationPolicies/dp-1", Some("application/json"), 200, response.clone()).await;
    c.client.update_device_authentication_policy(&Id::new("dp-1"), &spec).await.unwrap();
    update.assert_calls_async(1).await;
    let (list, _) = c
        .expect(
            GET,
            "deviceAuthenticationPolicies",
            None,
            200,
            json!({ "_embedded": { "deviceAuthenticationPolicies": [response] } }),
        )
        .await;
    assert_eq!(c.client.list_device_authentication_policies().await.unwrap()[0].name, "EmailOnlyMfa");
    list.assert_calls_async(1).await;
    let (delete, _) = c.expect(DELETE, "deviceAuthenticationPolicies/dp-1", None, 204, Value::Null).await;
    c.client.delete_device_authentication_policy(&Id::new("dp-1")).await.unwrap();
    delete.assert_calls_async(1).await;

    let device_response = json!({ "id": "d-1", "type": "EMAIL", "status": "ACTIVE", "email": "ada@example.test", "user": { "id": "u-1" } });
    let (create, sent) =
        c.expect(POST, "users/u-1/devices", Some("application/json"), 201, device_response.clone()).await;
    let device = c
        .client
        .create_device(&Id::new("u-1"), &DeviceSpec::email("ada@example.test", Some(Id::new("dp-1"))))
        .await
        .unwrap();
    assert_eq!(device.status, Some(DeviceStatus::Active));
    create.assert_calls_async(1).await;
    insta::assert_json_snapshot!("create_email_device", body(&sent), { ".**.id" => "[id]" });
    let (list, _) =
        c.expect(GET, "users/u-1/devices", None, 200, json!({ "_embedded": { "devices": [device_response] } })).await;
    assert_eq!(c.client.list_devices(&Id::new("u-1")).await.unwrap().len(), 1);
    list.assert_calls_async(1).await;
    let (read, _) = c.expect(GET, "users/u-1/devices/d-1", None, 200, device_response.clone()).await;
    assert_eq!(
        c.client.read_device(&Id::new("u-1"), &Id::new("d-1")).await.unwrap().email.as_deref(),
        Some("ada@example.test")
    );
    read.assert_calls_async(1).await;
    let (delete, _) = c.expect(DELETE, "users/u-1/devices/d-1", None, 204, Value::Null).await;
    c.client.delete_device(&Id::new("u-1"), &Id::new("d-1")).await.unwrap();
    delete.assert_calls_async(1).await;
}

#[tokio::test]
async fn errors_keep_pingone_code_details_and_the_step() {
    let c = Contract::new().await;
    c.expect(
        POST,
        "users",
        Some("application/json"),
        400,
        json!({ "id": "e-1", "code": "INVALID_DATA", "message": "validation",
        "details": [{ "code": "UNIQUENESS_VIOLATION", "target": "username", "message": "taken" }] }),
    )
    .await;
    let user = NewUser { username: "ada".into(), email: "ada@example.test".into(), name: None, population: None };
    let err = c.client.create_user(&user).await.unwrap_err();
    assert_eq!(err.operation(), Some(&Operation::Step(Step::CreateUser)));
    assert!(err.has_code(&pingone_core::ErrorCode::UniquenessViolation));
    let api = err.api().unwrap();
    assert_eq!(api.body.details[0].target.as_deref(), Some("username"));
    assert_eq!(api.body.id.as_deref(), Some("e-1"));
}

#[tokio::test]
async fn post_logout_redirect_uris_are_registered_on_the_application() {
    let c = Contract::new().await;
    let mut response = app_response();
    response["postLogoutRedirectUris"] = json!(["https://app.example.test/signed-out"]);
    let (create, sent) = c.expect(POST, "applications", Some("application/json"), 201, response).await;
    let spec = web_app().with_post_logout_redirect_uri("https://app.example.test/signed-out");
    let created = c.client.create_application(&spec).await.unwrap();
    assert_eq!(created.settings.post_logout_redirect_uris, ["https://app.example.test/signed-out"]);
    create.assert_calls_async(1).await;
    insta::assert_json_snapshot!("create_application_with_post_logout_redirect_uris", body(&sent));
    // Without any, the field is not sent (an application as before).
    assert!(serde_json::to_value(web_app()).unwrap().get("postLogoutRedirectUris").is_none());
}

#[tokio::test]
async fn a_login_action_for_a_password_first_policy() {
    let c = Contract::new().await;
    let response = json!({ "id": "a-0", "type": "LOGIN", "priority": 1, "recovery": { "enabled": true },
        "signOnPolicy": { "id": "p-1" } });
    let (create, sent) = c.expect(POST, "signOnPolicies/p-1/actions", Some("application/json"), 201, response).await;
    let action =
        c.client.create_sign_on_policy_action(&Id::new("p-1"), &SignOnPolicyActionSpec::login(1)).await.unwrap();
    assert_eq!(action.settings.kind, ActionType::Login);
    create.assert_calls_async(1).await;
    insta::assert_json_snapshot!("create_login_action", body(&sent));
    // A refusal names the LOGIN action, not the MFA step.
    c.server
        .mock_async(|when, then| {
            when.method(POST).path(format!("/v1/environments/{ENV}/signOnPolicies/p-2/actions"));
            then.status(400)
                .body(r#"{"code":"INVALID_DATA","details":[{"code":"UNIQUENESS_VIOLATION","target":"priority"}]}"#);
        })
        .await;
    let err = c.client.create_sign_on_policy_action(&Id::new("p-2"), &SignOnPolicyActionSpec::login(1)).await;
    let err = err.unwrap_err();
    assert_eq!(err.operation().map(ToString::to_string).as_deref(), Some("create sign-on policy action"));
    assert!(err.has_code(&pingone_core::ErrorCode::UniquenessViolation));
}

#[tokio::test]
async fn the_device_policy_body_carries_every_method_and_the_selection_rule() {
    let c = Contract::new().await;
    let spec = DeviceAuthenticationPolicySpec::email_only("Choose", 6, TimeSpan::minutes(5), 3, TimeSpan::minutes(2))
        .with_device_selection(DeviceSelection::PromptToSelect);
    let mut response = serde_json::to_value(&spec).unwrap();
    response["id"] = json!("dp-2");
    let (create, sent) = c.expect(POST, "deviceAuthenticationPolicies", Some("application/json"), 201, response).await;
    let created = c.client.create_device_authentication_policy(&spec).await.unwrap();
    assert_eq!(created.settings.authentication.map(|a| a.device_selection), Some(DeviceSelection::PromptToSelect));
    create.assert_calls_async(1).await;
    let sent = body(&sent);
    assert_eq!(sent["authentication"]["deviceSelection"], "PROMPT_TO_SELECT");
    // The schema requires sms, voice and email (enabled + otp) and mobile and totp (enabled +
    // otp.failure): a schema-faithful server refuses less.
    for method in ["sms", "voice", "email"] {
        assert!(sent[method]["enabled"].is_boolean(), "{method}");
        assert!(sent[method]["otp"]["lifeTime"].is_object(), "{method}");
        assert!(sent[method]["otp"]["failure"].is_object(), "{method}");
    }
    for method in ["mobile", "totp"] {
        assert!(sent[method]["enabled"].is_boolean(), "{method}");
        assert!(sent[method]["otp"]["failure"]["coolDown"].is_object(), "{method}");
    }
    assert_eq!(sent["default"], false);
    assert_eq!(sent["name"], "Choose");
}

#[tokio::test]
async fn devices_with_a_nickname_and_activation() {
    let c = Contract::new().await;
    let response = json!({ "id": "d-2", "type": "EMAIL", "status": "ACTIVATION_REQUIRED", "email": "ada@example.test",
        "nickname": "Work e-mail", "user": { "id": "u-1" } });
    let (create, sent) = c.expect(POST, "users/u-1/devices", Some("application/json"), 201, response).await;
    let spec =
        DeviceSpec::email("ada@example.test", Some(Id::new("dp-1"))).with_nickname("Work e-mail").activation_required();
    let device = c.client.create_device(&Id::new("u-1"), &spec).await.unwrap();
    assert_eq!(device.status, Some(DeviceStatus::ActivationRequired));
    assert_eq!(device.nickname.as_deref(), Some("Work e-mail"));
    create.assert_calls_async(1).await;
    insta::assert_json_snapshot!("create_email_device_with_nickname", body(&sent), { ".**.id" => "[id]" });

    let activated = json!({ "id": "d-2", "type": "EMAIL", "status": "ACTIVE", "email": "ada@example.test" });
    let (activate, sent) = c
        .expect(
            POST,
            "users/u-1/devices/d-2",
            Some("application/vnd.pingidentity.device.activate+json"),
            200,
            activated,
        )
        .await;
    c.client.activate_device(&Id::new("u-1"), &Id::new("d-2"), &pingone_core::Otp::new("123456")).await.unwrap();
    activate.assert_calls_async(1).await;
    let sent_body = body(&sent);
    assert_eq!(sent_body["otp"], "123456", "the passcode is sent");
    insta::assert_json_snapshot!("activate_device", sent_body, { ".otp" => "[otp]" });
}

#[tokio::test]
async fn a_wrong_activation_passcode_is_a_typed_error_without_the_passcode() {
    let c = Contract::new().await;
    c.expect(
        POST,
        "users/u-1/devices/d-2",
        Some("application/vnd.pingidentity.device.activate+json"),
        400,
        json!({ "id": "e-2", "code": "INVALID_DATA", "message": "validation",
            "details": [{ "code": "INVALID_OTP", "target": "otp", "message": "Invalid OTP" }] }),
    )
    .await;
    let err = c.client.activate_device(&Id::new("u-1"), &Id::new("d-2"), &pingone_core::Otp::new("654321")).await;
    let err = err.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.has_code(&pingone_core::ErrorCode::InvalidOtp));
    assert!(err.to_string().starts_with("activate MFA device (POST "), "{err}");
    assert!(!err.to_string().contains("654321") && !format!("{err:?}").contains("654321"));
}

#[tokio::test]
async fn populations_filtered_on_id_and_name_a_page_at_a_time() {
    let c = Contract::new().await;
    let pop = |id: &str, name: &str| json!({ "id": id, "name": name, "userCount": 0 });
    let by_id = c
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/environments/{ENV}/populations"))
                .query_param("filter", "id eq \"pop-1\"")
                .header("authorization", BEARER);
            then.status(200).body(json!({ "_embedded": { "populations": [pop("pop-1", "one")] } }).to_string());
        })
        .await;
    let found = c.client.find_populations(&PopulationFilter::ById(Id::new("pop-1"))).await.unwrap();
    assert_eq!(found.len(), 1);
    by_id.assert_calls_async(1).await;

    // First page: filter and limit; PingOne's next link carries the cursor.
    let next = c.server.url(format!("/v1/environments/{ENV}/populations?cursor=b2Zmc2V0OjI&limit=2"));
    let first = c
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/environments/{ENV}/populations"))
                .query_param("filter", "name eq \"demo\"")
                .query_param("limit", "2")
                .query_param_missing("cursor");
            then.status(200).body(
                json!({ "_embedded": { "populations": [pop("p-a", "demo"), pop("p-b", "demo")] },
                    "_links": { "next": { "href": next } }, "count": 3, "size": 2 })
                .to_string(),
            );
        })
        .await;
    let filter = PopulationFilter::ByName("demo".into());
    let page = c.client.list_populations_page(Some(&filter), Some(2), None).await.unwrap();
    assert_eq!(page.populations.len(), 2);
    assert_eq!(page.next_cursor.as_deref(), Some("b2Zmc2V0OjI"));
    first.assert_calls_async(1).await;
    // Next page: the cursor is sent back; the last page has no next link.
    let second = c
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/environments/{ENV}/populations"))
                .query_param("filter", "name eq \"demo\"")
                .query_param("limit", "2")
                .query_param("cursor", "b2Zmc2V0OjI");
            then.status(200)
                .body(json!({ "_embedded": { "populations": [pop("p-c", "demo")] }, "size": 1 }).to_string());
        })
        .await;
    let page = c.client.list_populations_page(Some(&filter), Some(2), page.next_cursor.as_deref()).await.unwrap();
    assert_eq!(page.populations.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["p-c"]);
    assert_eq!(page.next_cursor, None);
    second.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_population_page_without_filter_or_limit_sends_no_query() {
    let c = Contract::new().await;
    let plain = c
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/environments/{ENV}/populations"))
                .query_param_missing("filter")
                .query_param_missing("limit")
                .query_param_missing("cursor");
            then.status(200).body(
                json!({ "_embedded": { "populations": [] }, "_links": { "next": { "href": "not a url" } } })
                    .to_string(),
            );
        })
        .await;
    let err = c.client.list_populations_page(None, None, None).await.unwrap_err();
    assert!(err.to_string().contains("_links.next.href is not a URL"), "{err}");
    plain.assert_calls_async(1).await;
}
