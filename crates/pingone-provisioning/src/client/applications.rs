//! Steps 1–4 and 19: the application, the `openid` resource and its scopes, grants, the secret.

use pingone_core::{ApiRequest, ClientSecret, Error, Id, Method, ObjectKind, Operation, Step};

use super::{JSON, ManagementClient};
use crate::model::{
    Application, ApplicationSecret, ApplicationSummary, Grant, GrantSpec, OidcApplication, Resource, Scope,
};

impl ManagementClient {
    /// Step 1: `POST /applications`.
    ///
    /// # Errors
    /// PingOne's error (`400 INVALID_DATA` with details, `403`, ...) or a transport error.
    pub async fn create_application(&self, spec: &OidcApplication) -> Result<Application, Error> {
        self.send_body(Step::CreateApplication.into(), Method::POST, &["applications"], JSON, spec).await
    }

    /// `GET /applications/{id}`.
    ///
    /// # Errors
    /// `404` for an unknown ID; other errors as for every call.
    pub async fn read_application(&self, id: &Id<Application>) -> Result<Application, Error> {
        self.get(Operation::Read(ObjectKind::Application), &["applications", id.as_str()]).await
    }

    /// `GET /applications` (every page).
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_applications(&self) -> Result<Vec<ApplicationSummary>, Error> {
        self.list(Operation::List(ObjectKind::Application), &["applications"], "applications").await
    }

    /// `GET /applications`, every entry as sent (PingOne lists whole applications), for the
    /// setup's lookup by name.
    pub(crate) async fn list_applications_as_sent(&self) -> Result<Vec<serde_json::Value>, Error> {
        self.list(Operation::Find(ObjectKind::Application), &["applications"], "applications").await
    }

    /// `PUT /applications/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn update_application(&self, id: &Id<Application>, spec: &OidcApplication) -> Result<Application, Error> {
        self.send_body(
            Operation::Update(ObjectKind::Application),
            Method::PUT,
            &["applications", id.as_str()],
            JSON,
            spec,
        )
        .await
    }

    /// `DELETE /applications/{id}`.
    ///
    /// # Errors
    /// `404` when already gone; other errors as for every call.
    pub async fn delete_application(&self, id: &Id<Application>) -> Result<(), Error> {
        self.delete(Operation::Delete(ObjectKind::Application), &["applications", id.as_str()]).await
    }

    /// Step 19: `GET /applications/{id}/secret`.
    ///
    /// # Errors
    /// `403 ACCESS_FAILED` when the worker may not read secrets; other errors as for every call.
    pub async fn read_application_secret(&self, id: &Id<Application>) -> Result<ClientSecret, Error> {
        let request = ApiRequest::new(
            Step::ReadApplicationSecret,
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
        self.list(Step::ListResources.into(), &["resources"], "resources").await
    }

    /// Step 3: `GET /resources/{id}/scopes`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_scopes(&self, resource: &Id<Resource>) -> Result<Vec<Scope>, Error> {
        self.list(Step::ListScopes.into(), &["resources", resource.as_str(), "scopes"], "scopes").await
    }

    /// Step 4: `POST /applications/{id}/grants`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn create_grant(&self, application: &Id<Application>, spec: &GrantSpec) -> Result<Grant, Error> {
        self.send_body(
            Step::CreateGrant.into(),
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
        self.list(Operation::List(ObjectKind::Grant), &["applications", application.as_str(), "grants"], "grants").await
    }

    /// `GET /applications/{id}/grants/{grantID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_grant(&self, application: &Id<Application>, grant: &Id<Grant>) -> Result<Grant, Error> {
        self.get(Operation::Read(ObjectKind::Grant), &["applications", application.as_str(), "grants", grant.as_str()])
            .await
    }

    /// `DELETE /applications/{id}/grants/{grantID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_grant(&self, application: &Id<Application>, grant: &Id<Grant>) -> Result<(), Error> {
        self.delete(
            Operation::Delete(ObjectKind::Grant),
            &["applications", application.as_str(), "grants", grant.as_str()],
        )
        .await
    }
}
