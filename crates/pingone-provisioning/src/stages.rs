//! The setup as typestates. Each stage value can only be obtained from the step before it, so an
//! invalid order does not compile: a grant needs an [`ApplicationCreated`], an assignment an
//! [`EmailMfaPolicy`], a device a [`UserCreated`].
//!
//! Steps that share a predecessor borrow it (`&self`) so that they can run concurrently; the
//! `ready`/`assign` transitions consume their stage, so a finished stage cannot be used again.

use pingone_core::{ClientSecret, Id, Password, Ref};

use crate::client::{ManagementClient, reference};
use crate::converge::{Outcome, existing_or_create, find_or_create};
use crate::error::SetupError;
use crate::model::{
    ActionType, Application, Device, DeviceAuthenticationPolicy, DeviceAuthenticationPolicySpec, DeviceSpec,
    DeviceType, Grant, GrantSpec, NewUser, OidcApplication, Population, PopulationSpec, Resource, ResourceType, Scope,
    SignOnPolicy, SignOnPolicyAction, SignOnPolicyActionSpec, SignOnPolicyAssignment, SignOnPolicyAssignmentSpec,
    SignOnPolicySpec, User,
};

fn mismatch<T: ?Sized>(what: &'static str, expected: &Id<T>, got: &Id<T>) -> Result<(), SetupError> {
    if expected == got {
        Ok(())
    } else {
        Err(SetupError::Mismatch { what, expected: expected.to_string(), got: got.to_string() })
    }
}

// ---------------------------------------------------------------- scopes (steps 2-3)

/// The `openid` resource and the scopes to grant (steps 2–3).
#[derive(Debug, Clone)]
pub struct OpenIdScopes {
    resource: Id<Resource>,
    scopes: Vec<Scope>,
}

impl OpenIdScopes {
    /// Steps 2–3: finds the `OPENID_CONNECT` resource and the scopes named `names`.
    ///
    /// # Errors
    /// [`SetupError::NoOpenIdResource`], [`SetupError::MissingScopes`], or a call error.
    pub async fn discover(client: &ManagementClient, names: &[String]) -> Result<Self, SetupError> {
        let resources = client.list_resources().await?;
        Self::from_resources(client, resources, names).await
    }

    /// Step 3 given the result of step 2.
    ///
    /// # Errors
    /// As [`discover`](Self::discover).
    pub async fn from_resources(
        client: &ManagementClient,
        resources: Vec<Resource>,
        names: &[String],
    ) -> Result<Self, SetupError> {
        let resource = resources
            .into_iter()
            .find(|r| r.kind == ResourceType::OpenIdConnect || r.name == "openid")
            .ok_or(SetupError::NoOpenIdResource)?;
        let all = client.list_scopes(&resource.id).await?;
        let missing: Vec<String> = names.iter().filter(|n| !all.iter().any(|s| &s.name == *n)).cloned().collect();
        if !missing.is_empty() {
            return Err(SetupError::MissingScopes(missing));
        }
        let scopes = all.into_iter().filter(|s| names.contains(&s.name)).collect();
        Ok(Self { resource: resource.id, scopes })
    }

    /// The resource.
    #[must_use]
    pub fn resource(&self) -> &Id<Resource> {
        &self.resource
    }

    /// The scope names.
    #[must_use]
    pub fn names(&self) -> Vec<String> {
        self.scopes.iter().map(|s| s.name.clone()).collect()
    }

    fn spec(&self) -> GrantSpec {
        GrantSpec {
            resource: Ref::to(self.resource.clone()),
            scopes: self.scopes.iter().map(|s| Ref::to(s.id.clone())).collect(),
        }
    }
}

// ---------------------------------------------------------------- application (steps 1, 4, 19)

/// Step 1 done: the application exists.
#[derive(Debug)]
pub struct ApplicationCreated {
    app: Application,
    outcome: Outcome,
}

/// Step 4 done for an application.
#[derive(Debug)]
pub struct Granted {
    app: Id<Application>,
    grant: Id<Grant>,
    outcome: Outcome,
}

