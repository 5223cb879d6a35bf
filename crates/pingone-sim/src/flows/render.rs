//! The flow as PingOne returns it: `_links` for the actions offered, `_embedded` (application,
//! user, devices with their masked addresses and nicknames, the selected device, the password
//! policy) and the `error` of a failed flow (with `response_mode=pi.flow`, resume adds the
//! `authorizeResponse`).

use serde_json::{Map, Value, json};

use super::{Flow, Status, default_password_policy};
use crate::env::Env;
use crate::reply::put;
use crate::store::{Kind, State, str_field};

impl Flow {
    /// The flow as PingOne returns it.
    pub(crate) fn render(&self, env: &Env, state: &State) -> Value {
        let own = format!("{}/{}/flows/{}", env.auth_base, env.id, self.id);
        let mut links = Map::new();
        links.insert("self".into(), json!({ "href": own }));
        for action in self.offered() {
            links.insert(action.into(), json!({ "href": own }));
        }
        let mut embedded = Map::new();
        if let Some(app) = state.get(Kind::Application, &self.app_id) {
            embedded.insert("application".into(), json!({ "id": self.app_id, "name": str_field(app, "name") }));
        }
        if let Some(user) = self.user_id.as_deref().and_then(|u| state.get(Kind::User, u)) {
            embedded
                .insert("user".into(), json!({ "id": str_field(user, "id"), "username": str_field(user, "username") }));
        }
        if matches!(self.status, Status::UsernamePasswordRequired | Status::MustChangePassword) {
            embedded.insert("passwordPolicy".into(), default_password_policy(env));
        }
        if matches!(self.status, Status::DeviceSelectionRequired | Status::OtpRequired) {
            let devices: Vec<Value> = self
                .candidates
                .iter()
                .map(|c| {
                    let mut d = json!({ "id": c.id, "type": c.kind });
                    put(&mut d, if c.kind == "EMAIL" { "email" } else { "phone" }, json!(mask(&c.address)));
                    if let Some(nickname) = &c.nickname {
                        put(&mut d, "nickname", json!(nickname));
                    }
                    d
                })
                .collect();
            embedded.insert("devices".into(), Value::Array(devices));
        }
        if self.status == Status::OtpRequired
            && let Some(selected) = &self.selected
        {
            embedded.insert("selectedDevice".into(), json!({ "id": selected }));
        }
        let mut body = json!({
            "_links": links,
            "_embedded": embedded,
            "id": self.id,
            "environment": { "id": env.id },
            "status": self.status.as_str(),
            "resumeUrl": format!("{}/{}/as/resume?flowId={}", env.auth_base, env.id, self.id),
            "createdAt": self.created_at,
            "expiresAt": crate::clock::rfc3339_unix(self.expires_at(env)),
        });
        if let Some(failure) = self.error {
            let mut error = json!({ "code": failure.code, "message": failure.message });
            if let Some(seconds) = failure.seconds_until_unlock {
                // Where PingOne's LOGIN errors carry it (the official sample reads
                // `details[0].innerError.secondsUntilUnlock`); the same place for the OTP lock
                // is a guess.
                put(
                    &mut error,
                    "details",
                    json!([{ "code": failure.code, "message": failure.message,
                        "innerError": { "secondsUntilUnlock": seconds } }]),
                );
            }
            put(&mut body, "error", error);
        }
        body
    }
}

/// `a***@example.test`, `+1******89`.
pub(crate) fn mask(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => {
            let chars: Vec<char> = address.chars().collect();
            let keep = chars.len().saturating_sub(2);
            chars.iter().enumerate().map(|(i, c)| if i == 0 || i >= keep { *c } else { '*' }).collect()
        }
    }
}
