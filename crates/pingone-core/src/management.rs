//! Authenticated management-API calls: the worker token added to every request, a `401`
//! answered by one refresh and one retry, and HAL pagination.

use std::collections::HashSet;
use std::sync::Arc;

use reqwest::{Method, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::endpoints::Endpoints;
use crate::error::Error;
use crate::http::HttpClient;
use crate::id::EnvironmentId;
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::step::Operation;
use crate::token::WorkerTokenProvider;

/// The most pages a listing follows before giving up (a guard against a server that loops).
pub(crate) const MAX_PAGES: usize = 1000;

/// Sends management-API requests for one environment with the worker token.
#[derive(Debug, Clone)]
pub struct ManagementTransport {
    http: HttpClient,
    endpoints: Endpoints,
    environment: EnvironmentId,
    tokens: Arc<WorkerTokenProvider>,
}

impl ManagementTransport {
    /// A transport for `environment` (the environment being configured; the worker application
    /// may live in another one).
    #[must_use]
    pub fn new(
        http: HttpClient,
        endpoints: Endpoints,
        environment: EnvironmentId,
        tokens: Arc<WorkerTokenProvider>,
    ) -> Self {
        Self { http, endpoints, environment, tokens }
    }

    /// The environment being configured.
    #[must_use]
    pub fn environment(&self) -> &EnvironmentId {
        &self.environment
    }

    /// The endpoints.
    #[must_use]
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The HTTP client.
    #[must_use]
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The token provider.
    #[must_use]
    pub fn tokens(&self) -> &Arc<WorkerTokenProvider> {
        &self.tokens
    }

    /// `{management}/environments/{envID}/{segments...}`.
    #[must_use]
    pub fn url(&self, segments: &[&str]) -> Url {
        self.endpoints.management_url(&self.environment, segments)
    }

    /// Sends `request` with the worker token. A `401` causes one token refresh and one retry; a
    /// second `401` is returned as the error. Non-2xx responses become typed errors.
    ///
    /// # Errors
    /// The typed error of the response, a token error, or a transport error.
    pub async fn send(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        if !self.endpoints.is_management_origin(request.url()) {
            return Err(Error::Build {
                operation: request.operation().clone(),
                message: "refusing to send the worker token to a host other than the management base".into(),
            });
        }
        let token = self.tokens.token().await?;
        let response = self.http.execute(&request.clone().bearer(&token)?).await?;
        if response.status() != 401 {
            return response.error_for_status();
        }
        tracing::debug!(operation = %request.operation(), "401: refreshing the worker token once");
        let token = self.tokens.refresh_after_rejection(&token).await?;
        self.http.execute(&request.bearer(&token)?).await?.error_for_status()
    }

    /// Sends `request` and decodes the success body.
    ///
    /// # Errors
    /// As [`ManagementTransport::send`], or [`Error::UnexpectedResponse`] when the body does
    /// not match `T`.
    pub async fn send_json<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T, Error> {
        self.send(request).await?.json()
    }

    /// Reads every page of a HAL collection, following `_links.next.href` verbatim, and returns
    /// the items of `_embedded.<embedded>` from all pages.
    ///
    /// # Errors
    /// As [`ManagementTransport::send`]; [`Error::Protocol`] when a `next` link points at
    /// another host, repeats a page, or the pages exceed 1000.
    pub async fn list_all<T: DeserializeOwned>(
        &self,
        operation: impl Into<Operation>,
        first: Url,
        embedded: &str,
    ) -> Result<Vec<T>, Error> {
        let operation = operation.into();
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        let mut next = Some(first);
        while let Some(url) = next.take() {
            let request = ApiRequest::new(operation.clone(), Method::GET, url.clone());
            if !seen.insert(url.to_string()) || seen.len() > MAX_PAGES {
                return Err(Error::Protocol {
                    context: Box::new(request.context()),
                    message: "pagination repeats a page or does not end".into(),
                });
            }
            let response = self.send(request).await?;
            let page: Page = response.json()?;
            if let Some(list) = page.embedded.get(embedded) {
                let parsed: Vec<T> = serde_json::from_value(list.clone()).map_err(|e| {
                    response.unexpected(format!("_embedded.{embedded} does not match the expected shape: {e}"))
                })?;
                items.extend(parsed);
            }
            if let Some(href) = page.links.next.map(|l| l.href) {
                let url = Url::parse(&href).map_err(|_| response.protocol_error("_links.next.href is not a URL"))?;
                if !self.endpoints.is_management_origin(&url) {
                    return Err(response.protocol_error("_links.next points at another host"));
                }
                next = Some(url);
            }
        }
        Ok(items)
    }
}

#[derive(Deserialize)]
struct Page {
    #[serde(rename = "_embedded", default)]
    embedded: serde_json::Map<String, serde_json::Value>,
    #[serde(rename = "_links", default)]
    links: PageLinks,
}

#[derive(Deserialize, Default)]
struct PageLinks {
    #[serde(default)]
    next: Option<Link>,
}

/// A HAL link, `{ "href": "..." }`.
#[derive(Deserialize)]
struct Link {
    href: String,
}
