//! Identifiers: the environment ID and phantom-typed resource IDs.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The ID of a PingOne environment (a UUID in practice).
///
/// Accepted: 1–64 ASCII letters, digits and hyphens, so that it can never change the shape of a URL.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EnvironmentId(String);

/// An environment ID that is empty, too long, or holds characters other than letters, digits, `-`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid environment ID (expected 1-64 ASCII letters, digits or '-'), got {len} characters")]
pub struct InvalidEnvironmentId {
    len: usize,
}

impl EnvironmentId {
    /// Checks and wraps an environment ID.
    ///
    /// # Errors
    /// [`InvalidEnvironmentId`] when the value is empty, longer than 64 characters, or contains
    /// anything but ASCII letters, digits and `-`.
    pub fn new(value: impl Into<String>) -> Result<Self, InvalidEnvironmentId> {
        let value = value.into();
        let ok =
            !value.is_empty() && value.len() <= 64 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if ok { Ok(Self(value)) } else { Err(InvalidEnvironmentId { len: value.chars().count() }) }
    }

    /// The ID as a string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EnvironmentId {
    type Error = InvalidEnvironmentId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<EnvironmentId> for String {
    fn from(id: EnvironmentId) -> Self {
        id.0
    }
}

impl fmt::Debug for EnvironmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EnvironmentId({})", self.0)
    }
}

impl fmt::Display for EnvironmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for EnvironmentId {
    type Err = InvalidEnvironmentId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// The ID of a PingOne resource of kind `T` (`Id<Application>`, `Id<User>`, ...).
///
/// The kind exists only at compile time: an `Id<User>` cannot be passed where an
/// `Id<Application>` is expected. On the wire it is the plain string PingOne uses.
/// IDs are placed in URLs as single percent-encoded path segments, so an ID such as `../x`
/// can never address another path.
pub struct Id<T: ?Sized> {
    value: String,
    kind: PhantomData<fn() -> T>,
}

impl<T: ?Sized> Id<T> {
    /// Wraps an ID received from PingOne or from configuration.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self { value: value.into(), kind: PhantomData }
    }

    /// The ID as a string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// Unwraps the string.
    #[must_use]
    pub fn into_string(self) -> String {
        self.value
    }
}

impl<T: ?Sized> Clone for Id<T> {
    fn clone(&self) -> Self {
        Self::new(self.value.clone())
    }
}

impl<T: ?Sized> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: ?Sized> Eq for Id<T> {}

impl<T: ?Sized> Hash for Id<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl<T: ?Sized> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: ?Sized> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}

impl<T: ?Sized> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = std::any::type_name::<T>().rsplit("::").next().unwrap_or("?");
        write!(f, "Id<{kind}>({})", self.value)
    }
}

impl<T: ?Sized> fmt::Display for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl<T: ?Sized> Serialize for Id<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.value)
    }
}

impl<'de, T: ?Sized> Deserialize<'de> for Id<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

/// A PingOne reference object, `{ "id": "..." }`, as used for `environment`, `population`,
/// `signOnPolicy`, `resource`, ... in request and response bodies.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Ref<T: ?Sized> {
    /// The referenced ID.
    pub id: Id<T>,
}

impl<T: ?Sized> Ref<T> {
    /// A reference to `id`.
    #[must_use]
    pub fn to(id: Id<T>) -> Self {
        Self { id }
    }
}

impl<T: ?Sized> Clone for Ref<T> {
    fn clone(&self) -> Self {
        Self { id: self.id.clone() }
    }
}

impl<T: ?Sized> PartialEq for Ref<T> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<T: ?Sized> Eq for Ref<T> {}

impl<T: ?Sized> fmt::Debug for Ref<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.id.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Application;

    #[test]
    fn id_round_trips_as_plain_string() {
        let id: Id<Application> = Id::new("1f6a9b72");
        assert_eq!(serde_json::to_string(&id).ok().as_deref(), Some("\"1f6a9b72\""));
        let back: Id<Application> = serde_json::from_str("\"1f6a9b72\"").unwrap_or_else(|_| Id::new(""));
        assert_eq!(back, id);
        assert_eq!(format!("{id:?}"), "Id<Application>(1f6a9b72)");
        let r: Ref<Application> =
            serde_json::from_str(r#"{"id":"x","extra":1}"#).unwrap_or_else(|_| Ref::to(Id::new("")));
        assert_eq!(r.id.as_str(), "x");
    }

    #[test]
    fn environment_id_is_checked() {
        assert!(EnvironmentId::new("7d2c1a4e-5b3f-4c8e-9a61-2f0e8b3d4c11").is_ok());
        for bad in ["", "../x", "a/b", "a b", "é", &"a".repeat(65)] {
            assert!(EnvironmentId::new(bad).is_err(), "{bad:?}");
        }
        assert!(serde_json::from_str::<EnvironmentId>("\"../x\"").is_err());
    }
}
