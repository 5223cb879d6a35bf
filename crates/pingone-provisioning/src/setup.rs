//! The one-call setup: every step of 1–13 and 19, independent calls concurrently, converging
//! on a second run.

use pingone_core::{ClientSecret, Id, Password};
use serde::{Deserialize, Serialize};
use tracing::Instrument as _;

use crate::client::ManagementClient;
use crate::converge::Outcome;
use crate::error::SetupError;
use crate::model::{
    Application, Device, DeviceAuthenticationPolicy, DeviceAuthenticationPolicySpec, Grant, Name, NewUser,
    OidcApplication, Population, PopulationSpec, SignOnPolicy, SignOnPolicyAction, SignOnPolicyAssignment,
    SignOnPolicySpec, TimeSpan, TokenEndpointAuthMethod, User,
};
use crate::stages::{
    ApplicationCreated, ApplicationReady, DevicePolicyCreated, EmailDeviceCreated, OpenIdScopes, PolicyAssigned,
    PopulationCreated, SignOnPolicyCreated, UserReady,
};

/// What to provision.
#[derive(Debug, Clone)]
pub struct EmailMfaSpec {
    /// The OIDC web application (step 1).
    pub application: OidcApplication,
    /// Scopes of the `openid` resource to grant (step 4); `openid` makes an ID token appear.
    pub scopes: Vec<String>,
    /// The sign-on policy (step 5).
    pub sign_on_policy: SignOnPolicySpec,
    /// Priority of the MFA action (step 6).
    pub action_priority: u32,
    /// Priority of the policy assignment (step 7).
    pub assignment_priority: u32,
    /// The population (step 8).
    pub population: PopulationSpec,
    /// The user (step 9); its population is filled in.
    pub user: NewUser,
    /// The user's password (step 10).
    pub password: Password,
    /// The device authentication policy (step 12); the MFA action references it.
    pub device_policy: DeviceAuthenticationPolicySpec,
}

impl EmailMfaSpec {
    /// The workflow's demo objects, named with `prefix`: a `WEB_APP` with
    /// `CLIENT_SECRET_BASIC` and PKCE `S256`, scopes `openid profile email`, an e-mail-only MFA
    /// policy (6 digits, 30 minutes, 3 failures, 2 minutes cool-down).
    #[must_use]
    pub fn demo(prefix: &str, redirect_uri: &str, username: &str, email: &str, password: Password) -> Self {
        Self {
            application: OidcApplication::web_app(
                format!("{prefix}-web"),
                redirect_uri,
                TokenEndpointAuthMethod::ClientSecretBasic,
            ),
            scopes: vec!["openid".into(), "profile".into(), "email".into()],
            sign_on_policy: SignOnPolicySpec {
                name: format!("{prefix}_Email_MFA_Policy").replace('-', "_"),
                description: Some("Username lookup followed by an e-mailed one-time passcode".into()),
            },
            action_priority: 1,
            assignment_priority: 1,
            population: PopulationSpec {
                name: format!("{prefix}-population"),
                description: Some("Users of the e-mail MFA demo".into()),
            },
            user: NewUser {
                username: username.into(),
                email: email.into(),
                name: Some(Name { given: Some("Ada".into()), family: Some("Example".into()) }),
                population: None,
            },
            password,
            device_policy: DeviceAuthenticationPolicySpec::email_only(
                format!("{prefix}-email-only"),
                6,
                TimeSpan::minutes(30),
                3,
                TimeSpan::minutes(2),
            ),
        }
    }
}

/// The IDs of everything the setup provisioned, for teardown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionedIds {
    /// Step 1.
    pub application: Id<Application>,
    /// Step 4.
    pub grant: Id<Grant>,
    /// Step 5.
    pub sign_on_policy: Id<SignOnPolicy>,
    /// Step 6.
    pub action: Id<SignOnPolicyAction>,
    /// Step 7.
    pub assignment: Id<SignOnPolicyAssignment>,
    /// Step 8.
    pub population: Id<Population>,
    /// Step 9.
    pub user: Id<User>,
    /// Step 12.
    pub device_policy: Id<DeviceAuthenticationPolicy>,
    /// Step 13.
    pub device: Id<Device>,
}

