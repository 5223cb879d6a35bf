//! The sign-on stages. Each transition takes `self`, so a used stage cannot be used again; what
//! the server decides at run time comes back as an enum or a typed error.
//!
//! ```text
//! SignOnClient::authorize ─► Authorized ─submit_username─► UsernameSubmitted ─next─► AfterUsername
//!   AfterUsername::OtpRequired ─submit_otp─► OtpOutcome::{Completed, Rejected(OtpRequired)}
//!   AfterUsername::DeviceSelectionRequired ─select─► OtpRequired
//!   Completed ─resume─► Resumed ─exchange─► Tokens
//! ```

use pingone_core::{ApiRequest, AuthorizationCode, Method, Operation, Otp, StateToken, Step};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::client::{SignOnClient, flow_span, query_param, redacted_location, resolve_location};
use crate::context::FlowContext;
use crate::error::FlowError;
use crate::flow_json::{DeviceOption, FlowResponse};
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
#[derive(Serialize, Deserialize)]
pub struct Authorized {
    pub(crate) ctx: FlowContext,
}
state_debug!(Authorized);

/// Steps 15–16 done: the username was accepted; [`next`](UsernameSubmitted::next) says what
/// PingOne wants now.
#[derive(Serialize, Deserialize)]
pub struct UsernameSubmitted {
    pub(crate) ctx: FlowContext,
    pub(crate) devices: Vec<DeviceOption>,
    pub(crate) selected: Option<String>,
    pub(crate) can_resend: bool,
    pub(crate) error: Option<(Option<String>, Option<String>)>,
}
state_debug!(UsernameSubmitted);

/// The user has several devices: one must be chosen before an OTP is sent.
#[derive(Serialize, Deserialize)]
pub struct DeviceSelectionRequired {
    pub(crate) ctx: FlowContext,
    pub(crate) devices: Vec<DeviceOption>,
}
state_debug!(DeviceSelectionRequired);

/// An OTP was e-mailed; [`submit_otp`](OtpRequired::submit_otp) it.
#[derive(Serialize, Deserialize)]
pub struct OtpRequired {
    pub(crate) ctx: FlowContext,
    pub(crate) devices: Vec<DeviceOption>,
    pub(crate) selected: Option<String>,
    pub(crate) can_resend: bool,
}
state_debug!(OtpRequired);

/// The flow is `COMPLETED`: [`resume`](Completed::resume) it to get the authorization code.
#[derive(Serialize, Deserialize)]
pub struct Completed {
    pub(crate) ctx: FlowContext,
    /// With `response_mode=pi.flow`: the code and state that came with the completed flow.
    pub(crate) code: Option<(AuthorizationCode, Option<String>)>,
}
state_debug!(Completed);

