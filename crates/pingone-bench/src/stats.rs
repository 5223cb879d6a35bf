//! Medians and percentiles.

use std::time::Duration;

pub(crate) fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted.get(rank.min(sorted.len() - 1)).copied().unwrap_or_default()
}

pub(crate) fn median(samples: &[Duration]) -> Duration {
    percentile(samples, 50.0)
}

pub(crate) fn mean(samples: &[Duration]) -> Duration {
    let total: Duration = samples.iter().sum();
    total.checked_div(u32::try_from(samples.len()).unwrap_or(u32::MAX)).unwrap_or_default()
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Peak resident set size of this process (VmHWM), in MiB.
pub(crate) fn peak_rss_mib() -> f64 {
    status_kib("VmHWM:", "self") / 1024.0
}

/// A `/proc/{pid}/status` field in KiB.
pub(crate) fn status_kib(field: &str, pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0.0)
}
