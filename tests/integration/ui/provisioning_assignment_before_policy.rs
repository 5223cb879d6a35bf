// A policy can be assigned only once it has its MFA action (`EmailMfaPolicy`); a bare
// `SignOnPolicyCreated` has no `assign`.
use pingone_provisioning::{ApplicationCreated, ManagementClient, SignOnPolicyCreated};

async fn assign_without_mfa_action(client: &ManagementClient, policy: SignOnPolicyCreated, app: &ApplicationCreated) {
    let _ = policy.assign(client, app, 1).await;
}

fn main() {}
