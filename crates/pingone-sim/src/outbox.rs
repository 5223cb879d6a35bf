//! The outbox: every OTP "e-mail" the simulator sends lands here instead of a mail server. It
//! keeps the newest [`SimConfig::outbox_capacity`](crate::SimConfig::outbox_capacity) e-mails
//! of its environment; older ones are dropped.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Notify;

/// One e-mail. Its `Debug` leaves out the body and the passcode.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
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

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Email")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .field("sent_at", &self.sent_at)
            .field("body", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl Email {
    /// The one-time passcode in this e-mail.
    #[must_use]
    pub fn otp(&self) -> &str {
        &self.otp
    }
}

struct Inner {
    /// The kept e-mails, oldest first, each with its sequence number.
    messages: VecDeque<(u64, Email)>,
    next_seq: u64,
    capacity: usize,
    /// Per lower-cased address: sequence numbers that `next_for` has not handed out yet.
    untaken: HashMap<String, VecDeque<u64>>,
    /// Per lower-cased address with a waiter: wakes the waiters of that address only.
    arrivals: HashMap<String, Arc<Notify>>,
}

impl Inner {
    fn get(&self, seq: u64) -> Option<&Email> {
        let first = self.messages.front()?.0;
        let index = usize::try_from(seq.checked_sub(first)?).ok()?;
        self.messages.get(index).map(|(_, email)| email)
    }
}

/// A waiting `next_for`. The last waiter for an address removes its wake-up entry, also when
/// the wait is cancelled (an HTTP client that hangs up).
struct Waiter<'a> {
    outbox: &'a Outbox,
    notify: Arc<Notify>,
    key: String,
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        let mut inner = self.outbox.lock();
        // The map's reference and this one: nobody else waits.
        if Arc::strong_count(&self.notify) == 2 {
            inner.arrivals.remove(&self.key);
        }
    }
}

/// The outbox of one environment. Cheap to clone. Its `Debug` shows counts, not e-mails.
#[derive(Clone)]
pub struct Outbox {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.lock();
        f.debug_struct("Outbox")
            .field("emails", &inner.messages.len())
            .field("capacity", &inner.capacity)
            .finish_non_exhaustive()
    }
}

impl Default for Outbox {
    fn default() -> Self {
        Self::with_capacity(crate::config::DEFAULT_OUTBOX_CAPACITY)
    }
}

impl Outbox {
    /// An outbox that keeps the newest `capacity` e-mails (at least one).
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                messages: VecDeque::new(),
                next_seq: 0,
                capacity: capacity.max(1),
                untaken: HashMap::new(),
                arrivals: HashMap::new(),
            })),
        }
    }

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
            let seq = inner.next_seq;
            inner.next_seq += 1;
            inner.messages.push_back((seq, email));
            inner.untaken.entry(key.clone()).or_default().push_back(seq);
            while inner.messages.len() > inner.capacity {
                let Some((dropped, old)) = inner.messages.pop_front() else { break };
                let old_key = old.to.to_lowercase();
                if let Some(queue) = inner.untaken.get_mut(&old_key) {
                    if queue.front() == Some(&dropped) {
                        queue.pop_front();
                    }
                    if queue.is_empty() {
                        inner.untaken.remove(&old_key);
                    }
                }
            }
            inner.arrivals.get(&key).cloned()
        };
        if let Some(notify) = notify {
            notify.notify_waiters();
        }
    }

    /// Every e-mail kept, oldest first.
    #[must_use]
    pub fn messages(&self) -> Vec<Email> {
        self.lock().messages.iter().map(|(_, email)| email.clone()).collect()
    }

    /// How many e-mails are kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().messages.len()
    }

    /// Whether no e-mail is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The newest e-mail to `to`, if any.
    #[must_use]
    pub fn latest_for(&self, to: &str) -> Option<Email> {
        self.lock().messages.iter().rev().map(|(_, email)| email).find(|m| m.to.eq_ignore_ascii_case(to)).cloned()
    }

    /// Waits up to `timeout` for an e-mail to `to` that no earlier `next_for` call (nor the HTTP
    /// outbox's `wait`) returned, and returns it (oldest first). `None` on timeout.
    pub async fn next_for(&self, to: &str, timeout: Duration) -> Option<Email> {
        let key = to.to_lowercase();
        let waiter =
            Waiter { outbox: self, notify: Arc::clone(self.lock().arrivals.entry(key.clone()).or_default()), key };
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = waiter.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(email) = self.take_for(&waiter.key) {
                return Some(email);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    fn take_for(&self, key: &str) -> Option<Email> {
        let mut inner = self.lock();
        loop {
            let queue = inner.untaken.get_mut(key)?;
            let Some(seq) = queue.pop_front() else {
                inner.untaken.remove(key);
                return None;
            };
            if queue.is_empty() {
                inner.untaken.remove(key);
            }
            if let Some(email) = inner.get(seq) {
                return Some(email.clone());
            }
        }
    }

    /// Drops every e-mail (waiters keep waiting).
    pub(crate) fn clear(&self) {
        let mut inner = self.lock();
        inner.messages.clear();
        inner.untaken.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_the_newest_and_hands_each_out_once() {
        let outbox = Outbox::with_capacity(3);
        for i in 0..5 {
            outbox.send(&format!("u{}@example.test", i % 2), &format!("{i:06}"), String::new(), 1);
        }
        assert_eq!(outbox.len(), 3);
        let kept: Vec<String> = outbox.messages().iter().map(|m| m.otp().to_owned()).collect();
        assert_eq!(kept, ["000002", "000003", "000004"]);
        let wait = Duration::from_millis(10);
        assert_eq!(outbox.next_for("U0@example.test", wait).await.unwrap().otp(), "000002");
        assert_eq!(outbox.next_for("u0@example.test", wait).await.unwrap().otp(), "000004");
        assert!(outbox.next_for("u0@example.test", wait).await.is_none());
        assert_eq!(outbox.next_for("u1@example.test", wait).await.unwrap().otp(), "000003");
        let inner = outbox.lock();
        assert!(inner.untaken.is_empty(), "{:?}", inner.untaken);
        assert!(inner.arrivals.is_empty(), "waiters clean up after themselves");
    }

    #[test]
    fn debug_shows_no_passcode() {
        let outbox = Outbox::default();
        outbox.send("ada@example.test", "864213", "2030-01-01T00:00:00.000Z".into(), 5);
        let email = outbox.latest_for("ada@example.test").unwrap();
        let printed = format!("{email:?} {outbox:?}");
        assert!(!printed.contains("864213"), "{printed}");
        assert!(printed.contains("ada@example.test") && printed.contains("emails: 1"), "{printed}");
    }

    #[tokio::test]
    async fn a_cancelled_wait_cleans_up_too() {
        let outbox = Outbox::default();
        let waiting = outbox.next_for("gone@example.test", Duration::from_secs(5));
        assert!(tokio::time::timeout(Duration::from_millis(20), waiting).await.is_err());
        assert!(outbox.lock().arrivals.is_empty());
    }

    #[tokio::test]
    async fn a_waiter_wakes_when_its_mail_arrives() {
        let outbox = Outbox::default();
        let sender = outbox.clone();
        let waiting = tokio::spawn(async move { outbox.next_for("ada@example.test", Duration::from_secs(5)).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        sender.send("bob@example.test", "111111", String::new(), 1);
        sender.send("ada@example.test", "222222", String::new(), 1);
        assert_eq!(waiting.await.unwrap().unwrap().otp(), "222222");
        sender.clear();
        assert!(sender.is_empty());
    }
}
