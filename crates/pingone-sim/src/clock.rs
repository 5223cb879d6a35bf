//! The simulator's clock: the system clock plus an offset that tests can move, so that OTP,
//! code, token and flow expiry can be tested without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The last second RFC 3339 can write with a four-digit year (9999-12-31T23:59:59Z).
const LATEST_SECS: u64 = 253_402_300_799;

/// A clock that tests can move. Clones share the same offset.
#[derive(Debug, Clone, Default)]
pub struct SimClock {
    /// Signed offset from the system clock, in milliseconds.
    offset_ms: Arc<AtomicI64>,
}

impl SimClock {
    /// The simulated current time, kept between 1970 and the end of year 9999.
    #[must_use]
    pub fn now(&self) -> SystemTime {
        let offset = self.offset_ms.load(Ordering::Relaxed);
        let system = millis_since_epoch(SystemTime::now());
        let millis = system.saturating_add(offset).clamp(0, i64::try_from(LATEST_SECS * 1000).unwrap_or(i64::MAX));
        UNIX_EPOCH + Duration::from_millis(millis.unsigned_abs())
    }

    /// Moves simulated time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let _ = self.offset_ms.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| Some(o.saturating_add(by)));
    }

    /// Sets the simulated time to `at` (it then runs on from there).
    pub fn set(&self, at: SystemTime) {
        let offset = millis_since_epoch(at).saturating_sub(millis_since_epoch(SystemTime::now()));
        self.offset_ms.store(offset, Ordering::Relaxed);
    }

    /// Back to the system clock.
    pub fn reset(&self) {
        self.offset_ms.store(0, Ordering::Relaxed);
    }

    /// How far the simulated time is ahead of the system clock (negative: behind), in
    /// milliseconds.
    #[must_use]
    pub fn offset_millis(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Seconds since the Unix epoch, simulated.
    #[must_use]
    pub fn unix(&self) -> u64 {
        self.now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
    }

    /// The simulated time as an RFC 3339 UTC timestamp with milliseconds.
    #[must_use]
    pub fn rfc3339(&self) -> String {
        rfc3339(self.now())
    }
}

fn millis_since_epoch(at: SystemTime) -> i64 {
    match at.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |m| -m),
    }
}

/// Formats a time as `YYYY-MM-DDTHH:MM:SS.mmmZ` (clamped to 1970..=9999, which is all RFC 3339
/// can write).
pub(crate) fn rfc3339(at: SystemTime) -> String {
    let latest = UNIX_EPOCH + Duration::from_secs(LATEST_SECS);
    humantime::format_rfc3339_millis(at.clamp(UNIX_EPOCH, latest)).to_string()
}

/// The time `unix` seconds after the epoch, as RFC 3339.
pub(crate) fn rfc3339_unix(unix: u64) -> String {
    rfc3339(UNIX_EPOCH + Duration::from_secs(unix.min(LATEST_SECS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_736_499_600_123);
        assert_eq!(rfc3339(t), "2025-01-10T09:00:00.123Z");
        let leap = SystemTime::UNIX_EPOCH + Duration::from_secs(951_825_600);
        assert_eq!(rfc3339(leap), "2000-02-29T12:00:00.000Z");
        assert_eq!(rfc3339_unix(u64::MAX), "9999-12-31T23:59:59.000Z");
    }

    #[test]
    fn advances_sets_and_stays_in_range() {
        let clock = SimClock::default();
        let before = clock.unix();
        clock.advance(Duration::from_secs(3600));
        assert!(clock.unix() >= before + 3600);
        let at = humantime::parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
        clock.set(at);
        assert!(clock.rfc3339().starts_with("2030-01-01T00:00:0"), "{}", clock.rfc3339());
        clock.advance(Duration::MAX);
        assert_eq!(clock.rfc3339(), "9999-12-31T23:59:59.000Z");
        clock.set(UNIX_EPOCH);
        assert!(clock.offset_millis() < 0);
        clock.reset();
        assert_eq!(clock.offset_millis(), 0);
    }
}
