// Transitions consume their stage: a user that was finished (password, MFA, device) cannot be
// finished again through the old value.
use pingone_provisioning::{DevicePolicyCreated, ManagementClient, UserCreated};

async fn finish_twice(client: &ManagementClient, user: UserCreated, device_policy: &DevicePolicyCreated) {
    let _first = user.finish(client, None, device_policy, None).await;
    let _second = user.finish(client, None, device_policy, None).await;
}

fn main() {}
