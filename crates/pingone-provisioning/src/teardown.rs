//! Teardown: deletes what a setup provisioned, in an order PingOne accepts, retrying (for a
//! bounded time) the one refusal that only waiting cures.

use std::time::Duration;

use pingone_core::{Error, ErrorCode, Id};

use crate::client::ManagementClient;
use crate::model::DeviceAuthenticationPolicy;
use crate::provisioned::ProvisionedIds;

/// What teardown did with one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// Deleted now.
    Deleted,
    /// Already gone (`404`): counted as done.
    AlreadyGone,
}

/// The result of a teardown, per object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TeardownReport {
    /// `(object, what happened)`, in deletion order.
    pub removed: Vec<(&'static str, Removal)>,
}

/// How teardown waits when PingOne refuses to delete the device authentication policy because
/// a sign-on policy still references it (`409`, `INVALID_VALUE` on `signOnPolicies`): it can
/// answer so for a while after the sign-on policy is gone. Like PingOne's Terraform provider,
/// teardown retries for up to 30 s by default, backing off from 0.5 s to 5 s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeardownOptions {
    retry_for: Duration,
    first_wait: Duration,
    max_wait: Duration,
}

impl Default for TeardownOptions {
    fn default() -> Self {
        Self {
            retry_for: Duration::from_secs(30),
            first_wait: Duration::from_millis(500),
            max_wait: Duration::from_secs(5),
        }
    }
}

impl TeardownOptions {
    /// Waits at most `total` in all for a still-referenced device policy (zero: no retry).
    #[must_use]
    pub fn retry_referenced_for(mut self, total: Duration) -> Self {
        self.retry_for = total;
        self
    }

    /// The first wait, doubled after each refusal up to `max`.
    #[must_use]
    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.first_wait = first;
        self.max_wait = max.max(first);
        self
    }

    /// The wait before the next attempt, after `refusals` refusals and `waited` in all so far;
    /// `None` once the bound is spent.
    fn next_wait(&self, refusals: u32, waited: Duration) -> Option<Duration> {
        let left = self.retry_for.saturating_sub(waited);
        if left.is_zero() {
            return None;
        }
        let backoff =
            self.first_wait.saturating_mul(2u32.saturating_pow(refusals.saturating_sub(1))).min(self.max_wait);
        Some(backoff.min(left))
    }
}

/// Whether PingOne refused a delete because a sign-on policy still references the object:
/// `409` with `INVALID_VALUE` (observed on target `signOnPolicies`).
fn still_referenced(e: &Error) -> bool {
    e.status() == Some(409)
        && e.api().is_some_and(|a| {
            a.has_code(&ErrorCode::InvalidValue)
                || a.body.details.iter().any(|d| d.target.as_deref() == Some("signOnPolicies"))
        })
}

fn settle(result: Result<(), Error>) -> Result<Removal, Error> {
    match result {
        Ok(()) => Ok(Removal::Deleted),
        Err(e) if e.is_not_found() => Ok(Removal::AlreadyGone),
        Err(e) => Err(e),
    }
}

/// Deletes every object in `ids` with the default [`TeardownOptions`]; see [`teardown_with`].
///
/// # Errors
/// As [`teardown_with`].
pub async fn teardown(client: &ManagementClient, ids: &ProvisionedIds) -> Result<TeardownReport, Error> {
    teardown_with(client, ids, &TeardownOptions::default()).await
}

