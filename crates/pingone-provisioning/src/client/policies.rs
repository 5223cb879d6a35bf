//! Steps 5–7: the sign-on policy, its MFA action, and its assignment to the application.

use pingone_core::{Error, Id, Method, ObjectKind, Operation, Step};

use super::{JSON, ManagementClient};
use crate::model::{
    ActionType, Application, SignOnPolicy, SignOnPolicyAction, SignOnPolicyActionSpec, SignOnPolicyAssignment,
    SignOnPolicyAssignmentSpec, SignOnPolicySpec,
};

impl ManagementClient {
    /// Step 5: `POST /signOnPolicies`.
    ///
    /// # Errors
    /// `400 INVALID_DATA` / `UNIQUENESS_VIOLATION` for a taken name; other errors as for every call.
    pub async fn create_sign_on_policy(&self, spec: &SignOnPolicySpec) -> Result<SignOnPolicy, Error> {
        self.send_body(Step::CreateSignOnPolicy.into(), Method::POST, &["signOnPolicies"], JSON, spec).await
    }

    /// `GET /signOnPolicies`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_sign_on_policies(&self) -> Result<Vec<SignOnPolicy>, Error> {
        self.list(Operation::List(ObjectKind::SignOnPolicy), &["signOnPolicies"], "signOnPolicies").await
    }

    /// `GET /signOnPolicies/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_sign_on_policy(&self, id: &Id<SignOnPolicy>) -> Result<SignOnPolicy, Error> {
        self.get(Operation::Read(ObjectKind::SignOnPolicy), &["signOnPolicies", id.as_str()]).await
    }

    /// `DELETE /signOnPolicies/{id}` (its actions go with it).
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_sign_on_policy(&self, id: &Id<SignOnPolicy>) -> Result<(), Error> {
        self.delete(Operation::Delete(ObjectKind::SignOnPolicy), &["signOnPolicies", id.as_str()]).await
    }

    /// Step 6: `POST /signOnPolicies/{id}/actions` (the MFA action is step 6 itself; a `LOGIN`
    /// action before it is named `create LOGIN sign-on policy action`).
    ///
    /// # Errors
    /// `400 UNIQUENESS_VIOLATION` on `priority` when another action has it; other errors as for
    /// every call.
    pub async fn create_sign_on_policy_action(
        &self,
        policy: &Id<SignOnPolicy>,
        spec: &SignOnPolicyActionSpec,
    ) -> Result<SignOnPolicyAction, Error> {
        let operation = match spec.kind {
            ActionType::MultiFactorAuthentication => Step::CreateMfaAction.into(),
            _ => Operation::Create(pingone_core::ObjectKind::SignOnPolicyAction),
        };
        self.send_body(operation, Method::POST, &["signOnPolicies", policy.as_str(), "actions"], JSON, spec).await
    }

    /// `GET /signOnPolicies/{id}/actions`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_sign_on_policy_actions(
        &self,
        policy: &Id<SignOnPolicy>,
    ) -> Result<Vec<SignOnPolicyAction>, Error> {
        self.list(
            Operation::List(ObjectKind::SignOnPolicyAction),
            &["signOnPolicies", policy.as_str(), "actions"],
            "actions",
        )
        .await
    }

    /// `GET /signOnPolicies/{id}/actions/{actionID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_sign_on_policy_action(
        &self,
        policy: &Id<SignOnPolicy>,
        action: &Id<SignOnPolicyAction>,
    ) -> Result<SignOnPolicyAction, Error> {
        self.get(
            Operation::Read(ObjectKind::SignOnPolicyAction),
            &["signOnPolicies", policy.as_str(), "actions", action.as_str()],
        )
        .await
    }

    /// `DELETE /signOnPolicies/{id}/actions/{actionID}` (PingOne refuses to delete a policy's last
    /// action: delete the policy instead).
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_sign_on_policy_action(
        &self,
        policy: &Id<SignOnPolicy>,
        action: &Id<SignOnPolicyAction>,
    ) -> Result<(), Error> {
        self.delete(
            Operation::Delete(ObjectKind::SignOnPolicyAction),
            &["signOnPolicies", policy.as_str(), "actions", action.as_str()],
        )
        .await
    }

    /// `PUT /signOnPolicies/{id}/actions/{actionID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn update_sign_on_policy_action(
        &self,
        policy: &Id<SignOnPolicy>,
        action: &Id<SignOnPolicyAction>,
        spec: &SignOnPolicyActionSpec,
    ) -> Result<SignOnPolicyAction, Error> {
        self.send_body(
            Operation::Update(ObjectKind::SignOnPolicyAction),
            Method::PUT,
            &["signOnPolicies", policy.as_str(), "actions", action.as_str()],
            JSON,
            spec,
        )
        .await
    }

    /// Step 7: `POST /applications/{id}/signOnPolicyAssignments`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn create_sign_on_policy_assignment(
        &self,
        application: &Id<Application>,
        spec: &SignOnPolicyAssignmentSpec,
    ) -> Result<SignOnPolicyAssignment, Error> {
        self.send_body(
            Step::AssignSignOnPolicy.into(),
            Method::POST,
            &["applications", application.as_str(), "signOnPolicyAssignments"],
            JSON,
            spec,
        )
        .await
    }

    /// `GET /applications/{id}/signOnPolicyAssignments`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_sign_on_policy_assignments(
        &self,
        application: &Id<Application>,
    ) -> Result<Vec<SignOnPolicyAssignment>, Error> {
        self.list(
            Operation::List(ObjectKind::SignOnPolicyAssignment),
            &["applications", application.as_str(), "signOnPolicyAssignments"],
            "signOnPolicyAssignments",
        )
        .await
    }

    /// `GET /applications/{id}/signOnPolicyAssignments/{assignmentID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_sign_on_policy_assignment(
        &self,
        application: &Id<Application>,
        id: &Id<SignOnPolicyAssignment>,
    ) -> Result<SignOnPolicyAssignment, Error> {
        self.get(
            Operation::Read(ObjectKind::SignOnPolicyAssignment),
            &["applications", application.as_str(), "signOnPolicyAssignments", id.as_str()],
        )
        .await
    }

    /// `DELETE /applications/{id}/signOnPolicyAssignments/{assignmentID}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_sign_on_policy_assignment(
        &self,
        application: &Id<Application>,
        id: &Id<SignOnPolicyAssignment>,
    ) -> Result<(), Error> {
        self.delete(
            Operation::Delete(ObjectKind::SignOnPolicyAssignment),
            &["applications", application.as_str(), "signOnPolicyAssignments", id.as_str()],
        )
        .await
    }
}
