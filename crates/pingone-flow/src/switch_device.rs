//! Switching the device that gets the code: with `deviceSelection: DEFAULT_TO_FIRST` (PingOne's
//! default) the user's first device gets the code at once, and `OTP_REQUIRED` offers
//! `device.select` to send one to another of the user's devices instead.

use pingone_core::Operation;
use serde_json::json;

use crate::client::{Replay, SignOnClient};
use crate::error::FlowError;
use crate::states::OtpRequired;

impl OtpRequired {
    /// Whether the flow lets the user switch to another device (`device.select` is offered and
    /// the flow lists more than one device).
    #[must_use]
    pub fn can_switch_device(&self) -> bool {
        self.can_resend && self.devices.len() > 1
    }

    /// Sends a code to another of the devices the flow listed (`device.select` with that
    /// device), instead of the one that got it; the code already sent stops counting.
    ///
    /// # Errors
    /// [`FlowError::DeviceNotOffered`] with this stage handed back for an ID the flow did not
    /// list (nothing was sent); [`FlowError::ActionNotOffered`] when the flow offers no
    /// `device.select`; [`FlowError::OutcomeUnknown`] with this stage handed back when the
    /// answer was lost (never sent twice: that would send two e-mails); [`FlowError::StaleStage`]
    /// when the flow has moved on; other errors as for every step.
    pub async fn switch_device(mut self, client: &SignOnClient, device_id: &str) -> Result<OtpRequired, FlowError> {
        const STEP: Operation = Operation::SwitchDevice;
        client.check_stage(&self.ctx, &STEP)?;
        if !self.can_resend {
            return Err(FlowError::ActionNotOffered {
                operation: STEP,
                action: "device.select",
                status: self.ctx.status(),
            });
        }
        if !self.devices.iter().any(|d| d.id == device_id) {
            return Err(FlowError::DeviceNotOffered { device_id: device_id.to_owned(), state: Box::new(self) });
        }
        let saved = self.ctx.clone();
        let body = json!({ "device": { "id": device_id } });
        match client.post_action(&mut self.ctx, &STEP, "device.select", &body, Replay::Never).await {
            Ok(flow) => crate::states::otp_required(&STEP, self.ctx, flow),
            Err(FlowError::OutcomeUnknown { operation, error, .. }) => {
                self.ctx = saved;
                Err(FlowError::OutcomeUnknown { operation, error, stage: Some(Box::new(self.into())) })
            }
            Err(e) => Err(e),
        }
    }
}
