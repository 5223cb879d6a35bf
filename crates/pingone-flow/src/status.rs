//! Flow statuses, with the text of unknown ones kept.

pingone_core::string_enum! {
    /// A flow's `status`.
    pub enum FlowStatus {
        /// `SIGN_ON_REQUIRED`: the username is needed (`user.lookup`).
        SignOnRequired = "SIGN_ON_REQUIRED",
        /// `USERNAME_PASSWORD_REQUIRED`: a `LOGIN` action runs first.
        UsernamePasswordRequired = "USERNAME_PASSWORD_REQUIRED",
        /// `MUST_CHANGE_PASSWORD`: the password was set with `forceChange`; `password.reset`
        /// (not driven by this crate).
        MustChangePassword = "MUST_CHANGE_PASSWORD",
        /// `PASSWORD_EXPIRED`: the password is too old (not driven by this crate).
        PasswordExpired = "PASSWORD_EXPIRED",
        /// `DEVICE_SELECTION_REQUIRED`.
        DeviceSelectionRequired = "DEVICE_SELECTION_REQUIRED",
        /// `OTP_REQUIRED`.
        OtpRequired = "OTP_REQUIRED",
        /// `COMPLETED`.
        Completed = "COMPLETED",
        /// `FAILED`.
        Failed = "FAILED",
    }
}
