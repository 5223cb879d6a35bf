//! The sign-on stages. Each transition takes `self`, so a used stage cannot be used again; what
//! the server decides at run time comes back as an enum or a typed error.
//!
//! ```text
//! SignOnClient::authorize ─► Authorized ─submit_username─► UsernameSubmitted ─next─► AfterUsername
//!   Authorized ─next─► FirstStep::PasswordRequired ─submit_credentials─► AfterUsername (password.rs)
//!   AfterUsername::OtpRequired ─submit_otp─► OtpOutcome::{Completed, Rejected(OtpRequired)}
//!   OtpRequired ─switch_device / resend─► OtpRequired
//!   AfterUsername::DeviceSelectionRequired ─select─► OtpRequired
//!   Completed ─resume─► Resumed ─exchange─► Tokens
//! ```

use std::time::Duration;

use pingone_core::{ApiRequest, AuthorizationCode, Method, Operation, Otp, StateToken, Step};
use serde_json::json;

use crate::client::{Replay, SignOnClient, flow_span, query_param, redacted_location, resolve_location};
use crate::context::FlowContext;
use crate::error::FlowError;
use crate::flow_json::{DeviceChoice, DeviceOption, FlowErrorBody, FlowResponse, distinct_labels};
use crate::id_token::{IdTokenClaims, verify_id_token};
use crate::status::FlowStatus;
use crate::tokens::{TokenResponse, Tokens};
use tracing::Instrument as _;

macro_rules! state_debug {
    ($name:ident) => {
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("flow_id", &self.ctx.flow_id)
                    .field("status", &self.ctx.status)
                    .finish_non_exhaustive()
            }
        }
    };
}

/// Step 14 done: the flow exists and its cookies are kept.
pub struct Authorized {
    pub(crate) ctx: FlowContext,
}
state_debug!(Authorized);

/// Steps 15–16 done: the username was accepted; [`next`](UsernameSubmitted::next) says what
/// PingOne wants now.
pub struct UsernameSubmitted {
    pub(crate) ctx: FlowContext,
    pub(crate) devices: Vec<DeviceOption>,
    pub(crate) selected: Option<String>,
    pub(crate) can_resend: bool,
    /// `FAILED`: PingOne's code, message and seconds until unlock.
    pub(crate) error: Option<(Option<String>, Option<String>, Option<u64>)>,
}
state_debug!(UsernameSubmitted);

/// The user has several devices: one must be chosen before an OTP is sent.
pub struct DeviceSelectionRequired {
    pub(crate) ctx: FlowContext,
    pub(crate) devices: Vec<DeviceOption>,
}
state_debug!(DeviceSelectionRequired);

/// An OTP was e-mailed; [`submit_otp`](OtpRequired::submit_otp) it.
pub struct OtpRequired {
    pub(crate) ctx: FlowContext,
    pub(crate) devices: Vec<DeviceOption>,
    pub(crate) selected: Option<String>,
    pub(crate) can_resend: bool,
    /// A stand-in for a refused username (see [`Authorized::decoy`]): no code was sent.
    pub(crate) decoy: Option<crate::decoy::Decoy>,
}
state_debug!(OtpRequired);

/// The flow is `COMPLETED`: [`resume`](Completed::resume) it to get the authorization code.
pub struct Completed {
    pub(crate) ctx: FlowContext,
    /// With `response_mode=pi.flow`: the code and state that came with the completed flow.
    pub(crate) code: Option<(AuthorizationCode, Option<String>)>,
}
state_debug!(Completed);

/// Step 18 done: the authorization code, bound to this flow's PKCE verifier and nonce.
pub struct Resumed {
    pub(crate) ctx: FlowContext,
    pub(crate) code: AuthorizationCode,
}
state_debug!(Resumed);

/// What PingOne wants after the username.
#[derive(Debug)]
pub enum AfterUsername {
    /// An OTP was sent to the user's only device.
    OtpRequired(OtpRequired),
    /// Several devices: the user chooses one.
    DeviceSelectionRequired(DeviceSelectionRequired),
    /// No MFA was needed (for example the user has MFA disabled).
    Completed(Completed),
}

