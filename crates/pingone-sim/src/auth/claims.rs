//! The claims the simulator issues, in one place: the ID token's, the user's claims by scope
//! (shared by the ID token and userinfo), and the list discovery advertises.

use serde_json::{Map, Value, json};

use crate::env::Env;
use crate::store::str_field;

/// The region claim (`p1.region`) of every token: the simulator plays PingOne's North America
/// region.
pub(crate) const REGION: &str = "NA";

/// Every claim an ID token or userinfo can carry (discovery's `claims_supported`). A test
/// decodes issued tokens and userinfo answers against this list, both ways.
pub(crate) const CLAIMS_SUPPORTED: &[&str] = &[
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "amr",
    "acr",
    "sid",
    "env",
    "org",
    "p1.region",
    "email",
    "email_verified",
    "preferred_username",
    "given_name",
    "family_name",
    "name",
];

/// The user's claims that `scopes` allow: `email` gives `email`, `email_verified`; `profile`
/// gives `preferred_username` and, when the user has them, `given_name`, `family_name`, `name`.
pub(crate) fn user_claims(user: &Map<String, Value>, scopes: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    if scopes.contains(&"email") {
        out.insert("email".into(), json!(str_field(user, "email")));
        out.insert("email_verified".into(), json!(user.get("emailVerified").and_then(Value::as_bool).unwrap_or(false)));
    }
    if scopes.contains(&"profile") {
        out.insert("preferred_username".into(), json!(str_field(user, "username")));
        let name = user.get("name");
        let given = name.and_then(|n| n.get("given")).and_then(Value::as_str);
        let family = name.and_then(|n| n.get("family")).and_then(Value::as_str);
        if let Some(given) = given {
            out.insert("given_name".into(), json!(given));
        }
        if let Some(family) = family {
            out.insert("family_name".into(), json!(family));
        }
        let full: Vec<&str> = given.into_iter().chain(family).collect();
        if !full.is_empty() {
            out.insert("name".into(), json!(full.join(" ")));
        }
    }
    out
}

/// PingOne's own claims on every token: `env`, `org`, `p1.region`.
pub(crate) fn platform_claims(env: &Env, claims: &mut Value) {
    crate::reply::put(claims, "env", json!(env.id));
    crate::reply::put(claims, "org", json!(env.org_id));
    crate::reply::put(claims, "p1.region", json!(REGION));
}
