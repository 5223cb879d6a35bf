//! # pingone-flow
//!
//! PingOne's sign-on flow as typestates: each stage is a type, each transition consumes its
//! stage, and what PingOne decides at run time (device selection, a wrong OTP, `FAILED`, an
//! expired flow, a status this crate does not know) comes back as an enum or a typed error.
//!
//! ```no_run
//! use pingone_core::{ClientAuth, ClientSecret, Endpoints, HttpClient, Otp, Region};
//! use pingone_flow::{AfterUsername, OidcApp, OtpOutcome, SignOnClient};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let app = OidcApp::new(
//!     "client-id",
//!     "https://app.example.test/callback",
//!     &["openid", "profile", "email"],
//!     ClientAuth::SecretBasic(ClientSecret::new("client-secret")),
//! );
//! let client = SignOnClient::new(HttpClient::new()?, Endpoints::for_region(Region::Europe), "env-id".parse()?, app)
//!     .require_mfa(); // a sign-on that skipped the e-mailed code is an error
//!
//! let authorized = client.authorize().await?;                               // step 14
//! let submitted = authorized.submit_username(&client, "ada.example").await?; // steps 15-16
//! let mut otp_required = match submitted.next()? {
//!     AfterUsername::OtpRequired(stage) => stage,
//!     AfterUsername::DeviceSelectionRequired(choice) => {
//!         // Several devices: show `choice.choices()` (distinct labels), then select one.
//!         let device = choice.choices().first().map(|c| c.id.clone()).unwrap_or_default();
//!         choice.select(&client, &device).await?
//!     }
//!     AfterUsername::Completed(done) => {
//!         // No code was asked for (the user has MFA disabled): with `require_mfa` the exchange
//!         // refuses the result.
//!         let tokens = done.finish(&client).await?;
//!         println!("signed on without MFA? {:?}", tokens.claims.amr);
//!         return Ok(());
//!     }
//! };
//! let completed = loop {
//!     let otp = Otp::new(read_code_from_user());                               // the e-mailed code
//!     match otp_required.submit_otp(&client, &otp).await? {                   // step 17
//!         OtpOutcome::Completed(done) => break done,
//!         OtpOutcome::Rejected(rejection) => otp_required = rejection.state,
//!     }
//! };
//! let tokens = completed.finish(&client).await?;                              // steps 18 and 20
//! println!("signed on as {}", tokens.claims.sub);
//! # Ok(()) }
//! # fn read_code_from_user() -> String { String::new() }
//! ```
//!
//! Every stage is `Send + 'static` and can be **sealed** with a [`StageSealer`] — encrypted and
//! authenticated (AES-256-GCM), bound to its stage type, environment, application and a maximum
//! age — and opened later as the same type, so that a web application can carry a flow across
//! requests and instances. Stages have no public serde: a stage comes only from a transition or
//! from opening a sealed stage. Single use across processes is the job of a store with an
//! atomic take (the `pingone-session` crate).
//!
//! ## Password first, `pi.flow`, userinfo and sign-off
//!
//! - A sign-on policy with a `LOGIN` action before MFA starts at `USERNAME_PASSWORD_REQUIRED`:
//!   [`Authorized::next`] reads the flow and answers [`FirstStep`]; a
//!   [`PasswordRequired`] stage (sealable like the others) takes
//!   [`submit_credentials`](PasswordRequired::submit_credentials). A wrong password hands the
//!   stage back ([`FlowError::CredentialsRejected`]); too many lock it
//!   ([`FlowError::PasswordLocked`], with the time until unlock).
//! - With PingOne's default device rule (`DEFAULT_TO_FIRST`) the first device gets the code;
//!   [`OtpRequired::switch_device`] sends one to another of the user's devices.
//! - [`SignOnClient::with_response_mode`]`(`[`ResponseMode::PiFlow`]`)`: authorize and resume
//!   answer JSON (`response_mode=pi.flow`), the code arriving in `authorizeResponse` with its
//!   `state` checked.
//! - [`SignOnClient::userinfo`] reads the user's claims and checks their `sub` against the ID
//!   token's. [`SignOnClient::sign_off`] ends PingOne's session (its `ST` cookie, kept in the
//!   [`Tokens`] because this client, not the browser, drove the sign-on);
//!   [`SignOnClient::sign_off_url`] is the URL for a browser that holds the session itself.
//!
//! ## ID-token checks
//!
//! The exchange verifies the ID token's RS256 signature against the environment's JWKS (cached
//! for [`DEFAULT_JWKS_TTL`], refetched for an unknown `kid` at most once per
//! [`DEFAULT_JWKS_MIN_REFETCH_INTERVAL`]; only `RSA` signature keys are used), then the rules of
//! OIDC Core 3.1.3.7: `iss`; `aud` contains the client ID and no audience the client does not
//! trust; `azp` is the client ID when present, and present when there are several audiences;
//! `exp`, `nbf` and `iat` with [`DEFAULT_LEEWAY`] on the client's clock; `nonce`. Options on
//! [`SignOnClient`] add requirements:
//!
//! - [`require_mfa`](SignOnClient::require_mfa): `amr` must contain `otp`, so that a sign-on that
//!   a policy let through without the e-mailed code is an error, not a session. **Off by default**
//!   (PingOne completes sign-ons without MFA for users with MFA disabled); turn it on wherever
//!   that must never happen.
//! - [`with_acr_values`](SignOnClient::with_acr_values): ask for sign-on policies by name and
//!   require `acr` to be one of them.
//! - [`with_max_age`](SignOnClient::with_max_age) (`max_age` on authorize, `auth_time` required
//!   and checked), [`with_max_id_token_age`](SignOnClient::with_max_id_token_age) (`iat`).
//! - [`with_trusted_audiences`](SignOnClient::with_trusted_audiences), and the JWKS timings
//!   [`with_jwks_ttl`](SignOnClient::with_jwks_ttl) and
//!   [`with_jwks_min_refetch_interval`](SignOnClient::with_jwks_min_refetch_interval).