/// What each step did: created, reused or updated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcomes {
    /// Step 1.
    pub application: Outcome,
    /// Step 4.
    pub grant: Outcome,
    /// Step 5.
    pub sign_on_policy: Outcome,
    /// Step 6.
    pub action: Outcome,
    /// Step 7.
    pub assignment: Outcome,
    /// Step 8.
    pub population: Outcome,
    /// Step 9.
    pub user: Outcome,
    /// Step 12.
    pub device_policy: Outcome,
    /// Step 13.
    pub device: Outcome,
}

impl Outcomes {
    /// How many objects this run created.
    #[must_use]
    pub fn created(&self) -> usize {
        self.all().iter().filter(|(_, o)| *o == Outcome::Created).count()
    }

    /// Every step's outcome, labelled.
    #[must_use]
    pub fn all(&self) -> [(&'static str, Outcome); 9] {
        [
            ("application", self.application),
            ("grant", self.grant),
            ("sign-on policy", self.sign_on_policy),
            ("MFA action", self.action),
            ("policy assignment", self.assignment),
            ("population", self.population),
            ("user", self.user),
            ("device authentication policy", self.device_policy),
            ("EMAIL device", self.device),
        ]
    }
}

/// The provisioned workflow: exactly what the sign-on flow needs, as plain data, plus the IDs
/// for teardown. Its `Debug` redacts the client secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provisioned {
    /// The OAuth `client_id` (the application's ID).
    pub client_id: Id<Application>,
    /// The client secret (step 19).
    pub client_secret: ClientSecret,
    /// The redirect URI registered for the application.
    pub redirect_uri: String,
    /// How the client authenticates at the token endpoint.
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    /// The granted scopes.
    pub scopes: Vec<String>,
    /// The user's username.
    pub username: String,
    /// The user's e-mail address (where the OTP goes).
    pub email: String,
    /// Every object's ID.
    pub ids: ProvisionedIds,
    /// What the run did with each object.
    pub outcomes: Outcomes,
}

impl Provisioned {
    /// Joins the finished stages. Only stages that belong together combine: the assignment must
    /// be for this application and the device for this user.
    ///
    /// # Errors
    /// [`SetupError::Mismatch`] otherwise.
    pub fn assemble(
        app: ApplicationReady,
        sign_on: PolicyAssigned,
        population: PopulationCreated,
        user: UserReady,
        device_policy: DevicePolicyCreated,
        device: EmailDeviceCreated,
        scopes: &OpenIdScopes,
    ) -> Result<Self, SetupError> {
        if sign_on.app != app.app.id {
            return Err(SetupError::Mismatch {
                what: "the policy assignment",
                expected: app.app.id.to_string(),
                got: sign_on.app.to_string(),
            });
        }
        if device.user != user.user.id {
            return Err(SetupError::Mismatch {
                what: "the EMAIL device",
                expected: user.user.id.to_string(),
                got: device.user.to_string(),
            });
        }
        let redirect_uri = app.app.settings.redirect_uris.first().cloned().unwrap_or_default();
        Ok(Self {
            client_id: app.app.id.clone(),
            client_secret: app.secret,
            redirect_uri,
            token_endpoint_auth_method: app.app.settings.token_endpoint_auth_method.clone(),
            scopes: scopes.names(),
            username: user.user.username.clone(),
            email: device.device.email.clone().or(user.user.email.clone()).unwrap_or_default(),
            ids: ProvisionedIds {
                application: app.app.id,
                grant: app.grant,
                sign_on_policy: sign_on.policy,
                action: sign_on.action,
                assignment: sign_on.assignment,
                population: population.population.id,
                user: user.user.id,
                device_policy: device_policy.policy.id,
                device: device.device.id,
            },
            outcomes: Outcomes {
                application: app.outcomes[0],
                grant: app.outcomes[1],
                sign_on_policy: sign_on.outcomes[0],
                action: sign_on.outcomes[1],
                assignment: sign_on.outcomes[2],
                population: population.outcome,
                user: user.outcome,
                device_policy: device_policy.outcome,
                device: device.outcome,
            },
        })
    }
}

