//! Shared set-up of the integration tests: a simulator, the provisioned workflow, and clients.
//! The simulator is wired to the clients by `pingone_mfa::testing`, the one wiring helper the
//! tests, the example and the benchmark share.

use std::time::Duration;

use pingone_core::{HttpClient, HttpConfig, Otp, Password, RetryPolicy};
use pingone_flow::SignOnClient;
pub(crate) use pingone_mfa::oidc_app;
use pingone_mfa::testing::SimulatorTarget;
use pingone_provisioning::{EmailMfaSetup, EmailMfaSpec, ManagementClient, Provisioned};
use pingone_sim::{SimConfig, Simulator};

pub(crate) const REDIRECT: &str = "https://app.example.test/callback";
pub(crate) const USER: &str = "ada.example";
pub(crate) const EMAIL: &str = "ada@example.test";
pub(crate) const PASSWORD: &str = "Corr3ct-Horse-Battery!";

pub(crate) struct World {
    pub(crate) sim: Simulator,
    pub(crate) management: ManagementClient,
    pub(crate) provisioned: Provisioned,
    pub(crate) client: SignOnClient,
}

/// An HTTP client with short back-off delays.
pub(crate) fn http() -> HttpClient {
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

pub(crate) fn target(sim: &Simulator) -> SimulatorTarget {
    SimulatorTarget::new(sim).unwrap()
}

pub(crate) fn spec() -> EmailMfaSpec {
    EmailMfaSpec::demo("email-mfa-demo", REDIRECT, USER, EMAIL, Password::new(PASSWORD))
}

impl World {
    pub(crate) async fn new() -> Self {
        Self::with(SimConfig::default(), spec()).await
    }

    pub(crate) async fn with(config: SimConfig, spec: EmailMfaSpec) -> Self {
        let sim = Simulator::start(config).await.unwrap();
        let target = target(&sim);
        let management = target.management(http());
        let provisioned = EmailMfaSetup::new(spec).run(&management).await.unwrap();
        let client = target.sign_on(http(), oidc_app(&provisioned).unwrap());
        Self { sim, management, provisioned, client }
    }

    pub(crate) async fn otp(&self) -> Otp {
        let email = self.sim.outbox().next_for(EMAIL, Duration::from_secs(5)).await.expect("an OTP e-mail");
        Otp::new(email.otp())
    }
}
