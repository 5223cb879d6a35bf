//! CPU time: this process's (every thread, nanosecond precision) and another process's (from
//! `/proc`, in clock ticks).

use std::time::Duration;

use rustix::time::{ClockId, clock_gettime};

/// CPU time this process has used so far, all threads, user and system
/// (`CLOCK_PROCESS_CPUTIME_ID`).
pub(crate) fn own() -> Duration {
    let t = clock_gettime(ClockId::ProcessCPUTime);
    Duration::new(u64::try_from(t.tv_sec).unwrap_or(0), u32::try_from(t.tv_nsec).unwrap_or(0))
}

/// CPU time process `pid` has used so far (user + system, all threads, from
/// `/proc/{pid}/stat`; clock-tick precision, 10 ms on most systems).
pub(crate) fn of_process(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
    let ticks: u64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
    let per_second = rustix::param::clock_ticks_per_second().max(1);
    Duration::from_secs_f64(ticks as f64 / per_second as f64)
}

/// Microseconds, as a float.
pub(crate) fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
