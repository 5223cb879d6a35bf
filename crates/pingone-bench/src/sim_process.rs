//! The `pingone-sim` binary in a process of its own: found (and built if need be), spawned,
//! read from its JSON ready line, measured from `/proc`, killed when dropped.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::stats::status_kib;

/// The simulator process; killed when dropped.
pub(crate) struct SimProcess {
    child: Child,
    pub ready: Value,
    /// From exec to the ready line read.
    pub started_in: Duration,
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SimProcess {
    /// Starts the binary on a free loopback port, with `args` added, and waits for its ready line.
    pub(crate) fn spawn(args: &[&str]) -> Result<Self, String> {
        let binary = binary()?;
        let started = Instant::now();
        let mut child = Command::new(binary)
            .args(["--bind", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start pingone-sim: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map_err(|e| e.to_string())?;
        let started_in = started.elapsed();
        let ready = serde_json::from_str(&line).map_err(|e| format!("ready line {line:?}: {e}"))?;
        Ok(Self { child, ready, started_in })
    }

    /// From exec to exit of `pingone-sim --version`.
    pub(crate) fn time_version() -> Result<Duration, String> {
        let binary = binary()?;
        let started = Instant::now();
        let status = Command::new(binary).arg("--version").stdout(Stdio::null()).status().map_err(|e| e.to_string())?;
        if status.success() { Ok(started.elapsed()) } else { Err(format!("pingone-sim --version: {status}")) }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn rss_mib(&self) -> f64 {
        status_kib("VmRSS:", &self.pid().to_string()) / 1024.0
    }

    /// A string field of the ready line.
    pub(crate) fn field(&self, key: &str) -> String {
        self.ready[key].as_str().unwrap_or_default().to_owned()
    }
}

/// The next passcode mailed to `to`, from the outbox's long-poll wait (plain HTTP).
pub(crate) async fn outbox_otp(http: &reqwest::Client, outbox_url: &str, to: &str) -> Option<String> {
    let reply: Value =
        http.get(outbox_url).query(&[("to", to), ("wait", "10s")]).send().await.ok()?.json().await.ok()?;
    reply["messages"].get(0)?["otp"].as_str().map(str::to_owned)
}

/// `PINGONE_SIM_BIN`; or, run by cargo, `pingone-sim` built now with this program's profile
/// (so that the figures are never those of a stale binary); or `pingone-sim` next to this program.
fn binary() -> Result<PathBuf, String> {
    if let Ok(path) = std::env::var("PINGONE_SIM_BIN") {
        return Ok(path.into());
    }
    let own = std::env::current_exe().map_err(|e| e.to_string())?;
    let path = own.with_file_name(format!("pingone-sim{}", std::env::consts::EXE_SUFFIX));
    static BUILT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if let Ok(cargo) = std::env::var("CARGO")
        && !*BUILT.get_or_init(|| build(&cargo))
    {
        return Err("`cargo build -p pingone-sim` failed".into());
    }
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "{} not found: build it first with `cargo build --release -p pingone-sim` (or set PINGONE_SIM_BIN)",
            path.display()
        ))
    }
}

fn build(cargo: &str) -> bool {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    let mut command = Command::new(cargo);
    command.args(["build", "--quiet", "-p", "pingone-sim", "--bin", "pingone-sim", "--manifest-path", manifest]);
    if !cfg!(debug_assertions) {
        command.arg("--release");
    }
    command.status().is_ok_and(|s| s.success())
}