/// Step 19 done for an application.
#[derive(Debug)]
pub struct SecretRead {
    app: Id<Application>,
    secret: ClientSecret,
}

/// Application, grant and secret: everything the sign-on needs from the application.
#[derive(Debug)]
pub struct ApplicationReady {
    pub(crate) app: Application,
    pub(crate) grant: Id<Grant>,
    pub(crate) secret: ClientSecret,
    pub(crate) outcomes: [Outcome; 2],
}

impl ApplicationCreated {
    /// Step 1: creates the application (always a new one).
    ///
    /// # Errors
    /// The call's error.
    pub async fn create(client: &ManagementClient, spec: &OidcApplication) -> Result<Self, SetupError> {
        let app = client.create_application(spec).await?;
        Ok(Self { app, outcome: Outcome::Created })
    }

    /// Step 1, idempotent: reuses the application with the same name (updated if its settings
    /// differ), or creates it.
    ///
    /// # Errors
    /// A call's error.
    pub async fn ensure(client: &ManagementClient, spec: &OidcApplication) -> Result<Self, SetupError> {
        let existing = Self::lookup(client, spec).await?;
        Self::ensure_from(client, spec, existing).await
    }

    /// Finds the application named as in `spec`.
    pub(crate) async fn lookup(
        client: &ManagementClient,
        spec: &OidcApplication,
    ) -> Result<Option<Application>, pingone_core::Error> {
        let found = client.list_applications().await?.into_iter().find(|a| a.name == spec.name);
        match found {
            Some(summary) => client.read_application(&summary.id).await.map(Some),
            None => Ok(None),
        }
    }

    /// Step 1 given the result of [`lookup`](Self::lookup).
    pub(crate) async fn ensure_from(
        client: &ManagementClient,
        spec: &OidcApplication,
        existing: Option<Application>,
    ) -> Result<Self, SetupError> {
        let (app, outcome) =
            existing_or_create(existing, || Self::lookup(client, spec), || client.create_application(spec)).await?;
        if outcome == Outcome::Reused && !same_application(&app.settings, spec) {
            let updated = client.update_application(&app.id, spec).await?;
            return Ok(Self { app: updated, outcome: Outcome::Updated });
        }
        Ok(Self { app, outcome })
    }

    /// The application's ID (its OAuth `client_id`).
    #[must_use]
    pub fn id(&self) -> &Id<Application> {
        &self.app.id
    }

    /// Step 4: grants the scopes (idempotent: an existing grant of the same resource and scopes
    /// is reused).
    ///
    /// # Errors
    /// A call's error.
    pub async fn grant(&self, client: &ManagementClient, scopes: &OpenIdScopes) -> Result<Granted, SetupError> {
        let spec = scopes.spec();
        let wanted: Vec<&str> = {
            let mut v: Vec<&str> = spec.scopes.iter().map(|s| s.id.as_str()).collect();
            v.sort_unstable();
            v
        };
        let lookup = || async {
            let grants = client.list_grants(&self.app.id).await?;
            Ok(grants.into_iter().find(|g| {
                let mut have: Vec<&str> = g.settings.scopes.iter().map(|s| s.id.as_str()).collect();
                have.sort_unstable();
                g.settings.resource.id == spec.resource.id && have == wanted
            }))
        };
        let (grant, outcome) = if self.outcome == Outcome::Created {
            // A new application has no grants: no lookup needed.
            existing_or_create(None, lookup, || client.create_grant(&self.app.id, &spec)).await?
        } else {
            find_or_create(lookup, || client.create_grant(&self.app.id, &spec)).await?
        };
        Ok(Granted { app: self.app.id.clone(), grant: grant.id, outcome })
    }

    /// Step 19: reads the client secret.
    ///
    /// # Errors
    /// A call's error.
    pub async fn read_secret(&self, client: &ManagementClient) -> Result<SecretRead, SetupError> {
        let secret = client.read_application_secret(&self.app.id).await?;
        Ok(SecretRead { app: self.app.id.clone(), secret })
    }

