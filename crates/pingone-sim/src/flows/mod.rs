//! The flow engine: a sign-on flow driven by the sign-on policy's actions. The routes that serve
//! it (`{auth}/{envID}/flows/{flowID}`, steps 15–17) are in [`actions`].

use serde_json::{Map, Value, json};

use crate::env::Env;
use crate::store::{Kind, State, ref_id, str_field};

mod actions;

pub(crate) use actions::{live_flow, routes};

pub(crate) const FLOW_COOKIE: &str = "interactionToken";
pub(crate) const FLOW_ID_COOKIE: &str = "interactionId";
pub(crate) const SESSION_COOKIE: &str = "ST";

/// Where a flow stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    UsernamePasswordRequired,
    SignOnRequired,
    DeviceSelectionRequired,
    OtpRequired,
    Completed,
    Failed,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::UsernamePasswordRequired => "USERNAME_PASSWORD_REQUIRED",
            Status::SignOnRequired => "SIGN_ON_REQUIRED",
            Status::DeviceSelectionRequired => "DEVICE_SELECTION_REQUIRED",
            Status::OtpRequired => "OTP_REQUIRED",
            Status::Completed => "COMPLETED",
            Status::Failed => "FAILED",
        }
    }

    /// The actions (link names) offered in this status.
    fn actions(self) -> &'static [&'static str] {
        match self {
            Status::UsernamePasswordRequired => &["usernamePassword.check", "session.reset"],
            Status::SignOnRequired => &["user.lookup", "session.reset"],
            Status::DeviceSelectionRequired => &["device.select", "session.reset"],
            Status::OtpRequired => &["otp.check", "device.select", "session.reset"],
            Status::Completed | Status::Failed => &[],
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub id: String,
    pub kind: String,
    pub address: String,
}

#[derive(Debug, Clone)]
pub(crate) struct PendingOtp {
    pub code: String,
    pub expires_at: u64,
}

/// What the MFA step enforces, read from the device authentication policy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OtpRules {
    pub length: usize,
    pub lifetime_secs: u64,
    pub max_failures: u32,
    pub cooldown_secs: u64,
}

/// One sign-on flow.
#[derive(Debug, Clone)]
pub(crate) struct Flow {
    pub id: String,
    pub app_id: String,
    pub status: Status,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub scope: String,
    pub code_challenge: Option<(String, String)>,
    pub pi_flow: bool,
    pub cookie: String,
    pub actions: Vec<Map<String, Value>>,
    pub action_index: usize,
    pub user_id: Option<String>,
    pub candidates: Vec<Candidate>,
    pub selected: Option<String>,
    pub otp: Option<PendingOtp>,
    pub rules: Option<OtpRules>,
    pub failures: u32,
    pub created_at: String,
    pub last_activity: u64,
    pub amr: Vec<&'static str>,
    pub auth_time: u64,
    pub error: Option<(&'static str, &'static str)>,
    pub session_token: Option<String>,
    pub authorize_response: Option<Value>,
}

fn unit_secs(duration: Option<&Value>, unit: Option<&Value>) -> u64 {
    let d = duration.and_then(Value::as_u64).unwrap_or(0);
    if unit.and_then(Value::as_str) == Some("SECONDS") { d } else { d * 60 }
}

impl Flow {
    /// Starts at the first action of the policy.
    pub(crate) fn enter_current_action(&mut self, env: &Env, state: &mut State) {
        loop {
            let Some(action) = self.actions.get(self.action_index) else {
                self.complete(env);
                return;
            };
            match str_field(action, "type") {
                Some("LOGIN") => {
                    self.status = Status::UsernamePasswordRequired;
                    return;
                }
                Some("MULTI_FACTOR_AUTHENTICATION") if self.user_id.is_none() => {
                    self.status = Status::SignOnRequired;
                    return;
                }
                Some("MULTI_FACTOR_AUTHENTICATION") => {
                    if self.start_mfa(env, state) {
                        return;
                    }
                    self.action_index += 1;
                }
                _ => {
                    self.fail(
                        "UNSUPPORTED_ACTION",
                        "The simulator supports only LOGIN and MULTI_FACTOR_AUTHENTICATION actions",
                    );
                    return;
                }
            }
        }
    }

