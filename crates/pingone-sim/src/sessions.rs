//! Single sign-on sessions: what PingOne's `ST` cookie names. A session starts when a flow
//! identifies its user, records each completed sign-on, and ends when it is idle for
//! [`SimConfig::session_idle_timeout`](crate::SimConfig::session_idle_timeout), when it is
//! signed off, or when the environment holds [`MAX_SESSIONS`] newer ones.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

/// The session token cookie, set once the user is identified.
pub(crate) const SESSION_COOKIE: &str = "ST";
/// The cookie authorize sets before any session exists ("no single sign-on"); the simulator
/// ties each flow to its value.
pub(crate) const PRE_SESSION_COOKIE: &str = "ST-NO-SS";
/// At most this many sessions per environment; beyond, the oldest goes (memory stays bounded
/// however many sign-ons a soak run makes).
pub(crate) const MAX_SESSIONS: usize = 10_000;

/// One session.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// The session ID (the ID token's `sid`).
    pub id: String,
    pub user_id: String,
    pub last_activity: u64,
    /// When a sign-on last completed in this session (with or without authenticating).
    pub last_sign_on: Option<u64>,
    /// When the user last authenticated (the ID token's `auth_time` after single sign-on).
    pub auth_time: u64,
    /// `amr` of the last sign-on that authenticated.
    pub amr: Vec<&'static str>,
    /// When each authenticator (`pwd`, `email`, `sms`, `voice`) last succeeded.
    pub authenticators: Vec<(&'static str, u64)>,
}

impl Session {
    pub(crate) fn new(id: String, user_id: String, now: u64) -> Self {
        Self {
            id,
            user_id,
            last_activity: now,
            last_sign_on: None,
            auth_time: 0,
            amr: Vec::new(),
            authenticators: Vec::new(),
        }
    }

    /// Records a completed sign-on: `used` are the authenticators this sign-on succeeded with
    /// (none after single sign-on), `amr` its methods.
    pub(crate) fn signed_on(&mut self, now: u64, used: &[&'static str], amr: &[&'static str]) {
        self.last_sign_on = Some(now);
        self.last_activity = now;
        if used.is_empty() {
            return;
        }
        self.auth_time = now;
        self.amr = amr.to_vec();
        for name in used {
            self.authenticators.retain(|(n, _)| n != name);
            self.authenticators.push((name, now));
        }
    }

    /// Seconds since the condition variable `${session.lastSignOn.at}` or
    /// `${session.lastSignOn.withAuthenticator.NAME.at}`; `None` when it is undefined (no such
    /// sign-on, or a variable the simulator does not know).
    fn seconds_since(&self, variable: &str, now: u64) -> Option<u64> {
        let at = if variable == "${session.lastSignOn.at}" {
            self.last_sign_on?
        } else {
            let name = variable.strip_prefix("${session.lastSignOn.withAuthenticator.")?.strip_suffix(".at}")?;
            self.authenticators.iter().find(|(n, _)| *n == name).map(|(_, at)| *at)?
        };
        Some(now.saturating_sub(at))
    }
}

/// Whether an action with this `condition` runs: no condition, or a condition that holds.
/// Conditions read the session: `{"secondsSince": VAR, "greater": N}` holds when VAR is
/// undefined (no session, no such sign-on) or more than N seconds ago; `{"and": [...]}` and
/// `{"or": [...]}` combine; any other shape holds (the action runs).
pub(crate) fn condition_holds(condition: Option<&Value>, session: Option<&Session>, now: u64) -> bool {
    let Some(condition) = condition else { return true };
    if let Some(all) = condition.get("and").and_then(Value::as_array) {
        return all.iter().all(|c| condition_holds(Some(c), session, now));
    }
    if let Some(any) = condition.get("or").and_then(Value::as_array) {
        return any.iter().any(|c| condition_holds(Some(c), session, now));
    }
    let (Some(variable), Some(greater)) =
        (condition.get("secondsSince").and_then(Value::as_str), condition.get("greater").and_then(Value::as_u64))
    else {
        return true;
    };
    session.and_then(|s| s.seconds_since(variable, now)).is_none_or(|since| since > greater)
}

