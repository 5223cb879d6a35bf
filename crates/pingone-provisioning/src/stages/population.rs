//! Steps 8–9: the population, and users created in it.

use pingone_core::{Error, Id};

use super::UserCreated;
use crate::client::{ManagementClient, reference};
use crate::converge::{AfterCreate, Classify as _, Outcome, Start, after_create, converge};
use crate::error::SetupError;
use crate::model::{NewUser, Population, PopulationSpec, User};

/// Step 8 done: the population exists.
#[derive(Debug)]
pub struct PopulationCreated {
    pub(crate) population: Population,
    pub(crate) outcome: Outcome,
}

impl PopulationCreated {
    /// Step 8: creates the population.
    ///
    /// # Errors
    /// The call's error (`UNIQUENESS_VIOLATION` for a taken name).
    pub async fn create(client: &ManagementClient, spec: &PopulationSpec) -> Result<Self, SetupError> {
        Ok(Self { population: client.create_population(spec).await?, outcome: Outcome::Created })
    }

    /// Step 8, idempotent: creates the population (PingOne enforces unique names); when the
    /// name is taken, or the answer was lost, finds it by name instead.
    ///
    /// # Errors
    /// A call's error.
    pub async fn ensure(client: &ManagementClient, spec: &PopulationSpec) -> Result<Self, SetupError> {
        Self::converge(client, spec, Start::Create).await
    }

    /// Step 8 from `start`.
    pub(crate) async fn converge(
        client: &ManagementClient,
        spec: &PopulationSpec,
        start: Start<Population, Error>,
    ) -> Result<Self, SetupError> {
        let find = || async {
            let named = client.find_populations_by_name(&spec.name).await?;
            Ok(named.into_iter().find(|p| p.settings.name.eq_ignore_ascii_case(&spec.name)))
        };
        let (population, outcome) = converge(start, find, || client.create_population(spec)).await?;
        Ok(Self { population, outcome })
    }

    /// The population's ID.
    #[must_use]
    pub fn id(&self) -> &Id<Population> {
        &self.population.id
    }

    /// What the setup did with it.
    #[must_use]
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// Step 9: creates the user in this population (PingOne enforces unique usernames: when
    /// the username is taken, or the answer was lost, the user is found by username and
    /// reused).
    ///
    /// # Errors
    /// A call's error.
    pub async fn create_user(&self, client: &ManagementClient, user: NewUser) -> Result<UserCreated, SetupError> {
        self.user_from(client, user, Start::Create).await
    }

    /// Step 9 from `start`.
    pub(crate) async fn user_from(
        &self,
        client: &ManagementClient,
        user: NewUser,
        start: Start<User, Error>,
    ) -> Result<UserCreated, SetupError> {
        let user = NewUser { population: Some(reference(&self.population.id)), ..user };
        let (found, outcome) =
            converge(start, || client.find_user_by_username(&user.username), || client.create_user(&user)).await?;
        Ok(UserCreated {
            population: self.population.clone(),
            population_outcome: self.outcome,
            email: user.email,
            user: found,
            outcome,
        })
    }
}

/// Steps 8 and 9 in two request levels, on a first run and on a repeated one alike: the
/// population is created; if it was created, so is the user. If PingOne answers that the
/// population exists (or the answer is lost), the user probably exists too, so the user is
/// looked up by username alongside the population, and created only if missing.
pub(crate) async fn population_and_user(
    client: &ManagementClient,
    spec: &PopulationSpec,
    user: NewUser,
) -> Result<UserCreated, SetupError> {
    let answer = client.create_population(spec).await;
    let existed = matches!(&answer, Err(e) if after_create(e.failure()) == AfterCreate::LookUp);
    let population = PopulationCreated::converge(client, spec, Start::Answered(answer));
    if existed {
        let existing = async { client.find_user_by_username(&user.username).await.map_err(SetupError::from) };
        let (population, existing) = tokio::try_join!(population, existing)?;
        population.user_from(client, user, Start::Found(existing)).await
    } else {
        population.await?.user_from(client, user, Start::Create).await
    }
}
