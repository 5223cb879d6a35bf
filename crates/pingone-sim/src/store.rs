//! The in-memory state of one simulated environment.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};

use crate::flows::Flow;
use crate::sessions::Sessions;
pub(crate) use crate::table::Table;

/// The kinds of management objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Application,
    Grant,
    Assignment,
    Resource,
    Scope,
    SignOnPolicy,
    Action,
    Population,
    User,
    DevicePolicy,
    Device,
}

impl Kind {
    /// The `_embedded` collection name.
    pub(crate) fn collection(self) -> &'static str {
        match self {
            Kind::Application => "applications",
            Kind::Grant => "grants",
            Kind::Assignment => "signOnPolicyAssignments",
            Kind::Resource => "resources",
            Kind::Scope => "scopes",
            Kind::SignOnPolicy => "signOnPolicies",
            Kind::Action => "actions",
            Kind::Population => "populations",
            Kind::User => "users",
            Kind::DevicePolicy => "deviceAuthenticationPolicies",
            Kind::Device => "devices",
        }
    }

    /// The field that holds the parent reference, for nested kinds.
    pub(crate) fn parent(self) -> Option<(&'static str, Kind)> {
        match self {
            Kind::Grant | Kind::Assignment => Some(("application", Kind::Application)),
            Kind::Scope => Some(("resource", Kind::Resource)),
            Kind::Action => Some(("signOnPolicy", Kind::SignOnPolicy)),
            Kind::Device => Some(("user", Kind::User)),
            _ => None,
        }
    }

    /// The reference a table of this kind indexes: the parent's for nested kinds, a user's
    /// population.
    pub(crate) fn indexed_ref(self) -> Option<&'static str> {
        match self {
            Kind::User => Some("population"),
            _ => self.parent().map(|(field, _)| field),
        }
    }

    /// The name a table of this kind indexes (ASCII case aside): the names PingOne keeps unique
    /// in an environment.
    pub(crate) fn indexed_name(self) -> Option<&'static str> {
        match self {
            Kind::User => Some("username"),
            Kind::Population | Kind::SignOnPolicy | Kind::DevicePolicy | Kind::Application => Some("name"),
            _ => None,
        }
    }
}

/// An authorization code waiting to be exchanged.
#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: Option<String>,
    pub code_challenge: Option<(String, String)>,
    pub user_id: String,
    pub nonce: Option<String>,
    pub scope: String,
    pub auth_time: u64,
    pub amr: Vec<&'static str>,
    /// The sign-on policy's name (the ID token's `acr`).
    pub acr: Option<String>,
    /// The session's ID (the ID token's `sid`).
    pub sid: Option<String>,
    pub expires_at: u64,
}

/// Idle timeouts, in seconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expiry {
    pub flow_idle_secs: u64,
    pub session_idle_secs: u64,
}

/// A user's failed passwords, for the password policy's lockout.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PasswordFailures {
    pub count: u32,
    /// Simulated Unix time until which the password is locked (0: not locked).
    pub locked_until: u64,
}

/// A device waiting for activation, with the passcode e-mailed for it.
#[derive(Debug, Clone)]
pub(crate) struct PendingActivation {
    pub code: String,
    pub expires_at: u64,
}

/// Everything the environment holds.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub tables: HashMap<Kind, Table>,
    pub app_secrets: HashMap<String, String>,
    pub passwords: HashMap<String, String>,
    pub worker_tokens: HashMap<String, u64>,
    pub flows: HashMap<String, Flow>,
    pub codes: HashMap<String, CodeGrant>,
    /// Device ID → simulated Unix time until which OTPs to it are blocked.
    pub device_locks: HashMap<String, u64>,
    /// Single sign-on sessions (the `ST` cookie).
    pub sessions: Sessions,
    /// User ID → failed passwords (LOGIN action lockout).
    pub password_failures: HashMap<String, PasswordFailures>,
    /// Users whose password was set with `forceChange: true`.
    pub must_change_password: HashSet<String>,
    /// Device ID → the activation passcode of a device created `ACTIVATION_REQUIRED`.
    pub activations: HashMap<String, PendingActivation>,
}

