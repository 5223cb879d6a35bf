//! The flow engine: `{auth}/{envID}/flows/{flowID}`, driven by the sign-on policy's actions.

use axum::http::{HeaderMap, StatusCode, header};
use serde_json::{Map, Value, json};

use crate::config::CookiePolicy;
use crate::reply::{Detail, Failure, Reply, json_response};
use crate::shared::Shared;
use crate::store::{Kind, State, ref_id, str_field};

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
    pub(crate) fn enter_current_action(&mut self, shared: &Shared, state: &mut State) {
        loop {
            let Some(action) = self.actions.get(self.action_index) else {
                self.complete(shared);
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
                    if self.start_mfa(shared, state) {
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
    fn start_mfa(&mut self, shared: &Shared, state: &mut State) -> bool {
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
        let now = shared.clock.unix();
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
            self.send_otp(shared, &first);
        }
        true
    }

    pub(crate) fn send_otp(&mut self, shared: &Shared, device: &Candidate) {
        let rules =
            self.rules.unwrap_or(OtpRules { length: 6, lifetime_secs: 1800, max_failures: 3, cooldown_secs: 120 });
        let code = shared.rng.digits(rules.length);
        shared.outbox.send(&device.address, &code, shared.now(), rules.lifetime_secs.div_ceil(60));
        self.otp = Some(PendingOtp { code, expires_at: shared.clock.unix() + rules.lifetime_secs });
        self.selected = Some(device.id.clone());
        self.status = Status::OtpRequired;
    }

    fn complete(&mut self, shared: &Shared) {
        self.status = Status::Completed;
        self.otp = None;
        self.auth_time = shared.clock.unix();
        self.identified(shared);
    }

    /// PingOne sets the session token (`ST`) cookie once the user's identity is partially
    /// established (developer docs, "Session Token Persistence Settings").
    fn identified(&mut self, shared: &Shared) {
        if self.session_token.is_none() {
            self.session_token = Some(shared.rng.token());
        }
    }

    pub(crate) fn fail(&mut self, code: &'static str, message: &'static str) {
        self.status = Status::Failed;
        self.otp = None;
        self.error = Some((code, message));
    }

    pub(crate) fn expires_at(&self, shared: &Shared) -> u64 {
        self.last_activity + shared.settings.flow_idle_timeout.as_secs()
    }

    /// The flow as PingOne returns it.
    pub(crate) fn render(&self, shared: &Shared, state: &State) -> Value {
        let own = format!("{}/{}/flows/{}", shared.auth_base, shared.env, self.id);
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
            "environment": { "id": shared.env },
            "status": self.status.as_str(),
            "resumeUrl": format!("{}/{}/as/resume?flowId={}", shared.auth_base, shared.env, self.id),
            "createdAt": self.created_at,
            "expiresAt": crate::clock::rfc3339(std::time::UNIX_EPOCH + std::time::Duration::from_secs(self.expires_at(shared))),
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

/// Reads a cookie from the request.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// Looks a live flow up (expiring idle ones) and checks its cookie.
pub(crate) fn live_flow<'a>(
    shared: &Shared,
    state: &'a mut State,
    id: &str,
    headers: &HeaderMap,
    is_action: bool,
) -> Result<&'a mut Flow, Failure> {
    let now = shared.clock.unix();
    let expired = state.flows.get(id).is_some_and(|f| now > f.expires_at(shared));
    if expired {
        state.flows.remove(id);
    }
    let flow = state.flows.get_mut(id).ok_or_else(Failure::not_found)?;
    let must_check = match shared.settings.cookies {
        CookiePolicy::Strict => true,
        CookiePolicy::ActionsOnly => is_action,
        CookiePolicy::Off => false,
    };
    if must_check {
        let presented = cookie(headers, FLOW_COOKIE).unwrap_or_default();
        if !constant_time_eq(presented.as_bytes(), flow.cookie.as_bytes()) {
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                "ACCESS_FAILED",
                "The request could not be completed. The flow's session cookie is missing or does not match.",
            ));
        }
    }
    flow.last_activity = now;
    Ok(flow)
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn flow_reply(shared: &Shared, state: &State, flow_id: &str, set_session: bool) -> Reply {
    let flow = state.flows.get(flow_id).ok_or_else(Failure::not_found)?;
    let mut response = json_response(StatusCode::OK, &flow.render(shared, state));
    if set_session
        && let Some(token) = &flow.session_token
        && let Ok(value) = format!("{SESSION_COOKIE}={token}; Path=/{}; HttpOnly; SameSite=Lax", shared.env).parse()
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `GET /{envID}/flows/{flowID}`: changes nothing (except the idle timer).
pub(crate) fn read(shared: &Shared, id: &str, headers: &HeaderMap) -> Reply {
    let mut state = shared.lock();
    live_flow(shared, &mut state, id, headers, false)?;
    flow_reply(shared, &state, id, false)
}

/// `POST /{envID}/flows/{flowID}`: the action is chosen by the Content-Type.
pub(crate) fn act(shared: &Shared, id: &str, headers: &HeaderMap, body: &[u8]) -> Reply {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    let action = media
        .strip_prefix("application/vnd.pingidentity.")
        .map(|rest| rest.strip_suffix("+json").unwrap_or(rest))
        .ok_or_else(|| Failure::unsupported_media_type("an application/vnd.pingidentity.<action>+json flow action"))?
        .to_owned();
    let mut guard = shared.lock();
    let state = &mut *guard;
    let status = live_flow(shared, state, id, headers, true)?.status;
    if !status.actions().contains(&action.as_str()) {
        return Err(Failure::invalid_request(format!(
            "The request could not be completed. The flow in status {} does not offer the action {action:?}.",
            status.as_str()
        )));
    }
    let body = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        Ok(_) | Err(_) if action == "session.reset" => Map::new(),
        _ => {
            return Err(Failure::invalid_request(
                "The request could not be completed. The request body is not a valid JSON object.",
            ));
        }
    };
    let mut flow = state.flows.get(id).cloned().ok_or_else(Failure::not_found)?;
    let had_session = flow.session_token.is_some();
    let outcome = match action.as_str() {
        "user.lookup" => user_lookup(shared, state, &mut flow, &body),
        "usernamePassword.check" => password_check(shared, state, &mut flow, &body),
        "device.select" => device_select(shared, &mut flow, &body),
        "otp.check" => otp_check(shared, state, &mut flow, &body),
        "session.reset" => {
            flow.user_id = None;
            flow.action_index = 0;
            flow.candidates.clear();
            flow.otp = None;
            flow.failures = 0;
            flow.amr.clear();
            flow.enter_current_action(shared, state);
            Ok(())
        }
        _ => Err(Failure::invalid_request("The request could not be completed. Unsupported flow action.")),
    };
    let completed = flow.status == Status::Completed;
    let new_session = !had_session && flow.session_token.is_some();
    if completed && flow.pi_flow && flow.authorize_response.is_none() {
        let code = crate::auth::issue_code(shared, state, &flow);
        let mut response = json!({ "code": code });
        if let Some(s) = &flow.state {
            crate::reply::put(&mut response, "state", json!(s));
        }
        flow.authorize_response = Some(response);
    }
    state.flows.insert(id.to_owned(), flow);
    outcome?;
    flow_reply(shared, state, id, new_session)
}

fn string_field<'a>(body: &'a Map<String, Value>, field: &str) -> Result<&'a str, Failure> {
    match body.get(field) {
        None | Some(Value::Null) => {
            Err(Failure::invalid_data(vec![Detail::new("REQUIRED_VALUE", field, format!("{field} is required"))]))
        }
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 1024 => Ok(s),
        Some(_) => Err(Failure::invalid_value(field, format!("{field} must be a non-empty string"))),
    }
}

