//! Populations (step 8), users (step 9), passwords (step 10) and `mfaEnabled` (step 11).

use pingone_core::{Id, Password, Ref};
use serde::{Deserialize, Serialize};

/// The writable settings of a population.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PopulationSpec {
    /// Unique per environment.
    pub name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A population as PingOne returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Population {
    /// The ID.
    pub id: Id<Population>,
    /// The settings.
    #[serde(flatten)]
    pub settings: PopulationSpec,
    /// Users in it.
    #[serde(default)]
    pub user_count: Option<u64>,
}

/// A person's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name {
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
}

/// The body of step 9.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    /// Unique per environment, 1–128 characters.
    pub username: String,
    /// The user's e-mail address.
    pub email: String,
    /// The name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// The population (else the environment's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<Ref<Population>>,
}

/// `account` of a user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Account {
    /// Whether the user can sign on.
    #[serde(default)]
    pub can_authenticate: Option<bool>,
    /// `OK` or `LOCKED`.
    #[serde(default)]
    pub status: Option<String>,
}

/// A user as PingOne returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct User {
    /// The ID.
    pub id: Id<User>,
    /// The username.
    pub username: String,
    /// The e-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// The name.
    #[serde(default)]
    pub name: Option<Name>,
    /// The population.
    #[serde(default)]
    pub population: Option<Ref<Population>>,
    /// Whether the user is enabled.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Whether MFA applies to the user.
    #[serde(default)]
    pub mfa_enabled: Option<bool>,
    /// Account state.
    #[serde(default)]
    pub account: Option<Account>,
}

/// The body of step 10 (`application/vnd.pingidentity.password.set+json`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordSet {
    /// The new password.
    pub value: Password,
    /// Whether the user must change it at the next sign-on.
    pub force_change: bool,
}

/// The answer to step 10.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PasswordStatus {
    /// `OK`, `MUST_CHANGE_PASSWORD`, ...
    pub status: String,
}

/// The body and answer of step 11.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaEnabled {
    /// Whether MFA applies to the user.
    pub mfa_enabled: bool,
}