/// Deletes every object in `ids`, in three concurrent waves:
///
/// 1. the application (its grants and policy assignments go with it) and the EMAIL device;
/// 2. the sign-on policy (with its actions: PingOne refuses to delete a policy's last action,
///    so the policy is deleted instead) and the user;
/// 3. the device authentication policy — no longer referenced by the sign-on policy's MFA
///    action; a `409` that says otherwise is retried as `options` say — and the population
///    (which must be empty).
///
/// An object that is already gone counts as deleted. Shared objects (the `openid` resource and
/// its scopes) are never touched.
///
/// # Errors
/// The first delete that fails for another reason than `404` (for the device policy: still
/// referenced once the retries are spent).
pub async fn teardown_with(
    client: &ManagementClient,
    ids: &ProvisionedIds,
    options: &TeardownOptions,
) -> Result<TeardownReport, Error> {
    let (app, device) =
        tokio::join!(client.delete_application(&ids.application), client.delete_device(&ids.user, &ids.device));
    let wave1 =
        [("application, with its grants and policy assignments", settle(app)?), ("EMAIL device", settle(device)?)];
    let (policy, user) = tokio::join!(client.delete_sign_on_policy(&ids.sign_on_policy), client.delete_user(&ids.user));
    let wave2 = [("sign-on policy, with its actions", settle(policy)?), ("user", settle(user)?)];
    let (device_policy, population) = tokio::join!(
        delete_device_policy(client, &ids.device_policy, options),
        client.delete_population(&ids.population)
    );
    let wave3 = [("device authentication policy", settle(device_policy)?), ("population", settle(population)?)];
    Ok(TeardownReport { removed: wave1.into_iter().chain(wave2).chain(wave3).collect() })
}

/// Deletes the device policy, waiting out a bounded run of still-referenced refusals.
async fn delete_device_policy(
    client: &ManagementClient,
    id: &Id<DeviceAuthenticationPolicy>,
    options: &TeardownOptions,
) -> Result<(), Error> {
    let (mut refusals, mut waited) = (0, Duration::ZERO);
    loop {
        match client.delete_device_authentication_policy(id).await {
            Err(e) if still_referenced(&e) => {
                refusals += 1;
                let Some(wait) = options.next_wait(refusals, waited) else { return Err(e) };
                tracing::debug!(error = %e, refusals, ?wait, "device policy still referenced: waiting before deleting again");
                tokio::time::sleep(wait).await;
                waited += wait;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_is_capped_and_stops_at_the_bound() {
        let options = TeardownOptions::default();
        let s = Duration::from_secs;
        let ms = Duration::from_millis;
        assert_eq!(options.next_wait(1, s(0)), Some(ms(500)));
        assert_eq!(options.next_wait(2, ms(500)), Some(s(1)));
        assert_eq!(options.next_wait(4, s(3)), Some(s(4)));
        assert_eq!(options.next_wait(5, s(7)), Some(s(5)), "capped at 5 s");
        assert_eq!(options.next_wait(40, s(7)), Some(s(5)), "no overflow");
        assert_eq!(options.next_wait(9, s(28)), Some(s(2)), "the last wait uses what is left");
        assert_eq!(options.next_wait(10, s(30)), None);
        let none = TeardownOptions::default().retry_referenced_for(Duration::ZERO);
        assert_eq!(none.next_wait(1, s(0)), None);
        let quick = TeardownOptions::default().retry_referenced_for(ms(50)).backoff(ms(10), ms(20));
        assert_eq!(quick.next_wait(1, ms(0)), Some(ms(10)));
        assert_eq!(quick.next_wait(3, ms(30)), Some(ms(20)));
        assert_eq!(quick.next_wait(4, ms(50)), None);
    }

    #[test]
    fn only_a_reference_conflict_is_retried() {
        let error = |status: u16, body: &str| {
            let context = pingone_core::internal::request_context(
                pingone_core::Operation::Delete(pingone_core::ObjectKind::DeviceAuthenticationPolicy),
                pingone_core::Method::DELETE,
                "/v1/environments/e/deviceAuthenticationPolicies/d",
            );
            let headers = pingone_core::HeaderMap::new();
            pingone_core::internal::response(context, status, headers, body.as_bytes().to_vec()).into_error()
        };
        let referenced = r#"{"code":"INVALID_DATA","details":[{"code":"INVALID_VALUE","target":"signOnPolicies"}]}"#;
        assert!(still_referenced(&error(409, referenced)));
        assert!(!still_referenced(&error(400, referenced)), "only a 409");
        assert!(!still_referenced(&error(409, r#"{"code":"CONSTRAINT_VIOLATION"}"#)));
        assert!(!still_referenced(&error(404, r#"{"code":"NOT_FOUND"}"#)));
    }
}
