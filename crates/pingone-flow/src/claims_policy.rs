//! The claim rules an ID token must meet once its signature verified (OIDC Core 3.1.3.7), and
//! the application's own requirements: trusted audiences, a maximum authentication age
//! (`max_age`), a maximum token age, the authentication methods (`amr`) and context classes
//! (`acr`) required.

use std::time::Duration;

use pingone_core::StateToken;

use crate::error::IdTokenError;
use crate::id_token::IdTokenClaims;

/// What the application requires of ID tokens beyond the OIDC rules. Empty by default.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdTokenPolicy {
    /// Audiences besides the client ID that may appear in `aud`.
    pub trusted_audiences: Vec<String>,
    /// `max_age`: sent on authorize; `auth_time` is then required and must be this recent.
    pub max_age: Option<Duration>,
    /// `iat` must be this recent.
    pub max_token_age: Option<Duration>,
    /// Authentication methods that `amr` must contain (`otp` for e-mail MFA).
    pub required_amr: Vec<String>,
    /// `acr_values` sent on authorize; `acr` must then be one of them.
    pub acr_values: Vec<String>,
}

/// What this token is checked against.
pub(crate) struct Expected<'a> {
    /// The client ID.
    pub client_id: &'a str,
    /// The environment's issuer.
    pub issuer: &'a str,
    /// The nonce sent at authorize.
    pub nonce: &'a StateToken,
    /// Now, in Unix seconds, from the injected clock.
    pub now: u64,
    /// The leeway of every time check, in seconds.
    pub leeway: u64,
}

/// Checks the claims of a token whose signature verified.
pub(crate) fn check_claims(
    claims: &IdTokenClaims,
    policy: &IdTokenPolicy,
    expected: &Expected<'_>,
) -> Result<(), IdTokenError> {
    if claims.iss != expected.issuer {
        return Err(IdTokenError::WrongIssuer { expected: expected.issuer.to_owned() });
    }
    check_audience(claims, policy, expected.client_id)?;
    check_times(claims, policy, expected)?;
    let nonce_ok = claims.nonce.as_ref().is_some_and(|n| n == expected.nonce);
    if !nonce_ok {
        return Err(IdTokenError::NonceMismatch);
    }
    check_authentication(claims, policy)
}

/// `aud` contains the client ID and nothing untrusted; `azp`, when present or when there are
/// several audiences, is the client ID.
fn check_audience(claims: &IdTokenClaims, policy: &IdTokenPolicy, client_id: &str) -> Result<(), IdTokenError> {
    if !claims.aud.iter().any(|a| a == client_id) {
        return Err(IdTokenError::WrongAudience);
    }
    if let Some(untrusted) = claims.aud.iter().find(|a| *a != client_id && !policy.trusted_audiences.contains(a)) {
        return Err(IdTokenError::UntrustedAudience(untrusted.clone()));
    }
    let azp_needed = claims.aud.len() > 1;
    let azp_ok = match claims.azp.as_deref() {
        Some(azp) => azp == client_id,
        None => !azp_needed,
    };
    if !azp_ok {
        return Err(IdTokenError::AuthorizedPartyMismatch { azp: claims.azp.clone() });
    }
    Ok(())
}

/// `exp`, `nbf`, `iat` and `auth_time` against the injected clock, each with the leeway.
fn check_times(claims: &IdTokenClaims, policy: &IdTokenPolicy, expected: &Expected<'_>) -> Result<(), IdTokenError> {
    let Expected { now, leeway, .. } = *expected;
    let latest = now.saturating_add(leeway);
    let earliest = |age: Duration| now.saturating_sub(age.as_secs()).saturating_sub(leeway);
    if claims.exp.saturating_add(leeway) < now {
        return Err(IdTokenError::Expired);
    }
    if claims.nbf.is_some_and(|nbf| nbf > latest) {
        return Err(IdTokenError::NotYetValid);
    }
    if claims.iat > latest {
        return Err(IdTokenError::IssuedInFuture);
    }
    if policy.max_token_age.is_some_and(|age| claims.iat < earliest(age)) {
        return Err(IdTokenError::IssuedTooLongAgo);
    }
    if let Some(max_age) = policy.max_age {
        // OIDC Core 3.1.2.1: with `max_age` sent, `auth_time` is required.
        let auth_time = claims.auth_time.ok_or_else(|| IdTokenError::MissingClaim("auth_time".into()))?;
        if auth_time > latest {
            return Err(IdTokenError::AuthenticatedInFuture);
        }
        if auth_time < earliest(max_age) {
            return Err(IdTokenError::AuthenticationTooOld);
        }
    }
    Ok(())
}

/// Every required `amr` value is present, and `acr` is one of those asked for.
fn check_authentication(claims: &IdTokenClaims, policy: &IdTokenPolicy) -> Result<(), IdTokenError> {
    if let Some(missing) = policy.required_amr.iter().find(|m| !claims.amr.contains(m)) {
        return Err(IdTokenError::MissingAuthenticationMethod { required: missing.clone(), amr: claims.amr.clone() });
    }
    let acr_ok = policy.acr_values.is_empty() || claims.acr.as_ref().is_some_and(|acr| policy.acr_values.contains(acr));
    if !acr_ok {
        return Err(IdTokenError::AcrMismatch { requested: policy.acr_values.clone(), acr: claims.acr.clone() });
    }
    Ok(())
}
