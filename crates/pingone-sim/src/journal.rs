//! The journal: one entry per exchange (method, path, status, content types, latency, fault).
//! Paths only — query strings (which carry `state`, `code_challenge`, ...) are never recorded, nor
//! are headers or bodies.

use std::fs::File;
use std::io::Write;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

/// One exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
}

#[derive(Debug, Default)]
pub(crate) struct Journal {
    entries: Mutex<Vec<JournalEntry>>,
    file: Option<Mutex<File>>,
}

impl Journal {
    pub(crate) fn new(file: Option<File>) -> Self {
        Self { entries: Mutex::new(Vec::new()), file: file.map(Mutex::new) }
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
