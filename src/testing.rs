//! The embedded PingOne simulator wired to the clients, for tests, examples, benchmarks and your
//! own CI (feature `testing`, which adds `pingone-sim` as a dependency).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use pingone_core::HttpClient;
//! use pingone_mfa::testing::SimulatorTarget;
//! use pingone_sim::{SimConfig, Simulator};
//!
//! let sim = Simulator::start(SimConfig::default()).await?;
//! let target = SimulatorTarget::new(&sim)?;
//! let management = target.management(HttpClient::new()?);
//! assert!(management.list_resources().await?.iter().any(|r| r.name == "openid"));
//! # Ok(()) }
//! ```

use pingone_core::{
    ClientSecret, EndpointError, Endpoints, EnvironmentId, HttpClient, InvalidEnvironmentId, WorkerCredentials,
};
use std::sync::Arc;

use pingone_flow::{OidcApp, SignOnClient};
use pingone_provisioning::model::{Name, NewUser};
use pingone_provisioning::{DevicePolicyCreated, EmailMfaSpec, ManagementClient, PopulationCreated, SetupError};
use pingone_sim::Simulator;

/// Where a simulator listens and how its worker application signs in: everything the clients
/// need to reach it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SimulatorTarget {
    /// The simulator's management and auth bases (plain `http` on loopback).
    pub endpoints: Endpoints,
    /// Its environment.
    pub environment: EnvironmentId,
    /// Its worker application (HTTP Basic).
    pub worker: WorkerCredentials,
}

impl SimulatorTarget {
    /// The target of a running simulator.
    ///
    /// # Errors
    /// [`WiringError`] when the simulator's base URLs or environment ID are refused (they never
    /// are for the embedded simulator; the check is the clients' own).
    pub fn new(sim: &Simulator) -> Result<Self, WiringError> {
        let endpoints = Endpoints::custom(sim.management_base(), sim.auth_base()).map_err(WiringError::Endpoints)?;
        let environment: EnvironmentId = sim.environment_id().parse().map_err(WiringError::Environment)?;
        let worker = WorkerCredentials::basic(
            environment.clone(),
            sim.worker_client_id(),
            ClientSecret::new(sim.worker_client_secret()),
        );
        Ok(Self { endpoints, environment, worker })
    }

    /// A management client for the simulator's environment, authenticated as its worker.
    #[must_use]
    pub fn management(&self, http: HttpClient) -> ManagementClient {
        ManagementClient::connect(http, self.endpoints.clone(), self.environment.clone(), self.worker.clone())
    }

    /// A sign-on client for `app` in the simulator's environment.
    #[must_use]
    pub fn sign_on(&self, http: HttpClient, app: OidcApp) -> SignOnClient {
        SignOnClient::new(http, self.endpoints.clone(), self.environment.clone(), app)
    }
}

/// Adds users ready for e-mail MFA — each in `spec`'s population, with MFA enabled and an EMAIL
/// device under `spec`'s device authentication policy — `batch` at a time, concurrently (a load
/// test's sign-on users). `users` are `(username, e-mail address)` pairs; a user who already
/// exists is reused.
///
/// # Errors
/// The first [`SetupError`] of any user.
pub async fn add_mfa_users(
    management: &ManagementClient,
    spec: &EmailMfaSpec,
    users: &[(String, String)],
    batch: usize,
) -> Result<(), SetupError> {
    let population = Arc::new(PopulationCreated::ensure(management, &spec.population).await?);
    let device_policy = Arc::new(DevicePolicyCreated::ensure(management, &spec.device_policy).await?);
    for chunk in users.chunks(batch.max(1)) {
        let mut adding = tokio::task::JoinSet::new();
        for (username, email) in chunk.iter().cloned() {
            let (management, population, device_policy) =
                (management.clone(), Arc::clone(&population), Arc::clone(&device_policy));
            adding.spawn(async move {
                let new = NewUser {
                    username,
                    email: email.clone(),
                    name: Some(Name { given: None, family: None }),
                    population: None,
                };
                let user = population.create_user(&management, new).await?;
                user.finish(&management, None, &device_policy, None).await?;
                Ok::<(), SetupError>(())
            });
        }
        for added in adding.join_all().await {
            added?;
        }
    }
    Ok(())
}

/// The simulator's settings were refused by the clients.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WiringError {
    /// A base URL was refused.
    Endpoints(EndpointError),
    /// The environment ID was refused.
    Environment(InvalidEnvironmentId),
}

impl std::fmt::Display for WiringError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WiringError::Endpoints(e) => write!(f, "the simulator's base URLs were refused: {e}"),
            WiringError::Environment(e) => write!(f, "the simulator's environment ID was refused: {e}"),
        }
    }
}

impl std::error::Error for WiringError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WiringError::Endpoints(e) => Some(e),
            WiringError::Environment(e) => Some(e),
        }
    }
}
