//! Request deadlines that share their timers.
//!
//! A timer per request (what `reqwest`'s `timeout` registers) costs more than its bookkeeping:
//! whenever the runtime has no earlier timer pending, registering one wakes the thread parked
//! on the timer driver so that it can set its wake-up time — a thread switch on every request.
//! Here the attempts that start within a short window share one deadline: the first of them
//! starts one task that sleeps until it, and the others wait on that task's notification. An
//! attempt's deadline is therefore between `timeout` and `timeout + timeout / 16` after its
//! start; the runtime sees one timer per window instead of one per request.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::Duration;

use tokio::runtime::{Handle, Id};
use tokio::sync::Notify;
use tokio::time::Instant;

/// How many windows one timeout spans: the deadline is late by at most `timeout / WINDOWS`.
const WINDOWS: u32 = 16;

/// The deadlines of one HTTP client: the current window of each runtime that uses it (a
/// client shared by several runtimes, one per worker thread, keeps one window per runtime
/// instead of starting a timer task per request as the runtimes take turns).
#[derive(Debug, Default)]
pub(crate) struct SharedDeadlines {
    current: Mutex<Vec<Window>>,
}

/// One shared deadline, kept by a task of the runtime that made it.
#[derive(Debug)]
struct Window {
    runtime: Id,
    at: Instant,
    expired: Arc<Expiry>,
}

#[derive(Debug, Default)]
struct Expiry {
    fired: AtomicBool,
    notify: Notify,
}

impl Expiry {
    fn fire(&self) {
        self.fired.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }

    async fn wait(&self) {
        loop {
            let mut notified = pin!(self.notify.notified());
            notified.as_mut().enable();
            if self.fired.load(Ordering::Acquire) {
                return;
            }
            notified.await;
        }
    }
}

/// The deadline passed before the work finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Elapsed;

impl SharedDeadlines {
    /// Runs `work` until it finishes or `timeout` (plus at most `timeout / 16`) elapses. Called
    /// within a Tokio runtime with timers enabled, as `reqwest` itself requires.
    pub(crate) async fn run<F: Future>(&self, timeout: Duration, work: F) -> Result<F::Output, Elapsed> {
        let Some(expired) = self.window(timeout) else {
            // No runtime handle to keep a shared timer in: a timer of this attempt's own.
            return tokio::time::timeout(timeout, work).await.map_err(|_| Elapsed);
        };
        let mut work = pin!(work);
        let mut expiry = pin!(expired.wait());
        std::future::poll_fn(|cx| {
            if let Poll::Ready(output) = work.as_mut().poll(cx) {
                return Poll::Ready(Ok(output));
            }
            expiry.as_mut().poll(cx).map(|()| Err(Elapsed))
        })
        .await
    }

    /// The expiry of a window that ends between `timeout` and `timeout + timeout / 16` from
    /// now, started if needed; `None` outside a runtime or for an unrepresentable time.
    fn window(&self, timeout: Duration) -> Option<Arc<Expiry>> {
        let runtime = Handle::try_current().ok()?;
        let earliest = Instant::now().checked_add(timeout)?;
        let width = timeout.checked_div(WINDOWS).unwrap_or_default().max(Duration::from_millis(1));
        let id = runtime.id();
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        // Windows that have fired (or whose runtime dropped their task) are of no further use.
        current.retain(|window| !window.expired.fired.load(Ordering::Acquire));
        let mine = current.iter().position(|window| window.runtime == id);
        if let Some(window) = mine.and_then(|i| current.get(i))
            && window.at >= earliest
            && window.at.duration_since(earliest) <= width
        {
            return Some(window.expired.clone());
        }
        let at = earliest.checked_add(width)?;
        let expired = Arc::new(Expiry::default());
        let timer = FireOnDrop(expired.clone());
        runtime.spawn(async move {
            tokio::time::sleep_until(at).await;
            drop(timer);
        });
        let window = Window { runtime: id, at, expired: expired.clone() };
        match mine.and_then(|i| current.get_mut(i)) {
            Some(slot) => *slot = window,
            None => current.push(window),
        }
        Some(expired)
    }
}

