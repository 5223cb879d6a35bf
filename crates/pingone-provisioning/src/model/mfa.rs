//! Device authentication policies (step 12) and MFA devices (step 13).

use pingone_core::{Id, Ref};
use serde::{Deserialize, Serialize};

use super::enums::{DeviceSelection, DeviceStatus, DeviceType, TimeUnit};
use super::user::User;

/// A duration with its unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeSpan {
    /// The amount.
    pub duration: u32,
    /// The unit.
    pub time_unit: TimeUnit,
}

impl TimeSpan {
    /// `n` minutes.
    #[must_use]
    pub fn minutes(n: u32) -> Self {
        Self { duration: n, time_unit: TimeUnit::Minutes }
    }

    /// `n` seconds.
    #[must_use]
    pub fn seconds(n: u32) -> Self {
        Self { duration: n, time_unit: TimeUnit::Seconds }
    }
}

/// Failed-attempt limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OtpFailure {
    /// Failed entries allowed before the device is blocked.
    pub count: u32,
    /// How long the block lasts.
    pub cool_down: TimeSpan,
}

/// OTP settings of an offline method (e-mail, SMS, voice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfflineOtp {
    /// How long a passcode is valid.
    pub life_time: TimeSpan,
    /// Failure limits.
    pub failure: OtpFailure,
    /// Digits, 6–10 (PingOne's default: 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_length: Option<u8>,
}

/// An offline method (`email`, `sms`, `voice`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineMethod {
    /// On or off.
    pub enabled: bool,
    /// Passcode settings.
    pub otp: OfflineOtp,
}

/// OTP settings of `mobile` and `totp` (failures only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureOnlyOtp {
    /// Failure limits.
    pub failure: OtpFailure,
}

/// `mobile` or `totp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineMethod {
    /// On or off.
    pub enabled: bool,
    /// Failure limits.
    pub otp: FailureOnlyOtp,
}

/// `authentication` of a device policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceAuthentication {
    /// How a device is picked.
    pub device_selection: DeviceSelection,
}

/// The writable settings of a device authentication policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceAuthenticationPolicySpec {
    /// Unique per environment.
    pub name: String,
    /// Whether it is the environment's default.
    pub default: bool,
    /// Device selection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<DeviceAuthentication>,
    /// E-mail OTP.
    pub email: OfflineMethod,
    /// SMS OTP.
    pub sms: OfflineMethod,
    /// Voice OTP.
    pub voice: OfflineMethod,
    /// Mobile app.
    pub mobile: OnlineMethod,
    /// TOTP authenticator.
    pub totp: OnlineMethod,
}

impl DeviceAuthenticationPolicySpec {
    /// The same policy with `selection` as its device-selection rule
    /// (`authentication.deviceSelection`).
    #[must_use]
    pub fn with_device_selection(mut self, selection: DeviceSelection) -> Self {
        self.authentication = Some(DeviceAuthentication { device_selection: selection });
        self
    }

    /// E-mail only: passcodes of `otp_length` digits valid for `lifetime`, `failure_count`
    /// failures before a `cool_down` block; every other method off.
    #[must_use]
    pub fn email_only(
        name: impl Into<String>,
        otp_length: u8,
        lifetime: TimeSpan,
        failure_count: u32,
        cool_down: TimeSpan,
    ) -> Self {
        let off = || OfflineMethod {
            enabled: false,
            otp: OfflineOtp {
                life_time: TimeSpan::minutes(30),
                failure: OtpFailure { count: 3, cool_down: TimeSpan::minutes(0) },
                otp_length: None,
            },
        };
        let online_off = || OnlineMethod {
            enabled: false,
            otp: FailureOnlyOtp { failure: OtpFailure { count: 3, cool_down: TimeSpan::minutes(2) } },
        };
        Self {
            name: name.into(),
            default: false,
            authentication: Some(DeviceAuthentication { device_selection: DeviceSelection::DefaultToFirst }),
            email: OfflineMethod {
                enabled: true,
                otp: OfflineOtp {
                    life_time: lifetime,
                    failure: OtpFailure { count: failure_count, cool_down },
                    otp_length: Some(otp_length),
                },
            },
            sms: off(),
            voice: off(),
            mobile: online_off(),
            totp: online_off(),
        }
    }
}

/// A device authentication policy as PingOne returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct DeviceAuthenticationPolicy {
    /// The ID.
    pub id: Id<DeviceAuthenticationPolicy>,
    /// The settings.
    #[serde(flatten)]
    pub settings: DeviceAuthenticationPolicySpec,
}

/// One entry of the device authentication policies list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct DeviceAuthenticationPolicySummary {
    /// The ID.
    pub id: Id<DeviceAuthenticationPolicy>,
    /// The name.
    pub name: String,
    /// Whether it is the environment's default.
    #[serde(default)]
    pub default: bool,
}

/// The body of step 13.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSpec {
    /// `EMAIL` here.
    #[serde(rename = "type")]
    pub kind: DeviceType,
    /// The address, for `EMAIL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The device authentication policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Ref<DeviceAuthenticationPolicy>>,
    /// `ACTIVE` (an admin pairing) or `ACTIVATION_REQUIRED` (activated later with a passcode,
    /// see `ManagementClient::activate_device`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeviceStatus>,
    /// A name the user recognises the device by (`"Work e-mail"`); PingOne's `nickname`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
}

impl DeviceSpec {
    /// An active e-mail device.
    #[must_use]
    pub fn email(address: impl Into<String>, policy: Option<Id<DeviceAuthenticationPolicy>>) -> Self {
        Self {
            kind: DeviceType::Email,
            email: Some(address.into()),
            policy: policy.map(Ref::to),
            status: Some(DeviceStatus::Active),
            nickname: None,
        }
    }

    /// The same device with `nickname`.
    #[must_use]
    pub fn with_nickname(mut self, nickname: impl Into<String>) -> Self {
        self.nickname = Some(nickname.into());
        self
    }

    /// The same device created `ACTIVATION_REQUIRED`: usable only once activated with the
    /// passcode sent to it.
    #[must_use]
    pub fn activation_required(mut self) -> Self {
        self.status = Some(DeviceStatus::ActivationRequired);
        self
    }
}

/// An MFA device as PingOne returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Device {
    /// The ID.
    pub id: Id<Device>,
    /// The type.
    #[serde(rename = "type")]
    pub kind: DeviceType,
    /// The address, for `EMAIL`.
    #[serde(default)]
    pub email: Option<String>,
    /// The status.
    #[serde(default)]
    pub status: Option<DeviceStatus>,
    /// The nickname, if one was given.
    #[serde(default)]
    pub nickname: Option<String>,
    /// The owner.
    #[serde(default)]
    pub user: Option<Ref<User>>,
}