/// The whole setup in one call.
///
/// [`run`](EmailMfaSetup::run) sends independent calls concurrently, in four request levels:
///
/// 1. look up the application, sign-on policy, population, device authentication policy and
///    user by name; list resources;
/// 2. create (or update) the application, sign-on policy, population and device policy that are
///    missing; list the `openid` scopes;
/// 3. read the secret, create the MFA action, create the user;
/// 4. grant, assign the policy, set the password, enable MFA, add the EMAIL device.
///
/// Because every object is looked up first (by name, username or address), a second run creates
/// nothing; children of an object created in this run are not looked up (they cannot exist).
/// A create whose response is lost is resolved by a lookup, never by a blind second POST.
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
        // Level 1: every lookup, and the resources list.
        let (found_app, resources, found_policy, found_population, found_device_policy, found_user) = tokio::try_join!(
            ApplicationCreated::lookup(client, &s.application),
            client.list_resources(),
            SignOnPolicyCreated::lookup(client, &s.sign_on_policy),
            PopulationCreated::lookup(client, &s.population),
            DevicePolicyCreated::lookup(client, &s.device_policy),
            client.find_user_by_username(&s.user.username),
        )?;
        // Level 2: create (or update) what is missing; the scopes of the openid resource.
        let (app, scopes, policy, population, device_policy) = tokio::try_join!(
            ApplicationCreated::ensure_from(client, &s.application, found_app),
            OpenIdScopes::from_resources(client, resources, &s.scopes),
            SignOnPolicyCreated::ensure_from(client, &s.sign_on_policy, found_policy),
            PopulationCreated::ensure_from(client, &s.population, found_population),
            DevicePolicyCreated::ensure_from(client, &s.device_policy, found_device_policy),
        )?;
        // Level 3.
        let (secret, mfa_policy, user) = tokio::try_join!(
            app.read_secret(client),
            policy.add_email_mfa_action(client, s.action_priority, Some(&device_policy)),
            population.create_user_from(client, s.user.clone(), found_user),
        )?;
        // Level 4.
        let (grant, assigned, password, mfa, device) = tokio::try_join!(
            app.grant(client, &scopes),
            mfa_policy.assign(client, &app, s.assignment_priority),
            user.set_password(client, &s.password),
            user.enable_mfa(client),
            device_policy.add_email_device(client, &user, &s.user.email),
        )?;
        let app = app.ready(grant, secret)?;
        let user = user.ready(password, mfa)?;
        Provisioned::assemble(app, assigned, population, user, device_policy, device, &scopes)
    }

    /// The same calls, one after another: the baseline the concurrent run is measured against.
    ///
    /// # Errors
    /// The first failing step's error.
    pub async fn run_sequential(&self, client: &ManagementClient) -> Result<Provisioned, SetupError> {
        let s = &self.spec;
        let app = ApplicationCreated::ensure(client, &s.application).await?;
        let scopes = OpenIdScopes::discover(client, &s.scopes).await?;
        let grant = app.grant(client, &scopes).await?;
        let policy = SignOnPolicyCreated::ensure(client, &s.sign_on_policy).await?;
        let device_policy = DevicePolicyCreated::ensure(client, &s.device_policy).await?;
        let mfa_policy = policy.add_email_mfa_action(client, s.action_priority, Some(&device_policy)).await?;
        let assigned = mfa_policy.assign(client, &app, s.assignment_priority).await?;
        let population = PopulationCreated::ensure(client, &s.population).await?;
        let user = population.create_user(client, s.user.clone()).await?;
        let password = user.set_password(client, &s.password).await?;
        let mfa = user.enable_mfa(client).await?;
        let device = device_policy.add_email_device(client, &user, &s.user.email).await?;
        let secret = app.read_secret(client).await?;
        let app = app.ready(grant, secret)?;
        let user = user.ready(password, mfa)?;
        Provisioned::assemble(app, assigned, population, user, device_policy, device, &scopes)
    }
}
