// An EMAIL device is added only by finishing a `UserCreated`; a population is not one.
use pingone_provisioning::{DevicePolicyCreated, ManagementClient, PopulationCreated, UserCreated};

async fn device_without_user(client: &ManagementClient, device_policy: &DevicePolicyCreated, population: PopulationCreated) {
    let _ = UserCreated::finish(population, client, None, device_policy, None).await;
}

fn main() {}
