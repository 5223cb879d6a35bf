//! Shared set-up of the workspace tests: a simulator, the provisioned workflow, and clients.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::time::Duration;

use pingone_core::{
    ClientSecret, Endpoints, EnvironmentId, HttpClient, HttpConfig, Password, RetryPolicy, WorkerCredentials,
};
use pingone_flow::SignOnClient;
use pingone_provisioning::{EmailMfaSetup, EmailMfaSpec, ManagementClient, Provisioned};
use pingone_sim::{SimConfig, Simulator};

pub const REDIRECT: &str = "https://app.example.test/callback";
pub const USER: &str = "ada.example";
pub const EMAIL: &str = "ada@example.test";

pub struct World {
    pub sim: Simulator,
    pub management: ManagementClient,
    pub provisioned: Provisioned,
    pub client: SignOnClient,
}

pub fn http() -> HttpClient {
    HttpClient::with_config(HttpConfig {
        retry: RetryPolicy {
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        },
        ..HttpConfig::default()
    })
    .unwrap()
}

pub fn endpoints(sim: &Simulator) -> Endpoints {
    Endpoints::custom(sim.management_base(), sim.auth_base()).unwrap()
}

pub fn management(sim: &Simulator) -> ManagementClient {
    let env: EnvironmentId = sim.environment_id().parse().unwrap();
    let worker =
        WorkerCredentials::basic(env.clone(), sim.worker_client_id(), ClientSecret::new(sim.worker_client_secret()));
    ManagementClient::connect(http(), endpoints(sim), env, worker)
}

pub fn spec() -> EmailMfaSpec {
    EmailMfaSpec::demo("email-mfa-demo", REDIRECT, USER, EMAIL, Password::new("Corr3ct-Horse-Battery!"))
}

pub use pingone_mfa::oidc_app;

pub fn sign_on_client(sim: &Simulator, p: &Provisioned) -> SignOnClient {
    SignOnClient::new(http(), endpoints(sim), sim.environment_id().parse().unwrap(), oidc_app(p).unwrap())
}

impl World {
    pub async fn new() -> Self {
        Self::with(SimConfig::default(), spec()).await
    }

    pub async fn with(config: SimConfig, spec: EmailMfaSpec) -> Self {
        let sim = Simulator::start(config).await.unwrap();
        let management = management(&sim);
        let provisioned = EmailMfaSetup::new(spec).run(&management).await.unwrap();
        let client = sign_on_client(&sim, &provisioned);
        Self { sim, management, provisioned, client }
    }

    pub async fn otp(&self) -> pingone_core::Otp {
        let email = self.sim.outbox().next_for(EMAIL, Duration::from_secs(5)).await.expect("an OTP e-mail");
        pingone_core::Otp::new(email.otp())
    }
}
