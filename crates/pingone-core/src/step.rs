//! The 20 steps of PingOne's Email MFA workflow as a type, and the operations around them.
//!
//! Two types, because not every request is a step:
//!
//! - [`Step`] is exactly the workflow of PingOne's guide: twenty numbered steps, from creating the
//!   application (1) to the token exchange (20).
//! - [`Operation`] is what a request is *for*: one of the steps, or a named operation that serves
//!   one (the worker token, a lookup before a create, a read-back, `device.select`, discovery and
//!   JWKS, a teardown delete), or a caller's own label. [`Operation::step`] says which step an
//!   operation is or serves, so a transcript or a metric can group every request by step without
//!   parsing text.
//!
//! Errors ([`RequestContext`](crate::RequestContext)), observed exchanges
//! ([`Exchange`](crate::Exchange)) and tracing spans (a numeric `step` field beside the
//! `operation` label) carry the [`Operation`].

use std::borrow::Cow;
use std::fmt;

/// One of the 20 steps of PingOne's "Email MFA sign-on" workflow, numbered as in PingOne's guide.
///
/// Its `Display` is the label used in errors and traces: `step 9: create user`.
///
/// ```
/// use pingone_core::Step;
///
/// assert_eq!(Step::CreateUser.number(), 9);
/// assert_eq!(Step::CreateUser.label(), "create user");
/// assert_eq!(Step::CreateUser.to_string(), "step 9: create user");
/// assert_eq!(Step::from_number(20), Some(Step::TokenExchange));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Step {
    /// 1: `POST /applications`: the OIDC web application.
    CreateApplication,
    /// 2: `GET /resources`: find the `openid` resource.
    ListResources,
    /// 3: `GET /resources/{id}/scopes`: the `openid` resource's scopes.
    ListScopes,
    /// 4: `POST /applications/{id}/grants`: grant the scopes to the application.
    CreateGrant,
    /// 5: `POST /signOnPolicies`.
    CreateSignOnPolicy,
    /// 6: `POST /signOnPolicies/{id}/actions`: the e-mail MFA action.
    CreateMfaAction,
    /// 7: `POST /applications/{id}/signOnPolicyAssignments`.
    AssignSignOnPolicy,
    /// 8: `POST /populations`.
    CreatePopulation,
    /// 9: `POST /users`.
    CreateUser,
    /// 10: `PUT /users/{id}/password`.
    SetPassword,
    /// 11: `PUT /users/{id}/mfaEnabled`.
    EnableMfa,
    /// 12: `POST /deviceAuthenticationPolicies`.
    CreateDeviceAuthenticationPolicy,
    /// 13: `POST /users/{id}/devices`: the user's EMAIL device.
    CreateEmailDevice,
    /// 14: `GET /as/authorize`: starts the flow.
    Authorize,
    /// 15: `GET /flows/{flowId}`.
    ReadFlow,
    /// 16: `POST /flows/{flowId}` with `user.lookup` (the OTP is e-mailed).
    UserLookup,
    /// 17: `POST /flows/{flowId}` with `otp.check`.
    OtpCheck,
    /// 18: `GET /as/resume`: the redirect with the authorization code.
    Resume,
    /// 19: `GET /applications/{id}/secret`.
    ReadApplicationSecret,
    /// 20: `POST /as/token`: code and PKCE verifier for tokens (the ID token is verified here).
    TokenExchange,
}

impl Step {
    /// The 20 steps, in order.
    pub const ALL: [Step; 20] = [
        Step::CreateApplication,
        Step::ListResources,
        Step::ListScopes,
        Step::CreateGrant,
        Step::CreateSignOnPolicy,
        Step::CreateMfaAction,
        Step::AssignSignOnPolicy,
        Step::CreatePopulation,
        Step::CreateUser,
        Step::SetPassword,
        Step::EnableMfa,
        Step::CreateDeviceAuthenticationPolicy,
        Step::CreateEmailDevice,
        Step::Authorize,
        Step::ReadFlow,
        Step::UserLookup,
        Step::OtpCheck,
        Step::Resume,
        Step::ReadApplicationSecret,
        Step::TokenExchange,
    ];