    /// Completes the application stage.
    ///
    /// # Errors
    /// [`SetupError::Mismatch`] when the grant or secret belongs to another application.
    pub fn ready(self, grant: Granted, secret: SecretRead) -> Result<ApplicationReady, SetupError> {
        mismatch("the grant", &self.app.id, &grant.app)?;
        mismatch("the secret", &self.app.id, &secret.app)?;
        Ok(ApplicationReady {
            app: self.app,
            grant: grant.grant,
            secret: secret.secret,
            outcomes: [self.outcome, grant.outcome],
        })
    }
}

fn same_application(have: &OidcApplication, want: &OidcApplication) -> bool {
    let mut have = have.clone();
    // Fields PingOne fills with defaults when the spec leaves them out.
    if want.pkce_enforcement.is_none() {
        have.pkce_enforcement = None;
    }
    if want.description.is_none() {
        have.description = None;
    }
    have == *want
}

fn same_device_policy(have: &DeviceAuthenticationPolicySpec, want: &DeviceAuthenticationPolicySpec) -> bool {
    let mut have = have.clone();
    // Fields PingOne fills with defaults when the spec leaves them out.
    for (h, w) in [(&mut have.email, &want.email), (&mut have.sms, &want.sms), (&mut have.voice, &want.voice)] {
        if w.otp.otp_length.is_none() {
            h.otp.otp_length = None;
        }
    }
    if want.authentication.is_none() {
        have.authentication = None;
    }
    have == *want
}

// ---------------------------------------------------------------- sign-on policy (steps 5-7)

/// Step 5 done: the sign-on policy exists.
#[derive(Debug)]
pub struct SignOnPolicyCreated {
    policy: SignOnPolicy,
    outcome: Outcome,
}

/// Step 6 done: the policy has its e-mail MFA action.
#[derive(Debug)]
pub struct EmailMfaPolicy {
    policy: SignOnPolicy,
    action: SignOnPolicyAction,
    outcomes: [Outcome; 2],
}

/// Step 7 done: the policy is assigned to the application.
#[derive(Debug)]
pub struct PolicyAssigned {
    pub(crate) app: Id<Application>,
    pub(crate) policy: Id<SignOnPolicy>,
    pub(crate) action: Id<SignOnPolicyAction>,
    pub(crate) assignment: Id<SignOnPolicyAssignment>,
    pub(crate) outcomes: [Outcome; 3],
}

impl SignOnPolicyCreated {
    /// Step 5: creates the policy.
    ///
    /// # Errors
    /// The call's error (`UNIQUENESS_VIOLATION` for a taken name).
    pub async fn create(client: &ManagementClient, spec: &SignOnPolicySpec) -> Result<Self, SetupError> {
        Ok(Self { policy: client.create_sign_on_policy(spec).await?, outcome: Outcome::Created })
    }

    /// Step 5, idempotent: reuses the policy with the same name.
    ///
    /// # Errors
    /// A call's error.
    pub async fn ensure(client: &ManagementClient, spec: &SignOnPolicySpec) -> Result<Self, SetupError> {
        let existing = Self::lookup(client, spec).await?;
        Self::ensure_from(client, spec, existing).await
    }

    /// Finds the policy named as in `spec`.
    pub(crate) async fn lookup(
        client: &ManagementClient,
        spec: &SignOnPolicySpec,
    ) -> Result<Option<SignOnPolicy>, pingone_core::Error> {
        Ok(client.list_sign_on_policies().await?.into_iter().find(|p| p.settings.name.eq_ignore_ascii_case(&spec.name)))
    }

    /// Step 5 given the result of [`lookup`](Self::lookup).
    pub(crate) async fn ensure_from(
        client: &ManagementClient,
        spec: &SignOnPolicySpec,
        existing: Option<SignOnPolicy>,
    ) -> Result<Self, SetupError> {
        let (policy, outcome) =
            existing_or_create(existing, || Self::lookup(client, spec), || client.create_sign_on_policy(spec)).await?;
        Ok(Self { policy, outcome })
    }