/// The answer to an OTP.
#[derive(Debug)]
pub enum OtpOutcome {
    /// The passcode was right.
    Completed(Completed),
    /// The passcode was wrong (or expired): the same stage is handed back to try again.
    Rejected(OtpRejection),
}

/// A rejected OTP, with the stage to retry from.
#[derive(Debug)]
pub struct OtpRejection {
    /// The stage, unchanged.
    pub state: OtpRequired,
    /// Attempts left, when PingOne says.
    pub remaining_attempts: Option<u32>,
    /// Whether the passcode had expired (resend, then try again).
    pub expired: bool,
}

impl Authorized {
    pub(crate) fn new(ctx: FlowContext) -> Self {
        Self { ctx }
    }

    /// The flow ID.
    #[must_use]
    pub fn flow_id(&self) -> &str {
        &self.ctx.flow_id
    }

    /// Steps 15–16: reads the flow (it must offer `user.lookup`) and submits the username.
    ///
    /// # Errors
    /// [`FlowError::UsernameRejected`] (with this stage, to retry) when PingOne refuses the
    /// username; [`FlowError::ActionNotOffered`] when the flow wants something else (a `LOGIN`
    /// action first: [`next`](Self::next) tells the two apart); [`FlowError::Expired`]; other
    /// errors as for every step.
    pub async fn submit_username(
        mut self,
        client: &SignOnClient,
        username: &str,
    ) -> Result<UsernameSubmitted, FlowError> {
        client.check_stage(&self.ctx, &Operation::Step(Step::ReadFlow))?;
        let flow = client.read_flow(&mut self.ctx, &Operation::Step(Step::ReadFlow)).await?;
        if !flow.offers("user.lookup") {
            return Err(match FlowStatus::parse(&flow.status) {
                // Another copy of this stage already submitted a username.
                status @ (FlowStatus::OtpRequired
                | FlowStatus::DeviceSelectionRequired
                | FlowStatus::Completed
                | FlowStatus::Failed) => {
                    FlowError::StaleStage { operation: Operation::Step(Step::ReadFlow), current: Some(status) }
                }
                _ => status_error(&Operation::Step(Step::ReadFlow), "user.lookup", &flow),
            });
        }
        let saved = Authorized { ctx: self.ctx.clone() };
        let body = json!({ "username": username });
        let flow = match client
            .post_action(&mut self.ctx, &Operation::Step(Step::UserLookup), "user.lookup", &body, Replay::AfterCheck)
            .await
        {
            Ok(flow) => flow,
            Err(FlowError::Http(error)) if error.status() == Some(400) => {
                return Err(FlowError::UsernameRejected { error, state: Box::new(saved) });
            }
            Err(e) => return Err(e),
        };
        Ok(UsernameSubmitted::from_flow(self.ctx, flow))
    }
}

fn status_error(step: &Operation, action: &'static str, flow: &FlowResponse) -> FlowError {
    match FlowStatus::parse(&flow.status) {
        FlowStatus::Failed => FlowError::Failed {
            operation: step.clone(),
            code: flow.error.as_ref().and_then(|e| e.code.clone()),
            message: flow.error.as_ref().and_then(|e| e.message.clone()),
        },
        status => FlowError::ActionNotOffered { operation: step.clone(), action, status },
    }
}

impl UsernameSubmitted {
    pub(crate) fn from_flow(ctx: FlowContext, flow: FlowResponse) -> Self {
        Self {
            can_resend: flow.offers("device.select"),
            selected: flow.embedded.selected_device.map(|d| d.id),
            devices: flow.embedded.devices,
            error: flow.error.map(|e| {
                let unlock = e.seconds_until_unlock();
                (e.code, e.message, unlock)
            }),
            ctx,
        }
    }

    /// The flow's status.
    #[must_use]
    pub fn status(&self) -> FlowStatus {
        self.ctx.status()
    }

    /// What comes next, decided by the flow's status.
    ///
    /// # Errors
    /// [`FlowError::Failed`] for `FAILED` (PingOne's code kept), [`FlowError::UnexpectedStatus`]
    /// for any status this crate does not drive (its text kept).
    pub fn next(self) -> Result<AfterUsername, FlowError> {
        self.after_identification(Operation::Step(Step::UserLookup))
    }

