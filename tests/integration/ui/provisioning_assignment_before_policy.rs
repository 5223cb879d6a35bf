// A policy is assigned only by finishing the application with a `SignOnPolicyPlanned`: a policy
// whose actions are planned under a device policy that exists. A bare `SignOnPolicyCreated` is
// not one.
use pingone_provisioning::{ApplicationCreated, ManagementClient, OpenIdScopes, SignOnPolicyCreated};

async fn assign_without_actions(
    client: &ManagementClient,
    app: ApplicationCreated,
    scopes: &OpenIdScopes,
    policy: SignOnPolicyCreated,
) {
    let _ = app.finish(client, scopes, policy, 1).await;
}

fn main() {}
