//! The journal: one entry per exchange (method, path, status, content types, latency, fault).
//! Paths only — query strings (which carry `state`, `code_challenge`, ...) are never recorded, nor
//! are headers or bodies. It keeps the newest
//! [`SimConfig::journal_capacity`](crate::SimConfig::journal_capacity) entries of the whole
//! simulator (the journal file, if any, gets them all).

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

/// One exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// The environment the request was for (`None`: a path of no environment).
    pub environment: Option<String>,
    /// When the request arrived (simulated time, RFC 3339).
    pub at: String,
    /// The method.
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The status sent (`0` when the connection was dropped).
    pub status: u16,
    /// The request's `Content-Type`.
    pub request_content_type: Option<String>,
    /// The response's `Content-Type`.
    pub response_content_type: Option<String>,
    /// Time spent answering, in milliseconds (injected latency included).
    pub latency_ms: u64,
    /// The injected fault, if any.
    pub fault: Option<&'static str>,
    /// How many exchanges had completed when this one arrived: an exchange `b` can depend on
    /// an exchange `a` only if `a.completion <= b.completed_before`.
    pub completed_before: u64,
    /// This exchange's place in completion order (1-based).
    pub completion: u64,
}

/// The number of sequential request levels among `entries`: the longest chain in which each
/// exchange arrived after the previous one completed. With per-request latency, concurrent
/// requests share a level; dependent ones cannot.
#[must_use]
pub fn request_levels(entries: &[JournalEntry]) -> usize {
    let mut by_completion: Vec<&JournalEntry> = entries.iter().collect();
    by_completion.sort_by_key(|e| e.completion);
    let mut level_at: Vec<(u64, usize)> = Vec::new();
    let mut deepest = 0;
    for entry in by_completion {
        let before = level_at.iter().filter(|(c, _)| *c <= entry.completed_before).map(|(_, l)| *l).max().unwrap_or(0);
        let level = before + 1;
        deepest = deepest.max(level);
        level_at.push((entry.completion, level));
    }
    deepest
}

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub(crate) struct JournalFilter {
    pub environment: Option<String>,
    pub method: Option<String>,
    pub path_contains: Option<String>,
    pub status: Option<u16>,
    pub faults_only: bool,
    /// Only entries that completed after this one (`completion > since`).
    pub since: Option<u64>,
    /// At most this many, the newest.
    pub limit: Option<usize>,
}

impl JournalFilter {
    fn matches(&self, e: &JournalEntry) -> bool {
        self.environment.as_deref().is_none_or(|env| e.environment.as_deref() == Some(env))
            && self.method.as_deref().is_none_or(|m| e.method.eq_ignore_ascii_case(m))
            && self.path_contains.as_deref().is_none_or(|p| e.path.contains(p))
            && self.status.is_none_or(|s| e.status == s)
            && (!self.faults_only || e.fault.is_some())
            && self.since.is_none_or(|since| e.completion > since)
    }
}

#[derive(Debug)]
pub(crate) struct Journal {
    completed: std::sync::atomic::AtomicU64,
    entries: Mutex<VecDeque<JournalEntry>>,
    capacity: usize,
    file: Option<Mutex<File>>,
}

impl Journal {
    /// A journal that keeps the newest `capacity` entries in memory (`0`: none).
    pub(crate) fn new(capacity: usize, file: Option<File>) -> Self {
        Self {
            completed: std::sync::atomic::AtomicU64::new(0),
            entries: Mutex::new(VecDeque::new()),
            capacity,
            file: file.map(Mutex::new),
        }
    }

    /// How many exchanges have completed so far.
    pub(crate) fn completed(&self) -> u64 {
        self.completed.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Numbers a completed exchange.
    pub(crate) fn complete(&self) -> u64 {
        self.completed.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1
    }

    pub(crate) fn record(&self, entry: JournalEntry) {
        if let Some(file) = &self.file
            && let Ok(line) = serde_json::to_string(&entry)
        {
            let mut file = file.lock().unwrap_or_else(PoisonError::into_inner);
            if let Err(e) = writeln!(file, "{line}") {
                tracing::warn!(error = %e, "could not write the journal file");
            }
        }
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        while entries.len() >= self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<JournalEntry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn entries(&self) -> Vec<JournalEntry> {
        self.lock().iter().cloned().collect()
    }

    /// The kept entries that match, oldest first.
    pub(crate) fn query(&self, filter: &JournalFilter) -> Vec<JournalEntry> {
        let entries = self.lock();
        let mut out: Vec<JournalEntry> = entries.iter().filter(|e| filter.matches(e)).cloned().collect();
        if let Some(limit) = filter.limit {
            out.drain(..out.len().saturating_sub(limit));
        }
        out
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(env: &str, method: &str, path: &str, status: u16, completion: u64) -> JournalEntry {
        JournalEntry {
            environment: Some(env.into()),
            at: String::new(),
            method: method.into(),
            path: path.into(),
            status,
            request_content_type: None,
            response_content_type: None,
            latency_ms: 0,
            fault: None,
            completed_before: completion - 1,
            completion,
        }
    }

    #[test]
    fn keeps_the_newest_entries_and_filters() {
        let journal = Journal::new(3, None);
        for i in 1..=5 {
            journal.record(entry(if i % 2 == 0 { "a" } else { "b" }, "GET", &format!("/p{i}"), 200, i));
        }
        let kept: Vec<String> = journal.entries().into_iter().map(|e| e.path).collect();
        assert_eq!(kept, ["/p3", "/p4", "/p5"]);
        let only_b = journal.query(&JournalFilter { environment: Some("b".into()), ..JournalFilter::default() });
        assert_eq!(only_b.len(), 2);
        let since = journal.query(&JournalFilter { since: Some(4), ..JournalFilter::default() });
        assert_eq!(since.len(), 1);
        let newest = journal.query(&JournalFilter { limit: Some(2), ..JournalFilter::default() });
        assert_eq!(newest.iter().map(|e| e.completion).collect::<Vec<_>>(), [4, 5]);
        journal.clear();
        assert_eq!(journal.len(), 0);
        let none = Journal::new(0, None);
        none.record(entry("a", "GET", "/", 200, 1));
        assert!(none.entries().is_empty());
    }
}
