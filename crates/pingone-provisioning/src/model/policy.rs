//! Sign-on policies (step 5), their actions (step 6) and assignments to applications (step 7).

use pingone_core::{Id, Ref};
use serde::{Deserialize, Serialize};

use super::enums::{ActionType, NoDevicesMode};
use super::mfa::DeviceAuthenticationPolicy;

/// The writable settings of a sign-on policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOnPolicySpec {
    /// Unique per environment; letters, digits, `_`, `.`, `-` and spaces.
    pub name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A sign-on policy as PingOne returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SignOnPolicy {
    /// The ID.
    pub id: Id<SignOnPolicy>,
    /// The settings.
    #[serde(flatten)]
    pub settings: SignOnPolicySpec,
    /// Whether it is the environment's default policy.
    #[serde(default)]
    pub default: Option<bool>,
}

/// `{ "enabled": bool }`, as the legacy MFA method switches are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enabled {
    /// On or off.
    pub enabled: bool,
}

/// The writable settings of a sign-on policy action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignOnPolicyActionSpec {
    /// The action type.
    #[serde(rename = "type")]
    pub kind: ActionType,
    /// Evaluation order (lower first), at least 1.
    pub priority: u32,
    /// MFA: e-mail OTP on or off (deprecated by PingOne but used by its e-mail workflow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Enabled>,
    /// MFA: SMS on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<Enabled>,
    /// MFA: the device authentication policy to use (else the environment default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authentication_policy: Option<Ref<DeviceAuthenticationPolicy>>,
    /// MFA: what happens to a user without a device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_devices_mode: Option<NoDevicesMode>,
}

impl SignOnPolicyActionSpec {
    /// A `LOGIN` action: the user signs on with username and password (the flow starts at
    /// `USERNAME_PASSWORD_REQUIRED`).
    #[must_use]
    pub fn login(priority: u32) -> Self {
        Self {
            kind: ActionType::Login,
            priority,
            email: None,
            sms: None,
            device_authentication_policy: None,
            no_devices_mode: None,
        }
    }

    /// An MFA action with e-mail on and SMS off, using `device_policy` when given.
    #[must_use]
    pub fn email_mfa(priority: u32, device_policy: Option<Id<DeviceAuthenticationPolicy>>) -> Self {
        Self {
            kind: ActionType::MultiFactorAuthentication,
            priority,
            email: Some(Enabled { enabled: true }),
            sms: Some(Enabled { enabled: false }),
            device_authentication_policy: device_policy.map(Ref::to),
            no_devices_mode: None,
        }
    }
}

/// A sign-on policy action as PingOne returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SignOnPolicyAction {
    /// The ID.
    pub id: Id<SignOnPolicyAction>,
    /// The settings.
    #[serde(flatten)]
    pub settings: SignOnPolicyActionSpec,
    /// The policy it belongs to.
    #[serde(default)]
    pub sign_on_policy: Option<Ref<SignOnPolicy>>,
}

/// The body of step 7.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignOnPolicyAssignmentSpec {
    /// Evaluation order (lower first), at least 1.
    pub priority: u32,
    /// The policy.
    pub sign_on_policy: Ref<SignOnPolicy>,
}

/// A policy assignment as PingOne returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SignOnPolicyAssignment {
    /// The ID.
    pub id: Id<SignOnPolicyAssignment>,
    /// The settings.
    #[serde(flatten)]
    pub settings: SignOnPolicyAssignmentSpec,
}
