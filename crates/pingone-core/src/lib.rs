//! # pingone-core
//!
//! The foundation shared by the PingOne provisioning and sign-on crates: regions and endpoints,
//! one HTTP layer (capped bodies, no redirects, retries, tracing), PingOne's error model, secret
//! newtypes, typed IDs, the worker token, and HAL pagination.
//!
//! ```no_run
//! use std::sync::Arc;
//! use pingone_core::{
//!     ClientSecret, Endpoints, EnvironmentId, HttpClient, ManagementTransport, Region,
//!     Step, WorkerCredentials, WorkerTokenProvider,
//! };
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let environment: EnvironmentId = "7d2c1a4e-5b3f-4c8e-9a61-2f0e8b3d4c11".parse()?;
//! let endpoints = Endpoints::for_region(Region::Europe);
//! let http = HttpClient::new()?;
//! let tokens = Arc::new(WorkerTokenProvider::new(
//!     http.clone(),
//!     endpoints.clone(),
//!     WorkerCredentials::basic(
//!         environment.clone(),
//!         "worker-client-id",
//!         ClientSecret::new(std::env::var("PINGONE_CLIENT_SECRET")?),
//!     ),
//! ));
//! let management = ManagementTransport::new(http, endpoints, environment, tokens);
//! let resources: Vec<serde_json::Value> = management
//!     .list_all(Step::ListResources, management.url(&["resources"]), "resources")
//!     .await?;
//! println!("{} resources", resources.len());
//! # Ok(()) }
//! ```

// Server data (lifetimes, dates, lengths) reaches arithmetic here: overflow is checked or
// saturated explicitly, never left to wrap in release or panic in debug.
#![warn(clippy::arithmetic_side_effects)]

mod body;
mod client_auth;
mod clock;
pub mod danger;
mod deadline;
mod endpoints;
mod error;
mod error_body;
mod http;
mod id;
#[doc(hidden)]
pub mod internal;
mod management;
mod otp;
#[cfg(test)]
mod parser_properties;
mod proxy;
mod request;
mod response;
mod retry;
mod secret;
mod step;
mod string_enum;
mod token;

pub use client_auth::ClientAuth;
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use endpoints::{EndpointError, Endpoints, Region, UnknownRegion};
pub use error::{ApiError, Error, OAuthError, RequestContext, TransportError, TransportKind, UnexpectedResponse};
pub use error_body::{ErrorBody, ErrorCode, ErrorDetail, OAuthErrorBody};
pub use http::{CORRELATION_HEADER, Exchange, ExchangeObserver, HttpClient, HttpConfig};
pub use id::{EnvironmentId, Id, InvalidEnvironmentId, Ref};
pub use management::ManagementTransport;
pub use otp::InvalidOtp;
pub use proxy::{InvalidProxy, ProxyConfig};
pub use request::ApiRequest;
pub use response::ApiResponse;
pub use retry::RetryPolicy;
pub use secret::{
    AccessToken, AuthorizationCode, ClientSecret, CookieValue, IdToken, Otp, Password, PkceVerifier, RefreshToken,
    StateToken,
};
pub use step::{ObjectKind, Operation, Step};
pub use token::{WorkerCredentials, WorkerSecretRequired, WorkerTokenProvider};

/// Re-exported so that callers can name methods and URLs without depending on `reqwest`.
pub use reqwest::header::HeaderMap;
pub use reqwest::{Method, Url};