    /// The policy's ID.
    #[must_use]
    pub fn id(&self) -> &Id<SignOnPolicy> {
        &self.policy.id
    }

    /// Step 6: adds the MFA action with e-mail on, using `device_policy` when given
    /// (idempotent: an MFA action with the same priority is reused, or updated to match).
    ///
    /// # Errors
    /// A call's error.
    pub async fn add_email_mfa_action(
        self,
        client: &ManagementClient,
        priority: u32,
        device_policy: Option<&DevicePolicyCreated>,
    ) -> Result<EmailMfaPolicy, SetupError> {
        let spec = SignOnPolicyActionSpec::email_mfa(priority, device_policy.map(|d| d.policy.id.clone()));
        let policy_id = self.policy.id.clone();
        let lookup = || async {
            let actions = client.list_sign_on_policy_actions(&policy_id).await?;
            Ok(actions
                .into_iter()
                .find(|a| a.settings.kind == ActionType::MultiFactorAuthentication && a.settings.priority == priority))
        };
        let create = || client.create_sign_on_policy_action(&policy_id, &spec);
        let (mut action, mut outcome) = if self.outcome == Outcome::Created {
            // A new policy has no actions: no lookup needed.
            existing_or_create(None, lookup, create).await?
        } else {
            find_or_create(lookup, create).await?
        };
        if outcome == Outcome::Reused && action.settings != spec {
            action = client.update_sign_on_policy_action(&policy_id, &action.id, &spec).await?;
            outcome = Outcome::Updated;
        }
        Ok(EmailMfaPolicy { policy: self.policy, action, outcomes: [self.outcome, outcome] })
    }
}

impl EmailMfaPolicy {
    /// The policy's ID.
    #[must_use]
    pub fn id(&self) -> &Id<SignOnPolicy> {
        &self.policy.id
    }

    /// Step 7: assigns the policy to the application (idempotent).
    ///
    /// # Errors
    /// A call's error.
    pub async fn assign(
        self,
        client: &ManagementClient,
        app: &ApplicationCreated,
        priority: u32,
    ) -> Result<PolicyAssigned, SetupError> {
        let spec = SignOnPolicyAssignmentSpec { priority, sign_on_policy: reference(&self.policy.id) };
        let lookup = || async {
            let assignments = client.list_sign_on_policy_assignments(app.id()).await?;
            Ok(assignments.into_iter().find(|a| a.settings.sign_on_policy.id == self.policy.id))
        };
        let create = || client.create_sign_on_policy_assignment(app.id(), &spec);
        let (assignment, outcome) = if self.outcomes[0] == Outcome::Created || app.outcome == Outcome::Created {
            // A new policy or application has no assignment: no lookup needed.
            existing_or_create(None, lookup, create).await?
        } else {
            find_or_create(lookup, create).await?
        };
        Ok(PolicyAssigned {
            app: app.id().clone(),
            policy: self.policy.id,
            action: self.action.id,
            assignment: assignment.id,
            outcomes: [self.outcomes[0], self.outcomes[1], outcome],
        })
    }
}

// ---------------------------------------------------------------- population and user (steps 8-11)

/// Step 8 done: the population exists.
#[derive(Debug)]
pub struct PopulationCreated {
    pub(crate) population: Population,
    pub(crate) outcome: Outcome,
}

/// Step 9 done: the user exists.
#[derive(Debug)]
pub struct UserCreated {
    user: User,
    outcome: Outcome,
}

/// Step 10 done for a user.
#[derive(Debug)]
pub struct PasswordIsSet {
    user: Id<User>,
}

/// Step 11 done for a user.
#[derive(Debug)]
pub struct MfaIsEnabled {
    user: Id<User>,
}

/// User, password and MFA: the user can sign on with MFA.
#[derive(Debug)]
pub struct UserReady {
    pub(crate) user: User,
    pub(crate) outcome: Outcome,
}

