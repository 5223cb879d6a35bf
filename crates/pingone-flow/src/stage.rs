//! Every stage a sign-on can wait in between two requests, as one enum, and the private
//! snapshots that sealing encodes. Stages have no public serde: the only ways to get one are a
//! transition or opening a sealed stage.

use pingone_core::AuthorizationCode;
use pingone_core::internal::{BodyBytes, json_body};
use serde::{Deserialize, Serialize};

use crate::context::FlowContext;
use crate::flow_json::DeviceOption;
use crate::password::{PasswordPolicy, PasswordRequired};
use crate::states::{Authorized, Completed, DeviceSelectionRequired, OtpRequired, Resumed};

pub(crate) mod private {
    /// Only this crate's stages are [`Stage`](super::Stage)s.
    pub trait Sealed: Sized {
        /// The stage out of the enum, or `None` when it holds another stage.
        fn from_any(any: super::SignOnStage) -> Option<Self>;
    }
}

/// A sign-on stage that can wait between requests: sealed, stored, and opened again as the same
/// type. Implemented by [`Authorized`], [`PasswordRequired`], [`DeviceSelectionRequired`],
/// [`OtpRequired`], [`Completed`] and [`Resumed`]; sealed, so no other type can be one.
pub trait Stage: private::Sealed + Into<SignOnStage> + Send + 'static {
    /// The stage's name, as [`SignOnStage::stage_name`] gives it.
    const NAME: &'static str;
}

/// Any stage a sign-on can wait in, for code that opens a sealed stage without knowing in
/// advance which one it holds (a web handler, say).
#[derive(Debug)]
#[non_exhaustive]
pub enum SignOnStage {
    /// Step 14 done: the username is next.
    Authorized(Authorized),
    /// A `LOGIN` action first: the username and password are next.
    PasswordRequired(PasswordRequired),
    /// The user chooses the device that gets the code.
    DeviceSelectionRequired(DeviceSelectionRequired),
    /// A code was e-mailed.
    OtpRequired(OtpRequired),
    /// The flow is complete: resume it.
    Completed(Completed),
    /// The code is here: exchange it.
    Resumed(Resumed),
}

impl SignOnStage {
    /// The stage's type name (`"OtpRequired"`, ...).
    #[must_use]
    pub fn stage_name(&self) -> &'static str {
        kind_name(self.kind()).unwrap_or("unknown")
    }

    /// The flow ID.
    #[must_use]
    pub fn flow_id(&self) -> &str {
        &self.context().flow_id
    }

    pub(crate) fn context(&self) -> &FlowContext {
        match self {
            SignOnStage::Authorized(s) => &s.ctx,
            SignOnStage::PasswordRequired(s) => &s.ctx,
            SignOnStage::DeviceSelectionRequired(s) => &s.ctx,
            SignOnStage::OtpRequired(s) => &s.ctx,
            SignOnStage::Completed(s) => &s.ctx,
            SignOnStage::Resumed(s) => &s.ctx,
        }
    }

    pub(crate) fn kind(&self) -> u8 {
        match self {
            SignOnStage::Authorized(_) => AUTHORIZED,
            SignOnStage::PasswordRequired(_) => PASSWORD_REQUIRED,
            SignOnStage::DeviceSelectionRequired(_) => DEVICE_SELECTION_REQUIRED,
            SignOnStage::OtpRequired(_) => OTP_REQUIRED,
            SignOnStage::Completed(_) => COMPLETED,
            SignOnStage::Resumed(_) => RESUMED,
        }
    }

    /// The private snapshot, as compact JSON, in a buffer sized first and wiped on drop.
    pub(crate) fn encode(self) -> Result<BodyBytes, serde_json::Error> {
        match self {
            SignOnStage::Authorized(s) => json_body(&AuthorizedData { c: s.ctx }),
            SignOnStage::PasswordRequired(s) => json_body(&PasswordData { c: s.ctx, p: s.policy, r: s.can_recover }),
            SignOnStage::DeviceSelectionRequired(s) => json_body(&DeviceSelectionData { c: s.ctx, d: s.devices }),
            SignOnStage::OtpRequired(s) => {
                json_body(&OtpRequiredData { c: s.ctx, d: s.devices, s: s.selected, r: s.can_resend, y: s.decoy })
            }
            SignOnStage::Completed(s) => json_body(&CodeData { c: s.ctx, k: s.code }),
            SignOnStage::Resumed(s) => json_body(&CodeData { c: s.ctx, k: Some((s.code, None)) }),
        }
    }

    /// A stage from its kind and snapshot. `None` for an unknown kind or a snapshot that does
    /// not decode (neither happens to bytes this crate sealed and nobody altered).
    pub(crate) fn decode(kind: u8, bytes: &[u8]) -> Option<Self> {
        Some(match kind {
            AUTHORIZED => {
                let d: AuthorizedData = serde_json::from_slice(bytes).ok()?;
                SignOnStage::Authorized(Authorized { ctx: d.c })
            }
            PASSWORD_REQUIRED => {
                let d: PasswordData = serde_json::from_slice(bytes).ok()?;
                SignOnStage::PasswordRequired(PasswordRequired { ctx: d.c, policy: d.p, can_recover: d.r })
            }
            DEVICE_SELECTION_REQUIRED => {
                let d: DeviceSelectionData = serde_json::from_slice(bytes).ok()?;
                SignOnStage::DeviceSelectionRequired(DeviceSelectionRequired { ctx: d.c, devices: d.d })
            }
            OTP_REQUIRED => {
                let d: OtpRequiredData = serde_json::from_slice(bytes).ok()?;
                SignOnStage::OtpRequired(OtpRequired {
                    ctx: d.c,
                    devices: d.d,
                    selected: d.s,
                    can_resend: d.r,
                    decoy: d.y,
                })
            }
            COMPLETED => {
                let d: CodeData = serde_json::from_slice(bytes).ok()?;
                SignOnStage::Completed(Completed { ctx: d.c, code: d.k })
            }
            RESUMED => {
                let d: CodeData = serde_json::from_slice(bytes).ok()?;
                SignOnStage::Resumed(Resumed { ctx: d.c, code: d.k?.0 })
            }
            _ => return None,
        })
    }
}

