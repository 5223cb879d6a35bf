//! ID-token verification: the RS256 signature against the JWKS (see [`crate::jwks`]: cached
//! with a TTL, refetched for an unknown `kid` at most once per minimum interval), then the
//! claims (see [`crate::claims_policy`]): `iss`, `aud`/`azp`, `exp`/`nbf`/`iat`/`auth_time`
//! with leeway through the injected clock, `nonce`, and the application's `amr`/`acr`
//! requirements.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use pingone_core::StateToken;

use crate::claims_policy::{Expected, check_claims};
use crate::client::SignOnClient;
use crate::error::{FlowError, IdTokenError};
pub use crate::id_token_claims::IdTokenClaims;
use crate::jwks::{KeySet, Want};

/// The outcome of trying one token against a key set.
enum Attempt {
    /// A key verified the signature; the claims are decoded (not yet checked).
    Verified(Box<IdTokenClaims>),
    /// No key of the set has the token's `kid` (or, for a token without `kid`, the set has no
    /// key at all).
    NoCandidate,
    /// Candidate keys exist, but none verifies the signature.
    BadSignature,
}

/// Tries `token` against the keys of `keys` that match its `kid` (every key when the token has
/// no `kid`). Errors other than a signature mismatch end the verification.
fn try_keys(token: &str, kid: Option<&str>, keys: &KeySet) -> Result<Attempt, IdTokenError> {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_required_spec_claims(&["iss", "aud", "sub", "exp"]);
    // Every claim is checked by `check_claims`, with the injected clock.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    let mut candidates = keys.iter().filter(|k| kid.is_none() || k.kid.as_deref() == kid).peekable();
    if candidates.peek().is_none() {
        return Ok(Attempt::NoCandidate);
    }
    for candidate in candidates {
        match decode::<IdTokenClaims>(token, &candidate.key, &validation) {
            Ok(data) => return Ok(Attempt::Verified(Box::new(data.claims))),
            Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => {}
            Err(e) => {
                return Err(match e.kind() {
                    ErrorKind::MissingRequiredClaim(claim) => IdTokenError::MissingClaim(claim.clone()),
                    ErrorKind::InvalidAlgorithm => IdTokenError::UnexpectedAlgorithm("a non-RS256 algorithm".into()),
                    _ => IdTokenError::Malformed(e.to_string()),
                });
            }
        }
    }
    Ok(Attempt::BadSignature)
}

/// Verifies `token` for `client` and the `nonce` sent at authorize.
pub(crate) async fn verify_id_token(
    client: &SignOnClient,
    token: &str,
    nonce: &StateToken,
) -> Result<IdTokenClaims, FlowError> {
    let header = decode_header(token).map_err(|e| IdTokenError::Malformed(e.to_string()))?;
    if header.alg != Algorithm::RS256 {
        return Err(IdTokenError::UnexpectedAlgorithm(format!("{:?}", header.alg)).into());
    }
    let kid = header.kid.as_deref();
    let cache = &client.inner.keys;
    let cached = cache.keys(client, Want::Cached).await?;
    let mut attempt = try_keys(token, kid, &cached)?;
    // An unknown `kid` (or, without a `kid`, no key that verifies) may mean the keys rotated:
    // refetch, at most once per minimum interval.
    let rotated = match attempt {
        Attempt::NoCandidate => true,
        Attempt::BadSignature => kid.is_none(),
        Attempt::Verified(_) => false,
    };
    if rotated {
        let refetched = cache.keys(client, Want::Refetch).await?;
        // The same set when a refetch is not allowed yet: no need to try it again.
        if !std::sync::Arc::ptr_eq(&refetched, &cached) {
            attempt = try_keys(token, kid, &refetched)?;
        }
    }
    let claims = match attempt {
        Attempt::Verified(claims) => *claims,
        Attempt::NoCandidate => return Err(IdTokenError::UnknownKey(header.kid.clone()).into()),
        Attempt::BadSignature => return Err(IdTokenError::BadSignature.into()),
    };
    let expected = Expected {
        client_id: &client.app().client_id,
        issuer: &client.inner.urls.issuer,
        nonce,
        now: crate::context::unix_seconds(client.inner.clock.now()),
        leeway: client.inner.leeway.as_secs(),
    };
    check_claims(&claims, &client.inner.id_token_policy, &expected)?;
    tracing::debug!(step = pingone_core::Step::TokenExchange.number(), sub = %claims.sub, "ID token verified");
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::IdTokenClaims;

    fn claims(extra: serde_json::Value) -> IdTokenClaims {
        let mut base = serde_json::json!({ "iss": "i", "sub": "user-1", "aud": "c", "exp": 2, "iat": 1 });
        if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
            base.extend(extra.clone());
        }
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn display_name_falls_back_from_name_to_parts_to_username_to_subject() {
        let full = serde_json::json!({ "name": "Ada L.", "given_name": "Ada", "family_name": "Lovelace" });
        assert_eq!(claims(full).display_name(), "Ada L.");
        assert_eq!(
            claims(serde_json::json!({ "given_name": "Ada", "family_name": "Lovelace" })).display_name(),
            "Ada Lovelace"
        );
        assert_eq!(claims(serde_json::json!({ "name": " ", "preferred_username": "ada" })).display_name(), "ada");
        assert_eq!(claims(serde_json::json!({})).display_name(), "user-1");
        let other = claims(serde_json::json!({ "env": "e-1", "p1.region": "EU" }));
        assert_eq!(other.other.get("p1.region").and_then(|v| v.as_str()), Some("EU"));
    }
}
