//! What the one-call setup provisions.

use pingone_core::Password;

use crate::model::{
    DeviceAuthenticationPolicySpec, DeviceSelection, Name, NewUser, OidcApplication, PopulationSpec, SignOnPolicySpec,
    TimeSpan, TokenEndpointAuthMethod,
};

/// The demo policy's description.
const EMAIL_ONLY_DESCRIPTION: &str = "Username lookup followed by an e-mailed one-time passcode";
/// The demo policy's description with a password first.
const PASSWORD_FIRST_DESCRIPTION: &str = "Username and password followed by an e-mailed one-time passcode";

/// What to provision.
#[derive(Debug, Clone)]
pub struct EmailMfaSpec {
    /// The OIDC web application (step 1).
    pub application: OidcApplication,
    /// Scopes of the `openid` resource to grant (step 4); `openid` makes an ID token appear.
    pub scopes: Vec<String>,
    /// The sign-on policy (step 5).
    pub sign_on_policy: SignOnPolicySpec,
    /// Whether the policy asks for a password first: a `LOGIN` action (priority 1) before the
    /// e-mail MFA action (priority 2). Off: the MFA action alone (priority 1), after the
    /// username.
    pub password_first: bool,
    /// Priority of the policy assignment (step 7).
    pub assignment_priority: u32,
    /// The population (step 8).
    pub population: PopulationSpec,
    /// The user (step 9); its population is filled in.
    pub user: NewUser,
    /// The user's password (step 10).
    pub password: Password,
    /// The device authentication policy (step 12); the MFA action references it.
    pub device_policy: DeviceAuthenticationPolicySpec,
    /// The nickname of the user's EMAIL device (step 13), if any.
    pub device_nickname: Option<String>,
}

impl EmailMfaSpec {
    /// The workflow's demo objects, named with `prefix`: a `WEB_APP` with
    /// `CLIENT_SECRET_BASIC` and PKCE `S256`, scopes `openid profile email`, an e-mail-only MFA
    /// policy (6 digits, 30 minutes, 3 failures, 2 minutes cool-down, the user's first device
    /// by default).
    #[must_use]
    pub fn demo(prefix: &str, redirect_uri: &str, username: &str, email: &str, password: Password) -> Self {
        Self {
            application: OidcApplication::web_app(
                format!("{prefix}-web"),
                redirect_uri,
                TokenEndpointAuthMethod::ClientSecretBasic,
            ),
            scopes: vec!["openid".into(), "profile".into(), "email".into()],
            sign_on_policy: SignOnPolicySpec {
                name: format!("{prefix}_Email_MFA_Policy").replace('-', "_"),
                description: Some(EMAIL_ONLY_DESCRIPTION.into()),
            },
            password_first: false,
            assignment_priority: 1,
            population: PopulationSpec {
                name: format!("{prefix}-population"),
                description: Some("Users of the e-mail MFA demo".into()),
            },
            user: NewUser {
                username: username.into(),
                email: email.into(),
                name: Some(Name { given: Some("Ada".into()), family: Some("Example".into()) }),
                population: None,
            },
            password,
            device_policy: DeviceAuthenticationPolicySpec::email_only(
                format!("{prefix}-email-only"),
                6,
                TimeSpan::minutes(30),
                3,
                TimeSpan::minutes(2),
            ),
            device_nickname: None,
        }
    }

    /// The same spec with a password first: the sign-on policy gets a `LOGIN` action
    /// (priority 1) before the e-mail MFA action (priority 2), so the flow starts at
    /// `USERNAME_PASSWORD_REQUIRED`.
    #[must_use]
    pub fn with_password_first(mut self) -> Self {
        self.password_first = true;
        if self.sign_on_policy.description.as_deref() == Some(EMAIL_ONLY_DESCRIPTION) {
            self.sign_on_policy.description = Some(PASSWORD_FIRST_DESCRIPTION.into());
        }
        self
    }

    /// The same spec with `selection` as the device policy's device-selection rule
    /// (`DEFAULT_TO_FIRST` unless set).
    #[must_use]
    pub fn with_device_selection(mut self, selection: DeviceSelection) -> Self {
        self.device_policy = self.device_policy.with_device_selection(selection);
        self
    }

    /// The same spec with `uri` registered on the application as a post-logout redirect URI
    /// (where sign-off may send the browser).
    #[must_use]
    pub fn with_post_logout_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.application = self.application.with_post_logout_redirect_uri(uri);
        self
    }

    /// The same spec with `nickname` on the user's EMAIL device.
    #[must_use]
    pub fn with_device_nickname(mut self, nickname: impl Into<String>) -> Self {
        self.device_nickname = Some(nickname.into());
        self
    }
}