fn find_user(state: &State, username: &str) -> Option<String> {
    state
        .rows(Kind::User)
        .find(|u| str_field(u, "username").is_some_and(|n| n.eq_ignore_ascii_case(username)))
        .filter(|u| u.get("enabled").and_then(Value::as_bool) != Some(false))
        .and_then(|u| str_field(u, "id").map(str::to_owned))
}

fn user_lookup(shared: &Shared, state: &mut State, flow: &mut Flow, body: &Map<String, Value>) -> Result<(), Failure> {
    let username = string_field(body, "username")?;
    let user = find_user(state, username)
        .ok_or_else(|| Failure::invalid_value("username", "No enabled user has this username"))?;
    flow.user_id = Some(user);
    flow.identified(shared);
    flow.enter_current_action(shared, state);
    Ok(())
}

fn password_check(
    shared: &Shared,
    state: &mut State,
    flow: &mut Flow,
    body: &Map<String, Value>,
) -> Result<(), Failure> {
    let username = string_field(body, "username")?;
    let password = string_field(body, "password")?;
    let user = find_user(state, username);
    let ok = user
        .as_deref()
        .and_then(|u| state.passwords.get(u))
        .is_some_and(|p| constant_time_eq(p.as_bytes(), password.as_bytes()));
    let Some(user) = user.filter(|_| ok) else {
        return Err(Failure::invalid_value("password", "Invalid username or password"));
    };
    flow.user_id = Some(user);
    flow.identified(shared);
    flow.amr.push("pwd");
    flow.action_index += 1;
    flow.enter_current_action(shared, state);
    Ok(())
}

