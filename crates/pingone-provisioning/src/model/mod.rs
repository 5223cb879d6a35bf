//! The management API's models for steps 1–13 and 19, with field names and enum values as
//! PingOne's OpenAPI schemas have them. Responses tolerate unknown fields; enums keep unknown
//! values.

mod application;
mod enums;
mod mfa;
mod policy;
mod user;

pub use application::{
    Application, ApplicationSecret, ApplicationSummary, Grant, GrantSpec, OidcApplication, Resource, Scope,
};
pub use enums::{
    ActionType, ApplicationType, DeviceSelection, DeviceStatus, DeviceType, GrantType, NoDevicesMode, PkceEnforcement,
    Protocol, ResourceType, ResponseType, TimeUnit, TokenEndpointAuthMethod,
};
pub use mfa::{
    Device, DeviceAuthentication, DeviceAuthenticationPolicy, DeviceAuthenticationPolicySpec,
    DeviceAuthenticationPolicySummary, DeviceSpec, FailureOnlyOtp, OfflineMethod, OfflineOtp, OnlineMethod, OtpFailure,
    TimeSpan,
};
pub use policy::{
    Enabled, SignOnPolicy, SignOnPolicyAction, SignOnPolicyActionSpec, SignOnPolicyAssignment,
    SignOnPolicyAssignmentSpec, SignOnPolicySpec,
};
pub use user::{Account, MfaEnabled, Name, NewUser, PasswordSet, PasswordStatus, Population, PopulationSpec, User};
