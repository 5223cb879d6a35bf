//! The password-first path: a sign-on policy whose first action is `LOGIN` starts at
//! `USERNAME_PASSWORD_REQUIRED`. [`Authorized::next`] reads the flow and says which first step it
//! wants; [`PasswordRequired::submit_credentials`] sends the username and password
//! (`usernamePassword.check`), then MFA goes on as after a username.
//!
//! ```text
//! Authorized ─next─► FirstStep::UsernameRequired(Authorized) ─submit_username─► …
//!                    FirstStep::PasswordRequired(PasswordRequired) ─submit_credentials─► AfterUsername
//! ```

use std::time::Duration;

use pingone_core::{Operation, Password, Step};
use serde::{Deserialize, Serialize};

use crate::client::{Replay, SignOnClient};
use crate::context::FlowContext;
use crate::error::FlowError;
use crate::flow_json::FlowResponse;
use crate::states::{AfterUsername, Authorized, UsernameSubmitted};
use crate::status::FlowStatus;

/// `usernamePassword.check`: the `LOGIN` action's step (it identifies the user, as step 16's
/// `user.lookup` does).
pub(crate) const PASSWORD_CHECK: Operation = Operation::CheckPassword;

/// What the flow asks first.
#[derive(Debug)]
pub enum FirstStep {
    /// `SIGN_ON_REQUIRED`: the username alone (`user.lookup`), then MFA. Send it with
    /// [`Authorized::submit_username`].
    UsernameRequired(Authorized),
    /// `USERNAME_PASSWORD_REQUIRED`: a `LOGIN` action runs first.
    PasswordRequired(PasswordRequired),
}

/// The flow wants the username and password (`USERNAME_PASSWORD_REQUIRED`).
pub struct PasswordRequired {
    pub(crate) ctx: FlowContext,
    pub(crate) policy: Option<PasswordPolicy>,
    pub(crate) can_recover: bool,
}

impl std::fmt::Debug for PasswordRequired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordRequired")
            .field("flow_id", &self.ctx.flow_id)
            .field("status", &self.ctx.status)
            .finish_non_exhaustive()
    }
}

/// The password policy the flow shows (`_embedded.passwordPolicy`): what a form can tell the
/// user before they type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PasswordPolicy {
    /// The policy's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The shortest password allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    /// The longest password allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// How many wrong passwords in a row lock the password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lockout_failures: Option<u32>,
    /// How long a locked password stays locked, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lockout_seconds: Option<u64>,
}

/// PingOne's `PasswordPolicy`, the few members read.
#[derive(Deserialize)]
struct RawPolicy {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    length: Option<RawLength>,
    #[serde(default)]
    lockout: Option<RawLockout>,
}

#[derive(Deserialize)]
struct RawLength {
    #[serde(default)]
    min: Option<u32>,
    #[serde(default)]
    max: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLockout {
    #[serde(default)]
    failure_count: Option<u32>,
    #[serde(default)]
    duration_seconds: Option<u64>,
}

impl PasswordPolicy {
    /// The policy out of a flow's `_embedded.passwordPolicy`; `None` when absent or of another
    /// shape.
    fn from_flow(flow: &FlowResponse) -> Option<Self> {
        let raw: RawPolicy = serde_json::from_value(flow.embedded.password_policy.clone()?).ok()?;
        Some(Self {
            name: raw.name,
            min_length: raw.length.as_ref().and_then(|l| l.min),
            max_length: raw.length.as_ref().and_then(|l| l.max),
            lockout_failures: raw.lockout.as_ref().and_then(|l| l.failure_count),
            lockout_seconds: raw.lockout.as_ref().and_then(|l| l.duration_seconds),
        })
    }
}

impl Authorized {
    /// Step 15: reads the flow and says what it asks first: the username alone
    /// ([`FirstStep::UsernameRequired`], this stage back) or the username and password
    /// ([`FirstStep::PasswordRequired`]).
    ///
    /// # Errors
    /// [`FlowError::StaleStage`] when another copy of this stage already moved the flow on;
    /// [`FlowError::Failed`]; [`FlowError::UnexpectedStatus`] for a status this crate does not
    /// drive (its text kept); [`FlowError::Expired`]; other errors as for every step.
    pub async fn next(mut self, client: &SignOnClient) -> Result<FirstStep, FlowError> {
        const STEP: Operation = Operation::Step(Step::ReadFlow);
        client.check_stage(&self.ctx, &STEP)?;
        let flow = client.read_flow(&mut self.ctx, &STEP).await?;
        match FlowStatus::parse(&flow.status) {
            FlowStatus::SignOnRequired if flow.offers("user.lookup") => Ok(FirstStep::UsernameRequired(self)),
            FlowStatus::UsernamePasswordRequired if flow.offers("usernamePassword.check") => {
                Ok(FirstStep::PasswordRequired(PasswordRequired::from_flow(self.ctx, &flow)))
            }
            status @ (FlowStatus::OtpRequired
            | FlowStatus::DeviceSelectionRequired
            | FlowStatus::Completed
            | FlowStatus::MustChangePassword) => Err(FlowError::StaleStage { operation: STEP, current: Some(status) }),
            FlowStatus::Failed => Err(FlowError::Failed {
                operation: STEP,
                code: flow.error.as_ref().and_then(|e| e.code.clone()),
                message: flow.error.as_ref().and_then(|e| e.message.clone()),
            }),
            status => Err(FlowError::UnexpectedStatus { operation: STEP, status }),
        }
    }
}

impl PasswordRequired {
    fn from_flow(ctx: FlowContext, flow: &FlowResponse) -> Self {
        Self { policy: PasswordPolicy::from_flow(flow), can_recover: flow.offers("password.forgot"), ctx }
    }