    /// What comes once the user is identified (by `user.lookup`, or by a password: `step`).
    pub(crate) fn after_identification(self, step: Operation) -> Result<AfterUsername, FlowError> {
        let step = &step;
        match self.ctx.status() {
            FlowStatus::OtpRequired => Ok(AfterUsername::OtpRequired(OtpRequired {
                ctx: self.ctx,
                devices: self.devices,
                selected: self.selected,
                can_resend: self.can_resend,
                decoy: None,
            })),
            FlowStatus::DeviceSelectionRequired => {
                Ok(AfterUsername::DeviceSelectionRequired(DeviceSelectionRequired {
                    ctx: self.ctx,
                    devices: self.devices,
                }))
            }
            FlowStatus::Completed => Ok(AfterUsername::Completed(Completed { ctx: self.ctx, code: None })),
            FlowStatus::Failed => {
                let (code, message, unlock) = self.error.unwrap_or((None, None, None));
                if code.as_deref() == Some("DEVICE_LOCKED") {
                    return Err(FlowError::Locked { unlock_in: unlock.map(Duration::from_secs) });
                }
                Err(FlowError::Failed { operation: step.clone(), code, message })
            }
            status => Err(FlowError::UnexpectedStatus { operation: step.clone(), status }),
        }
    }
}

impl DeviceSelectionRequired {
    /// The devices offered (type and masked address).
    #[must_use]
    pub fn devices(&self) -> &[DeviceOption] {
        &self.devices
    }

    /// The devices as choices to show, each with a distinct label (nickname, else masked
    /// address; never two identical entries).
    #[must_use]
    pub fn choices(&self) -> Vec<DeviceChoice> {
        distinct_labels(&self.devices)
    }

    /// Chooses a device; PingOne sends it an OTP.
    ///
    /// # Errors
    /// [`FlowError::UnknownDevice`] for an ID the flow did not offer, with this stage handed
    /// back (nothing was sent); [`FlowError::OutcomeUnknown`] when the answer was lost (never
    /// sent twice: that would send two e-mails); [`FlowError::StaleStage`] when the flow has
    /// moved on; other errors as for every step.
    pub async fn select(mut self, client: &SignOnClient, device_id: &str) -> Result<OtpRequired, FlowError> {
        const STEP: Operation = Operation::SelectDevice;
        client.check_stage(&self.ctx, &STEP)?;
        if !self.devices.iter().any(|d| d.id == device_id) {
            return Err(FlowError::UnknownDevice { device_id: device_id.to_owned(), state: Box::new(self) });
        }
        let body = json!({ "device": { "id": device_id } });
        let flow = client.post_action(&mut self.ctx, &STEP, "device.select", &body, Replay::Never).await?;
        otp_required(&STEP, self.ctx, flow)
    }
}

/// Too many wrong passcodes: the flow failed; PingOne may say when the device unlocks.
fn locked(flow: &FlowResponse) -> FlowError {
    FlowError::Locked {
        unlock_in: flow.error.as_ref().and_then(FlowErrorBody::seconds_until_unlock).map(Duration::from_secs),
    }
}

pub(crate) fn otp_required(step: &Operation, ctx: FlowContext, flow: FlowResponse) -> Result<OtpRequired, FlowError> {
    if FlowStatus::parse(&flow.status) != FlowStatus::OtpRequired {
        return Err(match status_error(step, "otp.check", &flow) {
            FlowError::ActionNotOffered { status, .. } => {
                FlowError::UnexpectedStatus { operation: step.clone(), status }
            }
            other => other,
        });
    }
    Ok(OtpRequired {
        can_resend: flow.offers("device.select"),
        selected: flow.embedded.selected_device.map(|d| d.id),
        devices: flow.embedded.devices,
        ctx,
        decoy: None,
    })
}

impl OtpRequired {
    /// The devices PingOne listed.
    #[must_use]
    pub fn devices(&self) -> &[DeviceOption] {
        &self.devices
    }

    /// The device the OTP went to, with its masked address.
    #[must_use]
    pub fn selected_device(&self) -> Option<&DeviceOption> {
        let id = self.selected.as_deref()?;
        self.devices.iter().find(|d| d.id == id)
    }

