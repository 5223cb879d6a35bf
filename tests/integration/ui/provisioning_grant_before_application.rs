// A grant is made only by finishing an `ApplicationCreated`, which only creating (or finding)
// the application gives: it cannot be made up from an ID.
use pingone_provisioning::model::Application;
use pingone_provisioning::{ApplicationCreated, ManagementClient, OpenIdScopes, SignOnPolicyPlanned};

async fn grant_without_application(
    client: &ManagementClient,
    scopes: &OpenIdScopes,
    sign_on: SignOnPolicyPlanned,
    app: Application,
) {
    let created = ApplicationCreated { app, outcome: pingone_provisioning::Outcome::Created };
    let _ = created.finish(client, scopes, sign_on, 1).await;
}

fn main() {}
