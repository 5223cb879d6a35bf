//! Steps 9–11 and 13: the user, and what finishing it converges together — the password,
//! `mfaEnabled` and the EMAIL device.

use pingone_core::{Error, Id, Password};

use super::{DevicePolicyCreated, Pace, join_at};
use crate::client::ManagementClient;
use crate::converge::{Outcome, Start, converge};
use crate::error::SetupError;
use crate::model::{Device, DeviceSpec, DeviceType, Population, User};

/// Step 9 done: the user exists, in a population.
#[derive(Debug)]
pub struct UserCreated {
    pub(crate) population: Population,
    pub(crate) population_outcome: Outcome,
    /// The address the user was created with: the EMAIL device's.
    pub(crate) email: String,
    pub(crate) user: User,
    pub(crate) outcome: Outcome,
}

/// The user ready for e-mail MFA: password set (step 10, when given), MFA enabled (step 11),
/// an active EMAIL device (step 13).
#[derive(Debug)]
pub struct UserReady {
    pub(crate) population: Population,
    pub(crate) population_outcome: Outcome,
    pub(crate) user: User,
    pub(crate) outcome: Outcome,
    pub(crate) device: (Device, Outcome),
}

impl UserCreated {
    /// The user's ID.
    #[must_use]
    pub fn id(&self) -> &Id<User> {
        &self.user.id
    }

    /// What the setup did with it.
    #[must_use]
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// Steps 10, 11 and 13, concurrently: sets `password` (when given; `PUT`, idempotent),
    /// enables MFA (unless the user already has it on), and gives the user an active EMAIL
    /// device at the address it was created with, under `device_policy`, with `nickname`. A
    /// new user has no devices, so the device is created without a lookup; an existing user's
    /// EMAIL device with that address is reused.
    ///
    /// # Errors
    /// The first failing call's error (`400 INVALID_DATA` when the password policy refuses the
    /// password).
    pub async fn finish(
        self,
        client: &ManagementClient,
        password: Option<&Password>,
        device_policy: &DevicePolicyCreated,
        nickname: Option<&str>,
    ) -> Result<UserReady, SetupError> {
        self.finish_at(Pace::Concurrent, client, password, device_policy, nickname).await
    }

    /// [`finish`](Self::finish) at `pace`.
    pub(crate) async fn finish_at(
        self,
        pace: Pace,
        client: &ManagementClient,
        password: Option<&Password>,
        device_policy: &DevicePolicyCreated,
        nickname: Option<&str>,
    ) -> Result<UserReady, SetupError> {
        let user = &self.user.id;
        let email = self.email.as_str();
        let set_password = async {
            match password {
                Some(password) => client.set_password(user, password, false).await.map(drop),
                None => Ok(()),
            }
        };
        let enable_mfa = async {
            if self.user.mfa_enabled == Some(true) {
                Ok(())
            } else {
                client.set_mfa_enabled(user, true).await.map(drop)
            }
        };
        let device = async {
            let mut spec = DeviceSpec::email(email, Some(device_policy.id().clone()));
            spec.nickname = nickname.map(str::to_owned);
            let find = || find_email_device(client, user, email);
            let start = if self.outcome == Outcome::Created { Start::Create } else { Start::LookUp };
            converge(start, find, || client.create_device(user, &spec)).await
        };
        let ((), (), device) = join_at!(pace, set_password, enable_mfa, device)?;
        let mut user = self.user;
        user.mfa_enabled = Some(true);
        Ok(UserReady {
            population: self.population,
            population_outcome: self.population_outcome,
            user,
            outcome: self.outcome,
            device,
        })
    }
}

impl UserReady {
    /// The user's ID.
    #[must_use]
    pub fn id(&self) -> &Id<User> {
        &self.user.id
    }

    /// Gives the user another EMAIL device (step 13 again) under `device_policy`, unless one for
    /// `email` exists already (idempotent: looked up first, since a user may hold duplicates).
    ///
    /// # Errors
    /// The lookup's or the create's [`SetupError`].
    pub async fn add_email_device(
        &self,
        client: &ManagementClient,
        device_policy: &DevicePolicyCreated,
        email: &str,
        nickname: Option<&str>,
    ) -> Result<Device, SetupError> {
        let user = &self.user.id;
        let mut spec = DeviceSpec::email(email, Some(device_policy.id().clone()));
        spec.nickname = nickname.map(str::to_owned);
        let find = || find_email_device(client, user, email);
        let (device, _) = converge(Start::LookUp, find, || client.create_device(user, &spec)).await?;
        Ok(device)
    }
}

/// The user's EMAIL device for `email`, if any.
async fn find_email_device(client: &ManagementClient, user: &Id<User>, email: &str) -> Result<Option<Device>, Error> {
    let devices = client.list_devices(user).await?;
    Ok(devices
        .into_iter()
        .find(|d| d.kind == DeviceType::Email && d.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email))))
}