    /// Whether the flow offers sending a new OTP.
    #[must_use]
    pub fn can_resend(&self) -> bool {
        (self.can_resend && self.selected.is_some()) || self.decoy.is_some()
    }

    /// Step 17: submits the passcode. A wrong (or expired) passcode hands this stage back in
    /// [`OtpOutcome::Rejected`], with the attempts left when PingOne says.
    ///
    /// # Errors
    /// [`FlowError::Locked`] after too many wrong passcodes; [`FlowError::OutcomeUnknown`] with
    /// this stage handed back when the answer was lost (the passcode is never sent twice: a
    /// wrong one would count as two failures — see [`refresh`](Self::refresh));
    /// [`FlowError::StaleStage`] when another copy of this stage already moved the flow on;
    /// [`FlowError::Expired`]; other errors as for every step.
    pub async fn submit_otp(mut self, client: &SignOnClient, otp: &Otp) -> Result<OtpOutcome, FlowError> {
        const STEP: Operation = Operation::Step(Step::OtpCheck);
        client.check_stage(&self.ctx, &STEP)?;
        if self.decoy.is_some() {
            return crate::decoy::submit(self, client).await;
        }
        let saved = self.ctx.clone();
        // Serialised straight from the secret into a body that is wiped when dropped.
        let body = crate::secret_body::OtpCheck { otp: otp.secret() };
        match client.post_action(&mut self.ctx, &STEP, "otp.check", &body, Replay::Never).await {
            Ok(flow) => match FlowStatus::parse(&flow.status) {
                FlowStatus::Completed => Ok(OtpOutcome::Completed(Completed::from_flow(self.ctx, &flow))),
                FlowStatus::OtpRequired => {
                    Ok(OtpOutcome::Rejected(OtpRejection { state: self, remaining_attempts: None, expired: false }))
                }
                FlowStatus::Failed => Err(locked(&flow)),
                status => Err(FlowError::UnexpectedStatus { operation: STEP, status }),
            },
            Err(FlowError::OutcomeUnknown { operation, error, .. }) => {
                self.ctx = saved;
                Err(FlowError::OutcomeUnknown { operation, error, stage: Some(Box::new(self.into())) })
            }
            Err(FlowError::Http(error)) if error.has_code(&pingone_core::ErrorCode::InvalidOtp) => {
                let inner = error.api().and_then(|a| a.body.details.iter().find_map(|d| d.inner_error.clone()));
                let remaining =
                    inner.as_ref().and_then(|m| m.get("remainingAttempts")).and_then(serde_json::Value::as_u64);
                let expired =
                    inner.as_ref().and_then(|m| m.get("expired")).and_then(serde_json::Value::as_bool).unwrap_or(false);
                // The flow says what the failure did: still OTP_REQUIRED (retry) or FAILED (locked).
                self.ctx = saved;
                let flow = client.read_flow(&mut self.ctx, &STEP).await?;
                match FlowStatus::parse(&flow.status) {
                    FlowStatus::OtpRequired => Ok(OtpOutcome::Rejected(OtpRejection {
                        state: self,
                        remaining_attempts: remaining.and_then(|r| u32::try_from(r).ok()),
                        expired,
                    })),
                    FlowStatus::Failed => Err(locked(&flow)),
                    status => Err(FlowError::StaleStage { operation: STEP, current: Some(status) }),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Reads the flow to learn where it stands, for example after
    /// [`FlowError::OutcomeUnknown`]: [`OtpOutcome::Completed`] if a passcode was accepted,
    /// this stage back (in [`OtpOutcome::Rejected`], attempts unknown) if the flow still wants
    /// one. Nothing is sent but a read.
    ///
    /// # Errors
    /// [`FlowError::Locked`] when the flow failed; [`FlowError::StaleStage`] for another status;
    /// [`FlowError::Expired`]; other errors as for every step.
    pub async fn refresh(mut self, client: &SignOnClient) -> Result<OtpOutcome, FlowError> {
        const STEP: Operation = Operation::Step(Step::OtpCheck);
        client.check_stage(&self.ctx, &STEP)?;
        if self.decoy.is_some() {
            return Ok(OtpOutcome::Rejected(OtpRejection { state: self, remaining_attempts: None, expired: false }));
        }
        let flow = client.read_flow(&mut self.ctx, &STEP).await?;
        match FlowStatus::parse(&flow.status) {
            FlowStatus::Completed => Ok(OtpOutcome::Completed(Completed::from_flow(self.ctx, &flow))),
            FlowStatus::OtpRequired => {
                Ok(OtpOutcome::Rejected(OtpRejection { state: self, remaining_attempts: None, expired: false }))
            }
            FlowStatus::Failed => Err(locked(&flow)),
            status => Err(FlowError::StaleStage { operation: STEP, current: Some(status) }),
        }
    }

    /// Sends a new OTP to the same device (`device.select` again), for an expired or lost one.
    ///
    /// # Errors
    /// [`FlowError::ActionNotOffered`] when the flow offers no resend;
    /// [`FlowError::OutcomeUnknown`] with this stage handed back when the answer was lost (never
    /// sent twice: that would send two e-mails); [`FlowError::StaleStage`] when the flow has
    /// moved on; other errors as for every step.
    pub async fn resend(mut self, client: &SignOnClient) -> Result<OtpRequired, FlowError> {
        const STEP: Operation = Operation::ResendOtp;
        client.check_stage(&self.ctx, &STEP)?;
        if self.decoy.is_some() {
            return crate::decoy::resend(self, client).await;
        }
        let Some(device) = self.selected.clone().filter(|_| self.can_resend) else {
            return Err(FlowError::ActionNotOffered {
                operation: STEP,
                action: "device.select",
                status: self.ctx.status(),
            });
        };
        let saved = self.ctx.clone();
        let body = json!({ "device": { "id": device } });
        match client.post_action(&mut self.ctx, &STEP, "device.select", &body, Replay::Never).await {
            Ok(flow) => otp_required(&STEP, self.ctx, flow),
            Err(FlowError::OutcomeUnknown { operation, error, .. }) => {
                self.ctx = saved;
                Err(FlowError::OutcomeUnknown { operation, error, stage: Some(Box::new(self.into())) })
            }
            Err(e) => Err(e),
        }
    }
}

impl Completed {
    fn from_flow(ctx: FlowContext, flow: &FlowResponse) -> Self {
        let code = flow.authorize_response.as_ref().and_then(|r| Some((r.code.clone()?, r.state.clone())));
        Self { ctx, code }
    }

    /// Step 18: resumes the flow with its cookies; the `302` to the redirect URI gives the code.
    /// `state` is compared in constant time.
    ///
    /// # Errors
    /// [`FlowError::Authorization`] for an `error` redirect, [`FlowError::StateMismatch`],
    /// [`FlowError::UnexpectedRedirect`] for a `Location` other than the redirect URI,
    /// [`FlowError::Missing`] without `code`; other errors as for every step.
    pub async fn resume(mut self, client: &SignOnClient) -> Result<Resumed, FlowError> {
        const STEP: Operation = Operation::Step(Step::Resume);
        client.check_stage(&self.ctx, &STEP)?;
        if let Some((code, state)) = self.code.take() {
            // response_mode=pi.flow: the code came with the completed flow.
            // StateToken's equality is constant-time.
            let state_ok = state.is_some_and(|s| StateToken::new(s) == self.ctx.state);
            if !state_ok {
                return Err(FlowError::StateMismatch);
            }
            return Ok(Resumed { ctx: self.ctx, code });
        }
        let mut url = client.inner.urls.resume.clone();
        url.query_pairs_mut().append_pair("flowId", &self.ctx.flow_id);
        // A 200 answer (pi.flow) carries the code: never in an error's body snippet.
        let request = ApiRequest::new(STEP, Method::GET, url.clone())
            .cookies(&client.cookie_header(&self.ctx, &url))?
            .sensitive_response();
        let response = client.inner.http.execute(&request).instrument(flow_span(&STEP, &self.ctx)).await?;
        if response.status() == 404 {
            // Expired, or resumed already by another copy of this stage.
            return Err(client.gone(&self.ctx, &STEP));
        }
        if response.status() == 200 {
            // response_mode=pi.flow: the code comes as JSON.
            let code = crate::pi_flow::code_from_resume(client, &mut self.ctx, &response, &url, &STEP)?;
            return Ok(Resumed { ctx: self.ctx, code });
        }
        if !matches!(response.status(), 302 | 303) {
            return Err(response.into_error().into());
        }
        let location = resolve_location(&response, &url, &STEP)?;
        let expected = pingone_core::Url::parse(&client.app().redirect_uri)
            .map_err(|_| FlowError::Missing { operation: STEP, what: "a valid redirect URI" })?;
        if !crate::redirect::is_redirect_uri(&location, &expected) {
            return Err(FlowError::UnexpectedRedirect { operation: STEP, location: redacted_location(&location) });
        }
        let returned_state = query_param(&location, "state");
        if let Some(error) = query_param(&location, "error") {
            return Err(FlowError::Authorization {
                operation: STEP,
                error,
                description: query_param(&location, "error_description"),
            });
        }
        let state_ok = returned_state.as_deref().is_some_and(|s| StateToken::new(s) == self.ctx.state);
        if !state_ok {
            return Err(FlowError::StateMismatch);
        }
        let code = query_param(&location, "code")
            .filter(|c| !c.is_empty())
            .ok_or(FlowError::Missing { operation: STEP, what: "code on the redirect" })?;
        Ok(Resumed { ctx: self.ctx, code: AuthorizationCode::new(code) })
    }
}

impl Completed {
    /// Steps 18 and 20 in one call: [`resume`](Self::resume), then
    /// [`exchange`](Resumed::exchange).
    ///
    /// # Errors
    /// As those two.
    pub async fn finish(self, client: &SignOnClient) -> Result<Tokens, FlowError> {
        self.resume(client).await?.exchange(client).await
    }
}

impl Resumed {
    /// Step 20: exchanges the code (with `redirect_uri`, the PKCE verifier and the client
    /// authentication) and verifies the ID token: signature against the JWKS, `iss`, `aud`,
    /// `exp`/`iat` with leeway, `nonce`.
    ///
    /// # Errors
    /// [`FlowError::Http`] with the OAuth error (`invalid_grant`, ...), [`FlowError::IdToken`];
    /// other errors as for every step.
    pub async fn exchange(self, client: &SignOnClient) -> Result<Tokens, FlowError> {
        const STEP: Operation = Operation::Step(Step::TokenExchange);
        client.check_stage(&self.ctx, &STEP)?;
        let app = client.app();
        let form = [
            ("grant_type", "authorization_code"),
            ("code", self.code.secret()),
            ("redirect_uri", &app.redirect_uri),
            ("code_verifier", self.ctx.verifier.secret()),
        ];
        let request = ApiRequest::new(STEP, Method::POST, client.inner.urls.token.clone())
            .sensitive_response()
            // Never repeated after a lost answer: a code is redeemed once, and a second
            // redemption may make PingOne revoke the tokens of the first.
            .retry_safe(false)
            .token_form(&form, &app.client_id, &app.auth)?;
        let response = match client.inner.http.execute(&request).instrument(flow_span(&STEP, &self.ctx)).await {
            Ok(response) if matches!(response.status(), 500 | 502 | 503 | 504) => {
                return Err(FlowError::OutcomeUnknown { operation: STEP, error: response.into_error(), stage: None });
            }
            Err(error) if error.outcome_unknown() => {
                return Err(FlowError::OutcomeUnknown { operation: STEP, error, stage: None });
            }
            other => other?.error_for_status()?,
        };
        let mut parsed: TokenResponse = response.json()?;
        // `openid` is always requested, so an ID token must come back.
        let Some(id_token) = parsed.id_token.take() else {
            return Err(crate::error::IdTokenError::Missing.into());
        };
        let claims: IdTokenClaims = verify_id_token(client, id_token.secret(), &self.ctx.nonce).await?;
        Ok(Tokens::new(parsed, id_token, claims, self.ctx.cookies))
    }
}

macro_rules! flow_accessors {
    ($($name:ident),+) => {$(
        impl $name {
            /// The flow ID.
            #[must_use]
            pub fn flow_id(&self) -> &str {
                &self.ctx.flow_id
            }
        }
    )+};
}
flow_accessors!(UsernameSubmitted, DeviceSelectionRequired, OtpRequired, Completed, Resumed);
