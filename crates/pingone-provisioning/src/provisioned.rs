//! What the setup provisioned: plain data for the sign-on flow, and the IDs for teardown.

use pingone_core::{ClientSecret, Id};
use serde::{Deserialize, Serialize};

use crate::converge::Outcome;
use crate::model::{
    Application, Device, DeviceAuthenticationPolicy, Grant, Population, SignOnPolicy, SignOnPolicyAction,
    SignOnPolicyAssignment, TokenEndpointAuthMethod, User,
};
use crate::stages::{ApplicationReady, UserReady};

/// The IDs of everything the setup provisioned, for teardown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionedIds {
    /// Step 1.
    pub application: Id<Application>,
    /// Step 4.
    pub grant: Id<Grant>,
    /// Step 5.
    pub sign_on_policy: Id<SignOnPolicy>,
    /// Step 6: the MFA action.
    pub action: Id<SignOnPolicyAction>,
    /// Step 6: the `LOGIN` action before it, for a password-first policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_action: Option<Id<SignOnPolicyAction>>,
    /// Step 7.
    pub assignment: Id<SignOnPolicyAssignment>,
    /// Step 8.
    pub population: Id<Population>,
    /// Step 9.
    pub user: Id<User>,
    /// Step 12: the device authentication policy the MFA action uses.
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
    /// Step 6: the MFA action.
    pub action: Outcome,
    /// Step 6: the `LOGIN` action, for a password-first policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_action: Option<Outcome>,
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

    /// Every object's outcome, labelled, in step order (the `LOGIN` action only when there is
    /// one).
    #[must_use]
    pub fn all(&self) -> Vec<(&'static str, Outcome)> {
        let login = self.login_action.map(|o| ("LOGIN action", o));
        [("application", self.application), ("grant", self.grant), ("sign-on policy", self.sign_on_policy)]
            .into_iter()
            .chain(login)
            .chain([
                ("MFA action", self.action),
                ("policy assignment", self.assignment),
                ("population", self.population),
                ("user", self.user),
                ("device authentication policy", self.device_policy),
                ("EMAIL device", self.device),
            ])
            .collect()
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
    /// The post-logout redirect URIs registered for the application.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_logout_redirect_uris: Vec<String>,
    /// How the client authenticates at the token endpoint.
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    /// The granted scopes.
    pub scopes: Vec<String>,
    /// The sign-on policy's name (what an authorize request's `acr_values` names).
    #[serde(default)]
    pub sign_on_policy_name: String,
    /// Whether the policy asks for a password before the e-mailed code.
    #[serde(default)]
    pub password_first: bool,
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
    /// Joins the finished application (with its grant, secret, sign-on policy, actions and
    /// assignment) and the finished user (with its population and device). Each was finished
    /// as one value, so nothing in them can belong to another object.
    #[must_use]
    pub fn assemble(app: ApplicationReady, user: UserReady) -> Self {
        let ApplicationReady { app, outcome: app_outcome, grant, secret, scopes, sign_on, actions, assignment } = app;
        let UserReady { population, population_outcome, user, outcome: user_outcome, device } = user;
        let (login_action, login_outcome) = actions.login.map(|(a, o)| (a.id, o)).unzip();
        let redirect_uri = app.settings.redirect_uris.first().cloned().unwrap_or_default();
        Self {
            client_id: app.id.clone(),
            client_secret: secret,
            redirect_uri,
            post_logout_redirect_uris: app.settings.post_logout_redirect_uris,
            token_endpoint_auth_method: app.settings.token_endpoint_auth_method,
            scopes,
            sign_on_policy_name: sign_on.policy.settings.name,
            password_first: sign_on.login.is_some(),
            username: user.username,
            email: device.0.email.clone().or(user.email).unwrap_or_default(),
            ids: ProvisionedIds {
                application: app.id,
                grant: grant.0.id,
                sign_on_policy: sign_on.policy.id,
                action: actions.mfa.0.id,
                login_action,
                assignment: assignment.0.id,
                population: population.id,
                user: user.id,
                device_policy: sign_on.device_policy,
                device: device.0.id,
            },
            outcomes: Outcomes {
                application: app_outcome,
                grant: grant.1,
                sign_on_policy: sign_on.outcome,
                action: actions.mfa.1,
                login_action: login_outcome,
                assignment: assignment.1,
                population: population_outcome,
                user: user_outcome,
                device_policy: sign_on.device_policy_outcome,
                device: device.1,
            },
        }
    }
}