/// The environment's sessions, by token.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    by_token: HashMap<String, Session>,
    /// Tokens, oldest first (may name revoked ones; compacted as it grows).
    order: VecDeque<String>,
}

impl Sessions {
    pub(crate) fn len(&self) -> usize {
        self.by_token.len()
    }

    /// Adds a session; the oldest go beyond [`MAX_SESSIONS`].
    pub(crate) fn insert(&mut self, token: String, session: Session) {
        if self.by_token.insert(token.clone(), session).is_none() {
            self.order.push_back(token);
        }
        while self.by_token.len() > MAX_SESSIONS {
            let Some(oldest) = self.order.pop_front() else { break };
            self.by_token.remove(&oldest);
        }
        if self.order.len() > self.by_token.len().saturating_mul(2).saturating_add(16) {
            let live = &self.by_token;
            self.order.retain(|t| live.contains_key(t));
        }
    }

    /// The session of `token` if it has been used within `idle_secs`.
    pub(crate) fn live(&self, token: &str, now: u64, idle_secs: u64) -> Option<&Session> {
        self.by_token.get(token).filter(|s| now <= s.last_activity.saturating_add(idle_secs))
    }

    pub(crate) fn get_mut(&mut self, token: &str) -> Option<&mut Session> {
        self.by_token.get_mut(token)
    }

    /// Ends a session.
    pub(crate) fn revoke(&mut self, token: &str) -> Option<Session> {
        self.by_token.remove(token)
    }

    /// Drops sessions idle for longer than `idle_secs`.
    pub(crate) fn evict_idle(&mut self, now: u64, idle_secs: u64) {
        self.by_token.retain(|_, s| now <= s.last_activity.saturating_add(idle_secs));
        let live = &self.by_token;
        self.order.retain(|t| live.contains_key(t));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn conditions_read_the_session() {
        let mut s = Session::new("sid".into(), "u".into(), 1000);
        let pwd = json!({ "secondsSince": "${session.lastSignOn.withAuthenticator.pwd.at}", "greater": 600 });
        let any = json!({ "secondsSince": "${session.lastSignOn.at}", "greater": 600 });
        assert!(condition_holds(None, Some(&s), 1000), "no condition: the action runs");
        assert!(condition_holds(Some(&pwd), None, 1000), "no session: the action runs");
        assert!(condition_holds(Some(&pwd), Some(&s), 1000), "no pwd sign-on yet");
        s.signed_on(1000, &["pwd"], &["pwd"]);
        assert!(!condition_holds(Some(&pwd), Some(&s), 1500), "a recent password: skipped");
        assert!(condition_holds(Some(&pwd), Some(&s), 1601), "older than 600 s: runs");
        assert!(!condition_holds(Some(&any), Some(&s), 1500));
        let either = json!({ "or": [pwd, { "secondsSince": "${session.lastSignOn.withAuthenticator.email.at}", "greater": 60 }] });
        assert!(condition_holds(Some(&either), Some(&s), 1500), "no e-mail sign-on: the second holds");
        assert!(condition_holds(Some(&json!({ "unknown": 1 })), Some(&s), 1500));
    }

    #[test]
    fn sessions_are_bounded_and_revocable() {
        let mut sessions = Sessions::default();
        for n in 0..(MAX_SESSIONS + 5) {
            sessions.insert(format!("t{n}"), Session::new(format!("s{n}"), "u".into(), 0));
        }
        assert_eq!(sessions.len(), MAX_SESSIONS);
        assert!(sessions.live("t0", 0, 10).is_none(), "the oldest went first");
        assert!(sessions.live("t5", 0, 10).is_some());
        assert!(sessions.live("t5", 11, 10).is_none(), "idle too long");
        assert!(sessions.revoke("t7").is_some());
        sessions.evict_idle(100, 10);
        assert_eq!(sessions.len(), 0);
    }
}
