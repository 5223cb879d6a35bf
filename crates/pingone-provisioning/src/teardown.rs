//! Teardown: deletes what a setup provisioned, in an order PingOne accepts.

use pingone_core::Error;

use crate::client::ManagementClient;
use crate::setup::ProvisionedIds;

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

fn settle(result: Result<(), Error>) -> Result<Removal, Error> {
    match result {
        Ok(()) => Ok(Removal::Deleted),
        Err(e) if e.is_not_found() => Ok(Removal::AlreadyGone),
        Err(e) => Err(e),
    }
}

/// Deletes every object in `ids`, in three concurrent waves:
///
/// 1. the policy assignment, the grant and the EMAIL device (references to other objects);
/// 2. the sign-on policy (with its action: PingOne refuses to delete a policy's last action, so
///    the policy is deleted instead), the application and the user;
/// 3. the device authentication policy and the population (which must be empty).
///
/// An object that is already gone counts as deleted. Shared objects (the `openid` resource and
/// its scopes) are never touched.
///
/// # Errors
/// The first delete that fails for another reason than `404`.
pub async fn teardown(client: &ManagementClient, ids: &ProvisionedIds) -> Result<TeardownReport, Error> {
    let (assignment, grant, device) = tokio::join!(
        client.delete_sign_on_policy_assignment(&ids.application, &ids.assignment),
        client.delete_grant(&ids.application, &ids.grant),
        client.delete_device(&ids.user, &ids.device),
    );
    let wave1 =
        [("policy assignment", settle(assignment)?), ("grant", settle(grant)?), ("EMAIL device", settle(device)?)];
    let (policy, app, user) = tokio::join!(
        client.delete_sign_on_policy(&ids.sign_on_policy),
        client.delete_application(&ids.application),
        client.delete_user(&ids.user),
    );
    let wave2 = [
        ("sign-on policy and its MFA action", settle(policy)?),
        ("application", settle(app)?),
        ("user", settle(user)?),
    ];
    let (device_policy, population) = tokio::join!(
        client.delete_device_authentication_policy(&ids.device_policy),
        client.delete_population(&ids.population)
    );
    let wave3 = [("device authentication policy", settle(device_policy)?), ("population", settle(population)?)];
    Ok(TeardownReport { removed: wave1.into_iter().chain(wave2).chain(wave3).collect() })
}