impl State {
    /// Drops what has expired by `now` (simulated Unix seconds): idle flows and sessions,
    /// codes, worker tokens, device and password lock-outs, activation passcodes. Returns how
    /// many entries went.
    pub(crate) fn evict_expired(&mut self, now: u64, expiry: &Expiry) -> usize {
        let before = self.entries();
        self.flows.retain(|_, flow| now <= flow.last_activity.saturating_add(expiry.flow_idle_secs));
        self.codes.retain(|_, code| now <= code.expires_at);
        self.worker_tokens.retain(|_, &mut exp| exp > now);
        self.device_locks.retain(|_, &mut until| until > now);
        self.password_failures.retain(|_, f| f.locked_until == 0 || f.locked_until > now);
        self.activations.retain(|_, a| a.expires_at > now);
        self.sessions.evict_idle(now, expiry.session_idle_secs);
        before.saturating_sub(self.entries())
    }

    fn entries(&self) -> usize {
        self.flows.len()
            + self.codes.len()
            + self.worker_tokens.len()
            + self.device_locks.len()
            + self.password_failures.len()
            + self.activations.len()
            + self.sessions.len()
    }

    pub(crate) fn table(&self, kind: Kind) -> Option<&Table> {
        self.tables.get(&kind)
    }

    pub(crate) fn table_mut(&mut self, kind: Kind) -> &mut Table {
        self.tables.entry(kind).or_insert_with(|| Table::new(kind))
    }

    pub(crate) fn get(&self, kind: Kind, id: &str) -> Option<&Map<String, Value>> {
        self.table(kind)?.get(id)
    }

    pub(crate) fn rows(&self, kind: Kind) -> impl Iterator<Item = &Map<String, Value>> {
        self.table(kind).into_iter().flat_map(Table::iter)
    }

    /// Children of `parent_id` (grants of an application, actions of a policy, ...), in
    /// creation order, from the table's index.
    pub(crate) fn children(&self, kind: Kind, parent_id: &str) -> Vec<&Map<String, Value>> {
        if kind.parent().is_none() {
            return Vec::new();
        }
        self.table(kind).map(|t| t.referencing(parent_id).collect()).unwrap_or_default()
    }

    /// How many rows of `kind` reference `id` by the table's indexed reference (a population's
    /// users, a user's devices).
    pub(crate) fn count_referencing(&self, kind: Kind, id: &str) -> usize {
        self.table(kind).map_or(0, |t| t.count_referencing(id))
    }

    /// The rows of `kind` whose `field` equals `value`, ASCII case aside, in creation order:
    /// from the index when `field` is the table's indexed name, by a scan otherwise.
    pub(crate) fn rows_named(&self, kind: Kind, field: &str, value: &str) -> Vec<&Map<String, Value>> {
        match self.table(kind) {
            Some(table) if table.name_field() == Some(field) => table.named(value).collect(),
            _ => {
                self.rows(kind).filter(|r| str_field(r, field).is_some_and(|v| v.eq_ignore_ascii_case(value))).collect()
            }
        }
    }
}

/// `row[field].id` as a string.
pub(crate) fn ref_id<'a>(row: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    row.get(field)?.get("id")?.as_str()
}

/// `row[field]` as a string.
pub(crate) fn str_field<'a>(row: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    row.get(field)?.as_str()
}

/// The environment's worker application (`CLIENT_SECRET_BASIC`), whose tokens the management
/// API takes.
#[derive(Clone)]
pub(crate) struct Worker {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("client_id", &self.client_id).field("client_secret", &"[redacted]").finish()
    }
}

/// A fresh environment: the seeded objects and the worker application.
pub(crate) fn seeded(env: &str, worker: &Worker, now: &str, id: impl FnMut() -> String) -> State {
    let mut state = State::default();
    seed(&mut state, env, now, id);
    let app = json!({
        "id": worker.client_id, "environment": { "id": env }, "name": "Simulator Worker", "enabled": true,
        "type": "WORKER", "protocol": "OPENID_CONNECT", "grantTypes": ["CLIENT_CREDENTIALS"],
        "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC", "createdAt": now, "updatedAt": now,
    });
    if let Value::Object(row) = app {
        state.table_mut(Kind::Application).insert(worker.client_id.clone(), row);
    }
    state.app_secrets.insert(worker.client_id.clone(), worker.client_secret.clone());
    state
}

