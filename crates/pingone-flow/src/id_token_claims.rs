//! The claims of an ID token and their decoding.
//!
//! The decoding is written out (not derived): a derived `Deserialize` with a `flatten`ed map
//! and an `untagged` `aud` buffers every claim into an intermediate tree first; this one reads
//! each claim once, straight into its field. Known claims may appear once (a token naming
//! `sub` twice is refused, as `serde`'s derive refuses a duplicate field); others are kept in
//! [`IdTokenClaims::other`].

use std::fmt;

use pingone_core::StateToken;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// The claims of a verified ID token.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct IdTokenClaims {
    /// Issuer.
    pub iss: String,
    /// Subject: the user's ID.
    pub sub: String,
    /// Audience: the client ID, and possibly audiences the client trusts.
    pub aud: Vec<String>,
    /// Authorized party: when present, the client ID (required with several audiences).
    pub azp: Option<String>,
    /// Expiry (Unix seconds).
    pub exp: u64,
    /// Issue time (Unix seconds).
    pub iat: u64,
    /// Not before (Unix seconds).
    pub nbf: Option<u64>,
    /// When the user authenticated (Unix seconds).
    pub auth_time: Option<u64>,
    /// The nonce (checked against the authorization request; redacted in `Debug`).
    pub nonce: Option<StateToken>,
    /// Authentication methods (`otp`, `pwd`, ...).
    pub amr: Vec<String>,
    /// Authentication context class.
    pub acr: Option<String>,
    /// Session ID.
    pub sid: Option<String>,
    /// E-mail address (`email` scope).
    pub email: Option<String>,
    /// Username (`profile` scope).
    pub preferred_username: Option<String>,
    /// Given name (`profile` scope).
    pub given_name: Option<String>,
    /// Family name (`profile` scope).
    pub family_name: Option<String>,
    /// Full name (`profile` scope).
    pub name: Option<String>,
    /// Every other claim (PingOne's `env`, `org`, `p1.region`, ...), as sent.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl IdTokenClaims {
    /// A name to greet the user with: `name`, else given and family name, else the username,
    /// else the subject.
    #[must_use]
    pub fn display_name(&self) -> String {
        if let Some(name) = self.name.as_deref().filter(|n| !n.trim().is_empty()) {
            return name.to_owned();
        }
        let parts: Vec<&str> =
            [self.given_name.as_deref(), self.family_name.as_deref()].into_iter().flatten().collect();
        if !parts.is_empty() {
            return parts.join(" ");
        }
        self.preferred_username.clone().unwrap_or_else(|| self.sub.clone())
    }
}

impl<'de> Deserialize<'de> for IdTokenClaims {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ClaimsVisitor)
    }
}

struct ClaimsVisitor;

/// Stores `value` in `slot`, refusing a second occurrence of the claim.
fn once<T, E: de::Error>(slot: &mut Option<T>, name: &'static str, value: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = Some(value);
    Ok(())
}

impl<'de> Visitor<'de> for ClaimsVisitor {
    type Value = IdTokenClaims;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the claims of an ID token (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<IdTokenClaims, A::Error> {
        let (mut iss, mut sub, mut aud, mut exp, mut iat) = (None, None, None, None, None);
        let (mut azp, mut nbf, mut auth_time, mut nonce, mut amr, mut acr, mut sid) =
            (None, None, None, None, None, None, None);
        let (mut email, mut preferred_username, mut given_name, mut family_name, mut name) =
            (None, None, None, None, None);
        let mut other = serde_json::Map::new();
        while let Some(key) = map.next_key::<ClaimName<'de>>()? {
            match key.as_str() {
                "iss" => once(&mut iss, "iss", map.next_value::<String>()?)?,
                "sub" => once(&mut sub, "sub", map.next_value::<String>()?)?,
                "aud" => once(&mut aud, "aud", map.next_value::<Audience>()?.0)?,
                "exp" => once(&mut exp, "exp", map.next_value::<u64>()?)?,
                "iat" => once(&mut iat, "iat", map.next_value::<u64>()?)?,
                "azp" => once(&mut azp, "azp", map.next_value::<Option<String>>()?)?,
                "nbf" => once(&mut nbf, "nbf", map.next_value::<Option<u64>>()?)?,
                "auth_time" => once(&mut auth_time, "auth_time", map.next_value::<Option<u64>>()?)?,
                "nonce" => once(&mut nonce, "nonce", map.next_value::<Option<StateToken>>()?)?,
                "amr" => once(&mut amr, "amr", map.next_value::<Vec<String>>()?)?,
                "acr" => once(&mut acr, "acr", map.next_value::<Option<String>>()?)?,
                "sid" => once(&mut sid, "sid", map.next_value::<Option<String>>()?)?,
                "email" => once(&mut email, "email", map.next_value::<Option<String>>()?)?,
                "preferred_username" => {
                    once(&mut preferred_username, "preferred_username", map.next_value::<Option<String>>()?)?;
                }
                "given_name" => once(&mut given_name, "given_name", map.next_value::<Option<String>>()?)?,
                "family_name" => once(&mut family_name, "family_name", map.next_value::<Option<String>>()?)?,
                "name" => once(&mut name, "name", map.next_value::<Option<String>>()?)?,
                _ => {
                    let value = map.next_value::<serde_json::Value>()?;
                    other.insert(key.into_owned(), value);
                }
            }
        }
        Ok(IdTokenClaims {
            iss: iss.ok_or_else(|| de::Error::missing_field("iss"))?,
            sub: sub.ok_or_else(|| de::Error::missing_field("sub"))?,
            aud: aud.ok_or_else(|| de::Error::missing_field("aud"))?,
            azp: azp.flatten(),
            exp: exp.ok_or_else(|| de::Error::missing_field("exp"))?,
            iat: iat.ok_or_else(|| de::Error::missing_field("iat"))?,
            nbf: nbf.flatten(),
            auth_time: auth_time.flatten(),
            nonce: nonce.flatten(),
            amr: amr.unwrap_or_default(),
            acr: acr.flatten(),
            sid: sid.flatten(),
            email: email.flatten(),
            preferred_username: preferred_username.flatten(),
            given_name: given_name.flatten(),
            family_name: family_name.flatten(),
            name: name.flatten(),
            other,
        })
    }
}

