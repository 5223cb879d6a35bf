//! The `LOGIN` action: `usernamePassword.check` with the password policy's lockout, and
//! `password.reset` for a password set with `forceChange`.

use serde_json::{Map, Value, json};

use super::actions::{find_user, string_field};
use super::{Flow, Status};
use crate::env::Env;
use crate::reply::{Detail, Failure};
use crate::store::State;
use crate::wire::constant_time_eq;

/// The environment's password policy locks a password after this many failures in a row...
pub(crate) const LOCKOUT_FAILURES: u32 = 5;
/// ...for this long.
pub(crate) const LOCKOUT_SECONDS: u64 = 900;
/// Shortest password the simulator accepts (the policy's `length.min`).
pub(crate) const MIN_PASSWORD_LENGTH: usize = 8;

/// The environment's password policy, as the flow embeds it in `USERNAME_PASSWORD_REQUIRED`
/// (`_embedded.passwordPolicy`; PingOne's `PasswordPolicy` schema). It states only what the
/// simulator enforces: the length and the lockout.
pub(crate) fn default_password_policy(env: &Env) -> Value {
    json!({
        "id": crate::env::derived_uuid(&format!("password-policy:{}", env.id)),
        "environment": { "id": env.id },
        "name": "Standard",
        "description": "The simulator's password policy: length and lockout only",
        "default": true,
        "excludesCommonlyUsed": false,
        "excludesProfileData": false,
        "notSimilarToCurrent": false,
        "length": { "min": MIN_PASSWORD_LENGTH, "max": 255 },
        "lockout": { "failureCount": LOCKOUT_FAILURES, "durationSeconds": LOCKOUT_SECONDS },
    })
}

fn invalid_credentials() -> Failure {
    Failure::invalid_data(vec![Detail::new("INVALID_CREDENTIALS", "password", "Invalid username or password.")])
}

fn locked_out(seconds: u64) -> Failure {
    Failure::invalid_data(vec![
        Detail::new("PASSWORD_LOCKED_OUT", "password", "Too many failed sign-ons: the password is locked.")
            .inner(json!({ "secondsUntilUnlock": seconds })),
    ])
}

/// `usernamePassword.check`. A wrong password (or an unknown username: the same answer, so
/// that usernames cannot be guessed) is `INVALID_CREDENTIALS`; the failure that reaches the
/// lockout count, and every try while locked, is `PASSWORD_LOCKED_OUT` with
/// `secondsUntilUnlock`. The flow stays `USERNAME_PASSWORD_REQUIRED` either way.
pub(super) fn password_check(
    env: &Env,
    state: &mut State,
    flow: &mut Flow,
    body: &Map<String, Value>,
) -> Result<(), Failure> {
    let username = string_field(body, "username")?;
    let password = string_field(body, "password")?;
    let now = env.clock.unix();
    let Some(user) = find_user(state, username) else { return Err(invalid_credentials()) };
    if let Some(failures) = state.password_failures.get(&user)
        && failures.locked_until > now
    {
        return Err(locked_out(failures.locked_until.saturating_sub(now)));
    }
    let matches =
        state.passwords.get(&user).is_some_and(|stored| constant_time_eq(stored.as_bytes(), password.as_bytes()));
    if !matches {
        let failures = state.password_failures.entry(user).or_default();
        failures.count = failures.count.saturating_add(1);
        if failures.count >= LOCKOUT_FAILURES {
            failures.count = 0;
            failures.locked_until = now.saturating_add(LOCKOUT_SECONDS);
            return Err(locked_out(LOCKOUT_SECONDS));
        }
        return Err(invalid_credentials());
    }
    state.password_failures.remove(&user);
    let must_change = state.must_change_password.contains(&user);
    flow.identified(env, state, user);
    flow.amr.push("pwd");
    flow.authenticators.push("pwd");
    if must_change {
        flow.status = Status::MustChangePassword;
        return Ok(());
    }
    flow.action_index = flow.action_index.saturating_add(1);
    flow.enter_current_action(env, state);
    Ok(())
}

/// `password.reset` (`{currentPassword, newPassword}`) in `MUST_CHANGE_PASSWORD`: sets the new
/// password, then the policy goes on.
pub(super) fn password_reset(
    env: &Env,
    state: &mut State,
    flow: &mut Flow,
    body: &Map<String, Value>,
) -> Result<(), Failure> {
    let current = string_field(body, "currentPassword")?;
    let new = string_field(body, "newPassword")?;
    let Some(user) = flow.user_id.clone() else { return Err(invalid_credentials()) };
    let matches =
        state.passwords.get(&user).is_some_and(|stored| constant_time_eq(stored.as_bytes(), current.as_bytes()));
    if !matches {
        return Err(Failure::invalid_data(vec![Detail::new(
            "INVALID_CREDENTIALS",
            "currentPassword",
            "The current password is wrong.",
        )]));
    }
    if new.chars().count() < MIN_PASSWORD_LENGTH || new == current {
        return Err(Failure::invalid_data(vec![
            Detail::new(
                "INVALID_VALUE",
                "newPassword",
                "The new password does not meet the password policy (at least 8 characters, not the current one)",
            )
            .inner(json!({ "rangeMinimumValue": MIN_PASSWORD_LENGTH })),
        ]));
    }
    state.passwords.insert(user.clone(), new.to_owned());
    state.must_change_password.remove(&user);
    flow.action_index = flow.action_index.saturating_add(1);
    flow.enter_current_action(env, state);
    Ok(())
}
