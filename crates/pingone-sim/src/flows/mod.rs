//! The flow engine: a sign-on flow driven by the sign-on policy's actions. The routes that serve
//! it (`{auth}/{envID}/flows/{flowID}`, steps 15–17) are in [`actions`], the `LOGIN` action's
//! password check in [`password`], the flow as PingOne renders it in [`render`].

use serde_json::{Map, Value};

use crate::env::Env;
use crate::sessions::{Session, condition_holds};
use crate::store::{Kind, State, ref_id, str_field};

mod actions;
mod password;
mod render;

pub(crate) use actions::{live_flow, routes};
pub(crate) use password::default_password_policy;

/// Where a flow stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    UsernamePasswordRequired,
    MustChangePassword,
    SignOnRequired,
    DeviceSelectionRequired,
    OtpRequired,
    Completed,
    Failed,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::UsernamePasswordRequired => "USERNAME_PASSWORD_REQUIRED",
            Status::MustChangePassword => "MUST_CHANGE_PASSWORD",
            Status::SignOnRequired => "SIGN_ON_REQUIRED",
            Status::DeviceSelectionRequired => "DEVICE_SELECTION_REQUIRED",
            Status::OtpRequired => "OTP_REQUIRED",
            Status::Completed => "COMPLETED",
            Status::Failed => "FAILED",
        }
    }

    /// The actions (link names) offered in this status (`password.forgot` is added where the
    /// `LOGIN` action has recovery enabled).
    fn actions(self) -> &'static [&'static str] {
        match self {
            Status::UsernamePasswordRequired => &["usernamePassword.check", "session.reset"],
            Status::MustChangePassword => &["password.reset", "session.reset"],
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
    pub nickname: Option<String>,
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

impl Default for OtpRules {
    fn default() -> Self {
        Self { length: 6, lifetime_secs: 1800, max_failures: 3, cooldown_secs: 120 }
    }
}

/// Why a flow failed: PingOne's code and message, and when what is locked unlocks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FlowFailure {
    pub code: &'static str,
    pub message: &'static str,
    pub seconds_until_unlock: Option<u64>,
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
    /// The `ST-NO-SS` value set at authorize: the flow's own cookie.
    pub pre_session: String,
    /// The sign-on policy's name (the ID token's `acr`).
    pub policy_name: Option<String>,
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
    /// The authenticators this flow succeeded with (`pwd`, `email`, ...).
    pub authenticators: Vec<&'static str>,
    pub auth_time: u64,
    pub error: Option<FlowFailure>,
    /// The `ST` token of the flow's session, once the user is identified (or from authorize,
    /// with single sign-on).
    pub session_token: Option<String>,
    /// The live session presented at authorize, as it was then (single sign-on).
    pub sso: Option<Session>,
}

fn unit_secs(duration: Option<&Value>, unit: Option<&Value>) -> u64 {
    let d = duration.and_then(Value::as_u64).unwrap_or(0);
    if unit.and_then(Value::as_str) == Some("SECONDS") { d } else { d.saturating_mul(60) }
}

/// The authenticator name a device type signs on with (`EMAIL` → `email`).
fn authenticator(kind: &str) -> &'static str {
    match kind {
        "SMS" => "sms",
        "VOICE" => "voice",
        _ => "email",
    }
}

