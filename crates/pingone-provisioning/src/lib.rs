//! # pingone-provisioning
//!
//! PingOne's management API for the Email MFA workflow (steps 1–13 and 19): typed models,
//! [`ManagementClient`] with one method per call, the setup as typestates, a one-call
//! [`EmailMfaSetup`] that runs independent calls concurrently and converges when run again,
//! [`teardown`], and a [`preflight`] check that explains why MFA would not fire.
//!
//! ```no_run
//! use pingone_core::{ClientSecret, Endpoints, HttpClient, Password, Region, WorkerCredentials};
//! use pingone_provisioning::{EmailMfaSetup, EmailMfaSpec, ManagementClient};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let environment = "7d2c1a4e-5b3f-4c8e-9a61-2f0e8b3d4c11".parse()?;
//! let client = ManagementClient::connect(
//!     HttpClient::new()?,
//!     Endpoints::for_region(Region::Europe),
//!     environment,
//!     WorkerCredentials::basic(
//!         "7d2c1a4e-5b3f-4c8e-9a61-2f0e8b3d4c11".parse()?,
//!         "worker-client-id",
//!         ClientSecret::new(std::env::var("PINGONE_CLIENT_SECRET")?),
//!     ),
//! );
//! let spec = EmailMfaSpec::demo(
//!     "email-mfa-demo",
//!     "https://app.example.test/callback",
//!     "ada.example",
//!     "ada@example.test",
//!     Password::new("Corr3ct-Horse-Battery!"),
//! );
//! let provisioned = EmailMfaSetup::new(spec).run(&client).await?;
//! println!("client_id {}", provisioned.client_id);
//! # Ok(()) }
//! ```
//!
//! The stages, step by step, when you want control over each one. Each transition consumes
//! its stage, and the calls that depend on the same objects run inside one transition,
//! concurrently, so that their results cannot be joined with another object's:
//!
//! ```text
//! OpenIdScopes::discover                      (steps 2–3)
//! ApplicationCreated::ensure                  (step 1)
//! SignOnPolicyCreated::ensure                 (step 5)
//! DevicePolicyCreated::ensure                 (step 12)
//! PopulationCreated::ensure ─create_user─► UserCreated              (steps 8–9)
//! SignOnPolicyCreated ─email_mfa(&DevicePolicyCreated)─► SignOnPolicyPlanned
//!                     └password_then_email_mfa(&DevicePolicyCreated)┘
//! ApplicationCreated ─finish(&OpenIdScopes, SignOnPolicyPlanned)─► ApplicationReady
//!                                      (grant, actions, assignment, secret: steps 4, 6, 7, 19)
//! UserCreated ─finish(password, &DevicePolicyCreated)─► UserReady   (steps 10, 11, 13)
//! Provisioned::assemble(ApplicationReady, UserReady)
//! ```

mod client;
mod converge;
mod error;
pub mod model;
mod preflight;
mod provisioned;
mod setup;
mod spec;
mod stages;
mod teardown;

pub use client::{ManagementClient, PopulationFilter, PopulationPage};
pub use converge::Outcome;
pub use error::SetupError;
pub use preflight::{Finding, preflight};
pub use provisioned::{Outcomes, Provisioned, ProvisionedIds};
pub use setup::EmailMfaSetup;
pub use spec::EmailMfaSpec;
pub use stages::{
    ApplicationCreated, ApplicationReady, DevicePolicyCreated, OpenIdScopes, PopulationCreated, SignOnPolicyCreated,
    SignOnPolicyPlanned, UserCreated, UserReady,
};
pub use teardown::{Removal, TeardownOptions, TeardownReport, teardown, teardown_with};