impl PopulationCreated {
    /// Step 8: creates the population.
    ///
    /// # Errors
    /// The call's error.
    pub async fn create(client: &ManagementClient, spec: &PopulationSpec) -> Result<Self, SetupError> {
        Ok(Self { population: client.create_population(spec).await?, outcome: Outcome::Created })
    }

    /// Step 8, idempotent: reuses the population with the same name.
    ///
    /// # Errors
    /// A call's error.
    pub async fn ensure(client: &ManagementClient, spec: &PopulationSpec) -> Result<Self, SetupError> {
        let existing = Self::lookup(client, spec).await?;
        Self::ensure_from(client, spec, existing).await
    }

    /// Finds the population named as in `spec`.
    pub(crate) async fn lookup(
        client: &ManagementClient,
        spec: &PopulationSpec,
    ) -> Result<Option<Population>, pingone_core::Error> {
        Ok(client
            .find_populations_by_name(&spec.name)
            .await?
            .into_iter()
            .find(|p| p.settings.name.eq_ignore_ascii_case(&spec.name)))
    }

    /// Step 8 given the result of [`lookup`](Self::lookup).
    pub(crate) async fn ensure_from(
        client: &ManagementClient,
        spec: &PopulationSpec,
        existing: Option<Population>,
    ) -> Result<Self, SetupError> {
        let (population, outcome) =
            existing_or_create(existing, || Self::lookup(client, spec), || client.create_population(spec)).await?;
        Ok(Self { population, outcome })
    }

    /// The population's ID.
    #[must_use]
    pub fn id(&self) -> &Id<Population> {
        &self.population.id
    }

    /// Step 9: creates the user in this population (idempotent: a user with the same username
    /// is reused).
    ///
    /// # Errors
    /// A call's error.
    pub async fn create_user(&self, client: &ManagementClient, user: NewUser) -> Result<UserCreated, SetupError> {
        let existing = client.find_user_by_username(&user.username).await?;
        self.create_user_from(client, user, existing).await
    }

    /// Step 9 given the result of an earlier lookup by username.
    pub(crate) async fn create_user_from(
        &self,
        client: &ManagementClient,
        user: NewUser,
        existing: Option<User>,
    ) -> Result<UserCreated, SetupError> {
        let user = NewUser { population: Some(reference(&self.population.id)), ..user };
        let lookup = || client.find_user_by_username(&user.username);
        let (found, outcome) = existing_or_create(existing, lookup, || client.create_user(&user)).await?;
        Ok(UserCreated { user: found, outcome })
    }
}

impl UserCreated {
    /// The user's ID.
    #[must_use]
    pub fn id(&self) -> &Id<User> {
        &self.user.id
    }

    /// Step 10: sets the password (`PUT`: idempotent by nature).
    ///
    /// # Errors
    /// A call's error (`400 INVALID_DATA` when the password policy refuses it).
    pub async fn set_password(
        &self,
        client: &ManagementClient,
        password: &Password,
    ) -> Result<PasswordIsSet, SetupError> {
        client.set_password(&self.user.id, password, false).await?;
        Ok(PasswordIsSet { user: self.user.id.clone() })
    }

    /// Step 11: enables MFA for the user (`PUT`: idempotent by nature).
    ///
    /// # Errors
    /// A call's error.
    pub async fn enable_mfa(&self, client: &ManagementClient) -> Result<MfaIsEnabled, SetupError> {
        client.set_mfa_enabled(&self.user.id, true).await?;
        Ok(MfaIsEnabled { user: self.user.id.clone() })
    }

    /// Completes the user stage.
    ///
    /// # Errors
    /// [`SetupError::Mismatch`] when a proof belongs to another user.
    pub fn ready(self, password: PasswordIsSet, mfa: MfaIsEnabled) -> Result<UserReady, SetupError> {
        mismatch("the password", &self.user.id, &password.user)?;
        mismatch("mfaEnabled", &self.user.id, &mfa.user)?;
        let mut user = self.user;
        user.mfa_enabled = Some(true);
        Ok(UserReady { user, outcome: self.outcome })
    }
}

