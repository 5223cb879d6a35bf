//! ID-token verification: the RS256 signature against the JWKS (see [`crate::jwks`]: cached
//! with a TTL, refetched for an unknown `kid` at most once per minimum interval), then the
//! claims (see [`crate::claims_policy`]): `iss`, `aud`/`azp`, `exp`/`nbf`/`iat`/`auth_time`
//! with leeway through the injected clock, `nonce`, and the application's `amr`/`acr`
//! requirements.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation, decode};
use pingone_core::StateToken;
use serde::Deserialize;

use crate::claims_policy::{Expected, check_claims};
use crate::client::SignOnClient;
use crate::error::{FlowError, IdTokenError};
pub use crate::id_token_claims::IdTokenClaims;
use crate::jwks::{KeySet, Want};

/// The two members of a token's JOSE header that choose the key: read once, here, before
/// `jsonwebtoken::decode` (which reads the whole header again and checks it against the
/// validation's algorithms, so nothing is trusted from this read but the key choice).
#[derive(Deserialize)]
struct JoseHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

impl JoseHeader {
    fn read(token: &str) -> Result<Self, IdTokenError> {
        let malformed = |what: &str| IdTokenError::Malformed(format!("the token's header {what}"));
        let (encoded, _) = token.split_once('.').ok_or_else(|| malformed("is missing"))?;
        let json = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| malformed("is not base64url"))?;
        // serde's message would quote a string from the token (a header that is one JSON string,
        // say): only the kind of failure is told.
        serde_json::from_slice(&json).map_err(|e| {
            malformed(match e.classify() {
                serde_json::error::Category::Data => {
                    "is not a JOSE header (a member missing, repeated or of the wrong type)"
                }
                _ => "is not JSON",
            })
        })
    }

    /// `alg` must be `RS256`. Another is named as sent when it looks like an algorithm name; the
    /// token's own text otherwise never reaches an error message.
    fn require_rs256(&self) -> Result<(), IdTokenError> {
        if self.alg == "RS256" {
            return Ok(());
        }
        let named = self.alg.len() <= 16 && self.alg.bytes().all(|b| b.is_ascii_alphanumeric());
        let alg = if named { self.alg.clone() } else { "an unrecognised algorithm".to_owned() };
        Err(IdTokenError::UnexpectedAlgorithm(alg))
    }
}

/// The `kid` an error names: as sent when it is a short, plain identifier; otherwise a
/// placeholder (the header is not verified yet, so its text is the sender's to choose).
fn shown_kid(kid: Option<String>) -> Option<String> {
    kid.map(|kid| {
        let plain = kid.len() <= 64 && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
        if plain { kid } else { format!("(an unusual kid of {} bytes)", kid.len()) }
    })
}

/// At most 160 characters of a decoder's message: `jsonwebtoken` reads the whole header again
/// before the signature is checked, and its errors may quote the token's text.
fn bounded(message: &str) -> String {
    const MAX: usize = 160;
    match message.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}… ({} bytes in all)", message.get(..cut).unwrap_or_default(), message.len()),
        None => message.to_owned(),
    }
}

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
                    _ => IdTokenError::Malformed(bounded(&e.to_string())),
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
    let header = JoseHeader::read(token)?;
    header.require_rs256()?;
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
        Attempt::NoCandidate => return Err(IdTokenError::UnknownKey(shown_kid(header.kid)).into()),
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
    use super::{IdTokenClaims, IdTokenError, JoseHeader, URL_SAFE_NO_PAD, shown_kid};
    use base64::Engine as _;

    fn token_with_header(header: &str) -> String {
        format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode(header))
    }

    #[test]
    fn the_header_gives_the_key_choice_and_only_rs256_passes() {
        let header = JoseHeader::read(&token_with_header(r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#)).unwrap();
        assert_eq!((header.alg.as_str(), header.kid.as_deref()), ("RS256", Some("k1")));
        assert!(header.require_rs256().is_ok());
        let no_kid = JoseHeader::read(&token_with_header(r#"{"alg":"RS256"}"#)).unwrap();
        assert_eq!(no_kid.kid, None);
        let refused = |header: &str| JoseHeader::read(&token_with_header(header)).unwrap().require_rs256().unwrap_err();
        assert!(matches!(refused(r#"{"alg":"none"}"#), IdTokenError::UnexpectedAlgorithm(a) if a == "none"));
        assert!(
            matches!(refused(r#"{"alg":"HS256","kid":"k1"}"#), IdTokenError::UnexpectedAlgorithm(a) if a == "HS256")
        );
        let odd = refused(r#"{"alg":"RS256\u0000<script>"}"#);
        assert!(matches!(&odd, IdTokenError::UnexpectedAlgorithm(a) if a == "an unrecognised algorithm"), "{odd}");
    }

    /// Nothing of an unverified token reaches an error message unbounded: neither a header
    /// that is a JSON string (which serde's message would quote whole) nor a long `kid`.
    #[test]
    fn no_error_quotes_the_unverified_token_unbounded() {
        let long = "<script>".repeat(200);
        let err = JoseHeader::read(&token_with_header(&format!("\"{long}\""))).err().unwrap();
        let text = err.to_string();
        assert!(!text.contains("<script>") && text.len() < 200, "{text}");
        let header = JoseHeader::read(&token_with_header(&format!(r#"{{"alg":"RS256","kid":"{long}"}}"#))).unwrap();
        let text = IdTokenError::UnknownKey(shown_kid(header.kid)).to_string();
        assert!(!text.contains("<script>") && text.len() < 200, "{text}");
        assert_eq!(shown_kid(Some("8d1f-kid_2.v".into())), Some("8d1f-kid_2.v".into()), "a plain kid is named");
        assert_eq!(shown_kid(None), None);
    }

    #[test]
    fn decoder_messages_are_bounded() {
        assert_eq!(super::bounded("short"), "short");
        let long = "é".repeat(500);
        let shown = super::bounded(&long);
        assert!(shown.chars().count() < 200 && shown.ends_with("(1000 bytes in all)"), "{shown}");
    }

    #[test]
    fn malformed_headers_are_malformed_tokens() {
        for token in [
            "no-dot-at-all".to_owned(),
            "*not base64*.e30.c2ln".to_owned(),
            token_with_header("not json"),
            token_with_header(r#"{"kid":"k1"}"#),
            token_with_header(r#"{"alg":5}"#),
            token_with_header(r#"{"alg":"RS256","alg":"none"}"#),
        ] {
            assert!(matches!(JoseHeader::read(&token), Err(IdTokenError::Malformed(_))), "{token}");
        }
    }

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
