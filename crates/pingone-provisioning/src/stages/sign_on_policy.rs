//! Steps 5–6: the sign-on policy and its actions (e-mail MFA, optionally after a password).

use pingone_core::{Error, Id};

use super::{DevicePolicyCreated, Pace, join_at};
use crate::client::ManagementClient;
use crate::converge::{Outcome, Start, converge, update_if_changed};
use crate::error::SetupError;
use crate::model::{
    ActionType, DeviceAuthenticationPolicy, SignOnPolicy, SignOnPolicyAction, SignOnPolicyActionSpec, SignOnPolicySpec,
};

/// Step 5 done: the sign-on policy exists.
#[derive(Debug)]
pub struct SignOnPolicyCreated {
    policy: SignOnPolicy,
    outcome: Outcome,
}

/// A sign-on policy with the actions it is to have (step 6), under a device authentication
/// policy that exists. No call is made yet: [`ApplicationCreated::finish`] creates (or finds,
/// or updates) the actions together with the policy's assignment to the application.
///
/// [`ApplicationCreated::finish`]: crate::ApplicationCreated::finish
#[derive(Debug)]
pub struct SignOnPolicyPlanned {
    pub(crate) policy: SignOnPolicy,
    pub(crate) outcome: Outcome,
    pub(crate) login: Option<SignOnPolicyActionSpec>,
    pub(crate) mfa: SignOnPolicyActionSpec,
    pub(crate) device_policy: Id<DeviceAuthenticationPolicy>,
    pub(crate) device_policy_outcome: Outcome,
}

/// The policy's actions once converged, each with what was done.
#[derive(Debug)]
pub(crate) struct PolicyActions {
    pub(crate) login: Option<(SignOnPolicyAction, Outcome)>,
    pub(crate) mfa: (SignOnPolicyAction, Outcome),
}

impl SignOnPolicyCreated {
    /// Step 5: creates the policy.
    ///
    /// # Errors
    /// The call's error (`UNIQUENESS_VIOLATION` for a taken name).
    pub async fn create(client: &ManagementClient, spec: &SignOnPolicySpec) -> Result<Self, SetupError> {
        Ok(Self { policy: client.create_sign_on_policy(spec).await?, outcome: Outcome::Created })
    }

    /// Step 5, idempotent: creates the policy (PingOne enforces unique names); when the name is
    /// taken, or the answer was lost, finds the policy by name instead.
    ///
    /// # Errors
    /// A call's error.
    pub async fn ensure(client: &ManagementClient, spec: &SignOnPolicySpec) -> Result<Self, SetupError> {
        Self::converge(client, spec, Start::Create).await
    }

    /// Step 5 from `start`.
    pub(crate) async fn converge(
        client: &ManagementClient,
        spec: &SignOnPolicySpec,
        start: Start<SignOnPolicy, Error>,
    ) -> Result<Self, SetupError> {
        let find = || async {
            let policies = client.list_sign_on_policies().await?;
            Ok(policies.into_iter().find(|p| p.settings.name.eq_ignore_ascii_case(&spec.name)))
        };
        let (policy, outcome) = converge(start, find, || client.create_sign_on_policy(spec)).await?;
        Ok(Self { policy, outcome })
    }

    /// The policy's ID.
    #[must_use]
    pub fn id(&self) -> &Id<SignOnPolicy> {
        &self.policy.id
    }

    /// What the setup did with it.
    #[must_use]
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// Step 6, planned: one `MULTI_FACTOR_AUTHENTICATION` action (priority 1) with e-mail on,
    /// under `device_policy`. The flow starts with the username, then the e-mailed code.
    #[must_use]
    pub fn email_mfa(self, device_policy: &DevicePolicyCreated) -> SignOnPolicyPlanned {
        self.plan(None, device_policy)
    }

    /// Step 6, planned: a `LOGIN` action (priority 1), then the e-mail MFA action (priority 2)
    /// under `device_policy`. The flow starts at `USERNAME_PASSWORD_REQUIRED`, then asks for
    /// the e-mailed code.
    #[must_use]
    pub fn password_then_email_mfa(self, device_policy: &DevicePolicyCreated) -> SignOnPolicyPlanned {
        self.plan(Some(SignOnPolicyActionSpec::login(1)), device_policy)
    }

    fn plan(self, login: Option<SignOnPolicyActionSpec>, device_policy: &DevicePolicyCreated) -> SignOnPolicyPlanned {
        let priority = if login.is_some() { 2 } else { 1 };
        SignOnPolicyPlanned {
            policy: self.policy,
            outcome: self.outcome,
            login,
            mfa: SignOnPolicyActionSpec::email_mfa(priority, Some(device_policy.id().clone())),
            device_policy: device_policy.id().clone(),
            device_policy_outcome: device_policy.outcome(),
        }
    }
}