// ---------------------------------------------------------------- device policy and device (steps 12-13)

/// Step 12 done: the device authentication policy exists.
#[derive(Debug)]
pub struct DevicePolicyCreated {
    pub(crate) policy: DeviceAuthenticationPolicy,
    pub(crate) outcome: Outcome,
}

/// Step 13 done: the user has an active EMAIL device.
#[derive(Debug)]
pub struct EmailDeviceCreated {
    pub(crate) user: Id<User>,
    pub(crate) device: Device,
    pub(crate) outcome: Outcome,
}

impl DevicePolicyCreated {
    /// Step 12: creates the policy.
    ///
    /// # Errors
    /// The call's error (`403` without an MFA licence).
    pub async fn create(client: &ManagementClient, spec: &DeviceAuthenticationPolicySpec) -> Result<Self, SetupError> {
        Ok(Self { policy: client.create_device_authentication_policy(spec).await?, outcome: Outcome::Created })
    }

    /// Step 12, idempotent: reuses the policy with the same name (updated if it differs).
    ///
    /// # Errors
    /// A call's error.
    pub async fn ensure(client: &ManagementClient, spec: &DeviceAuthenticationPolicySpec) -> Result<Self, SetupError> {
        let existing = Self::lookup(client, spec).await?;
        Self::ensure_from(client, spec, existing).await
    }

    /// Finds the policy named as in `spec`.
    pub(crate) async fn lookup(
        client: &ManagementClient,
        spec: &DeviceAuthenticationPolicySpec,
    ) -> Result<Option<DeviceAuthenticationPolicy>, pingone_core::Error> {
        let found = client
            .list_device_authentication_policies()
            .await?
            .into_iter()
            .find(|p| p.name.eq_ignore_ascii_case(&spec.name));
        match found {
            Some(summary) => client.read_device_authentication_policy(&summary.id).await.map(Some),
            None => Ok(None),
        }
    }

    /// Step 12 given the result of [`lookup`](Self::lookup).
    pub(crate) async fn ensure_from(
        client: &ManagementClient,
        spec: &DeviceAuthenticationPolicySpec,
        existing: Option<DeviceAuthenticationPolicy>,
    ) -> Result<Self, SetupError> {
        let (policy, outcome) = existing_or_create(
            existing,
            || Self::lookup(client, spec),
            || client.create_device_authentication_policy(spec),
        )
        .await?;
        if outcome == Outcome::Reused && !same_device_policy(&policy.settings, spec) {
            let updated = client.update_device_authentication_policy(&policy.id, spec).await?;
            return Ok(Self { policy: updated, outcome: Outcome::Updated });
        }
        Ok(Self { policy, outcome })
    }

    /// The policy's ID.
    #[must_use]
    pub fn id(&self) -> &Id<DeviceAuthenticationPolicy> {
        &self.policy.id
    }

    /// Step 13: gives `user` an active EMAIL device under this policy (idempotent: an EMAIL
    /// device with the same address is reused).
    ///
    /// # Errors
    /// A call's error.
    pub async fn add_email_device(
        &self,
        client: &ManagementClient,
        user: &UserCreated,
        email: &str,
    ) -> Result<EmailDeviceCreated, SetupError> {
        let spec = DeviceSpec::email(email, Some(self.policy.id.clone()));
        let lookup = || async {
            let devices = client.list_devices(&user.user.id).await?;
            Ok(devices.into_iter().find(|d| {
                d.kind == DeviceType::Email && d.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email))
            }))
        };
        let create = || client.create_device(&user.user.id, &spec);
        let (device, outcome) = if user.outcome == Outcome::Created {
            // A new user has no devices: no lookup needed.
            existing_or_create(None, lookup, create).await?
        } else {
            find_or_create(lookup, create).await?
        };
        Ok(EmailDeviceCreated { user: user.user.id.clone(), device, outcome })
    }
}
