//! `response_mode=pi.flow`: resume answers `200` with the flow and its `authorizeResponse`
//! (`code` and `state`, or an OAuth `error`) instead of a redirect (reference §14.2).

use pingone_core::{ApiResponse, AuthorizationCode, Operation, StateToken, Url};

use crate::client::SignOnClient;
use crate::context::FlowContext;
use crate::error::FlowError;
use crate::flow_json::FlowResponse;

/// The code out of a JSON resume answer, its `state` compared (constant time) with the one sent
/// at authorize.
pub(crate) fn code_from_resume(
    client: &SignOnClient,
    ctx: &mut FlowContext,
    response: &ApiResponse,
    url: &Url,
    step: &Operation,
) -> Result<AuthorizationCode, FlowError> {
    ctx.cookies.absorb(response.headers(), url, client.clock().now());
    let flow: FlowResponse = response.json()?;
    if flow.id != ctx.flow_id {
        return Err(FlowError::FlowMismatch { operation: step.clone() });
    }
    let answer =
        flow.authorize_response.ok_or(FlowError::Missing { operation: step.clone(), what: "authorizeResponse" })?;
    if let Some(error) = answer.error {
        return Err(FlowError::Authorization { operation: step.clone(), error, description: answer.error_description });
    }
    let state_ok = answer.state.is_some_and(|s| StateToken::new(s) == ctx.state);
    if !state_ok {
        return Err(FlowError::StateMismatch);
    }
    answer
        .code
        .filter(|c: &AuthorizationCode| !c.secret().is_empty())
        .ok_or(FlowError::Missing { operation: step.clone(), what: "authorizeResponse.code" })
}
