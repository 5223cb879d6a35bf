// A grant needs an `ApplicationCreated`, which only creating (or finding) the application gives:
// it cannot be made up from an ID.
use pingone_provisioning::model::Application;
use pingone_provisioning::{ApplicationCreated, ManagementClient, OpenIdScopes};

async fn grant_without_application(client: &ManagementClient, scopes: &OpenIdScopes, app: Application) {
    let created = ApplicationCreated { app, outcome: pingone_provisioning::Outcome::Created };
    let _ = created.grant(client, scopes).await;
}

fn main() {}
