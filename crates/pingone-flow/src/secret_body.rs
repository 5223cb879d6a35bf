//! Request bodies that carry a secret, serialised straight from borrowed secrets: no owned copy
//! (as a `serde_json::Value` would make) is left behind unwiped; the encoded body itself is
//! wiped on drop by `pingone_core::ApiRequest`.

use serde::Serialize;

/// `otp.check`.
#[derive(Serialize)]
pub(crate) struct OtpCheck<'a> {
    pub otp: &'a str,
}

/// `usernamePassword.check`.
#[derive(Serialize)]
pub(crate) struct Credentials<'a> {
    pub username: &'a str,
    pub password: &'a str,
}