impl Flow {
    /// The actions offered now (the flow's `_links`, besides `self`).
    pub(crate) fn offered(&self) -> Vec<&'static str> {
        let mut links = self.status.actions().to_vec();
        let recovery = self
            .actions
            .get(self.action_index)
            .and_then(|a| a.get("recovery"))
            .and_then(|r| r.get("enabled"))
            .and_then(Value::as_bool);
        if self.status == Status::UsernamePasswordRequired && recovery == Some(true) {
            links.push("password.forgot");
        }
        links
    }

    /// Runs the policy from the current action: each action whose `condition` holds (see
    /// [`condition_holds`]) runs; the others are skipped.
    pub(crate) fn enter_current_action(&mut self, env: &Env, state: &mut State) {
        let now = env.clock.unix();
        loop {
            let Some(action) = self.actions.get(self.action_index) else {
                self.complete(env, state);
                return;
            };
            if !condition_holds(action.get("condition"), self.sso.as_ref(), now) {
                self.action_index = self.action_index.saturating_add(1);
                continue;
            }
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
                    self.action_index = self.action_index.saturating_add(1);
                }
                _ => {
                    self.fail(
                        "UNSUPPORTED_ACTION",
                        "The simulator supports only LOGIN and MULTI_FACTOR_AUTHENTICATION actions",
                        None,
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
            self.fail("USER_NOT_FOUND", "The user no longer exists", None);
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
                    nickname: str_field(d, "nickname").map(str::to_owned),
                })
            })
            .collect();
        if candidates.is_empty() {
            if action.get("noDevicesMode").and_then(Value::as_str) == Some("BYPASS") {
                return false;
            }
            self.fail("NO_USABLE_DEVICES", "The user has no active device that the MFA policy allows", None);
            return true;
        }
        let locked_for = |c: &Candidate| state.device_locks.get(&c.id).map_or(0, |&until| until.saturating_sub(now));
        let unlock_in = candidates.iter().map(locked_for).min().unwrap_or(0);
        let unlocked: Vec<Candidate> = candidates.iter().filter(|c| locked_for(c) == 0).cloned().collect();
        if unlocked.is_empty() {
            self.fail(
                "DEVICE_LOCKED",
                "Too many failed passcodes: the user's devices are blocked for the cool-down period",
                Some(unlock_in),
            );
            return true;
        }
        let method_rules = |method: &str| -> OtpRules {
            let otp = policy.get(method).and_then(|m| m.get("otp"));
            let get = |path: &[&str]| path.iter().try_fold(otp?, |v, k| v.get(*k));
            let defaults = OtpRules::default();
            OtpRules {
                length: get(&["otpLength"])
                    .and_then(Value::as_u64)
                    .map_or(defaults.length, |n| usize::try_from(n.clamp(6, 10)).unwrap_or(6)),
                lifetime_secs: unit_secs(get(&["lifeTime", "duration"]), get(&["lifeTime", "timeUnit"])).max(1),
                max_failures: get(&["failure", "count"])
                    .and_then(Value::as_u64)
                    .map_or(defaults.max_failures, |n| u32::try_from(n.clamp(1, 100)).unwrap_or(3)),
                cooldown_secs: unit_secs(
                    get(&["failure", "coolDown", "duration"]),
                    get(&["failure", "coolDown", "timeUnit"]),
                ),
            }
        };
        self.rules = Some(method_rules("email"));
        // PingOne's `authentication.deviceSelection` (absent: DEFAULT_TO_FIRST).
        let selection = policy.get("authentication").and_then(|a| a.get("deviceSelection")).and_then(Value::as_str);
        self.candidates = unlocked;
        let choose = match selection {
            Some("ALWAYS_DISPLAY_DEVICES") => true,
            Some("PROMPT_TO_SELECT") => self.candidates.len() > 1,
            _ => false,
        };
        if choose {
            self.status = Status::DeviceSelectionRequired;
        } else if let Some(first) = self.candidates.first().cloned() {
            self.rules = Some(method_rules(&first.kind.to_ascii_lowercase()));
            self.send_otp(env, &first);
        }
        true
    }

    pub(crate) fn send_otp(&mut self, env: &Env, device: &Candidate) {
        let rules = self.rules.unwrap_or_default();
        let code = env.rng.digits(rules.length);
        env.outbox.send(&device.address, &code, env.now(), rules.lifetime_secs.div_ceil(60));
        self.otp = Some(PendingOtp { code, expires_at: env.clock.unix().saturating_add(rules.lifetime_secs) });
        self.selected = Some(device.id.clone());
        self.status = Status::OtpRequired;
    }

    /// The passcode was right: records the authenticator of the device it went to.
    pub(crate) fn otp_accepted(&mut self) {
        self.amr.push("otp");
        let kind = self.selected.as_deref().and_then(|id| self.candidates.iter().find(|c| c.id == id));
        self.authenticators.push(authenticator(kind.map_or("EMAIL", |c| c.kind.as_str())));
        self.otp = None;
    }

    /// The flow is done: the session records the sign-on. Without any authentication in this
    /// flow (single sign-on), `amr` and `auth_time` are the session's.
    fn complete(&mut self, env: &Env, state: &mut State) {
        let now = env.clock.unix();
        self.status = Status::Completed;
        self.otp = None;
        self.auth_time = now;
        let session = self.session_token.as_deref().and_then(|t| state.sessions.get_mut(t));
        if let Some(session) = session {
            if self.authenticators.is_empty() && self.sso.is_some() {
                self.amr.clone_from(&session.amr);
                if session.auth_time > 0 {
                    self.auth_time = session.auth_time;
                }
            }
            session.signed_on(now, &self.authenticators, &self.amr);
        }
    }

    /// The user is identified: PingOne sets the session token (`ST`) cookie once the user's
    /// identity is partially established (developer docs, "Session Token Persistence
    /// Settings"). The session presented at authorize goes on if it is this user's; otherwise
    /// a new one starts.
    pub(crate) fn identified(&mut self, env: &Env, state: &mut State, user_id: String) {
        let now = env.clock.unix();
        let idle = env.settings.session_idle_timeout.as_secs();
        let same_user = self
            .session_token
            .as_deref()
            .and_then(|t| state.sessions.live(t, now, idle))
            .is_some_and(|s| s.user_id == user_id);
        if !same_user {
            let token = env.rng.token();
            state.sessions.insert(token.clone(), Session::new(env.new_id(), user_id.clone(), now));
            self.session_token = Some(token);
            self.sso = None;
        }
        self.user_id = Some(user_id);
    }

    pub(crate) fn fail(&mut self, code: &'static str, message: &'static str, seconds_until_unlock: Option<u64>) {
        self.status = Status::Failed;
        self.otp = None;
        self.error = Some(FlowFailure { code, message, seconds_until_unlock });
    }

    pub(crate) fn expires_at(&self, env: &Env) -> u64 {
        self.last_activity.saturating_add(env.settings.flow_idle_timeout.as_secs())
    }

    /// The session's ID, for the ID token's `sid`.
    pub(crate) fn sid(&self, state: &State, env: &Env) -> Option<String> {
        let token = self.session_token.as_deref()?;
        let idle = env.settings.session_idle_timeout.as_secs();
        state.sessions.live(token, env.clock.unix(), idle).map(|s| s.id.clone())
    }
}