/// Step 18 done: the authorization code, bound to this flow's PKCE verifier and nonce.
#[derive(Serialize, Deserialize)]
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
#[non_exhaustive]
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
    /// action first); [`FlowError::Expired`]; other errors as for every step.
    pub async fn submit_username(
        mut self,
        client: &SignOnClient,
        username: &str,
    ) -> Result<UsernameSubmitted, FlowError> {
        let flow = client.read_flow(&mut self.ctx, Step::ReadFlow.into()).await?;
        if !flow.offers("user.lookup") {
            return Err(status_error(Step::ReadFlow.into(), "user.lookup", &flow));
        }
        let saved = Authorized { ctx: self.ctx.clone() };
        let flow = match client
            .post_action(&mut self.ctx, Step::UserLookup.into(), "user.lookup", &json!({ "username": username }))
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

fn status_error(step: Operation, action: &'static str, flow: &FlowResponse) -> FlowError {
    match FlowStatus::parse(&flow.status) {
        FlowStatus::Failed => FlowError::Failed {
            operation: step,
            code: flow.error.as_ref().and_then(|e| e.code.clone()),
            message: flow.error.as_ref().and_then(|e| e.message.clone()),
        },
        status => FlowError::ActionNotOffered { operation: step, action, status },
    }
}

impl UsernameSubmitted {
    fn from_flow(ctx: FlowContext, flow: FlowResponse) -> Self {
        Self {
            can_resend: flow.offers("device.select"),
            selected: flow.embedded.selected_device.map(|d| d.id),
            devices: flow.embedded.devices,
            error: flow.error.map(|e| (e.code, e.message)),
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
        const STEP: Operation = Operation::Step(Step::UserLookup);
        match self.ctx.status() {
            FlowStatus::OtpRequired => Ok(AfterUsername::OtpRequired(OtpRequired {
                ctx: self.ctx,
                devices: self.devices,
                selected: self.selected,
                can_resend: self.can_resend,
            })),
            FlowStatus::DeviceSelectionRequired => {
                Ok(AfterUsername::DeviceSelectionRequired(DeviceSelectionRequired {
                    ctx: self.ctx,
                    devices: self.devices,
                }))
            }
            FlowStatus::Completed => Ok(AfterUsername::Completed(Completed { ctx: self.ctx, code: None })),
            FlowStatus::Failed => {
                let (code, message) = self.error.unwrap_or((None, None));
                Err(FlowError::Failed { operation: STEP, code, message })
            }
            status => Err(FlowError::UnexpectedStatus { operation: STEP, status }),
        }
    }
}

impl DeviceSelectionRequired {
    /// The devices offered (type and masked address).
    #[must_use]
    pub fn devices(&self) -> &[DeviceOption] {
        &self.devices
    }

    /// Chooses a device; PingOne sends it an OTP.
    ///
    /// # Errors
    /// [`FlowError::UnknownDevice`] for an ID the flow did not offer; other errors as for every
    /// step.
    pub async fn select(mut self, client: &SignOnClient, device_id: &str) -> Result<OtpRequired, FlowError> {
        if !self.devices.iter().any(|d| d.id == device_id) {
            return Err(FlowError::UnknownDevice(device_id.to_owned()));
        }
        let flow = client
            .post_action(
                &mut self.ctx,
                Operation::SelectDevice,
                "device.select",
                &json!({ "device": { "id": device_id } }),
            )
            .await?;
        otp_required(Operation::SelectDevice, self.ctx, flow)
    }
}

fn otp_required(step: Operation, ctx: FlowContext, flow: FlowResponse) -> Result<OtpRequired, FlowError> {
    if FlowStatus::parse(&flow.status) != FlowStatus::OtpRequired {
        return Err(match status_error(step.clone(), "otp.check", &flow) {
            FlowError::ActionNotOffered { status, .. } => FlowError::UnexpectedStatus { operation: step, status },
            other => other,
        });
    }
    Ok(OtpRequired {
        can_resend: flow.offers("device.select"),
        selected: flow.embedded.selected_device.map(|d| d.id),
        devices: flow.embedded.devices,
        ctx,
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
        self.can_resend && self.selected.is_some()
    }

    /// Step 17: submits the passcode. A wrong (or expired) passcode hands this stage back in
    /// [`OtpOutcome::Rejected`], with the attempts left when PingOne says.
    ///
    /// # Errors
    /// [`FlowError::Locked`] after too many wrong passcodes; [`FlowError::Expired`]; other errors
    /// as for every step.
    pub async fn submit_otp(mut self, client: &SignOnClient, otp: &Otp) -> Result<OtpOutcome, FlowError> {
        const STEP: Operation = Operation::Step(Step::OtpCheck);
        let saved = self.ctx.clone();
        match client.post_action(&mut self.ctx, STEP, "otp.check", &json!({ "otp": otp.secret() })).await {
            Ok(flow) => match FlowStatus::parse(&flow.status) {
                FlowStatus::Completed => Ok(OtpOutcome::Completed(Completed::from_flow(self.ctx, &flow))),
                FlowStatus::OtpRequired => {
                    Ok(OtpOutcome::Rejected(OtpRejection { state: self, remaining_attempts: None, expired: false }))
                }
                FlowStatus::Failed => Err(FlowError::Locked),
                status => Err(FlowError::UnexpectedStatus { operation: STEP, status }),
            },
            Err(FlowError::Http(error)) if error.has_code(&pingone_core::ErrorCode::InvalidOtp) => {
                let inner = error.api().and_then(|a| a.body.details.iter().find_map(|d| d.inner_error.clone()));
                let remaining =
                    inner.as_ref().and_then(|m| m.get("remainingAttempts")).and_then(serde_json::Value::as_u64);
                let expired =
                    inner.as_ref().and_then(|m| m.get("expired")).and_then(serde_json::Value::as_bool).unwrap_or(false);
                // The flow says what the failure did: still OTP_REQUIRED (retry) or FAILED (locked).
                self.ctx = saved;
                let flow = client.read_flow(&mut self.ctx, STEP).await?;
                match FlowStatus::parse(&flow.status) {
                    FlowStatus::OtpRequired => Ok(OtpOutcome::Rejected(OtpRejection {
                        state: self,
                        remaining_attempts: remaining.and_then(|r| u32::try_from(r).ok()),
                        expired,
                    })),
                    FlowStatus::Failed => Err(FlowError::Locked),
                    status => Err(FlowError::UnexpectedStatus { operation: STEP, status }),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Sends a new OTP to the same device (`device.select` again), for an expired or lost one.
    ///
    /// # Errors
    /// [`FlowError::ActionNotOffered`] when the flow offers no resend; other errors as for every
    /// step.
    pub async fn resend(mut self, client: &SignOnClient) -> Result<OtpRequired, FlowError> {
        const STEP: Operation = Operation::ResendOtp;
        let Some(device) = self.selected.clone().filter(|_| self.can_resend) else {
            return Err(FlowError::ActionNotOffered {
                operation: STEP,
                action: "device.select",
                status: self.ctx.status(),
            });
        };
        let flow =
            client.post_action(&mut self.ctx, STEP, "device.select", &json!({ "device": { "id": device } })).await?;
        otp_required(STEP, self.ctx, flow)
    }
}

impl Completed {
    fn from_flow(ctx: FlowContext, flow: &FlowResponse) -> Self {
        let code = flow
            .authorize_response
            .as_ref()
            .and_then(|r| Some((AuthorizationCode::new(r.code.clone()?), r.state.clone())));
        Self { ctx, code }
    }

    /// Step 18: resumes the flow with its cookies; the `302` to the redirect URI gives the code.
    /// `state` is compared in constant time.
    ///
    /// # Errors
    /// [`FlowError::Authorization`] for an `error` redirect, [`FlowError::StateMismatch`],
    /// [`FlowError::UnexpectedRedirect`] for a `Location` other than the redirect URI,
    /// [`FlowError::Missing`] without `code`; other errors as for every step.
    pub async fn resume(self, client: &SignOnClient) -> Result<Resumed, FlowError> {
        const STEP: Operation = Operation::Step(Step::Resume);
        if let Some((code, state)) = self.code {
            // response_mode=pi.flow: the code came with the completed flow.
            // StateToken's equality is constant-time.
            let state_ok = state.is_some_and(|s| StateToken::new(s) == self.ctx.state);
            if !state_ok {
                return Err(FlowError::StateMismatch);
            }
            return Ok(Resumed { ctx: self.ctx, code });
        }
        let mut url = client.auth_url(&["as", "resume"]);
        url.query_pairs_mut().append_pair("flowId", &self.ctx.flow_id);
        let request = ApiRequest::new(STEP, Method::GET, url.clone()).cookies(&self.ctx.cookies.header())?;
        let response = client.inner.http.execute(&request).instrument(flow_span(&STEP, &self.ctx)).await?;
        if response.status() == 404 {
            return Err(FlowError::Expired { operation: STEP });
        }
        if !matches!(response.status(), 302 | 303) {
            return Err(response.into_error().into());
        }
        let location = resolve_location(&response, &url, STEP)?;
        let expected = pingone_core::Url::parse(&client.app().redirect_uri)
            .map_err(|_| FlowError::Missing { operation: STEP, what: "a valid redirect URI" })?;
        if location.origin() != expected.origin() || location.path() != expected.path() {
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
        let state_ok = returned_state.is_some_and(|s| StateToken::new(s) == self.ctx.state);
        if !state_ok {
            return Err(FlowError::StateMismatch);
        }
        let code = query_param(&location, "code")
            .filter(|c| !c.is_empty())
            .ok_or(FlowError::Missing { operation: STEP, what: "code on the redirect" })?;
        Ok(Resumed { ctx: self.ctx, code: AuthorizationCode::new(code) })
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
        let app = client.app();
        let form = [
            ("grant_type", "authorization_code"),
            ("code", self.code.secret()),
            ("redirect_uri", &app.redirect_uri),
            ("code_verifier", self.ctx.verifier.secret()),
        ];
        let request = ApiRequest::new(STEP, Method::POST, client.auth_url(&["as", "token"]))
            .sensitive_response()
            // A code can be redeemed once: repeating the exchange can at worst get invalid_grant.
            .retry_safe(true)
            .token_form(&form, &app.client_id, &app.auth)?;
        let response =
            client.inner.http.execute(&request).instrument(flow_span(&STEP, &self.ctx)).await?.error_for_status()?;
        let parsed: TokenResponse = response.json()?;
        let wants_id_token = app.scopes.iter().any(|s| s == "openid");
        let claims: Option<IdTokenClaims> = match (&parsed.id_token, wants_id_token) {
            (Some(token), _) => Some(verify_id_token(client, token.secret(), &self.ctx.nonce).await?),
            (None, true) => return Err(crate::error::IdTokenError::Missing.into()),
            (None, false) => None,
        };
        Ok(Tokens::new(parsed, claims))
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