// Server data (lifetimes, dates, lengths) reaches arithmetic here: overflow is checked or
// saturated explicitly, never left to wrap in release or panic in debug.
#![warn(clippy::arithmetic_side_effects)]

mod binding;
mod claims_policy;
mod client;
mod config;
mod context;
mod cookies;
mod decoy;
mod error;
mod flow_json;
mod id_token;
mod id_token_claims;
/// Hooks for this workspace's own tests (feature `test-hooks`, which no application enables:
/// they reach inside sealed stages and sessions).
#[cfg(feature = "test-hooks")]
#[doc(hidden)]
pub mod internal;
mod jwks;
#[cfg(test)]
mod parser_properties;
mod password;
mod pi_flow;
mod recovery;
mod redirect;
mod seal;
mod secret_body;
mod sign_off;
mod stage;
mod states;
mod status;
mod switch_device;
mod tokens;
mod userinfo;

pub use binding::BindingMismatch;
pub use client::{DEFAULT_LEEWAY, SignOnClient};
pub use config::{OidcApp, ResponseMode};
pub use decoy::DecoyPolicy;
pub use error::{FlowError, IdTokenError};
pub use flow_json::{DeviceChoice, DeviceOption};
pub use id_token::IdTokenClaims;
pub use jwks::{DEFAULT_JWKS_MIN_REFETCH_INTERVAL, DEFAULT_JWKS_TTL};
pub use password::{FirstStep, PasswordPolicy, PasswordRequired};
pub use recovery::Recovery;
pub use seal::{
    CLOCK_SKEW, DEFAULT_MAX_AGE, KEY_LEN, KeyError, KeyRing, OpenError, SealError, SealedStage, SealingKey, StageSealer,
};
pub use sign_off::SignOff;
pub use stage::{SignOnStage, Stage};
pub use states::{
    AfterUsername, Authorized, Completed, DeviceSelectionRequired, OtpOutcome, OtpRejection, OtpRequired, Resumed,
    UsernameSubmitted,
};
pub use status::FlowStatus;
pub use tokens::Tokens;
pub use userinfo::UserInfo;

#[cfg(test)]
mod tests {
    /// Every stage can cross threads and outlive the request that made it.
    #[test]
    fn stages_are_send_and_static() {
        fn assert_send_static<T: Send + Sync + 'static>() {}
        assert_send_static::<crate::Authorized>();
        assert_send_static::<crate::PasswordRequired>();
        assert_send_static::<crate::UsernameSubmitted>();
        assert_send_static::<crate::DeviceSelectionRequired>();
        assert_send_static::<crate::OtpRequired>();
        assert_send_static::<crate::Completed>();
        assert_send_static::<crate::Resumed>();
        assert_send_static::<crate::Tokens>();
        assert_send_static::<crate::SignOnClient>();
    }
}
