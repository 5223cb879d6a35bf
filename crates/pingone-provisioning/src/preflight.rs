//! Preflight: explains why MFA would not fire for a user signing on to an application.

use pingone_core::{Error, Id};

use crate::client::ManagementClient;
use crate::model::{
    ActionType, Application, DeviceAuthenticationPolicy, DeviceStatus, DeviceType, ResourceType, SignOnPolicy,
    SignOnPolicyAction, User,
};

/// One reason why the e-mail MFA step would not run, or not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    /// The user's `mfaEnabled` is false: MFA actions skip the user.
    MfaNotEnabled,
    /// The user is disabled and cannot sign on.
    UserDisabled,
    /// The user has no `ACTIVE` EMAIL device.
    NoActiveEmailDevice,
    /// No sign-on policy is assigned to the application: the environment's default policy runs.
    NoPolicyAssigned,
    /// The assigned policy has no `MULTI_FACTOR_AUTHENTICATION` action.
    NoMfaAction {
        /// The policy that runs.
        policy: Id<SignOnPolicy>,
    },
    /// The MFA action has e-mail switched off.
    MfaActionEmailDisabled {
        /// The action.
        action: Id<SignOnPolicyAction>,
    },
    /// The device authentication policy that governs the action has e-mail disabled.
    DevicePolicyEmailDisabled {
        /// The policy.
        policy: Id<DeviceAuthenticationPolicy>,
    },
    /// The application is not granted the `openid` scope: no ID token.
    OpenIdScopeNotGranted,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::MfaNotEnabled => f.write_str("the user does not have MFA enabled (PUT .../users/{id}/mfaEnabled)"),
            Finding::UserDisabled => f.write_str("the user is disabled"),
            Finding::NoActiveEmailDevice => f.write_str("the user has no ACTIVE EMAIL device"),
            Finding::NoPolicyAssigned => {
                f.write_str("no sign-on policy is assigned to the application; the environment default applies")
            }
            Finding::NoMfaAction { policy } => {
                write!(f, "sign-on policy {policy} has no MULTI_FACTOR_AUTHENTICATION action")
            }
            Finding::MfaActionEmailDisabled { action } => write!(f, "MFA action {action} has e-mail disabled"),
            Finding::DevicePolicyEmailDisabled { policy } => {
                write!(f, "device authentication policy {policy} has e-mail disabled")
            }
            Finding::OpenIdScopeNotGranted => f.write_str("the application is not granted the openid scope"),
        }
    }
}

/// Checks the user, the application's policy, its MFA action and the device policy. An empty
/// list means e-mail MFA will fire.
///
/// # Errors
/// A call's error.
pub async fn preflight(
    client: &ManagementClient,
    application: &Id<Application>,
    user: &Id<User>,
) -> Result<Vec<Finding>, Error> {
    let mut findings = Vec::new();
    let (account, devices, assignments, grants, resources) = tokio::try_join!(
        client.read_user(user),
        client.list_devices(user),
        client.list_sign_on_policy_assignments(application),
        client.list_grants(application),
        client.list_resources(),
    )?;
    if account.mfa_enabled != Some(true) {
        findings.push(Finding::MfaNotEnabled);
    }
    if account.enabled == Some(false) {
        findings.push(Finding::UserDisabled);
    }
    if !devices
        .iter()
        .any(|d| d.kind == DeviceType::Email && d.status.as_ref().is_none_or(|s| *s == DeviceStatus::Active))
    {
        findings.push(Finding::NoActiveEmailDevice);
    }
    if let Some(openid) = resources.iter().find(|r| r.kind == ResourceType::OpenIdConnect) {
        let scopes = client.list_scopes(&openid.id).await?;
        let openid_scope = scopes.iter().find(|s| s.name == "openid").map(|s| &s.id);
        let granted = grants.iter().any(|g| g.settings.scopes.iter().any(|s| Some(&s.id) == openid_scope));
        if !granted {
            findings.push(Finding::OpenIdScopeNotGranted);
        }
    }
    let Some(assignment) = assignments.iter().min_by_key(|a| a.settings.priority) else {
        findings.push(Finding::NoPolicyAssigned);
        return Ok(findings);
    };
    let policy = assignment.settings.sign_on_policy.id.clone();
    let actions = client.list_sign_on_policy_actions(&policy).await?;
    let Some(action) = actions.iter().find(|a| a.settings.kind == ActionType::MultiFactorAuthentication) else {
        findings.push(Finding::NoMfaAction { policy });
        return Ok(findings);
    };
    if action.settings.email.is_some_and(|e| !e.enabled) {
        findings.push(Finding::MfaActionEmailDisabled { action: action.id.clone() });
    }
    let device_policy = match &action.settings.device_authentication_policy {
        Some(reference) => Some(reference.id.clone()),
        None => client.list_device_authentication_policies().await?.into_iter().find(|p| p.default).map(|p| p.id),
    };
    if let Some(id) = device_policy {
        let policy = client.read_device_authentication_policy(&id).await?;
        if !policy.settings.email.enabled {
            findings.push(Finding::DevicePolicyEmailDisabled { policy: id });
        }
    }
    Ok(findings)
}
