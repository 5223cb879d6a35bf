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
//! let client = SignOnClient::new(HttpClient::new()?, Endpoints::for_region(Region::Europe), "env-id".parse()?, app);
//!
//! let authorized = client.authorize().await?;                          // step 14
//! let submitted = authorized.submit_username(&client, "ada.example").await?; // steps 15-16
//! let AfterUsername::OtpRequired(mut otp_required) = submitted.next()? else { return Ok(()) };
//! let completed = loop {
//!     let otp = Otp::new(read_code_from_user());                          // the e-mailed code
//!     match otp_required.submit_otp(&client, &otp).await? {              // step 17
//!         OtpOutcome::Completed(done) => break done,
//!         OtpOutcome::Rejected(rejection) => otp_required = rejection.state,
//!     }
//! };
//! let resumed = completed.resume(&client).await?;                       // step 18
//! let tokens = resumed.exchange(&client).await?;                        // step 20
//! println!("signed on as {:?}", tokens.claims.map(|c| c.sub));
//! # Ok(()) }
//! # fn read_code_from_user() -> String { String::new() }
//! ```
//!
//! Every stage is `Send + 'static` and can be saved with [`FlowState::save`] and restored as
//! the same type with [`FlowState::restore`], so a web application can carry a flow across
//! requests and instances. The saved bytes hold the flow's cookies and PKCE verifier: they are a
//! secret.

mod client;
mod config;
mod context;
mod error;
mod flow_json;
mod id_token;
#[doc(hidden)]
pub mod internal;
mod persist;
mod states;
mod status;
mod tokens;

pub use client::{DEFAULT_LEEWAY, SignOnClient};
pub use config::OidcApp;
pub use error::{FlowError, IdTokenError, RestoreError};
pub use flow_json::DeviceOption;
pub use id_token::IdTokenClaims;
pub use persist::{FlowState, SavedFlow};
pub use states::{
    AfterUsername, Authorized, Completed, DeviceSelectionRequired, OtpOutcome, OtpRejection, OtpRequired, Resumed,
    UsernameSubmitted,
};
pub use status::FlowStatus;
pub use tokens::Tokens;

#[cfg(test)]
mod tests {
    /// Every stage can cross threads and outlive the request that made it.
    #[test]
    fn stages_are_send_and_static() {
        fn assert_send_static<T: Send + Sync + 'static>() {}
        assert_send_static::<crate::Authorized>();
        assert_send_static::<crate::UsernameSubmitted>();
        assert_send_static::<crate::DeviceSelectionRequired>();
        assert_send_static::<crate::OtpRequired>();
        assert_send_static::<crate::Completed>();
        assert_send_static::<crate::Resumed>();
        assert_send_static::<crate::Tokens>();
        assert_send_static::<crate::SignOnClient>();
    }
}
