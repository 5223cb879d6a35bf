//! A decoy for a refused username, so that a sign-on page does not tell who has an account.
//!
//! When PingOne refuses a username at `user.lookup`, showing an error tells an attacker that the
//! account does not exist. [`Authorized::decoy`] turns the refused stage into an [`OtpRequired`]
//! that behaves like one where a code went out — the page, the "attempts left", the resend, the
//! lock after the policy's failure count — except that no code was sent and none is right. It is
//! a stage like any other (sealed, stored), so a fleet of instances needs no memory of its own
//! for it. Its attempt count lives in the stage, so it must be used once: a store's atomic take
//! does that; `pingone_session::SignOnSessions::in_cookie` refuses a seal its instance has
//! opened before, which holds for one instance only. Each answer reads the (refused) flow, so that it takes a round trip to
//! PingOne as a real one does.
//!
//! What can still tell a decoy apart, and is out of reach of a library: timing differences
//! PingOne itself makes, and a real lock outliving the sign-on (a new sign-on of a locked user
//! meets `DEVICE_LOCKED`; a new decoy starts afresh).

use std::time::Duration;

use pingone_core::{Operation, Step};
use serde::{Deserialize, Serialize};

use crate::client::SignOnClient;
use crate::error::FlowError;
use crate::states::{Authorized, OtpOutcome, OtpRejection, OtpRequired};

/// The policy a decoy imitates: how many wrong codes lock, and for how long. Take them from the
/// device authentication policy (`otp.failure.count` and `coolDown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecoyPolicy {
    /// Wrong codes until the lock (PingOne's `otp.failure.count`).
    pub attempts: u32,
    /// How long the lock lasts (PingOne's `otp.failure.coolDown`).
    pub lock_for: Duration,
}

impl Default for DecoyPolicy {
    /// PingOne's defaults for an e-mail OTP: 3 attempts, 2 minutes.
    fn default() -> Self {
        Self { attempts: 3, lock_for: Duration::from_secs(120) }
    }
}

/// The decoy's state, sealed with the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Decoy {
    /// Wrong codes left before the lock.
    #[serde(rename = "l")]
    pub left: u32,
    /// The lock's length, seconds.
    #[serde(rename = "f")]
    pub lock_for: u64,
}

impl Authorized {
    /// A decoy code stage for a username PingOne refused (from
    /// [`FlowError::UsernameRejected`]): it answers like a real [`OtpRequired`] — wrong codes
    /// count down and lock as `policy` says, a resend "sends" — but no code was sent and none is
    /// accepted. Use it so that an unknown username looks exactly like a known one.
    #[must_use]
    pub fn decoy(self, policy: DecoyPolicy) -> OtpRequired {
        OtpRequired {
            ctx: self.ctx,
            devices: Vec::new(),
            selected: None,
            can_resend: false,
            decoy: Some(Decoy { left: policy.attempts.max(1), lock_for: policy.lock_for.as_secs() }),
        }
    }
}

/// A read of the refused flow, for the round trip a real answer takes. The flow must still be
/// there (an expired decoy expires like a real stage).
async fn round_trip(stage: &mut OtpRequired, client: &SignOnClient, operation: &Operation) -> Result<(), FlowError> {
    client.read_flow(&mut stage.ctx, operation).await.map(|_| ())
}

/// `submit_otp` on a decoy: never right; the attempts count down, then the lock.
pub(crate) async fn submit(mut stage: OtpRequired, client: &SignOnClient) -> Result<OtpOutcome, FlowError> {
    round_trip(&mut stage, client, &Operation::Step(Step::OtpCheck)).await?;
    let Some(decoy) = stage.decoy.as_mut() else {
        return Err(FlowError::Missing { operation: Step::OtpCheck.into(), what: "the decoy's state" });
    };
    decoy.left = decoy.left.saturating_sub(1);
    if decoy.left == 0 {
        return Err(FlowError::Locked { unlock_in: Some(Duration::from_secs(decoy.lock_for)) });
    }
    let remaining_attempts = Some(decoy.left);
    Ok(OtpOutcome::Rejected(OtpRejection { state: stage, remaining_attempts, expired: false }))
}

/// `resend` on a decoy: nothing is sent.
pub(crate) async fn resend(mut stage: OtpRequired, client: &SignOnClient) -> Result<OtpRequired, FlowError> {
    round_trip(&mut stage, client, &Operation::ResendOtp).await?;
    Ok(stage)
}