fn device_select(shared: &Shared, flow: &mut Flow, body: &Map<String, Value>) -> Result<(), Failure> {
    let device = body.get("device").and_then(|d| d.get("id")).and_then(Value::as_str);
    let Some(candidate) = device.and_then(|id| flow.candidates.iter().find(|c| c.id == id)).cloned() else {
        return Err(Failure::invalid_value("device.id", "device.id must be one of the flow's devices"));
    };
    flow.send_otp(shared, &candidate);
    Ok(())
}

fn otp_check(shared: &Shared, state: &mut State, flow: &mut Flow, body: &Map<String, Value>) -> Result<(), Failure> {
    let submitted = string_field(body, "otp")?;
    let now = shared.clock.unix();
    let rules = flow.rules.unwrap_or(OtpRules { length: 6, lifetime_secs: 1800, max_failures: 3, cooldown_secs: 120 });
    let Some(pending) = flow.otp.clone() else { return Err(Failure::invalid_request("No passcode is pending")) };
    if now > pending.expires_at {
        return Err(Failure::invalid_data(vec![
            Detail::new(
                "INVALID_OTP",
                "otp",
                "The one-time passcode has expired; select the device again to get a new one",
            )
            .inner(json!({ "expired": true, "remainingAttempts": rules.max_failures.saturating_sub(flow.failures) })),
        ]));
    }
    if constant_time_eq(submitted.trim().as_bytes(), pending.code.as_bytes()) {
        flow.amr.push("otp");
        flow.otp = None;
        flow.action_index += 1;
        flow.enter_current_action(shared, state);
        return Ok(());
    }
    flow.failures += 1;
    let remaining = rules.max_failures.saturating_sub(flow.failures);
    if remaining == 0 {
        flow.fail("TOO_MANY_ATTEMPTS", "Too many failed passcodes");
        if let Some(device) = &flow.selected {
            state.device_locks.insert(device.clone(), now + rules.cooldown_secs);
        }
    }
    Err(Failure::invalid_data(vec![
        Detail::new("INVALID_OTP", "otp", "Invalid One-Time Passcode.")
            .inner(json!({ "remainingAttempts": remaining })),
    ]))
}
