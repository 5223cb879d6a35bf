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
//! The stages, step by step, when you want control over each one:
//!
//! ```text
//! ApplicationCreated ──grant(&OpenIdScopes)──► Granted ─┐
//!        └───────────read_secret()──────────► SecretRead ┴─ready()─► ApplicationReady
//! SignOnPolicyCreated ─add_email_mfa_action()─► EmailMfaPolicy ─assign(&ApplicationCreated)─► PolicyAssigned
//! PopulationCreated ─create_user()─► UserCreated ─set_password()/enable_mfa()─► ready() ─► UserReady
//! DevicePolicyCreated ─add_email_device(&UserCreated)─► EmailDeviceCreated
//! Provisioned::assemble(...)
//! ```

mod client;
mod converge;
mod error;
pub mod model;
mod preflight;
mod setup;
mod stages;
mod teardown;

pub use client::ManagementClient;
pub use converge::Outcome;
pub use error::SetupError;
pub use preflight::{Finding, preflight};
pub use setup::{EmailMfaSetup, EmailMfaSpec, Outcomes, Provisioned, ProvisionedIds};
pub use stages::{
    ApplicationCreated, ApplicationReady, DevicePolicyCreated, EmailDeviceCreated, EmailMfaPolicy, Granted,
    MfaIsEnabled, OpenIdScopes, PasswordIsSet, PolicyAssigned, PopulationCreated, SecretRead, SignOnPolicyCreated,
    UserCreated, UserReady,
};
pub use teardown::{Removal, TeardownReport, teardown};