/// The seeded objects: the `openid` resource with its scopes, the `PingOne API` resource, the
/// default population, the default device authentication policy and the default sign-on policy.
fn seed(state: &mut State, env: &str, now: &str, mut id: impl FnMut() -> String) {
    let base = |extra: Value| -> Map<String, Value> {
        let mut row = match extra {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        row.insert("environment".into(), json!({ "id": env }));
        row.insert("createdAt".into(), json!(now));
        row.insert("updatedAt".into(), json!(now));
        row
    };
    let openid = id();
    state.table_mut(Kind::Resource).insert(
        openid.clone(),
        base(
            json!({ "id": openid, "name": "openid", "description": "OpenID Connect resource", "type": "OPENID_CONNECT",
            "audience": "https://api.pingone.com", "accessTokenValiditySeconds": 3600 }),
        ),
    );
    for scope in ["openid", "profile", "email", "address", "phone", "offline_access"] {
        let sid = id();
        state.table_mut(Kind::Scope).insert(
            sid.clone(),
            base(json!({ "id": sid, "name": scope, "description": format!("OpenID Connect {scope} scope"), "resource": { "id": openid } })),
        );
    }
    let api = id();
    state.table_mut(Kind::Resource).insert(
        api.clone(),
        base(json!({ "id": api, "name": "PingOne API", "type": "PINGONE_API", "audience": "https://api.pingone.com", "accessTokenValiditySeconds": 3600 })),
    );
    let population = id();
    state.table_mut(Kind::Population).insert(
        population.clone(),
        base(json!({ "id": population, "name": "Default", "description": "Default population", "default": true, "userCount": 0 })),
    );
    let device_policy = id();
    let offline = |enabled: bool| {
        json!({ "enabled": enabled, "otp": { "lifeTime": { "duration": 30, "timeUnit": "MINUTES" },
            "failure": { "count": 3, "coolDown": { "duration": 2, "timeUnit": "MINUTES" } }, "otpLength": 6 } })
    };
    state.table_mut(Kind::DevicePolicy).insert(
        device_policy.clone(),
        base(json!({ "id": device_policy, "name": "Default MFA Policy", "default": true,
            "authentication": { "deviceSelection": "DEFAULT_TO_FIRST" },
            "newDeviceNotification": "NONE",
            "sms": offline(true), "voice": offline(true), "email": offline(true),
            "mobile": { "enabled": true, "otp": { "failure": { "count": 3, "coolDown": { "duration": 2, "timeUnit": "MINUTES" } } } },
            "totp": { "enabled": true, "otp": { "failure": { "count": 3, "coolDown": { "duration": 2, "timeUnit": "MINUTES" } } } },
            "fido2": { "enabled": false }, "forSignOnPolicy": false })),
    );
    let policy = id();
    state.table_mut(Kind::SignOnPolicy).insert(
        policy.clone(),
        base(
            json!({ "id": policy, "name": "Single_Factor", "description": "Default sign-on policy", "default": true }),
        ),
    );
    let action = id();
    state.table_mut(Kind::Action).insert(
        action.clone(),
        base(json!({ "id": action, "type": "LOGIN", "priority": 1, "signOnPolicy": { "id": policy },
            "recovery": { "enabled": true } })),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eviction_drops_only_what_has_expired() {
        let mut state = State::default();
        let code = |expires_at| CodeGrant {
            client_id: String::new(),
            redirect_uri: None,
            code_challenge: None,
            user_id: String::new(),
            nonce: None,
            scope: String::new(),
            auth_time: 0,
            amr: Vec::new(),
            acr: None,
            sid: None,
            expires_at,
        };
        state.codes.insert("old".into(), code(99));
        state.codes.insert("live".into(), code(100));
        state.worker_tokens.insert("old".into(), 100);
        state.worker_tokens.insert("live".into(), 101);
        state.device_locks.insert("old".into(), 100);
        state.device_locks.insert("live".into(), 160);
        let expiry = Expiry { flow_idle_secs: 900, session_idle_secs: 3600 };
        assert_eq!(state.evict_expired(100, &expiry), 3);
        assert!(state.codes.contains_key("live") && state.worker_tokens.contains_key("live"));
        assert!(state.device_locks.contains_key("live"));
        assert_eq!(state.evict_expired(100, &expiry), 0);
    }
}
