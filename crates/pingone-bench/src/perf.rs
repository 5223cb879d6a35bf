//! Sampling profiles with Linux `perf` (Debian: `linux-perf`): a software clock (`cpu-clock`,
//! which needs no hardware counters), self time per symbol, grouped into modules.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Whether `perf` can be run.
pub(crate) fn available() -> bool {
    Command::new("perf")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A `perf record` of one process for a fixed time.
pub(crate) struct Recording {
    child: Child,
    file: PathBuf,
}

/// One symbol's share of the samples.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub percent: f64,
    pub dso: String,
    pub symbol: String,
}

impl Recording {
    /// Samples `pid` at `hz` for `duration`.
    pub(crate) fn start(pid: u32, hz: u32, duration: Duration, name: &str) -> Result<Self, String> {
        Self::spawn(pid, hz, duration, name, false)
    }

    /// As [`start`](Self::start), with call stacks (unwound from DWARF: release builds keep no
    /// frame pointers), for [`inclusive`](Self::inclusive).
    pub(crate) fn start_with_stacks(pid: u32, hz: u32, duration: Duration, name: &str) -> Result<Self, String> {
        Self::spawn(pid, hz, duration, name, true)
    }

    fn spawn(pid: u32, hz: u32, duration: Duration, name: &str, stacks: bool) -> Result<Self, String> {
        let file = std::env::temp_dir().join(format!("pingone-bench-{}-{name}.perf", std::process::id()));
        let mut command = Command::new("perf");
        command.args(["record", "-q", "-e", "cpu-clock", "-F", &hz.to_string(), "-p", &pid.to_string()]);
        if stacks {
            command.args(["--call-graph", "dwarf,16384"]);
        }
        let child = command
            .arg("-o")
            .arg(&file)
            .args(["--", "sleep", &format!("{:.2}", duration.as_secs_f64())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("perf record: {e}"))?;
        Ok(Self { child, file })
    }

    /// Whether the recording has ended.
    pub(crate) fn finished(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits for the end and reads the samples: self time per symbol, largest first.
    pub(crate) fn report(&mut self) -> Result<Vec<Entry>, String> {
        let _ = self.child.wait();
        self.read(&["--no-children", "--sort", "dso,sym", "--percent-limit", "0"])
    }

    /// Inclusive time (the function and everything it called) of the symbols whose name
    /// starts with `prefix`, largest first; needs [`start_with_stacks`](Self::start_with_stacks).
    pub(crate) fn inclusive(&mut self, prefix: &str) -> Result<Vec<Entry>, String> {
        let _ = self.child.wait();
        let entries = self.read(&["--children", "--sort", "dso,sym", "-g", "none", "--percent-limit", "0.5"])?;
        Ok(entries.into_iter().filter(|e| e.symbol.starts_with(prefix)).collect())
    }

    fn read(&self, args: &[&str]) -> Result<Vec<Entry>, String> {
        let output = Command::new("perf")
            .args(["report", "--stdio"])
            .args(args)
            .arg("-i")
            .arg(&self.file)
            .stderr(Stdio::null())
            .output()
            .map_err(|e| format!("perf report: {e}"))?;
        let text = String::from_utf8_lossy(&output.stdout);
        let entries: Vec<Entry> = text.lines().filter_map(parse_line).collect();
        if entries.is_empty() { Err("perf recorded no samples".into()) } else { Ok(entries) }
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.file);
    }
}

/// `    12.34%  pingone-sim  [.] pingone_sim::flows::actions::find_user` (self time), or with
/// `--children` `    40.00%     0.10%  pingone-sim  [.] …` (inclusive, then self: the first is kept).
fn parse_line(line: &str) -> Option<Entry> {
    let line = line.trim();
    if line.starts_with('#') {
        return None;
    }
    let (percent, mut rest) = line.split_once('%')?;
    let percent: f64 = percent.trim().parse().ok()?;
    if let Some((second, after)) = rest.split_once('%')
        && second.trim().parse::<f64>().is_ok()
    {
        rest = after;
    }
    let rest = rest.trim_start();
    let (dso, rest) = rest.split_once(char::is_whitespace)?;
    let rest = rest.trim_start();
    let symbol = rest.strip_prefix("[.]").or_else(|| rest.strip_prefix("[k]")).unwrap_or(rest).trim();
    Some(Entry { percent, dso: dso.to_owned(), symbol: symbol.to_owned() })
}

/// The module a symbol belongs to: the kernel, the C library, aws-lc (crypto), or the Rust
/// crate that defines it (the first path segment; `<A as B>::f` counts for `A`'s crate).
pub(crate) fn module(entry: &Entry) -> String {
    if entry.dso.starts_with("[kernel") || entry.dso == "[unknown]" && entry.symbol.starts_with("0xffff") {
        return "kernel (syscalls, TCP loopback, scheduling)".into();
    }
    if entry.dso.starts_with("libc") || entry.dso.starts_with("ld-linux") {
        return match entry.symbol.as_str() {
            s if s.contains("malloc") || s.contains("free") || s.contains("realloc") || s.starts_with("_int_") => {
                "libc malloc/free".into()
            }
            s if s.starts_with("__mem") || s.starts_with("mem") => "libc memcpy/memset/memcmp".into(),
            _ => "libc other".into(),
        };
    }
    let mut symbol = entry.symbol.as_str();
    for prefix in ["<", "&", "*", " ", "mut ", "dyn ", "const "] {
        symbol = symbol.trim_start_matches(prefix);
    }
    if symbol.starts_with("aws_lc_") || symbol.starts_with("bn_") || symbol.contains("_asm") {
        return "aws-lc (RSA, AES-GCM, SHA-256 in C)".into();
    }
    let mut crate_name = symbol.split("::").next().unwrap_or(symbol);
    // `<A as B>::f`: A's crate, unless A is a primitive or std type (then the trait's crate).
    if let Some((own, trait_path)) = crate_name.split_once(" as ") {
        let primitive = matches!(own, "str" | "bool" | "char" | "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64")
            || own.starts_with('[')
            || own.starts_with('(');
        crate_name = if primitive { trait_path } else { own };
    }
    match crate_name {
        "core" | "alloc" | "std" => "Rust std (drops, clones, fmt, collections)".into(),
        "__rustc" => "Rust allocator entry points".into(),
        "[unknown]" | "" => "unresolved".into(),
        name if !symbol.contains("::") => format!("other ({name})"),
        name => name.to_owned(),
    }
}

/// Shares per module, largest first.
pub(crate) fn by_module(entries: &[Entry]) -> Vec<(String, f64)> {
    let mut totals: std::collections::BTreeMap<String, f64> = std::collections::BTreeMap::new();
    for entry in entries {
        *totals.entry(module(entry)).or_default() += entry.percent;
    }
    let mut out: Vec<(String, f64)> = totals.into_iter().collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// A symbol shortened for a table row.
pub(crate) fn short(symbol: &str, width: usize) -> String {
    // Drop the hash suffix of legacy-mangled names.
    let symbol = symbol.rsplit_once("::h").filter(|(_, h)| h.len() == 16).map_or(symbol, |(s, _)| s);
    if symbol.chars().count() <= width {
        symbol.to_owned()
    } else {
        let tail: String =
            symbol.chars().rev().take(width.saturating_sub(1)).collect::<Vec<_>>().into_iter().rev().collect();
        format!("…{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_parse_into_modules() {
        let rust = parse_line("    12.34%  pingone-sim       [.] pingone_sim::flows::actions::find_user").unwrap();
        assert!((rust.percent - 12.34).abs() < 1e-9);
        assert_eq!(module(&rust), "pingone_sim");
        let kernel = parse_line("     1.00%  [kernel.kallsyms]  [k] _raw_spin_unlock_irqrestore").unwrap();
        assert!(module(&kernel).starts_with("kernel"));
        let malloc = parse_line("     0.50%  libc.so.6          [.] _int_malloc").unwrap();
        assert_eq!(module(&malloc), "libc malloc/free");
        let rsa = parse_line("     9.00%  pingone-sim        [.] aws_lc_0_32_0_bn_mul_mont").unwrap();
        assert!(module(&rsa).starts_with("aws-lc"));
        let trait_impl =
            parse_line("     2.00%  pingone-bench  [.] <serde_json::value::Value as core::clone::Clone>::clone")
                .unwrap();
        assert_eq!(module(&trait_impl), "serde_json");
        let on_str =
            parse_line("     9.10%  pingone-sim  [.] <str as serde_json::value::index::Index>::index_into").unwrap();
        assert_eq!(module(&on_str), "serde_json");
        assert!(parse_line("# Overhead  Shared Object").is_none());
        let inclusive =
            parse_line("    40.00%     0.10%  pingone-sim  [.] pingone_sim::flows::Flow::start_mfa").unwrap();
        assert!((inclusive.percent - 40.0).abs() < 1e-9);
        assert_eq!(inclusive.symbol, "pingone_sim::flows::Flow::start_mfa");
        assert_eq!(short("a::b::h0123456789abcdef", 10), "a::b");
    }
}
