//! Steps 9–11: the user, the password and `mfaEnabled`.

use pingone_core::{Error, Id, Method, ObjectKind, Operation, Password, Step};

use super::{JSON, ManagementClient, PASSWORD_SET, filter_value};
use crate::model::{MfaEnabled, NewUser, PasswordSet, PasswordStatus, User};

impl ManagementClient {
    /// Step 9: `POST /users`.
    ///
    /// # Errors
    /// `400 INVALID_DATA` / `UNIQUENESS_VIOLATION` for a taken username; other errors as for every call.
    pub async fn create_user(&self, user: &NewUser) -> Result<User, Error> {
        self.send_body(Step::CreateUser.into(), Method::POST, &["users"], JSON, user).await
    }

    /// `GET /users/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_user(&self, id: &Id<User>) -> Result<User, Error> {
        self.get(Operation::Read(ObjectKind::User), &["users", id.as_str()]).await
    }

    /// `GET /users?filter=username eq "..."`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn find_user_by_username(&self, username: &str) -> Result<Option<User>, Error> {
        let filter = format!("username eq \"{}\"", filter_value(username));
        let users: Vec<User> =
            self.list_filtered(Operation::Find(ObjectKind::User), &["users"], "users", &filter).await?;
        Ok(users.into_iter().find(|u| u.username.eq_ignore_ascii_case(username)))
    }

    /// `GET /users?filter=...` with any SCIM filter PingOne supports (`email eq "..."`,
    /// `population.id eq "..."`), every page.
    ///
    /// # Errors
    /// As for every call (`400 INVALID_FILTER` for a filter PingOne does not support).
    pub async fn list_users(&self, filter: Option<&str>) -> Result<Vec<User>, Error> {
        match filter {
            Some(filter) => self.list_filtered(Operation::List(ObjectKind::User), &["users"], "users", filter).await,
            None => self.list(Operation::List(ObjectKind::User), &["users"], "users").await,
        }
    }

    /// `DELETE /users/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_user(&self, id: &Id<User>) -> Result<(), Error> {
        self.delete(Operation::Delete(ObjectKind::User), &["users", id.as_str()]).await
    }

    /// Step 10: `PUT /users/{id}/password` with `application/vnd.pingidentity.password.set+json`.
    ///
    /// # Errors
    /// `400 INVALID_DATA` when the password policy refuses it; other errors as for every call.
    pub async fn set_password(
        &self,
        user: &Id<User>,
        password: &Password,
        force_change: bool,
    ) -> Result<PasswordStatus, Error> {
        let body = PasswordSet { value: password.clone(), force_change };
        self.send_body(
            Step::SetPassword.into(),
            Method::PUT,
            &["users", user.as_str(), "password"],
            PASSWORD_SET,
            &body,
        )
        .await
    }

    /// Step 11: `PUT /users/{id}/mfaEnabled`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn set_mfa_enabled(&self, user: &Id<User>, enabled: bool) -> Result<MfaEnabled, Error> {
        self.send_body(
            Step::EnableMfa.into(),
            Method::PUT,
            &["users", user.as_str(), "mfaEnabled"],
            JSON,
            &MfaEnabled { mfa_enabled: enabled },
        )
        .await
    }

    /// `GET /users/{id}/mfaEnabled`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_mfa_enabled(&self, user: &Id<User>) -> Result<MfaEnabled, Error> {
        self.get(Operation::Read(ObjectKind::MfaEnabled), &["users", user.as_str(), "mfaEnabled"]).await
    }
}