/// A claim name, borrowed from the input when it has no escapes.
struct ClaimName<'de>(std::borrow::Cow<'de, str>);

impl ClaimName<'_> {
    fn as_str(&self) -> &str {
        &self.0
    }

    fn into_owned(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for ClaimName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = ClaimName<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a claim name")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(ClaimName(std::borrow::Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ClaimName(std::borrow::Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(ClaimName(std::borrow::Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// `aud`: one audience as a string, or several as an array of strings.
struct Audience(Vec<String>);

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AudienceVisitor;
        impl<'de> Visitor<'de> for AudienceVisitor {
            type Value = Audience;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an audience or an array of audiences")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Audience(vec![v.to_owned()]))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut all = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(16));
                while let Some(one) = seq.next_element::<String>()? {
                    all.push(one);
                }
                Ok(Audience(all))
            }
        }
        deserializer.deserialize_any(AudienceVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::IdTokenClaims;
    use serde_json::json;

    fn decode(value: serde_json::Value) -> Result<IdTokenClaims, String> {
        serde_json::from_str(&value.to_string()).map_err(|e| e.to_string())
    }

    #[test]
    fn every_claim_lands_in_its_field_and_the_rest_in_other() {
        let claims = decode(json!({
            "iss": "https://auth.pingone.com/e/as", "sub": "u-1", "aud": "app", "exp": 20, "iat": 10,
            "azp": "app", "nbf": 9, "auth_time": 8, "nonce": "n0nce", "amr": ["pwd", "otp"], "acr": "MFA",
            "sid": "s-1", "email": "ada@example.test", "preferred_username": "ada", "given_name": "Ada",
            "family_name": "Lovelace", "name": "Ada L.", "env": "e", "p1.region": "EU", "org": null
        }))
        .unwrap();
        assert_eq!((claims.iss.as_str(), claims.sub.as_str()), ("https://auth.pingone.com/e/as", "u-1"));
        assert_eq!(claims.aud, ["app"]);
        assert_eq!((claims.exp, claims.iat, claims.nbf, claims.auth_time), (20, 10, Some(9), Some(8)));
        assert_eq!(claims.nonce.as_ref().map(|n| n.secret()), Some("n0nce"));
        assert_eq!(claims.amr, ["pwd", "otp"]);
        assert_eq!(
            [&claims.azp, &claims.acr, &claims.sid, &claims.email, &claims.preferred_username].map(|c| c.as_deref()),
            [Some("app"), Some("MFA"), Some("s-1"), Some("ada@example.test"), Some("ada")]
        );
        assert_eq!(claims.display_name(), "Ada L.");
        assert_eq!(claims.other.len(), 3);
        assert_eq!(claims.other.get("p1.region"), Some(&json!("EU")));
        assert_eq!(claims.other.get("org"), Some(&json!(null)));
    }

    #[test]
    fn audiences_come_as_one_string_or_an_array() {
        let base = json!({ "iss": "i", "sub": "s", "exp": 2, "iat": 1 });
        let with = |aud: serde_json::Value| {
            let mut v = base.clone();
            v["aud"] = aud;
            decode(v)
        };
        assert_eq!(with(json!("a")).unwrap().aud, ["a"]);
        assert_eq!(with(json!(["a", "b"])).unwrap().aud, ["a", "b"]);
        assert!(with(json!(7)).is_err());
        assert!(with(json!(["a", 7])).is_err());
    }

    #[test]
    fn nulls_mean_absent_and_missing_or_repeated_claims_are_refused() {
        let claims =
            decode(json!({ "iss": "i", "sub": "s", "aud": "a", "exp": 2, "iat": 1, "nonce": null, "azp": null }))
                .unwrap();
        assert!(claims.nonce.is_none() && claims.azp.is_none() && claims.amr.is_empty());
        for missing in ["iss", "sub", "aud", "exp", "iat"] {
            let mut v = json!({ "iss": "i", "sub": "s", "aud": "a", "exp": 2, "iat": 1 });
            v.as_object_mut().unwrap().remove(missing);
            let err = decode(v).unwrap_err();
            assert!(err.contains(missing), "{err}");
        }
        let twice = r#"{"iss":"i","sub":"s","sub":"t","aud":"a","exp":2,"iat":1}"#;
        assert!(serde_json::from_str::<IdTokenClaims>(twice).unwrap_err().to_string().contains("duplicate"));
        assert!(decode(json!({ "iss": "i", "sub": "s", "aud": "a", "exp": -1, "iat": 1 })).is_err());
        assert!(decode(json!(["not", "an", "object"])).is_err());
    }

    #[test]
    fn claims_survive_a_round_trip() {
        let original =
            decode(json!({ "iss": "i", "sub": "s", "aud": ["a", "b"], "exp": 2, "iat": 1, "env": "e" })).unwrap();
        let again: IdTokenClaims = serde_json::from_value(serde_json::to_value(&original).unwrap()).unwrap();
        assert_eq!((again.aud, again.other), (original.aud, original.other));
    }
}
