//! Step 12: the device authentication policy.

use pingone_core::{Error, Id};

use crate::client::ManagementClient;
use crate::converge::{Outcome, Start, converge, update_if_changed};
use crate::error::SetupError;
use crate::model::{DeviceAuthenticationPolicy, DeviceAuthenticationPolicySpec, DeviceAuthenticationPolicySummary};

/// Step 12 done: the device authentication policy exists.
#[derive(Debug)]
pub struct DevicePolicyCreated {
    pub(crate) policy: DeviceAuthenticationPolicy,
    pub(crate) outcome: Outcome,
}

impl DevicePolicyCreated {
    /// Step 12: creates the policy.
    ///
    /// # Errors
    /// The call's error (`403` without an MFA licence, `UNIQUENESS_VIOLATION` for a taken
    /// name).
    pub async fn create(client: &ManagementClient, spec: &DeviceAuthenticationPolicySpec) -> Result<Self, SetupError> {
        Ok(Self { policy: client.create_device_authentication_policy(spec).await?, outcome: Outcome::Created })
    }

    /// Step 12, idempotent: creates the policy (PingOne enforces unique names); when the name
    /// is taken, or the answer was lost, finds it by name instead, and updates it if its
    /// settings differ from `spec`.
    ///
    /// # Errors
    /// A call's error.
    pub async fn ensure(client: &ManagementClient, spec: &DeviceAuthenticationPolicySpec) -> Result<Self, SetupError> {
        Self::converge(client, spec, Start::Create).await
    }

    /// Step 12 from `start`.
    pub(crate) async fn converge(
        client: &ManagementClient,
        spec: &DeviceAuthenticationPolicySpec,
        start: Start<DeviceAuthenticationPolicy, Error>,
    ) -> Result<Self, SetupError> {
        let found = converge(start, || find(client, spec), || client.create_device_authentication_policy(spec)).await?;
        let (policy, outcome) = update_if_changed(
            found,
            |p: &DeviceAuthenticationPolicy| same_device_policy(&p.settings, spec),
            |p| async move { client.update_device_authentication_policy(&p.id, spec).await },
        )
        .await?;
        Ok(Self { policy, outcome })
    }

    /// The policy's ID.
    #[must_use]
    pub fn id(&self) -> &Id<DeviceAuthenticationPolicy> {
        &self.policy.id
    }

    /// What the setup did with it.
    #[must_use]
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }
}

/// Finds the policy named as in `spec`. PingOne lists whole policies, so the entry found is
/// used as it is; only an entry that does not read as a policy is read again by its ID.
async fn find(
    client: &ManagementClient,
    spec: &DeviceAuthenticationPolicySpec,
) -> Result<Option<DeviceAuthenticationPolicy>, Error> {
    let listed = client.list_device_authentication_policies_as_sent().await?;
    let named = listed.into_iter().find_map(|entry| {
        let summary: DeviceAuthenticationPolicySummary = serde_json::from_value(entry.clone()).ok()?;
        summary.name.eq_ignore_ascii_case(&spec.name).then_some((summary, entry))
    });
    let Some((summary, entry)) = named else { return Ok(None) };
    match serde_json::from_value::<DeviceAuthenticationPolicy>(entry) {
        Ok(policy) => Ok(Some(policy)),
        Err(_) => client.read_device_authentication_policy(&summary.id).await.map(Some),
    }
}

/// Whether `have` (as PingOne returned it) matches `want`, ignoring fields PingOne fills with
/// defaults when the spec leaves them out.
fn same_device_policy(have: &DeviceAuthenticationPolicySpec, want: &DeviceAuthenticationPolicySpec) -> bool {
    let mut have = have.clone();
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
