// An EMAIL device needs a `UserCreated`; a population (or a user's ID) is not one.
use pingone_provisioning::{DevicePolicyCreated, ManagementClient, PopulationCreated};

async fn device_without_user(client: &ManagementClient, device_policy: &DevicePolicyCreated, population: &PopulationCreated) {
    let _ = device_policy.add_email_device(client, population, "ada@example.test").await;
}

fn main() {}