    /// The step's number in PingOne's guide, 1 to 20.
    #[must_use]
    pub fn number(self) -> u8 {
        match self {
            Step::CreateApplication => 1,
            Step::ListResources => 2,
            Step::ListScopes => 3,
            Step::CreateGrant => 4,
            Step::CreateSignOnPolicy => 5,
            Step::CreateMfaAction => 6,
            Step::AssignSignOnPolicy => 7,
            Step::CreatePopulation => 8,
            Step::CreateUser => 9,
            Step::SetPassword => 10,
            Step::EnableMfa => 11,
            Step::CreateDeviceAuthenticationPolicy => 12,
            Step::CreateEmailDevice => 13,
            Step::Authorize => 14,
            Step::ReadFlow => 15,
            Step::UserLookup => 16,
            Step::OtpCheck => 17,
            Step::Resume => 18,
            Step::ReadApplicationSecret => 19,
            Step::TokenExchange => 20,
        }
    }

    /// What the step does, in a few words (`create user`).
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Step::CreateApplication => "create application",
            Step::ListResources => "list resources",
            Step::ListScopes => "list scopes",
            Step::CreateGrant => "create resource grant",
            Step::CreateSignOnPolicy => "create sign-on policy",
            Step::CreateMfaAction => "create MFA sign-on policy action",
            Step::AssignSignOnPolicy => "assign sign-on policy",
            Step::CreatePopulation => "create population",
            Step::CreateUser => "create user",
            Step::SetPassword => "set password",
            Step::EnableMfa => "enable MFA",
            Step::CreateDeviceAuthenticationPolicy => "create device authentication policy",
            Step::CreateEmailDevice => "create EMAIL device",
            Step::Authorize => "authorize",
            Step::ReadFlow => "read flow",
            Step::UserLookup => "user.lookup",
            Step::OtpCheck => "otp.check",
            Step::Resume => "resume",
            Step::ReadApplicationSecret => "read application secret",
            Step::TokenExchange => "token exchange",
        }
    }

    /// The step with this number, if it is 1 to 20.
    #[must_use]
    pub fn from_number(number: u8) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.number() == number)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step {}: {}", self.number(), self.label())
    }
}

/// A kind of management object, as named in the operations around the steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectKind {
    /// An application (created at step 1).
    Application,
    /// A resource grant (step 4).
    Grant,
    /// A sign-on policy (step 5).
    SignOnPolicy,
    /// A sign-on policy action (step 6).
    SignOnPolicyAction,
    /// A sign-on policy assignment (step 7).
    SignOnPolicyAssignment,
    /// A population (step 8).
    Population,
    /// A user (step 9).
    User,
    /// A user's `mfaEnabled` setting (step 11).
    MfaEnabled,
    /// A device authentication policy (step 12).
    DeviceAuthenticationPolicy,
    /// An MFA device (step 13).
    Device,
}

impl ObjectKind {
    /// The step that creates (or sets) this kind of object.
    #[must_use]
    pub fn step(self) -> Step {
        match self {
            ObjectKind::Application => Step::CreateApplication,
            ObjectKind::Grant => Step::CreateGrant,
            ObjectKind::SignOnPolicy => Step::CreateSignOnPolicy,
            ObjectKind::SignOnPolicyAction => Step::CreateMfaAction,
            ObjectKind::SignOnPolicyAssignment => Step::AssignSignOnPolicy,
            ObjectKind::Population => Step::CreatePopulation,
            ObjectKind::User => Step::CreateUser,
            ObjectKind::MfaEnabled => Step::EnableMfa,
            ObjectKind::DeviceAuthenticationPolicy => Step::CreateDeviceAuthenticationPolicy,
            ObjectKind::Device => Step::CreateEmailDevice,
        }
    }

