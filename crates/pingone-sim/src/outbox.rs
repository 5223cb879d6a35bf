//! The outbox: every OTP "e-mail" the simulator sends lands here instead of a mail server.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Notify;

/// One e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    /// Per message: whether `next_for` has handed it out.
    taken: Vec<bool>,
}

/// The outbox of one simulator. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Outbox {
    inner: Arc<Mutex<Inner>>,
    arrived: Arc<Notify>,
}

impl Outbox {
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
        {
            let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            inner.messages.push(email);
            inner.taken.push(false);
        }
        self.arrived.notify_waiters();
    }

    /// Every e-mail sent so far, oldest first.
    #[must_use]
    pub fn messages(&self) -> Vec<Email> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).messages.clone()
    }

    /// The newest e-mail to `to`, if any.
    #[must_use]
    pub fn latest_for(&self, to: &str) -> Option<Email> {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.messages.iter().rev().find(|m| m.to.eq_ignore_ascii_case(to)).cloned()
    }

    /// Waits up to `timeout` for an e-mail to `to` that no earlier `next_for` call returned, and
    /// returns it (oldest first). `None` on timeout.
    pub async fn next_for(&self, to: &str, timeout: Duration) -> Option<Email> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.arrived.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(email) = self.take_for(to) {
                return Some(email);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    fn take_for(&self, to: &str) -> Option<Email> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let Inner { messages, taken } = &mut *inner;
        let (email, flag) =
            messages.iter().zip(taken.iter_mut()).find(|(m, t)| !**t && m.to.eq_ignore_ascii_case(to))?;
        *flag = true;
        Some(email.clone())
    }
}
