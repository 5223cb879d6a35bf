//! The flow resource as PingOne returns it, decoded defensively.

use serde::Deserialize;

/// A device the flow offers, with its address masked by PingOne.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct DeviceOption {
    /// The device ID (pass it to `select`).
    pub id: String,
    /// `EMAIL`, `SMS`, ...
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The masked e-mail address, for `EMAIL`.
    #[serde(default)]
    pub email: Option<String>,
    /// The masked phone number, for `SMS` and `VOICE`.
    #[serde(default)]
    pub phone: Option<String>,
    /// The name the user gave the device, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
}

impl DeviceOption {
    /// The masked address (e-mail or phone), if any.
    #[must_use]
    pub fn masked_address(&self) -> Option<&str> {
        self.email.as_deref().or(self.phone.as_deref())
    }

    /// What to show the user: the nickname, else the masked address, else the device type.
    #[must_use]
    pub fn label(&self) -> &str {
        self.nickname
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .or(self.masked_address())
            .or(self.kind.as_deref())
            .unwrap_or("device")
    }
}

/// A device to offer in a choice, with a label no other device in the same list has.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceChoice {
    /// The device ID (pass it to `select`).
    pub id: String,
    /// [`DeviceOption::label`], with the masked address added when two devices share a nickname
    /// and a number (` (2)`, ...) when they still look alike — two identical masked addresses
    /// are never shown.
    pub label: String,
}

