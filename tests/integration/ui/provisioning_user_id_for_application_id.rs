// IDs are typed: a user's ID is not an application's.
use pingone_core::Id;
use pingone_provisioning::ManagementClient;
use pingone_provisioning::model::User;

async fn read_secret_of_a_user(client: &ManagementClient, user: Id<User>) {
    let _ = client.read_application_secret(&user).await;
}

fn main() {}
