//! # pingone-mfa
//!
//! PingOne Email MFA for Rust: the management API provisioning, the sign-on flow as typestates,
//! and (as a dev-dependency) an offline PingOne simulator. This facade re-exports the member
//! crates:
//!
//! - [`core`] ([`pingone_core`]): endpoints and regions, HTTP, errors, secrets, typed IDs, the
//!   worker token.
//! - [`provisioning`] ([`pingone_provisioning`]): the management API and the Email MFA setup.
//! - [`flow`] ([`pingone_flow`]): the typestate sign-on flow and sealed stages.
//! - [`session`] ([`pingone_session`]): where a sign-on waits between web requests (memory,
//!   Redis with the `redis` feature, or a sealed cookie), single-use.
//!
//! ```
//! use pingone_mfa::core::{Endpoints, Region};
//!
//! let endpoints = Endpoints::for_region(Region::Europe);
//! assert_eq!(endpoints.management_base().as_str(), "https://api.pingone.eu/v1");
//! ```

pub use pingone_core as core;
pub use pingone_flow as flow;
pub use pingone_provisioning as provisioning;
pub use pingone_session as session;

use pingone_flow::{ClientAuth, OidcApp};
use pingone_provisioning::Provisioned;
use pingone_provisioning::model::TokenEndpointAuthMethod;

/// Joins provisioning and the flow: the application settings the sign-on needs, from what the
/// setup provisioned (the two crates never depend on each other; this is plain data).
#[must_use]
pub fn oidc_app(provisioned: &Provisioned) -> OidcApp {
    let auth = match provisioned.token_endpoint_auth_method {
        TokenEndpointAuthMethod::ClientSecretPost => ClientAuth::SecretPost(provisioned.client_secret.clone()),
        TokenEndpointAuthMethod::None => ClientAuth::None,
        _ => ClientAuth::SecretBasic(provisioned.client_secret.clone()),
    };
    let scopes: Vec<&str> = provisioned.scopes.iter().map(String::as_str).collect();
    OidcApp::new(provisioned.client_id.as_str(), provisioned.redirect_uri.clone(), &scopes, auth)
}

/// The README's code sample, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