    /// Runs the MFA action for the identified user. `false` when the action is skipped (the
    /// user has MFA disabled, or no device and `noDevicesMode: BYPASS`).
    fn start_mfa(&mut self, env: &Env, state: &mut State) -> bool {
        let Some(action) = self.actions.get(self.action_index).cloned() else { return false };
        let Some(user) = self.user_id.as_deref().and_then(|u| state.get(Kind::User, u)) else {
            self.fail("USER_NOT_FOUND", "The user no longer exists");
            return true;
        };
        if user.get("mfaEnabled").and_then(Value::as_bool) != Some(true) {
            return false;
        }
        let user_id = str_field(user, "id").unwrap_or_default().to_owned();
        let policy = ref_id(&action, "deviceAuthenticationPolicy")
            .and_then(|id| state.get(Kind::DevicePolicy, id))
            .or_else(|| {
                state.rows(Kind::DevicePolicy).find(|p| p.get("default").and_then(Value::as_bool) == Some(true))
            })
            .cloned()
            .unwrap_or_default();
        let allowed = |method: &str| {
            let policy_on = policy.get(method).and_then(|m| m.get("enabled")).and_then(Value::as_bool).unwrap_or(false);
            let action_on = action.get(method).and_then(|m| m.get("enabled")).and_then(Value::as_bool).unwrap_or(true);
            policy_on && action_on
        };
        let now = env.clock.unix();
        let candidates: Vec<Candidate> = state
            .children(Kind::Device, &user_id)
            .into_iter()
            .filter(|d| str_field(d, "status") == Some("ACTIVE"))
            .filter_map(|d| {
                let kind = str_field(d, "type")?;
                let method = kind.to_ascii_lowercase();
                let address = if kind == "EMAIL" { str_field(d, "email") } else { str_field(d, "phone") }?;
                let id = str_field(d, "id")?;
                allowed(&method).then(|| Candidate {
                    id: id.to_owned(),
                    kind: kind.to_owned(),
                    address: address.to_owned(),
                })
            })
            .collect();
        if candidates.is_empty() {
            if action.get("noDevicesMode").and_then(Value::as_str) == Some("BYPASS") {
                return false;
            }
            self.fail("NO_USABLE_DEVICES", "The user has no active device that the MFA policy allows");
            return true;
        }
        let unlocked: Vec<Candidate> = candidates
            .into_iter()
            .filter(|c| state.device_locks.get(&c.id).is_none_or(|&until| until <= now))
            .collect();
        if unlocked.is_empty() {
            self.fail(
                "DEVICE_LOCKED",
                "Too many failed passcodes: the user's devices are blocked for the cool-down period",
            );
            return true;
        }
        let method_rules = |method: &str| -> OtpRules {
            let otp = policy.get(method).and_then(|m| m.get("otp"));
            let get = |path: &[&str]| path.iter().try_fold(otp?, |v, k| v.get(*k));
            OtpRules {
                length: get(&["otpLength"]).and_then(Value::as_u64).map_or(6, |n| n.clamp(6, 10) as usize),
                lifetime_secs: unit_secs(get(&["lifeTime", "duration"]), get(&["lifeTime", "timeUnit"])).max(1),
                max_failures: get(&["failure", "count"]).and_then(Value::as_u64).map_or(3, |n| n.max(1) as u32),
                cooldown_secs: unit_secs(
                    get(&["failure", "coolDown", "duration"]),
                    get(&["failure", "coolDown", "timeUnit"]),
                ),
            }
        };
        self.rules = Some(method_rules("email"));
        let selection = policy.get("authentication").and_then(|a| a.get("deviceSelection")).and_then(Value::as_str);
        self.candidates = unlocked;
        if self.candidates.len() > 1 || selection == Some("ALWAYS_DISPLAY_DEVICES") {
            self.status = Status::DeviceSelectionRequired;
        } else if let Some(first) = self.candidates.first().cloned() {
            self.rules = Some(method_rules(&first.kind.to_ascii_lowercase()));
            self.send_otp(env, &first);
        }
        true
    }

    pub(crate) fn send_otp(&mut self, env: &Env, device: &Candidate) {
        let rules =
            self.rules.unwrap_or(OtpRules { length: 6, lifetime_secs: 1800, max_failures: 3, cooldown_secs: 120 });
        let code = env.rng.digits(rules.length);
        env.outbox.send(&device.address, &code, env.now(), rules.lifetime_secs.div_ceil(60));
        self.otp = Some(PendingOtp { code, expires_at: env.clock.unix() + rules.lifetime_secs });
        self.selected = Some(device.id.clone());
        self.status = Status::OtpRequired;
    }

    fn complete(&mut self, env: &Env) {
        self.status = Status::Completed;
        self.otp = None;
        self.auth_time = env.clock.unix();
        self.identified(env);
    }

    /// PingOne sets the session token (`ST`) cookie once the user's identity is partially
    /// established (developer docs, "Session Token Persistence Settings").
    fn identified(&mut self, env: &Env) {
        if self.session_token.is_none() {
            self.session_token = Some(env.rng.token());
        }
    }

    pub(crate) fn fail(&mut self, code: &'static str, message: &'static str) {
        self.status = Status::Failed;
        self.otp = None;
        self.error = Some((code, message));
    }

    pub(crate) fn expires_at(&self, env: &Env) -> u64 {
        self.last_activity + env.settings.flow_idle_timeout.as_secs()
    }

    /// The flow as PingOne returns it.
    pub(crate) fn render(&self, env: &Env, state: &State) -> Value {
        let own = format!("{}/{}/flows/{}", env.auth_base, env.id, self.id);
        let mut links = Map::new();
        links.insert("self".into(), json!({ "href": own }));
        for action in self.status.actions() {
            links.insert((*action).into(), json!({ "href": own }));
        }
        let mut embedded = Map::new();
        if let Some(app) = state.get(Kind::Application, &self.app_id) {
            embedded.insert("application".into(), json!({ "id": self.app_id, "name": str_field(app, "name") }));
        }
        if let Some(user) = self.user_id.as_deref().and_then(|u| state.get(Kind::User, u)) {
            embedded
                .insert("user".into(), json!({ "id": str_field(user, "id"), "username": str_field(user, "username") }));
        }
        if matches!(self.status, Status::DeviceSelectionRequired | Status::OtpRequired) {
            let devices: Vec<Value> = self
                .candidates
                .iter()
                .map(|c| {
                    let mut d = json!({ "id": c.id, "type": c.kind });
                    crate::reply::put(
                        &mut d,
                        if c.kind == "EMAIL" { "email" } else { "phone" },
                        json!(mask(&c.address)),
                    );
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
        if let Some((code, message)) = self.error {
            crate::reply::put(&mut body, "error", json!({ "code": code, "message": message }));
        }
        if let Some(response) = &self.authorize_response {
            crate::reply::put(&mut body, "authorizeResponse", response.clone());
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
