//! The one-call setup: every step of 1–13 and 19, in three request levels, converging on a
//! second run.

use tracing::Instrument as _;

use crate::client::ManagementClient;
use crate::converge::Start;
use crate::error::SetupError;
use crate::provisioned::Provisioned;
use crate::spec::EmailMfaSpec;
use crate::stages::{
    ApplicationCreated, DevicePolicyCreated, OpenIdScopes, Pace, PopulationCreated, SignOnPolicyCreated,
    SignOnPolicyPlanned, population_and_user,
};

/// The whole setup in one call.
///
/// [`run`](EmailMfaSetup::run) sends independent calls concurrently, in three request levels
/// on a first run and on a repeated one:
///
/// 1. list the applications (PingOne allows duplicate names, so they are looked up first) and
///    the resources; create the sign-on policy, the population and the device authentication
///    policy (PingOne enforces their names, so they are created optimistically);
/// 2. create the application if it was missing, list the `openid` scopes, create the user. A
///    create refused with `UNIQUENESS_VIOLATION` is resolved here by a lookup instead (the
///    user is then looked up alongside its population);
/// 3. grant the scopes, read the secret, create the policy's actions and assign the policy;
///    set the password, enable MFA and add the EMAIL device.
///
/// Children of an object created in this run are created without a lookup (they cannot
/// exist); those of a reused object are looked up first, so a second run creates nothing. A
/// create whose answer is lost (no response, a `5xx`) is resolved by a lookup, never by a
/// blind second POST.
#[derive(Debug, Clone)]
pub struct EmailMfaSetup {
    spec: EmailMfaSpec,
}

impl EmailMfaSetup {
    /// A setup for `spec`.
    #[must_use]
    pub fn new(spec: EmailMfaSpec) -> Self {
        Self { spec }
    }

    /// Runs the setup concurrently.
    ///
    /// # Errors
    /// The first failing step's error.
    pub async fn run(&self, client: &ManagementClient) -> Result<Provisioned, SetupError> {
        let s = &self.spec;
        let span = tracing::info_span!("pingone.setup", application = %s.application.name, user = %s.user.username);
        self.run_concurrently(client).instrument(span).await
    }

    async fn run_concurrently(&self, client: &ManagementClient) -> Result<Provisioned, SetupError> {
        let s = &self.spec;
        // Levels 1–2: every object that depends on no other.
        let (app, scopes, policy, user, device_policy) = tokio::try_join!(
            ApplicationCreated::ensure(client, &s.application),
            OpenIdScopes::discover(client, &s.scopes),
            SignOnPolicyCreated::ensure(client, &s.sign_on_policy),
            population_and_user(client, &s.population, s.user.clone()),
            DevicePolicyCreated::ensure(client, &s.device_policy),
        )?;
        let sign_on = self.plan(policy, &device_policy);
        // Level 3: what depends on them.
        let (app, user) = tokio::try_join!(
            app.finish(client, &scopes, sign_on, s.assignment_priority),
            user.finish(client, Some(&s.password), &device_policy, s.device_nickname.as_deref()),
        )?;
        Ok(Provisioned::assemble(app, user))
    }

    fn plan(&self, policy: SignOnPolicyCreated, device_policy: &DevicePolicyCreated) -> SignOnPolicyPlanned {
        if self.spec.password_first {
            policy.password_then_email_mfa(device_policy)
        } else {
            policy.email_mfa(device_policy)
        }
    }

    /// The baseline [`run`](Self::run) is measured against: the setup written step by step,
    /// the careful way without this crate's ordering — every object looked up before it is
    /// created, one call at a time (19 requests on a first run with the e-mail-only policy,
    /// where `run` sends 15 in three levels). It converges on the same objects.
    ///
    /// # Errors
    /// The first failing step's error.
    pub async fn run_sequential(&self, client: &ManagementClient) -> Result<Provisioned, SetupError> {
        let s = &self.spec;
        let app = ApplicationCreated::converge(client, &s.application, Start::LookUp).await?;
        let scopes = OpenIdScopes::discover(client, &s.scopes).await?;
        let policy = SignOnPolicyCreated::converge(client, &s.sign_on_policy, Start::LookUp).await?;
        let device_policy = DevicePolicyCreated::converge(client, &s.device_policy, Start::LookUp).await?;
        let population = PopulationCreated::converge(client, &s.population, Start::LookUp).await?;
        let user = population.user_from(client, s.user.clone(), Start::LookUp).await?;
        let sign_on = self.plan(policy, &device_policy);
        let app = app.finish_at(Pace::Sequential, client, &scopes, sign_on, s.assignment_priority).await?;
        let user = user
            .finish_at(Pace::Sequential, client, Some(&s.password), &device_policy, s.device_nickname.as_deref())
            .await?;
        Ok(Provisioned::assemble(app, user))
    }
}
