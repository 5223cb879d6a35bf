//! Steps 12–13: the device authentication policy and the user's EMAIL device.

use pingone_core::{ApiRequest, Error, Id, Method, ObjectKind, Operation, Otp, Step};
use serde::Serialize;

use super::{DEVICE_ACTIVATE, JSON, ManagementClient};
use crate::model::{
    Device, DeviceAuthenticationPolicy, DeviceAuthenticationPolicySpec, DeviceAuthenticationPolicySummary, DeviceSpec,
    User,
};

/// The body of a device activation.
#[derive(Serialize)]
struct Activation<'a> {
    otp: &'a Otp,
}

impl ManagementClient {
    /// Step 12: `POST /deviceAuthenticationPolicies`.
    ///
    /// # Errors
    /// `403` without an MFA licence; other errors as for every call.
    pub async fn create_device_authentication_policy(
        &self,
        spec: &DeviceAuthenticationPolicySpec,
    ) -> Result<DeviceAuthenticationPolicy, Error> {
        self.send_body(
            Step::CreateDeviceAuthenticationPolicy.into(),
            Method::POST,
            &["deviceAuthenticationPolicies"],
            JSON,
            spec,
        )
        .await
    }

    /// `GET /deviceAuthenticationPolicies/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_device_authentication_policy(
        &self,
        id: &Id<DeviceAuthenticationPolicy>,
    ) -> Result<DeviceAuthenticationPolicy, Error> {
        self.get(
            Operation::Read(ObjectKind::DeviceAuthenticationPolicy),
            &["deviceAuthenticationPolicies", id.as_str()],
        )
        .await
    }

    /// `GET /deviceAuthenticationPolicies`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_device_authentication_policies(&self) -> Result<Vec<DeviceAuthenticationPolicySummary>, Error> {
        self.list(
            Operation::List(ObjectKind::DeviceAuthenticationPolicy),
            &["deviceAuthenticationPolicies"],
            "deviceAuthenticationPolicies",
        )
        .await
    }

    /// `GET /deviceAuthenticationPolicies`, every entry as sent (PingOne lists whole policies),
    /// for the setup's lookup by name.
    pub(crate) async fn list_device_authentication_policies_as_sent(&self) -> Result<Vec<serde_json::Value>, Error> {
        self.list(
            Operation::Find(ObjectKind::DeviceAuthenticationPolicy),
            &["deviceAuthenticationPolicies"],
            "deviceAuthenticationPolicies",
        )
        .await
    }

    /// `PUT /deviceAuthenticationPolicies/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn update_device_authentication_policy(
        &self,
        id: &Id<DeviceAuthenticationPolicy>,
        spec: &DeviceAuthenticationPolicySpec,
    ) -> Result<DeviceAuthenticationPolicy, Error> {
        self.send_body(
            Operation::Update(ObjectKind::DeviceAuthenticationPolicy),
            Method::PUT,
            &["deviceAuthenticationPolicies", id.as_str()],
            JSON,
            spec,
        )
        .await
    }

    /// `DELETE /deviceAuthenticationPolicies/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_device_authentication_policy(&self, id: &Id<DeviceAuthenticationPolicy>) -> Result<(), Error> {
        self.delete(
            Operation::Delete(ObjectKind::DeviceAuthenticationPolicy),
            &["deviceAuthenticationPolicies", id.as_str()],
        )
        .await
    }

    /// Step 13: `POST /users/{id}/devices` (plain JSON: create).
    ///
    /// # Errors
    /// As for every call.
    pub async fn create_device(&self, user: &Id<User>, spec: &DeviceSpec) -> Result<Device, Error> {
        self.send_body(Step::CreateEmailDevice.into(), Method::POST, &["users", user.as_str(), "devices"], JSON, spec)
            .await
    }

    /// `GET /users/{id}/devices`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_devices(&self, user: &Id<User>) -> Result<Vec<Device>, Error> {
        self.list(Operation::List(ObjectKind::Device), &["users", user.as_str(), "devices"], "devices").await
    }

    /// `GET /users/{id}/devices/{deviceID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_device(&self, user: &Id<User>, device: &Id<Device>) -> Result<Device, Error> {
        self.get(Operation::Read(ObjectKind::Device), &["users", user.as_str(), "devices", device.as_str()]).await
    }

    /// `DELETE /users/{id}/devices/{deviceID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_device(&self, user: &Id<User>, device: &Id<Device>) -> Result<(), Error> {
        self.delete(Operation::Delete(ObjectKind::Device), &["users", user.as_str(), "devices", device.as_str()]).await
    }

    /// `POST /users/{id}/devices/{deviceID}` with `application/vnd.pingidentity.device.activate+json`
    /// and `{"otp": "..."}`: activates a device created `ACTIVATION_REQUIRED` with the passcode
    /// sent to it. PingOne answers `200`; read the device to see its new status.
    ///
    /// # Errors
    /// `400` for a wrong passcode; other errors as for every call.
    pub async fn activate_device(&self, user: &Id<User>, device: &Id<Device>, otp: &Otp) -> Result<(), Error> {
        let url = self.url(&["users", user.as_str(), "devices", device.as_str()]);
        let request =
            ApiRequest::new(Operation::ActivateDevice, Method::POST, url).json(DEVICE_ACTIVATE, &Activation { otp })?;
        self.transport.send(request).await.map(|_| ())
    }
}
