//! `ManagementClient`: one method per management call, typed IDs in and out.

mod applications;
mod mfa;
mod policies;
mod populations;
mod users;

use std::sync::Arc;

use pingone_core::{
    ApiRequest, Endpoints, EnvironmentId, Error, HttpClient, Id, ManagementTransport, Method, Operation, Ref, Url,
    WorkerCredentials, WorkerTokenProvider,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// `application/json`.
pub(crate) const JSON: &str = "application/json";
/// The media type that selects "set password" on `PUT .../password`.
pub(crate) const PASSWORD_SET: &str = "application/vnd.pingidentity.password.set+json";
/// The media type that selects "activate" on `POST .../devices/{deviceID}`.
pub(crate) const DEVICE_ACTIVATE: &str = "application/vnd.pingidentity.device.activate+json";

pub use populations::{PopulationFilter, PopulationPage};

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

    async fn get<T: DeserializeOwned>(&self, operation: Operation, segments: &[&str]) -> Result<T, Error> {
        self.transport.send_json(ApiRequest::new(operation, Method::GET, self.url(segments))).await
    }

    async fn list<T: DeserializeOwned>(
        &self,
        operation: Operation,
        segments: &[&str],
        embedded: &str,
    ) -> Result<Vec<T>, Error> {
        self.transport.list_all(operation, self.url(segments), embedded).await
    }

    async fn list_filtered<T: DeserializeOwned>(
        &self,
        operation: Operation,
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
        operation: Operation,
        method: Method,
        segments: &[&str],
        content_type: &str,
        body: &B,
    ) -> Result<T, Error> {
        let request = ApiRequest::new(operation, method, self.url(segments)).json(content_type, body)?;
        self.transport.send_json(request).await
    }

    async fn delete(&self, operation: Operation, segments: &[&str]) -> Result<(), Error> {
        self.transport.send(ApiRequest::new(operation, Method::DELETE, self.url(segments))).await.map(|_| ())
    }
}

/// A reference to `id` (shorthand for bodies).
#[must_use]
pub(crate) fn reference<T: ?Sized>(id: &Id<T>) -> Ref<T> {
    Ref::to(id.clone())
}
