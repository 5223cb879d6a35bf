//! The journal: one entry per exchange (method, path, status, content types, latency, fault).
//! Paths only — query strings (which carry `state`, `code_challenge`, ...) are never recorded, nor
//! are headers or bodies.

use std::fs::File;
use std::io::Write;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

/// One exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
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

#[derive(Debug, Default)]
pub(crate) struct Journal {
    completed: std::sync::atomic::AtomicU64,
    entries: Mutex<Vec<JournalEntry>>,
    file: Option<Mutex<File>>,
}

impl Journal {
    pub(crate) fn new(file: Option<File>) -> Self {
        Self {
            completed: std::sync::atomic::AtomicU64::new(0),
            entries: Mutex::new(Vec::new()),
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
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).push(entry);
    }

    pub(crate) fn entries(&self) -> Vec<JournalEntry> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}