/// Labels for a list of devices, each distinct.
pub(crate) fn distinct_labels(devices: &[DeviceOption]) -> Vec<DeviceChoice> {
    let count = |label: &str, of: &[String]| of.iter().filter(|l| l.as_str() == label).count();
    let first: Vec<String> = devices.iter().map(|d| d.label().to_owned()).collect();
    let second: Vec<String> = devices
        .iter()
        .zip(&first)
        .map(|(d, label)| match (count(label, &first) > 1, d.nickname.is_some(), d.masked_address()) {
            (true, true, Some(address)) => format!("{label} ({address})"),
            _ => label.clone(),
        })
        .collect();
    // Numbered where still alike, never reusing a label that another device shows.
    let mut used: std::collections::HashSet<String> = std::collections::HashSet::new();
    devices
        .iter()
        .zip(&second)
        .map(|(d, label)| {
            let mut chosen = label.clone();
            if count(label, &second) > 1 || used.contains(&chosen) {
                let mut n: usize = 1;
                loop {
                    chosen = format!("{label} ({n})");
                    if !used.contains(&chosen) && !second.contains(&chosen) {
                        break;
                    }
                    n = n.saturating_add(1);
                }
            }
            used.insert(chosen.clone());
            DeviceChoice { id: d.id.clone(), label: chosen }
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Embedded {
    #[serde(default)]
    pub devices: Vec<DeviceOption>,
    #[serde(default)]
    pub selected_device: Option<IdOnly>,
    /// `USERNAME_PASSWORD_REQUIRED`: the password policy (read by `PasswordRequired`).
    #[serde(default)]
    pub password_policy: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct IdOnly {
    pub id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FlowErrorBody {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub inner_error: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub details: Vec<FlowErrorDetail>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FlowErrorDetail {
    #[serde(default)]
    pub inner_error: Option<serde_json::Map<String, serde_json::Value>>,
}

impl FlowErrorBody {
    /// `secondsUntilUnlock`, from the error's `innerError` or a detail's.
    pub(crate) fn seconds_until_unlock(&self) -> Option<u64> {
        std::iter::once(&self.inner_error)
            .chain(self.details.iter().map(|d| &d.inner_error))
            .flatten()
            .find_map(|inner| inner.get("secondsUntilUnlock").and_then(serde_json::Value::as_u64))
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct AuthorizeResponse {
    /// A secret: its `Debug` is redacted.
    #[serde(default)]
    pub code: Option<pingone_core::AuthorizationCode>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub error_description: Option<String>,
}

/// `GET/POST {auth}/{envID}/flows/{flowID}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FlowResponse {
    pub id: String,
    pub status: String,
    #[serde(rename = "_links", default)]
    pub links: LinkNames,
    #[serde(rename = "_embedded", default)]
    pub embedded: Embedded,
    #[serde(default)]
    pub error: Option<FlowErrorBody>,
    #[serde(default)]
    pub authorize_response: Option<AuthorizeResponse>,
}

impl FlowResponse {
    pub(crate) fn offers(&self, action: &str) -> bool {
        self.links.0.iter().any(|name| name == action)
    }
}

/// The names of a flow's `_links` (the actions it offers). Only the names are read: each link's
/// value (`{"href": ...}`) is checked to be well-formed JSON and skipped, never built.
#[derive(Debug, Default)]
pub(crate) struct LinkNames(Vec<String>);

impl<'de> Deserialize<'de> for LinkNames {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Names;
        impl<'de> serde::de::Visitor<'de> for Names {
            type Value = LinkNames;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of links")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<LinkNames, A::Error> {
                let mut names = Vec::new();
                while let Some((name, serde::de::IgnoredAny)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                    names.push(name);
                }
                Ok(LinkNames(names))
            }
        }
        deserializer.deserialize_map(Names)
    }
}

/// Decodes a flow body; never panics, whatever the bytes.
///
/// # Errors
/// The decoder's message.
#[cfg(any(test, feature = "test-hooks"))]
pub(crate) fn decode_flow(body: &[u8]) -> Result<(String, String), String> {
    serde_json::from_slice::<FlowResponse>(body).map(|f| (f.id, f.status)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str, email: &str, nickname: Option<&str>) -> DeviceOption {
        DeviceOption {
            id: id.into(),
            kind: Some("EMAIL".into()),
            email: Some(email.into()),
            phone: None,
            nickname: nickname.map(Into::into),
        }
    }

    #[test]
    fn labels_are_nicknames_then_addresses_and_always_distinct() {
        let labels = |devices: &[DeviceOption]| -> Vec<String> {
            distinct_labels(devices).into_iter().map(|c| c.label).collect()
        };
        assert_eq!(
            labels(&[device("1", "a***@x.test", Some("Work")), device("2", "a***@x.test", None)]),
            ["Work", "a***@x.test"]
        );
        assert_eq!(
            labels(&[device("1", "a***@x.test", None), device("2", "a***@x.test", None)]),
            ["a***@x.test (1)", "a***@x.test (2)"]
        );
        assert_eq!(
            labels(&[device("1", "a***@x.test", Some("Mail")), device("2", "b***@y.test", Some("Mail"))]),
            ["Mail (a***@x.test)", "Mail (b***@y.test)"]
        );
        assert_eq!(labels(&[device("1", "a***@x.test", Some(" "))]), ["a***@x.test"]);
        // A nickname that looks like a numbered label does not get a twin.
        let tricky = labels(&[
            device("1", "a***@x.test", Some("x")),
            device("2", "b***@x.test", Some("x (1)")),
            device("3", "c***@x.test", Some("x")),
        ]);
        assert_eq!(tricky, ["x (a***@x.test)", "x (1)", "x (c***@x.test)"]);
        let nameless = labels(&[
            device("1", "a***@x.test", Some("x")),
            device("2", "a***@x.test", Some("x")),
            device("3", "a***@x.test", Some("x (a***@x.test) (1)")),
        ]);
        let unique: std::collections::HashSet<_> = nameless.iter().collect();
        assert_eq!(unique.len(), 3, "{nameless:?}");
    }

    #[test]
    fn link_names_are_read_without_their_values() {
        let flow: FlowResponse = serde_json::from_str(
            r#"{"id":"f","status":"OTP_REQUIRED","_links":{"self":{"href":"x"},"otp.check":{"href":"y"}}}"#,
        )
        .unwrap();
        assert!(flow.offers("otp.check") && flow.offers("self"));
        assert!(!flow.offers("device.select"));
        let none: FlowResponse = serde_json::from_str(r#"{"id":"f","status":"COMPLETED"}"#).unwrap();
        assert!(!none.offers("self"));
        assert!(serde_json::from_str::<FlowResponse>(r#"{"id":"f","status":"X","_links":[1]}"#).is_err());
    }

    #[test]
    fn unlock_time_is_read_from_the_error_or_a_detail() {
        let body: FlowErrorBody =
            serde_json::from_str(r#"{"code":"X","details":[{"innerError":{"secondsUntilUnlock":90}}]}"#).unwrap();
        assert_eq!(body.seconds_until_unlock(), Some(90));
        let body: FlowErrorBody = serde_json::from_str(r#"{"innerError":{"secondsUntilUnlock":5}}"#).unwrap();
        assert_eq!(body.seconds_until_unlock(), Some(5));
        let body: FlowErrorBody = serde_json::from_str(r#"{"code":"X"}"#).unwrap();
        assert_eq!(body.seconds_until_unlock(), None);
    }
}