    /// The singular and plural names (`sign-on policy`, `sign-on policies`).
    fn names(self) -> (&'static str, &'static str) {
        match self {
            ObjectKind::Application => ("application", "applications"),
            ObjectKind::Grant => ("resource grant", "resource grants"),
            ObjectKind::SignOnPolicy => ("sign-on policy", "sign-on policies"),
            ObjectKind::SignOnPolicyAction => ("sign-on policy action", "sign-on policy actions"),
            ObjectKind::SignOnPolicyAssignment => ("sign-on policy assignment", "sign-on policy assignments"),
            ObjectKind::Population => ("population", "populations"),
            ObjectKind::User => ("user", "users"),
            ObjectKind::MfaEnabled => ("mfaEnabled", "mfaEnabled"),
            ObjectKind::DeviceAuthenticationPolicy => {
                ("device authentication policy", "device authentication policies")
            }
            ObjectKind::Device => ("device", "devices"),
        }
    }

    /// The attribute a lookup by name filters on (`username` for users, `name` otherwise).
    fn lookup_key(self) -> &'static str {
        match self {
            ObjectKind::User => "username",
            _ => "name",
        }
    }
}

/// What a request is for: a workflow [`Step`], a named operation around the steps, or a label of
/// the caller's own.
///
/// Its `Display` is the label used in errors and traces (`step 9: create user`,
/// `find user by username`, `get worker token`).
///
/// ```
/// use pingone_core::{ObjectKind, Operation, Step};
///
/// let lookup = Operation::Find(ObjectKind::User);
/// assert_eq!(lookup.to_string(), "find user by username");
/// assert_eq!(lookup.step(), Some(Step::CreateUser)); // it serves step 9
/// assert_eq!(Operation::from(Step::CreateUser).to_string(), "step 9: create user");
/// assert_eq!(Operation::WorkerToken.step(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// One of the 20 workflow steps.
    Step(Step),
    /// The worker token (`client_credentials`), which every management step needs.
    WorkerToken,
    /// `device.select`: the user chose the device the OTP goes to (serves step 17).
    SelectDevice,
    /// `device.select` on the already selected device: a new OTP is sent (serves step 17).
    ResendOtp,
    /// The OIDC discovery document, read to find the JWKS (serves step 20).
    Discovery,
    /// The JWKS, read to verify the ID token (serves step 20).
    Jwks,
    /// `usernamePassword.check`: the `LOGIN` action of a password-first policy identifies the
    /// user with a password (serves step 16, which it replaces).
    CheckPassword,
    /// `device.select` for another device than the one that got the OTP (serves step 17).
    SwitchDevice,
    /// The userinfo endpoint, read with the access token (after step 20).
    Userinfo,
    /// `/as/signoff`: ends the PingOne session (after step 20).
    SignOff,
    /// `POST` one object that the workflow does not number (a `LOGIN` action beside the MFA
    /// action, a second device): it serves the step that creates its kind.
    Create(ObjectKind),
    /// The device activation of a device created `ACTIVATION_REQUIRED` (serves step 13).
    ActivateDevice,
    /// `GET` one object.
    Read(ObjectKind),
    /// `GET` a whole collection (every page).
    List(ObjectKind),
    /// `GET` a collection filtered by name (`username` for users): the lookup that makes a
    /// create idempotent.
    Find(ObjectKind),
    /// `PUT` one object.
    Update(ObjectKind),
    /// `DELETE` one object (teardown).
    Delete(ObjectKind),
    /// Anything else, with a label of the caller's own (a request of yours sent through
    /// [`ManagementTransport`](crate::ManagementTransport), building the HTTP client, ...).
    Custom(Cow<'static, str>),
}

impl Operation {
    /// The workflow step this operation is, or serves: `Find(User)` serves step 9 and
    /// `Jwks` step 20. `None` for the worker token and custom operations.
    #[must_use]
    pub fn step(&self) -> Option<Step> {
        match self {
            Operation::Step(step) => Some(*step),
            Operation::SelectDevice | Operation::ResendOtp | Operation::SwitchDevice => Some(Step::OtpCheck),
            Operation::CheckPassword => Some(Step::UserLookup),
            Operation::ActivateDevice => Some(Step::CreateEmailDevice),
            Operation::Userinfo | Operation::SignOff => None,
            Operation::Discovery | Operation::Jwks => Some(Step::TokenExchange),
            Operation::Create(kind)
            | Operation::Read(kind)
            | Operation::List(kind)
            | Operation::Find(kind)
            | Operation::Update(kind)
            | Operation::Delete(kind) => Some(kind.step()),
            Operation::WorkerToken | Operation::Custom(_) => None,
        }
    }

