//! `ManagementClient`: one method per management call, typed IDs in and out.

use std::sync::Arc;

use pingone_core::{
    ApiRequest, ClientSecret, Endpoints, EnvironmentId, Error, HttpClient, Id, ManagementTransport, Method, Password,
    Ref, Url, WorkerCredentials, WorkerTokenProvider,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::{
    Application, ApplicationSecret, ApplicationSummary, Device, DeviceAuthenticationPolicy,
    DeviceAuthenticationPolicySpec, DeviceAuthenticationPolicySummary, DeviceSpec, Grant, GrantSpec, MfaEnabled,
    NewUser, OidcApplication, PasswordSet, PasswordStatus, Population, PopulationSpec, Resource, Scope, SignOnPolicy,
    SignOnPolicyAction, SignOnPolicyActionSpec, SignOnPolicyAssignment, SignOnPolicyAssignmentSpec, SignOnPolicySpec,
    User,
};

/// `application/json`.
pub(crate) const JSON: &str = "application/json";
/// The media type that selects "set password" on `PUT .../password`.
pub(crate) const PASSWORD_SET: &str = "application/vnd.pingidentity.password.set+json";

/// The management API of one environment.
#[derive(Debug, Clone)]
pub struct ManagementClient {
    transport: ManagementTransport,
}

/// Quotes a value for a SCIM filter (`username eq "..."`).
fn filter_value(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

impl ManagementClient {
    /// A client over an existing transport.
    #[must_use]
    pub fn new(transport: ManagementTransport) -> Self {
        Self { transport }
    }

    /// A client for `environment`, authenticating with a worker application.
    #[must_use]
    pub fn connect(
        http: HttpClient,
        endpoints: Endpoints,
        environment: EnvironmentId,
        worker: WorkerCredentials,
    ) -> Self {
        let tokens = Arc::new(WorkerTokenProvider::new(http.clone(), endpoints.clone(), worker));
        Self::new(ManagementTransport::new(http, endpoints, environment, tokens))
    }

    /// The transport (HTTP client, endpoints, token provider).
    #[must_use]
    pub fn transport(&self) -> &ManagementTransport {
        &self.transport
    }

    fn url(&self, segments: &[&str]) -> Url {
        self.transport.url(segments)
    }

    async fn get<T: DeserializeOwned>(&self, operation: &'static str, segments: &[&str]) -> Result<T, Error> {
        self.transport.send_json(ApiRequest::new(operation, Method::GET, self.url(segments))).await
    }

    async fn list<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        segments: &[&str],
        embedded: &str,
    ) -> Result<Vec<T>, Error> {
        self.transport.list_all(operation, self.url(segments), embedded).await
    }

    async fn list_filtered<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        segments: &[&str],
        embedded: &str,
        filter: &str,
    ) -> Result<Vec<T>, Error> {
        let mut url = self.url(segments);
        url.query_pairs_mut().append_pair("filter", filter);
        self.transport.list_all(operation, url, embedded).await
    }

    async fn send_body<B: Serialize, T: DeserializeOwned>(
        &self,
        operation: &'static str,
        method: Method,
        segments: &[&str],
        content_type: &str,
        body: &B,
    ) -> Result<T, Error> {
        let request = ApiRequest::new(operation, method, self.url(segments)).json(content_type, body)?;
        self.transport.send_json(request).await
    }

    async fn delete(&self, operation: &'static str, segments: &[&str]) -> Result<(), Error> {
        self.transport.send(ApiRequest::new(operation, Method::DELETE, self.url(segments))).await.map(|_| ())
    }

    // ---------------------------------------------------------------- applications

    /// Step 1: `POST /applications`.
    ///
    /// # Errors
    /// PingOne's error (`400 INVALID_DATA` with details, `403`, ...) or a transport error.
    pub async fn create_application(&self, spec: &OidcApplication) -> Result<Application, Error> {
        self.send_body("step 1: create application", Method::POST, &["applications"], JSON, spec).await
    }

    /// `GET /applications/{id}`.
    ///
    /// # Errors
    /// `404` for an unknown ID; other errors as for every call.
    pub async fn read_application(&self, id: &Id<Application>) -> Result<Application, Error> {
        self.get("read application", &["applications", id.as_str()]).await
    }

    /// `GET /applications` (every page).
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_applications(&self) -> Result<Vec<ApplicationSummary>, Error> {
        self.list("list applications", &["applications"], "applications").await
    }

    /// `PUT /applications/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn update_application(&self, id: &Id<Application>, spec: &OidcApplication) -> Result<Application, Error> {
        self.send_body("update application", Method::PUT, &["applications", id.as_str()], JSON, spec).await
    }

    /// `DELETE /applications/{id}`.
    ///
    /// # Errors
    /// `404` when already gone; other errors as for every call.
    pub async fn delete_application(&self, id: &Id<Application>) -> Result<(), Error> {
        self.delete("delete application", &["applications", id.as_str()]).await
    }

    /// Step 19: `GET /applications/{id}/secret`.
    ///
    /// # Errors
    /// `403 ACCESS_FAILED` when the worker may not read secrets; other errors as for every call.
    pub async fn read_application_secret(&self, id: &Id<Application>) -> Result<ClientSecret, Error> {
        let request = ApiRequest::new(
            "step 19: read application secret",
            Method::GET,
            self.url(&["applications", id.as_str(), "secret"]),
        )
        .sensitive_response();
        let secret: ApplicationSecret = self.transport.send_json(request).await?;
        Ok(secret.secret)
    }

    // ---------------------------------------------------------------- resources, scopes, grants

    /// Step 2: `GET /resources`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_resources(&self) -> Result<Vec<Resource>, Error> {
        self.list("step 2: list resources", &["resources"], "resources").await
    }

    /// Step 3: `GET /resources/{id}/scopes`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_scopes(&self, resource: &Id<Resource>) -> Result<Vec<Scope>, Error> {
        self.list("step 3: list scopes", &["resources", resource.as_str(), "scopes"], "scopes").await
    }

    /// Step 4: `POST /applications/{id}/grants`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn create_grant(&self, application: &Id<Application>, spec: &GrantSpec) -> Result<Grant, Error> {
        self.send_body(
            "step 4: create resource grant",
            Method::POST,
            &["applications", application.as_str(), "grants"],
            JSON,
            spec,
        )
        .await
    }

    /// `GET /applications/{id}/grants`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_grants(&self, application: &Id<Application>) -> Result<Vec<Grant>, Error> {
        self.list("list resource grants", &["applications", application.as_str(), "grants"], "grants").await
    }

    /// `GET /applications/{id}/grants/{grantID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_grant(&self, application: &Id<Application>, grant: &Id<Grant>) -> Result<Grant, Error> {
        self.get("read resource grant", &["applications", application.as_str(), "grants", grant.as_str()]).await
    }

    /// `DELETE /applications/{id}/grants/{grantID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_grant(&self, application: &Id<Application>, grant: &Id<Grant>) -> Result<(), Error> {
        self.delete("delete resource grant", &["applications", application.as_str(), "grants", grant.as_str()]).await
    }

    // ---------------------------------------------------------------- sign-on policies

    /// Step 5: `POST /signOnPolicies`.
    ///
    /// # Errors
    /// `400 INVALID_DATA` / `UNIQUENESS_VIOLATION` for a taken name; other errors as for every call.
    pub async fn create_sign_on_policy(&self, spec: &SignOnPolicySpec) -> Result<SignOnPolicy, Error> {
        self.send_body("step 5: create sign-on policy", Method::POST, &["signOnPolicies"], JSON, spec).await
    }

    /// `GET /signOnPolicies`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_sign_on_policies(&self) -> Result<Vec<SignOnPolicy>, Error> {
        self.list("list sign-on policies", &["signOnPolicies"], "signOnPolicies").await
    }

    /// `GET /signOnPolicies/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_sign_on_policy(&self, id: &Id<SignOnPolicy>) -> Result<SignOnPolicy, Error> {
        self.get("read sign-on policy", &["signOnPolicies", id.as_str()]).await
    }

    /// `DELETE /signOnPolicies/{id}` (its actions go with it).
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_sign_on_policy(&self, id: &Id<SignOnPolicy>) -> Result<(), Error> {
        self.delete("delete sign-on policy", &["signOnPolicies", id.as_str()]).await
    }

    /// Step 6: `POST /signOnPolicies/{id}/actions`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn create_sign_on_policy_action(
        &self,
        policy: &Id<SignOnPolicy>,
        spec: &SignOnPolicyActionSpec,
    ) -> Result<SignOnPolicyAction, Error> {
        self.send_body(
            "step 6: create MFA sign-on policy action",
            Method::POST,
            &["signOnPolicies", policy.as_str(), "actions"],
            JSON,
            spec,
        )
        .await
    }

    /// `GET /signOnPolicies/{id}/actions`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_sign_on_policy_actions(
        &self,
        policy: &Id<SignOnPolicy>,
    ) -> Result<Vec<SignOnPolicyAction>, Error> {
        self.list("list sign-on policy actions", &["signOnPolicies", policy.as_str(), "actions"], "actions").await
    }

    /// `GET /signOnPolicies/{id}/actions/{actionID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_sign_on_policy_action(
        &self,
        policy: &Id<SignOnPolicy>,
        action: &Id<SignOnPolicyAction>,
    ) -> Result<SignOnPolicyAction, Error> {
        self.get("read sign-on policy action", &["signOnPolicies", policy.as_str(), "actions", action.as_str()]).await
    }

    /// `DELETE /signOnPolicies/{id}/actions/{actionID}` (PingOne refuses to delete a policy's last
    /// action: delete the policy instead).
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_sign_on_policy_action(
        &self,
        policy: &Id<SignOnPolicy>,
        action: &Id<SignOnPolicyAction>,
    ) -> Result<(), Error> {
        self.delete("delete sign-on policy action", &["signOnPolicies", policy.as_str(), "actions", action.as_str()])
            .await
    }

    /// `PUT /signOnPolicies/{id}/actions/{actionID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn update_sign_on_policy_action(
        &self,
        policy: &Id<SignOnPolicy>,
        action: &Id<SignOnPolicyAction>,
        spec: &SignOnPolicyActionSpec,
    ) -> Result<SignOnPolicyAction, Error> {
        self.send_body(
            "update sign-on policy action",
            Method::PUT,
            &["signOnPolicies", policy.as_str(), "actions", action.as_str()],
            JSON,
            spec,
        )
        .await
    }

    /// Step 7: `POST /applications/{id}/signOnPolicyAssignments`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn create_sign_on_policy_assignment(
        &self,
        application: &Id<Application>,
        spec: &SignOnPolicyAssignmentSpec,
    ) -> Result<SignOnPolicyAssignment, Error> {
        self.send_body(
            "step 7: assign sign-on policy",
            Method::POST,
            &["applications", application.as_str(), "signOnPolicyAssignments"],
            JSON,
            spec,
        )
        .await
    }

    /// `GET /applications/{id}/signOnPolicyAssignments`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_sign_on_policy_assignments(
        &self,
        application: &Id<Application>,
    ) -> Result<Vec<SignOnPolicyAssignment>, Error> {
        self.list(
            "list sign-on policy assignments",
            &["applications", application.as_str(), "signOnPolicyAssignments"],
            "signOnPolicyAssignments",
        )
        .await
    }

    /// `GET /applications/{id}/signOnPolicyAssignments/{assignmentID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_sign_on_policy_assignment(
        &self,
        application: &Id<Application>,
        id: &Id<SignOnPolicyAssignment>,
    ) -> Result<SignOnPolicyAssignment, Error> {
        self.get(
            "read sign-on policy assignment",
            &["applications", application.as_str(), "signOnPolicyAssignments", id.as_str()],
        )
        .await
    }

    /// `DELETE /applications/{id}/signOnPolicyAssignments/{assignmentID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_sign_on_policy_assignment(
        &self,
        application: &Id<Application>,
        id: &Id<SignOnPolicyAssignment>,
    ) -> Result<(), Error> {
        self.delete(
            "delete sign-on policy assignment",
            &["applications", application.as_str(), "signOnPolicyAssignments", id.as_str()],
        )
        .await
    }

    // ---------------------------------------------------------------- populations and users

    /// Step 8: `POST /populations`.
    ///
    /// # Errors
    /// `400 INVALID_DATA` / `UNIQUENESS_VIOLATION` for a taken name; other errors as for every call.
    pub async fn create_population(&self, spec: &PopulationSpec) -> Result<Population, Error> {
        self.send_body("step 8: create population", Method::POST, &["populations"], JSON, spec).await
    }

    /// `GET /populations?filter=name eq "..."`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn find_populations_by_name(&self, name: &str) -> Result<Vec<Population>, Error> {
        let filter = format!("name eq \"{}\"", filter_value(name));
        self.list_filtered("find population by name", &["populations"], "populations", &filter).await
    }

    /// `GET /populations/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_population(&self, id: &Id<Population>) -> Result<Population, Error> {
        self.get("read population", &["populations", id.as_str()]).await
    }

    /// `GET /populations` (every page).
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_populations(&self) -> Result<Vec<Population>, Error> {
        self.list("list populations", &["populations"], "populations").await
    }

    /// `DELETE /populations/{id}` (PingOne refuses while it has users).
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_population(&self, id: &Id<Population>) -> Result<(), Error> {
        self.delete("delete population", &["populations", id.as_str()]).await
    }

    /// Step 9: `POST /users`.
    ///
    /// # Errors
    /// `400 INVALID_DATA` / `UNIQUENESS_VIOLATION` for a taken username; other errors as for every call.
    pub async fn create_user(&self, user: &NewUser) -> Result<User, Error> {
        self.send_body("step 9: create user", Method::POST, &["users"], JSON, user).await
    }

    /// `GET /users/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_user(&self, id: &Id<User>) -> Result<User, Error> {
        self.get("read user", &["users", id.as_str()]).await
    }

    /// `GET /users?filter=username eq "..."`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn find_user_by_username(&self, username: &str) -> Result<Option<User>, Error> {
        let filter = format!("username eq \"{}\"", filter_value(username));
        let users: Vec<User> = self.list_filtered("find user by username", &["users"], "users", &filter).await?;
        Ok(users.into_iter().find(|u| u.username.eq_ignore_ascii_case(username)))
    }

    /// `GET /users?filter=...` with any SCIM filter PingOne supports (`email eq "..."`,
    /// `population.id eq "..."`), every page.
    ///
    /// # Errors
    /// As for every call (`400 INVALID_FILTER` for a filter PingOne does not support).
    pub async fn list_users(&self, filter: Option<&str>) -> Result<Vec<User>, Error> {
        match filter {
            Some(filter) => self.list_filtered("list users", &["users"], "users", filter).await,
            None => self.list("list users", &["users"], "users").await,
        }
    }

    /// `DELETE /users/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_user(&self, id: &Id<User>) -> Result<(), Error> {
        self.delete("delete user", &["users", id.as_str()]).await
    }

    /// Step 10: `PUT /users/{id}/password` with `application/vnd.pingidentity.password.set+json`.
    ///
    /// # Errors
    /// `400 INVALID_DATA` when the password policy refuses it; other errors as for every call.
    pub async fn set_password(
        &self,
        user: &Id<User>,
        password: &Password,
        force_change: bool,
    ) -> Result<PasswordStatus, Error> {
        let body = PasswordSet { value: password.clone(), force_change };
        self.send_body("step 10: set password", Method::PUT, &["users", user.as_str(), "password"], PASSWORD_SET, &body)
            .await
    }

    /// Step 11: `PUT /users/{id}/mfaEnabled`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn set_mfa_enabled(&self, user: &Id<User>, enabled: bool) -> Result<MfaEnabled, Error> {
        self.send_body(
            "step 11: enable MFA",
            Method::PUT,
            &["users", user.as_str(), "mfaEnabled"],
            JSON,
            &MfaEnabled { mfa_enabled: enabled },
        )
        .await
    }

    /// `GET /users/{id}/mfaEnabled`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_mfa_enabled(&self, user: &Id<User>) -> Result<MfaEnabled, Error> {
        self.get("read mfaEnabled", &["users", user.as_str(), "mfaEnabled"]).await
    }

    // ---------------------------------------------------------------- MFA

    /// Step 12: `POST /deviceAuthenticationPolicies`.
    ///
    /// # Errors
    /// `403` without an MFA licence; other errors as for every call.
    pub async fn create_device_authentication_policy(
        &self,
        spec: &DeviceAuthenticationPolicySpec,
    ) -> Result<DeviceAuthenticationPolicy, Error> {
        self.send_body(
            "step 12: create device authentication policy",
            Method::POST,
            &["deviceAuthenticationPolicies"],
            JSON,
            spec,
        )
        .await
    }

    /// `GET /deviceAuthenticationPolicies/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_device_authentication_policy(
        &self,
        id: &Id<DeviceAuthenticationPolicy>,
    ) -> Result<DeviceAuthenticationPolicy, Error> {
        self.get("read device authentication policy", &["deviceAuthenticationPolicies", id.as_str()]).await
    }

    /// `GET /deviceAuthenticationPolicies`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_device_authentication_policies(&self) -> Result<Vec<DeviceAuthenticationPolicySummary>, Error> {
        self.list(
            "list device authentication policies",
            &["deviceAuthenticationPolicies"],
            "deviceAuthenticationPolicies",
        )
        .await
    }

    /// `PUT /deviceAuthenticationPolicies/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn update_device_authentication_policy(
        &self,
        id: &Id<DeviceAuthenticationPolicy>,
        spec: &DeviceAuthenticationPolicySpec,
    ) -> Result<DeviceAuthenticationPolicy, Error> {
        self.send_body(
            "update device authentication policy",
            Method::PUT,
            &["deviceAuthenticationPolicies", id.as_str()],
            JSON,
            spec,
        )
        .await
    }

    /// `DELETE /deviceAuthenticationPolicies/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_device_authentication_policy(&self, id: &Id<DeviceAuthenticationPolicy>) -> Result<(), Error> {
        self.delete("delete device authentication policy", &["deviceAuthenticationPolicies", id.as_str()]).await
    }

    /// Step 13: `POST /users/{id}/devices` (plain JSON: create).
    ///
    /// # Errors
    /// As for every call.
    pub async fn create_device(&self, user: &Id<User>, spec: &DeviceSpec) -> Result<Device, Error> {
        self.send_body("step 13: create EMAIL device", Method::POST, &["users", user.as_str(), "devices"], JSON, spec)
            .await
    }

    /// `GET /users/{id}/devices`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_devices(&self, user: &Id<User>) -> Result<Vec<Device>, Error> {
        self.list("list devices", &["users", user.as_str(), "devices"], "devices").await
    }

    /// `GET /users/{id}/devices/{deviceID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_device(&self, user: &Id<User>, device: &Id<Device>) -> Result<Device, Error> {
        self.get("read device", &["users", user.as_str(), "devices", device.as_str()]).await
    }

    /// `DELETE /users/{id}/devices/{deviceID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_device(&self, user: &Id<User>, device: &Id<Device>) -> Result<(), Error> {
        self.delete("delete device", &["users", user.as_str(), "devices", device.as_str()]).await
    }
}

/// A reference to `id` (shorthand for bodies).
#[must_use]
pub(crate) fn reference<T: ?Sized>(id: &Id<T>) -> Ref<T> {
    Ref::to(id.clone())
}
