//! The outbox: every OTP "e-mail" the simulator sends lands here instead of a mail server.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Notify;

/// One e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct Email {
    /// The recipient address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body; it contains the passcode.
    pub body: String,
    /// When it was sent (simulated time, RFC 3339).
    pub sent_at: String,
    /// The passcode the body carries (the simulator knows it; a mail reader would parse it).
    #[serde(skip)]
    otp: String,
}

impl Email {
    /// The one-time passcode in this e-mail.
    #[must_use]
    pub fn otp(&self) -> &str {
        &self.otp
    }
}

#[derive(Debug, Default)]
struct Inner {
    messages: Vec<Email>,
    /// Per lower-cased address: indexes of messages that `next_for` has not handed out yet.
    untaken: HashMap<String, VecDeque<usize>>,
    /// Per lower-cased address: wakes the waiters of that address only.
    arrivals: HashMap<String, Arc<Notify>>,
}

/// The outbox of one simulator. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Outbox {
    inner: Arc<Mutex<Inner>>,
}

impl Outbox {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn send(&self, to: &str, otp: &str, sent_at: String, minutes: u64) {
        let email = Email {
            to: to.to_owned(),
            subject: "Your one-time passcode".to_owned(),
            body: format!(
                "Your passcode is {otp}. It expires in {minutes} minute(s). If you did not try to sign on, ignore this e-mail."
            ),
            sent_at,
            otp: otp.to_owned(),
        };
        let key = to.to_lowercase();
        let notify = {
            let mut inner = self.lock();
            let index = inner.messages.len();
            inner.messages.push(email);
            inner.untaken.entry(key.clone()).or_default().push_back(index);
            inner.arrivals.get(&key).cloned()
        };
        if let Some(notify) = notify {
            notify.notify_waiters();
        }
    }

    /// Every e-mail sent so far, oldest first.
    #[must_use]
    pub fn messages(&self) -> Vec<Email> {
        self.lock().messages.clone()
    }

    /// The newest e-mail to `to`, if any.
    #[must_use]
    pub fn latest_for(&self, to: &str) -> Option<Email> {
        self.lock().messages.iter().rev().find(|m| m.to.eq_ignore_ascii_case(to)).cloned()
    }

    /// Waits up to `timeout` for an e-mail to `to` that no earlier `next_for` call returned, and
    /// returns it (oldest first). `None` on timeout.
    pub async fn next_for(&self, to: &str, timeout: Duration) -> Option<Email> {
        let key = to.to_lowercase();
        let notify = Arc::clone(self.lock().arrivals.entry(key.clone()).or_default());
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(email) = self.take_for(&key) {
                return Some(email);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    fn take_for(&self, key: &str) -> Option<Email> {
        let mut inner = self.lock();
        let index = inner.untaken.get_mut(key)?.pop_front()?;
        inner.messages.get(index).cloned()
    }
}