    /// The flow ID.
    #[must_use]
    pub fn flow_id(&self) -> &str {
        &self.ctx.flow_id
    }

    /// The password policy the flow shows, if it shows one.
    #[must_use]
    pub fn password_policy(&self) -> Option<&PasswordPolicy> {
        self.policy.as_ref()
    }

    /// Whether the flow offers password recovery (`password.forgot`): show a "forgot your
    /// password?" link that sends the user to PingOne's own recovery.
    #[must_use]
    pub fn can_recover(&self) -> bool {
        self.can_recover
    }

    /// Sends the username and password (`usernamePassword.check`). Accepted, the flow goes on as
    /// after a username: [`AfterUsername`] (a code e-mailed, a device to choose, or done).
    ///
    /// # Errors
    /// [`FlowError::CredentialsRejected`] with this stage handed back for a wrong password (or
    /// an unknown username: PingOne answers both alike), with the attempts left when PingOne
    /// says; [`FlowError::PasswordLocked`] with the time until unlock after too many wrong
    /// passwords; [`FlowError::UnexpectedStatus`] naming the status for what this crate does
    /// not drive (`MUST_CHANGE_PASSWORD`, `PASSWORD_EXPIRED`, ...); [`FlowError::OutcomeUnknown`]
    /// with this stage handed back when the answer was lost (never sent twice: a wrong password
    /// would count twice towards the lockout); other errors as for every step.
    pub async fn submit_credentials(
        mut self,
        client: &SignOnClient,
        username: &str,
        password: &Password,
    ) -> Result<AfterUsername, FlowError> {
        client.check_stage(&self.ctx, &PASSWORD_CHECK)?;
        let saved = self.ctx.clone();
        // Serialised straight from the secret into a body that is wiped when dropped.
        let body = crate::secret_body::Credentials { username, password: password.secret() };
        match client.post_action(&mut self.ctx, &PASSWORD_CHECK, "usernamePassword.check", &body, Replay::Never).await {
            Ok(flow) => UsernameSubmitted::from_flow(self.ctx, flow).after_identification(PASSWORD_CHECK),
            Err(FlowError::Http(error)) if error.status() == Some(400) => {
                self.ctx = saved;
                if let Some(seconds) = detail_inner(&error, "PASSWORD_LOCKED_OUT", "secondsUntilUnlock") {
                    return Err(FlowError::PasswordLocked { unlock_in: seconds.map(Duration::from_secs) });
                }
                let remaining_attempts = detail_inner(&error, "INVALID_CREDENTIALS", "remainingAttempts")
                    .flatten()
                    .and_then(|n| u32::try_from(n).ok());
                Err(FlowError::CredentialsRejected { error, remaining_attempts, state: Box::new(self) })
            }
            Err(FlowError::OutcomeUnknown { operation, error, .. }) => {
                self.ctx = saved;
                Err(FlowError::OutcomeUnknown { operation, error, stage: Some(Box::new(self.into())) })
            }
            Err(e) => Err(e),
        }
    }
}

/// When a detail of `error` has `code`: `Some` with its `innerError[member]` as a number, if any.
fn detail_inner(error: &pingone_core::Error, code: &str, member: &str) -> Option<Option<u64>> {
    let detail = error.api()?.body.details.iter().find(|d| d.code.as_deref() == Some(code))?;
    Some(detail.inner_error.as_ref().and_then(|inner| inner.get(member)).and_then(serde_json::Value::as_u64))
}
