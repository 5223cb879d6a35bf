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

#[cfg(feature = "testing")]
pub mod testing;

use pingone_core::ClientAuth;
use pingone_flow::OidcApp;
use pingone_provisioning::Provisioned;
use pingone_provisioning::model::TokenEndpointAuthMethod;

/// Joins provisioning and the flow: the application settings the sign-on needs, from what the
/// setup provisioned (the two crates never depend on each other; this is plain data).
///
/// # Errors
/// [`UnsupportedAuthMethod`] when the application authenticates with a method the sign-on cannot
/// perform (`PRIVATE_KEY_JWT`, `CLIENT_SECRET_JWT`, or a value this crate does not know): the
/// token exchange would fail, so it is refused here instead of guessing.
pub fn oidc_app(provisioned: &Provisioned) -> Result<OidcApp, UnsupportedAuthMethod> {
    let secret = || provisioned.client_secret.clone();
    let auth = match &provisioned.token_endpoint_auth_method {
        TokenEndpointAuthMethod::ClientSecretBasic => ClientAuth::SecretBasic(secret()),
        TokenEndpointAuthMethod::ClientSecretPost => ClientAuth::SecretPost(secret()),
        TokenEndpointAuthMethod::None => ClientAuth::None,
        other => return Err(UnsupportedAuthMethod(other.clone())),
    };
    let scopes: Vec<&str> = provisioned.scopes.iter().map(String::as_str).collect();
    Ok(OidcApp::new(provisioned.client_id.as_str(), provisioned.redirect_uri.clone(), &scopes, auth))
}

/// The provisioned application's token-endpoint authentication method is one the sign-on cannot
/// perform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedAuthMethod(pub TokenEndpointAuthMethod);

impl std::fmt::Display for UnsupportedAuthMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the application's token endpoint auth method {} is not supported by the sign-on \
             (use CLIENT_SECRET_BASIC, CLIENT_SECRET_POST or NONE)",
            self.0
        )
    }
}

impl std::error::Error for UnsupportedAuthMethod {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn provisioned(method: &str) -> Provisioned {
        let ids = ["application", "grant", "sign_on_policy", "action", "assignment", "population", "user"]
            .into_iter()
            .chain(["device_policy", "device"]);
        let ids: serde_json::Map<String, serde_json::Value> = ids.map(|k| (k.to_owned(), k.into())).collect();
        let outcomes: serde_json::Map<String, serde_json::Value> =
            ids.keys().map(|k| (k.clone(), "Created".into())).collect();
        serde_json::from_value(serde_json::json!({
            "client_id": "app-1", "client_secret": "app-secret", "redirect_uri": "https://app.example.test/cb",
            "token_endpoint_auth_method": method, "scopes": ["openid", "email"], "username": "ada",
            "email": "ada@example.test", "ids": ids, "outcomes": outcomes,
        }))
        .unwrap()
    }

    #[test]
    fn every_method_the_sign_on_can_perform_maps_and_the_rest_is_an_error() {
        let secret = pingone_core::ClientSecret::new("app-secret");
        let mapped = |method: &str| oidc_app(&provisioned(method)).map(|app| app.auth);
        assert_eq!(mapped("CLIENT_SECRET_BASIC"), Ok(ClientAuth::SecretBasic(secret.clone())));
        assert_eq!(mapped("CLIENT_SECRET_POST"), Ok(ClientAuth::SecretPost(secret)));
        assert_eq!(mapped("NONE"), Ok(ClientAuth::None));
        for refused in ["PRIVATE_KEY_JWT", "CLIENT_SECRET_JWT", "SOMETHING_NEW"] {
            let err = mapped(refused).unwrap_err();
            assert_eq!(err.0.as_str(), refused);
            assert!(err.to_string().contains(refused), "{err}");
        }
        let app = oidc_app(&provisioned("CLIENT_SECRET_BASIC")).unwrap();
        assert_eq!((app.client_id.as_str(), app.scopes.len()), ("app-1", 2));
    }
}

/// The README's code sample, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