const AUTHORIZED: u8 = 1;
const DEVICE_SELECTION_REQUIRED: u8 = 2;
const OTP_REQUIRED: u8 = 3;
const COMPLETED: u8 = 4;
const RESUMED: u8 = 5;
const PASSWORD_REQUIRED: u8 = 6;

/// The name of a stage kind, for errors about sealed bytes.
pub(crate) fn kind_name(kind: u8) -> Option<&'static str> {
    Some(match kind {
        AUTHORIZED => Authorized::NAME,
        DEVICE_SELECTION_REQUIRED => DeviceSelectionRequired::NAME,
        OTP_REQUIRED => OtpRequired::NAME,
        COMPLETED => Completed::NAME,
        RESUMED => Resumed::NAME,
        PASSWORD_REQUIRED => PasswordRequired::NAME,
        _ => return None,
    })
}

#[derive(Serialize, Deserialize)]
struct AuthorizedData {
    c: FlowContext,
}

#[derive(Serialize, Deserialize)]
struct PasswordData {
    c: FlowContext,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p: Option<PasswordPolicy>,
    r: bool,
}

#[derive(Serialize, Deserialize)]
struct DeviceSelectionData {
    c: FlowContext,
    d: Vec<DeviceOption>,
}

#[derive(Serialize, Deserialize)]
struct OtpRequiredData {
    c: FlowContext,
    d: Vec<DeviceOption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    s: Option<String>,
    r: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    y: Option<crate::decoy::Decoy>,
}

/// `Completed` (code present with `pi.flow`) and `Resumed` (code always present).
#[derive(Serialize, Deserialize)]
struct CodeData {
    c: FlowContext,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    k: Option<(AuthorizationCode, Option<String>)>,
}

macro_rules! stage {
    ($($name:ident),+) => {$(
        impl private::Sealed for $name {
            fn from_any(any: SignOnStage) -> Option<Self> {
                match any {
                    SignOnStage::$name(stage) => Some(stage),
                    _ => None,
                }
            }
        }

        impl Stage for $name {
            const NAME: &'static str = stringify!($name);
        }

        impl From<$name> for SignOnStage {
            fn from(stage: $name) -> Self {
                SignOnStage::$name(stage)
            }
        }
    )+};
}
stage!(Authorized, PasswordRequired, DeviceSelectionRequired, OtpRequired, Completed, Resumed);