    /// Whether this operation is one of the 20 steps itself (not one that serves a step).
    #[must_use]
    pub fn is_step(&self) -> bool {
        matches!(self, Operation::Step(_))
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operation::Step(step) => step.fmt(f),
            Operation::WorkerToken => f.write_str("get worker token"),
            Operation::SelectDevice => f.write_str("device.select"),
            Operation::ResendOtp => f.write_str("resend OTP (device.select)"),
            Operation::Discovery => f.write_str("fetch OIDC discovery"),
            Operation::Jwks => f.write_str("fetch JWKS"),
            Operation::CheckPassword => f.write_str("usernamePassword.check"),
            Operation::SwitchDevice => f.write_str("switch device (device.select)"),
            Operation::Userinfo => f.write_str("userinfo"),
            Operation::SignOff => f.write_str("sign-off"),
            Operation::Create(kind) => write!(f, "create {}", kind.names().0),
            Operation::ActivateDevice => f.write_str("activate MFA device"),
            Operation::Read(kind) => write!(f, "read {}", kind.names().0),
            Operation::List(kind) => write!(f, "list {}", kind.names().1),
            Operation::Find(kind) => write!(f, "find {} by {}", kind.names().0, kind.lookup_key()),
            Operation::Update(kind) => write!(f, "update {}", kind.names().0),
            Operation::Delete(kind) => write!(f, "delete {}", kind.names().0),
            Operation::Custom(label) => f.write_str(label),
        }
    }
}

impl From<Step> for Operation {
    fn from(step: Step) -> Self {
        Operation::Step(step)
    }
}

impl From<&'static str> for Operation {
    /// A [`Operation::Custom`] label.
    fn from(label: &'static str) -> Self {
        Operation::Custom(Cow::Borrowed(label))
    }
}

impl From<String> for Operation {
    /// A [`Operation::Custom`] label.
    fn from(label: String) -> Self {
        Operation::Custom(Cow::Owned(label))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_steps_numbered_in_order_with_distinct_labels() {
        let numbers: Vec<u8> = Step::ALL.iter().map(|s| s.number()).collect();
        assert_eq!(numbers, (1..=20).collect::<Vec<u8>>());
        for step in Step::ALL {
            assert_eq!(Step::from_number(step.number()), Some(step));
            assert_eq!(step.to_string(), format!("step {}: {}", step.number(), step.label()));
            assert_eq!(Step::ALL.iter().filter(|s| s.label() == step.label()).count(), 1, "{step}");
        }
        assert_eq!(Step::from_number(0), None);
        assert_eq!(Step::from_number(21), None);
        assert!(Step::CreateUser < Step::TokenExchange);
    }

    #[test]
    fn operations_name_the_step_they_serve() {
        let cases: [(Operation, &str, Option<u8>); 12] = [
            (Step::CreateUser.into(), "step 9: create user", Some(9)),
            (Operation::WorkerToken, "get worker token", None),
            (Operation::SelectDevice, "device.select", Some(17)),
            (Operation::ResendOtp, "resend OTP (device.select)", Some(17)),
            (Operation::Discovery, "fetch OIDC discovery", Some(20)),
            (Operation::Jwks, "fetch JWKS", Some(20)),
            (Operation::Read(ObjectKind::Application), "read application", Some(1)),
            (Operation::List(ObjectKind::SignOnPolicy), "list sign-on policies", Some(5)),
            (Operation::Find(ObjectKind::Population), "find population by name", Some(8)),
            (
                Operation::Update(ObjectKind::DeviceAuthenticationPolicy),
                "update device authentication policy",
                Some(12),
            ),
            (Operation::Delete(ObjectKind::Grant), "delete resource grant", Some(4)),
            ("my own call".into(), "my own call", None),
        ];
        for (operation, label, step) in cases {
            assert_eq!(operation.to_string(), label);
            assert_eq!(operation.step().map(Step::number), step, "{label}");
            assert_eq!(operation.is_step(), label.starts_with("step "), "{label}");
        }
    }
}
