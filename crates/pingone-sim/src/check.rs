//! Request-body validation that collects every problem as a PingOne `details[]` entry.

use serde_json::{Map, Value};

use crate::reply::{Detail, Failure};

/// Reads a dotted path (`email.otp.lifeTime.duration`) from a JSON object.
pub(crate) fn at<'a>(body: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut current = body.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

/// Collects validation problems.
pub(crate) struct Check<'a> {
    body: &'a Map<String, Value>,
    details: Vec<Detail>,
}

impl<'a> Check<'a> {
    pub(crate) fn new(body: &'a Map<String, Value>) -> Self {
        Self { body, details: Vec::new() }
    }

    pub(crate) fn fail(&mut self, detail: Detail) {
        self.details.push(detail);
    }

    fn get(&mut self, field: &str, required: bool) -> Option<&'a Value> {
        match at(self.body, field) {
            None | Some(Value::Null) if required => {
                self.details.push(Detail::new("REQUIRED_VALUE", field, format!("{field} is required")));
                None
            }
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    /// A string of 1..=max characters.
    pub(crate) fn string(&mut self, field: &str, required: bool, max: usize) -> Option<&'a str> {
        let value = self.get(field, required)?;
        match value.as_str() {
            None => {
                self.details.push(Detail::new("INVALID_VALUE", field, format!("{field} must be a string")));
                None
            }
            Some("") => {
                self.details.push(Detail::new("EMPTY_VALUE", field, format!("{field} must not be empty")));
                None
            }
            Some(s) if s.chars().count() > max => {
                self.details.push(
                    Detail::new("SIZE_LIMIT_EXCEEDED", field, format!("{field} must be at most {max} characters"))
                        .inner(serde_json::json!({ "maximumValue": max })),
                );
                None
            }
            Some(s) => Some(s),
        }
    }

    pub(crate) fn boolean(&mut self, field: &str, required: bool) -> Option<bool> {
        let value = self.get(field, required)?;
        let parsed = value.as_bool();
        if parsed.is_none() {
            self.details.push(Detail::new("INVALID_VALUE", field, format!("{field} must be a boolean")));
        }
        parsed
    }

    pub(crate) fn integer(&mut self, field: &str, required: bool, min: i64, max: i64) -> Option<i64> {
        let value = self.get(field, required)?;
        match value.as_i64() {
            None => {
                self.details.push(Detail::new("INVALID_VALUE", field, format!("{field} must be an integer")));
                None
            }
            Some(n) if n < min || n > max => {
                self.details.push(
                    Detail::new("OUT_OF_RANGE", field, format!("{field} must be between {min} and {max}"))
                        .inner(serde_json::json!({ "rangeMinimumValue": min, "rangeMaximumValue": max })),
                );
                None
            }
            Some(n) => Some(n),
        }
    }

    pub(crate) fn one_of(&mut self, field: &str, required: bool, allowed: &[&str]) -> Option<&'a str> {
        let value = self.get(field, required)?;
        match value.as_str() {
            Some(s) if allowed.contains(&s) => Some(s),
            _ => {
                self.details.push(
                    Detail::new("INVALID_VALUE", field, format!("{field} must be one of {}", allowed.join(", ")))
                        .inner(serde_json::json!({ "allowedValues": allowed })),
                );
                None
            }
        }
    }

    pub(crate) fn list_of(&mut self, field: &str, required: bool, allowed: &[&str]) -> Option<Vec<&'a str>> {
        let value = self.get(field, required)?;
        let items: Option<Vec<&str>> =
            value.as_array().and_then(|a| a.iter().map(|v| v.as_str().filter(|s| allowed.contains(s))).collect());
        if items.is_none() {
            self.details.push(
                Detail::new("INVALID_VALUE", field, format!("{field} must be a list of {}", allowed.join(", ")))
                    .inner(serde_json::json!({ "allowedValues": allowed })),
            );
        }
        items
    }

    pub(crate) fn strings(&mut self, field: &str, required: bool) -> Option<Vec<&'a str>> {
        let value = self.get(field, required)?;
        let items: Option<Vec<&str>> = value.as_array().and_then(|a| a.iter().map(Value::as_str).collect());
        if items.is_none() {
            self.details.push(Detail::new("INVALID_VALUE", field, format!("{field} must be a list of strings")));
        }
        items
    }

    pub(crate) fn object(&mut self, field: &str, required: bool) -> Option<&'a Map<String, Value>> {
        let value = self.get(field, required)?;
        let obj = value.as_object();
        if obj.is_none() {
            self.details.push(Detail::new("INVALID_VALUE", field, format!("{field} must be an object")));
        }
        obj
    }

    pub(crate) fn finish(self) -> Result<(), Failure> {
        if self.details.is_empty() { Ok(()) } else { Err(Failure::invalid_data(self.details)) }
    }
}

/// A plausible e-mail address: `local@domain.tld`, no spaces or control characters, at most 254
/// characters.
pub(crate) fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(|ch| ch.is_whitespace() || ch.is_control())
        && value.len() <= 254
}
