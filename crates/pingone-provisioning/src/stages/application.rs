//! Steps 1, 4, 6–7 and 19: the application, and what finishing it converges together — its
//! resource grant, its secret, its sign-on policy's actions and the policy's assignment.

use pingone_core::{ClientSecret, Error, Id};

use super::sign_on_policy::PolicyActions;
use super::{OpenIdScopes, Pace, SignOnPolicyPlanned, join_at};
use crate::client::{ManagementClient, reference};
use crate::converge::{Outcome, Start, converge, update_if_changed};
use crate::error::SetupError;
use crate::model::{
    Application, ApplicationSummary, Grant, OidcApplication, Protocol, SignOnPolicyAssignment,
    SignOnPolicyAssignmentSpec,
};

/// Step 1 done: the application exists.
#[derive(Debug)]
pub struct ApplicationCreated {
    app: Application,
    outcome: Outcome,
}

/// The application with everything the sign-on needs from it: the grant (step 4), the client
/// secret (step 19), and its sign-on policy with its actions (step 6), assigned (step 7).
/// Its `Debug` redacts the secret.
#[derive(Debug)]
pub struct ApplicationReady {
    pub(crate) app: Application,
    pub(crate) outcome: Outcome,
    pub(crate) grant: (Grant, Outcome),
    pub(crate) secret: ClientSecret,
    pub(crate) scopes: Vec<String>,
    pub(crate) sign_on: SignOnPolicyPlanned,
    pub(crate) actions: PolicyActions,
    pub(crate) assignment: (SignOnPolicyAssignment, Outcome),
}

impl ApplicationCreated {
    /// Step 1: creates the application (always a new one).
    ///
    /// # Errors
    /// The call's error.
    pub async fn create(client: &ManagementClient, spec: &OidcApplication) -> Result<Self, SetupError> {
        let app = client.create_application(spec).await?;
        Ok(Self { app, outcome: Outcome::Created })
    }

    /// Step 1, idempotent: PingOne allows two applications with one name, so the application
    /// is looked up by name first and reused (updated if its settings differ from `spec`), or
    /// created when there is none.
    ///
    /// # Errors
    /// A call's error.
    pub async fn ensure(client: &ManagementClient, spec: &OidcApplication) -> Result<Self, SetupError> {
        Self::converge(client, spec, Start::LookUp).await
    }

    /// Step 1 from `start`.
    pub(crate) async fn converge(
        client: &ManagementClient,
        spec: &OidcApplication,
        start: Start<Application, Error>,
    ) -> Result<Self, SetupError> {
        let found = converge(start, || find(client, spec), || client.create_application(spec)).await?;
        let (app, outcome) = update_if_changed(
            found,
            |a: &Application| same_application(&a.settings, spec),
            |a| async move { client.update_application(&a.id, spec).await },
        )
        .await?;
        Ok(Self { app, outcome })
    }

    /// The application's ID (its OAuth `client_id`).
    #[must_use]
    pub fn id(&self) -> &Id<Application> {
        &self.app.id
    }

    /// What the setup did with it.
    #[must_use]
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// Steps 4, 6, 7 and 19, concurrently: grants `scopes`, creates (or finds) `sign_on`'s
    /// actions, assigns the policy to this application with `assignment_priority`, and reads
    /// the client secret.
    ///
    /// Children of an object created in this run are created without a lookup (they cannot
    /// exist yet); those of a reused object are looked up first, so a second run creates
    /// nothing.
    ///
    /// # Errors
    /// The first failing call's error.
    pub async fn finish(
        self,
        client: &ManagementClient,
        scopes: &OpenIdScopes,
        sign_on: SignOnPolicyPlanned,
        assignment_priority: u32,
    ) -> Result<ApplicationReady, SetupError> {
        self.finish_at(Pace::Concurrent, client, scopes, sign_on, assignment_priority).await
    }

    /// [`finish`](Self::finish) at `pace`.
    pub(crate) async fn finish_at(
        self,
        pace: Pace,
        client: &ManagementClient,
        scopes: &OpenIdScopes,
        sign_on: SignOnPolicyPlanned,
        assignment_priority: u32,
    ) -> Result<ApplicationReady, SetupError> {
        let app = &self.app.id;
        let new_app = self.outcome == Outcome::Created;
        let grant_spec = scopes.grant_spec();
        let grant = async {
            let wanted = sorted(grant_spec.scopes.iter().map(|s| s.id.as_str()));
            let find = || async {
                let grants = client.list_grants(app).await?;
                Ok(grants.into_iter().find(|g| {
                    g.settings.resource.id == grant_spec.resource.id
                        && sorted(g.settings.scopes.iter().map(|s| s.id.as_str())) == wanted
                }))
            };
            let start = if new_app { Start::Create } else { Start::LookUp };
            converge(start, find, || client.create_grant(app, &grant_spec)).await
        };
        let actions = sign_on.converge_actions(client, pace);
        let assignment = async {
            let policy = sign_on.id();
            let spec = SignOnPolicyAssignmentSpec { priority: assignment_priority, sign_on_policy: reference(policy) };
            let find = || async {
                let assignments = client.list_sign_on_policy_assignments(app).await?;
                Ok(assignments.into_iter().find(|a| &a.settings.sign_on_policy.id == policy))
            };
            let new_pair = new_app || sign_on.outcome == Outcome::Created;
            let start = if new_pair { Start::Create } else { Start::LookUp };
            converge(start, find, || client.create_sign_on_policy_assignment(app, &spec)).await
        };
        let secret = client.read_application_secret(app);
        let (grant, actions, assignment, secret) = join_at!(pace, grant, actions, assignment, secret)?;
        Ok(ApplicationReady {
            app: self.app,
            outcome: self.outcome,
            grant,
            secret,
            scopes: scopes.names(),
            sign_on,
            actions,
            assignment,
        })
    }
}

impl ApplicationReady {
    /// The application's ID (its OAuth `client_id`).
    #[must_use]
    pub fn id(&self) -> &Id<Application> {
        &self.app.id
    }
}

fn sorted<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut ids: Vec<&str> = ids.collect();
    ids.sort_unstable();
    ids
}

/// Finds the OIDC application named as in `spec`. PingOne lists whole applications, so the
/// entry found is used as it is; only an entry that does not read as an OIDC application is
/// read again by its ID.
async fn find(client: &ManagementClient, spec: &OidcApplication) -> Result<Option<Application>, Error> {
    let listed = client.list_applications_as_sent().await?;
    let named = listed.into_iter().find_map(|entry| {
        let summary: ApplicationSummary = serde_json::from_value(entry.clone()).ok()?;
        let oidc = summary.protocol.as_ref().is_none_or(|p| *p == Protocol::OpenIdConnect);
        (oidc && summary.name == spec.name).then_some((summary, entry))
    });
    let Some((summary, entry)) = named else { return Ok(None) };
    match serde_json::from_value::<Application>(entry) {
        Ok(app) => Ok(Some(app)),
        Err(_) => client.read_application(&summary.id).await.map(Some),
    }
}

/// Whether `have` (as PingOne returned it) matches `want`, ignoring fields PingOne fills with
/// defaults when the spec leaves them out.
fn same_application(have: &OidcApplication, want: &OidcApplication) -> bool {
    let mut have = have.clone();
    if want.pkce_enforcement.is_none() {
        have.pkce_enforcement = None;
    }
    if want.description.is_none() {
        have.description = None;
    }
    have == *want
}
