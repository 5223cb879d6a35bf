//! Steps 2–3: the `openid` resource and the scopes to grant.

use pingone_core::{Id, Ref};

use crate::client::ManagementClient;
use crate::error::SetupError;
use crate::model::{GrantSpec, Resource, ResourceType, Scope};

/// The `openid` resource and the scopes to grant (steps 2–3).
#[derive(Debug, Clone)]
pub struct OpenIdScopes {
    resource: Id<Resource>,
    scopes: Vec<Scope>,
}

impl OpenIdScopes {
    /// Steps 2–3: finds the `OPENID_CONNECT` resource and the scopes named `names`.
    ///
    /// # Errors
    /// [`SetupError::NoOpenIdResource`], [`SetupError::MissingScopes`], or a call error.
    pub async fn discover(client: &ManagementClient, names: &[String]) -> Result<Self, SetupError> {
        let resources = client.list_resources().await?;
        Self::from_resources(client, resources, names).await
    }

    /// Step 3 given the result of step 2.
    ///
    /// # Errors
    /// As [`discover`](Self::discover).
    pub async fn from_resources(
        client: &ManagementClient,
        resources: Vec<Resource>,
        names: &[String],
    ) -> Result<Self, SetupError> {
        let resource = resources
            .into_iter()
            .find(|r| r.kind == ResourceType::OpenIdConnect || r.name == "openid")
            .ok_or(SetupError::NoOpenIdResource)?;
        let all = client.list_scopes(&resource.id).await?;
        let missing: Vec<String> = names.iter().filter(|n| !all.iter().any(|s| &s.name == *n)).cloned().collect();
        if !missing.is_empty() {
            return Err(SetupError::MissingScopes(missing));
        }
        let scopes = all.into_iter().filter(|s| names.contains(&s.name)).collect();
        Ok(Self { resource: resource.id, scopes })
    }

    /// The resource.
    #[must_use]
    pub fn resource(&self) -> &Id<Resource> {
        &self.resource
    }

    /// The scope names.
    #[must_use]
    pub fn names(&self) -> Vec<String> {
        self.scopes.iter().map(|s| s.name.clone()).collect()
    }

    /// The body of the grant (step 4).
    pub(crate) fn grant_spec(&self) -> GrantSpec {
        GrantSpec {
            resource: Ref::to(self.resource.clone()),
            scopes: self.scopes.iter().map(|s| Ref::to(s.id.clone())).collect(),
        }
    }
}
