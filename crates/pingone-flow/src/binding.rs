//! What a flow is bound to: the environment (with the auth origin that serves it) and the
//! application (client ID and redirect URI). A stage carries short tags of both, so that a
//! [`SignOnClient`](crate::SignOnClient) for another tenant or application refuses it, and a sealed
//! stage authenticates the full values.

use aws_lc_rs::digest::{Context, SHA256};

/// The full values a flow belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Binding {
    pub environment: String,
    pub auth_origin: String,
    pub client_id: String,
    pub redirect_uri: String,
}

/// Short tags of a [`Binding`], kept in every stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct BindingTags {
    /// Tag of the environment and auth origin.
    #[serde(rename = "e")]
    pub environment: u32,
    /// Tag of the client ID and redirect URI.
    #[serde(rename = "a")]
    pub application: u32,
}

/// Which part of a binding differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingMismatch {
    /// Another environment, or the same environment ID on another auth origin.
    Environment,
    /// Another application (client ID or redirect URI) in the same environment.
    Application,
}

impl std::fmt::Display for BindingMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BindingMismatch::Environment => "environment or auth origin",
            BindingMismatch::Application => "application (client ID or redirect URI)",
        })
    }
}

impl Binding {
    pub(crate) fn tags(&self) -> BindingTags {
        BindingTags {
            environment: tag(b"environment", &[&self.environment, &self.auth_origin]),
            application: tag(b"application", &[&self.client_id, &self.redirect_uri]),
        }
    }

    /// The bytes a seal authenticates: every value, length-prefixed.
    pub(crate) fn authenticated_data(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            [&self.environment, &self.auth_origin, &self.client_id, &self.redirect_uri]
                .iter()
                .fold(16_usize, |total, part| total.saturating_add(part.len())),
        );
        for part in [&self.environment, &self.auth_origin, &self.client_id, &self.redirect_uri] {
            out.extend_from_slice(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        out
    }
}

impl BindingTags {
    /// The first difference between the tags a stage carries (`self`) and the client's.
    pub(crate) fn mismatch(self, client: BindingTags) -> Option<BindingMismatch> {
        if self.environment != client.environment {
            Some(BindingMismatch::Environment)
        } else if self.application != client.application {
            Some(BindingMismatch::Application)
        } else {
            None
        }
    }
}

/// A domain-separated, truncated SHA-256 of length-prefixed parts.
fn tag(domain: &[u8], parts: &[&str]) -> u32 {
    let mut ctx = Context::new(&SHA256);
    ctx.update(b"pingone-flow/binding/v1/");
    ctx.update(domain);
    for part in parts {
        ctx.update(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
        ctx.update(part.as_bytes());
    }
    let digest = ctx.finish();
    let mut first = [0u8; 4];
    first.copy_from_slice(digest.as_ref().get(..4).unwrap_or(&[0; 4]));
    u32::from_be_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding() -> Binding {
        Binding {
            environment: "env".into(),
            auth_origin: "https://auth.pingone.eu".into(),
            client_id: "client".into(),
            redirect_uri: "https://app/cb".into(),
        }
    }

    #[test]
    fn tags_tell_environment_from_application() {
        let a = binding().tags();
        let other_app = Binding { client_id: "other".into(), ..binding() }.tags();
        let other_env = Binding { environment: "other".into(), ..binding() }.tags();
        let other_origin = Binding { auth_origin: "https://auth.pingone.com".into(), ..binding() }.tags();
        assert_eq!(a.mismatch(a), None);
        assert_eq!(a.mismatch(other_app), Some(BindingMismatch::Application));
        assert_eq!(a.mismatch(other_env), Some(BindingMismatch::Environment));
        assert_eq!(a.mismatch(other_origin), Some(BindingMismatch::Environment));
    }

    #[test]
    fn length_prefixes_keep_parts_apart() {
        let a = Binding { client_id: "ab".into(), redirect_uri: "c".into(), ..binding() };
        let b = Binding { client_id: "a".into(), redirect_uri: "bc".into(), ..binding() };
        assert_ne!(a.tags(), b.tags());
        assert_ne!(a.authenticated_data(), b.authenticated_data());
    }
}