/// Fires its expiry when dropped: when the timer task ends, and also when it never does (a
/// runtime shutting down drops its tasks unfinished), so that no waiter is left waiting.
struct FireOnDrop(Arc<Expiry>);

impl Drop for FireOnDrop {
    fn drop(&mut self) {
        self.0.fire();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn work_that_never_ends_times_out_within_a_sixteenth_of_the_timeout() {
        let deadlines = SharedDeadlines::default();
        let started = Instant::now();
        let outcome = deadlines.run(Duration::from_secs(16), std::future::pending::<()>()).await;
        assert_eq!(outcome, Err(Elapsed));
        let waited = started.elapsed();
        assert!(waited >= Duration::from_secs(16) && waited <= Duration::from_secs(17), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn finished_work_is_not_cut_short_and_attempts_close_together_share_a_window() {
        let deadlines = SharedDeadlines::default();
        assert_eq!(deadlines.run(Duration::from_secs(16), async { 7 }).await, Ok(7));
        let first = deadlines.window(Duration::from_secs(16)).unwrap();
        tokio::time::advance(Duration::from_millis(500)).await;
        let second = deadlines.window(Duration::from_secs(16)).unwrap();
        assert!(Arc::ptr_eq(&first, &second), "attempts within one window share its deadline");
        tokio::time::advance(Duration::from_millis(600)).await;
        let third = deadlines.window(Duration::from_secs(16)).unwrap();
        assert!(!Arc::ptr_eq(&first, &third), "a later attempt never gets a deadline too soon");
    }

    #[tokio::test(start_paused = true)]
    async fn every_waiter_of_a_window_is_released() {
        let deadlines = Arc::new(SharedDeadlines::default());
        let waiters: Vec<_> = (0..50)
            .map(|_| {
                let deadlines = deadlines.clone();
                tokio::spawn(async move { deadlines.run(Duration::from_secs(2), std::future::pending::<()>()).await })
            })
            .collect();
        for waiter in waiters {
            assert_eq!(waiter.await.unwrap(), Err(Elapsed));
        }
    }

    /// A client shared by several runtimes (one current-thread runtime per worker thread, as
    /// actix-web runs them) keeps a window per runtime: requests from alternating runtimes do
    /// not each start a new timer task that lives for the whole timeout.
    #[test]
    fn alternating_runtimes_each_keep_their_window() {
        let deadlines = SharedDeadlines::default();
        let runtime =
            || tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
        let (a, b) = (runtime(), runtime());
        let timeout = Duration::from_secs(16);
        let first = a.block_on(async { deadlines.window(timeout) }).unwrap();
        let other = b.block_on(async { deadlines.window(timeout) }).unwrap();
        let again = a.block_on(async { deadlines.window(timeout) }).unwrap();
        let other_again = b.block_on(async { deadlines.window(timeout) }).unwrap();
        assert!(!Arc::ptr_eq(&first, &other), "a window is never shared across runtimes");
        assert!(Arc::ptr_eq(&first, &again), "runtime a's window survives a request from runtime b");
        assert!(Arc::ptr_eq(&other, &other_again), "runtime b's window survives a request from runtime a");
    }

    /// A timer task that never fires (dropped by a runtime shutting down) releases its waiters
    /// (as a timeout) instead of leaving them waiting for ever.
    #[test]
    fn waiters_are_released_when_the_timer_task_is_dropped() {
        let deadlines = Arc::new(SharedDeadlines::default());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let handle = runtime.handle().clone();
        drop(runtime);
        let (sender, outcome) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ =
                sender.send(handle.block_on(deadlines.run(Duration::from_millis(20), std::future::pending::<()>())));
        });
        // Generous: the wait is a hang detector, not a timing assertion.
        assert_eq!(outcome.recv_timeout(Duration::from_secs(30)), Ok(Err(Elapsed)));
    }

    #[test]
    fn a_window_of_a_finished_runtime_is_not_reused() {
        let deadlines = SharedDeadlines::default();
        for _ in 0..2 {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
            let outcome = runtime.block_on(deadlines.run(Duration::from_millis(20), std::future::pending::<()>()));
            assert_eq!(outcome, Err(Elapsed));
        }
    }
}