impl SignOnPolicyPlanned {
    /// The policy's ID.
    #[must_use]
    pub fn id(&self) -> &Id<SignOnPolicy> {
        &self.policy.id
    }

    /// The actions the policy is to have, in priority order.
    #[must_use]
    pub fn actions(&self) -> Vec<&SignOnPolicyActionSpec> {
        self.login.iter().chain(std::iter::once(&self.mfa)).collect()
    }

    /// Step 6: converges the actions. A new policy has none, so they are created; an existing
    /// one is listed once and its actions matched by type: a `LOGIN` action the spec no longer
    /// asks for is deleted (switching back from password-first; it holds the priority the MFA
    /// action moves to), those that differ are updated (an update can free a priority that a
    /// create needs), then the missing ones are created. Actions of other types are left alone.
    pub(crate) async fn converge_actions(&self, client: &ManagementClient, pace: Pace) -> Result<PolicyActions, Error> {
        let policy = &self.policy.id;
        let existing = if self.outcome == Outcome::Created {
            Vec::new()
        } else {
            client.list_sign_on_policy_actions(policy).await?
        };
        let of_kind = |kind: &ActionType| existing.iter().find(|a| &a.settings.kind == kind).cloned();
        let (old_login, old_mfa) = (self.login.as_ref().and_then(|l| of_kind(&l.kind)), of_kind(&self.mfa.kind));
        if self.login.is_none()
            && let Some(unwanted) = of_kind(&ActionType::Login)
        {
            // Gone already (a concurrent run, a lost answer) is as good as deleted.
            match client.delete_sign_on_policy_action(policy, &unwanted.id).await {
                Err(e) if e.status() != Some(404) => return Err(e),
                _ => tracing::info!(action = %unwanted.id, "deleted the LOGIN action the spec no longer asks for"),
            }
        }
        // Updates of the actions that exist.
        let login = async {
            match (&self.login, old_login) {
                (Some(spec), Some(found)) => settle(client, policy, spec, Start::Found(Some(found))).await.map(Some),
                _ => Ok(None),
            }
        };
        let mfa = async {
            match old_mfa {
                Some(found) => settle(client, policy, &self.mfa, Start::Found(Some(found))).await.map(Some),
                None => Ok(None),
            }
        };
        let (login, mfa) = join_at!(pace, login, mfa)?;
        // Creates of the missing ones.
        let start = || if self.outcome == Outcome::Created { Start::Create } else { Start::Found(None) };
        let login = async {
            match (&self.login, login) {
                (Some(spec), None) => settle(client, policy, spec, start()).await.map(Some),
                (_, settled) => Ok(settled),
            }
        };
        let mfa = async {
            match mfa {
                Some(settled) => Ok(settled),
                None => settle(client, policy, &self.mfa, start()).await,
            }
        };
        let (login, mfa) = join_at!(pace, login, mfa)?;
        Ok(PolicyActions { login, mfa })
    }
}

/// Converges one action of `policy` from `start`; a reused action that differs is updated.
async fn settle(
    client: &ManagementClient,
    policy: &Id<SignOnPolicy>,
    spec: &SignOnPolicyActionSpec,
    start: Start<SignOnPolicyAction, Error>,
) -> Result<(SignOnPolicyAction, Outcome), Error> {
    let find = || async {
        let actions = client.list_sign_on_policy_actions(policy).await?;
        Ok(actions.into_iter().find(|a| a.settings.kind == spec.kind))
    };
    let found = converge(start, find, || client.create_sign_on_policy_action(policy, spec)).await?;
    update_if_changed(
        found,
        |a: &SignOnPolicyAction| same_action(&a.settings, spec),
        |a| async move { client.update_sign_on_policy_action(policy, &a.id, spec).await },
    )
    .await
}

/// Whether `have` (as PingOne returned it) matches `want`, ignoring what the spec leaves out.
fn same_action(have: &SignOnPolicyActionSpec, want: &SignOnPolicyActionSpec) -> bool {
    let mut have = have.clone();
    if want.email.is_none() {
        have.email = None;
    }
    if want.sms.is_none() {
        have.sms = None;
    }
    if want.device_authentication_policy.is_none() {
        have.device_authentication_policy = None;
    }
    if want.no_devices_mode.is_none() {
        have.no_devices_mode = None;
    }
    have == *want
}
