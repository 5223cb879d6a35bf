// Transitions consume their stage: a sign-on policy that became an `EmailMfaPolicy` cannot be
// given a second MFA action through the old value.
use pingone_provisioning::{ManagementClient, SignOnPolicyCreated};

async fn add_action_twice(client: &ManagementClient, policy: SignOnPolicyCreated) {
    let _first = policy.add_email_mfa_action(client, 1, None).await;
    let _second = policy.add_email_mfa_action(client, 2, None).await;
}

fn main() {}
