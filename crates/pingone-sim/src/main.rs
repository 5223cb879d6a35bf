//! `pingone-sim`: runs the simulator until Ctrl-C or SIGTERM.
//!
//! Prints exactly one JSON line to stdout when ready (`management_base`, `auth_base`,
//! `environment_id`, `worker_client_id`, `worker_client_secret`, `outbox_url`, `controls_url`);
//! logs go to stderr.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use pingone_sim::{CookiePolicy, FaultRates, SigningKey, SimConfig, Simulator, SsoMode};

/// An offline PingOne for the Email MFA workflow: management API, flows, OIDC, an e-mail outbox.
///
/// Prints one JSON line when ready (management_base, auth_base, environment_id,
/// worker_client_id, worker_client_secret, outbox_url, controls_url), then serves until Ctrl-C
/// or SIGTERM.
#[derive(Debug, Parser)]
#[command(name = "pingone-sim", version, after_long_help = CONTROLS)]
struct Args {
    /// Listen address; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    bind: SocketAddr,

    /// Delay every response by this many milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,

    /// Add a random extra delay in [0, N) milliseconds to every response.
    #[arg(long, value_name = "N", default_value_t = 0)]
    jitter_ms: u64,

    /// Probability in [0, 1] that a request gets a fault (429, 500, 503 or a dropped
    /// connection, equally likely).
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = probability)]
    fault_rate: f64,

    /// Make IDs, passcodes and faults reproducible [default: none, OS randomness].
    #[arg(long, value_name = "N")]
    seed: Option<u64>,

    /// Also append every exchange to FILE as JSON lines [default: none].
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,

    /// Sign tokens with the RSA key in FILE (PEM, PKCS#8), the same key every run [default: none,
    /// a fresh 2048-bit key generated in the background; the first token waits for it].
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,

    /// Whether flow calls and resume must carry the flow's cookie (ST-NO-SS or ST).
    #[arg(long, value_enum, default_value_t = Cookies::Strict)]
    cookies: Cookies,

    /// What authorize does with a live ST session cookie: on, the session identifies the user
    /// (actions whose condition says the last sign-on is recent are skipped); off, ignored.
    #[arg(long, value_enum, default_value_t = Sso::On)]
    sso: Sso,

    /// A session (ST) unused for this long is gone (e.g. 30d, 8h).
    #[arg(long, value_name = "DURATION", default_value = "30days", value_parser = duration)]
    session_idle_timeout: Duration,

    /// A flow idle for this long is gone (e.g. 15m, 90s).
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = duration)]
    flow_idle_timeout: Duration,

    /// Lifetime of authorization codes.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = duration)]
    code_lifetime: Duration,

    /// Lifetime of worker and user access tokens.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = duration)]
    token_lifetime: Duration,

    /// Page size of the users list when a request gives no limit.
    #[arg(long, value_name = "N", default_value_t = 100)]
    users_page_size: usize,

    /// The default environment's ID [default: random, or from --seed].
    #[arg(long, value_name = "ID")]
    environment_id: Option<String>,

    /// Base URL of the hosted sign-on page that authorize redirects to [default: the
    /// simulator's own base URL, which serves a placeholder page].
    #[arg(long, value_name = "URL")]
    apps_base: Option<String>,

    /// How many journal entries to keep in memory, newest first (--journal still gets them all).
    #[arg(long, value_name = "N", default_value_t = SimConfig::default().journal_capacity)]
    journal_capacity: usize,

    /// How many e-mails each environment's outbox keeps, newest first.
    #[arg(long, value_name = "N", default_value_t = SimConfig::default().outbox_capacity)]
    outbox_capacity: usize,

    /// How many environments may exist at once, the default one included.
    #[arg(long, value_name = "N", default_value_t = SimConfig::default().max_environments)]
    max_environments: usize,

    /// Serve the /__sim/ controls on a non-loopback bind too. Anyone who reaches the port can
    /// then read passcodes and reset the simulator [default: off].
    #[arg(long)]
    allow_remote_controls: bool,
}

const CONTROLS: &str = "\
Controls (JSON; loopback binds only, unless --allow-remote-controls):
  GET    /__sim/health                      status, environments, journal size, uptime
  POST   /__sim/reset                       delete created environments, reset the default one, empty the journal
  POST   /__sim/environments                a fresh, isolated environment: its ID, URLs and worker credentials
  GET    /__sim/environments                every environment
  GET    /__sim/environments/{id}           one environment, with its flow, code and e-mail counts
  DELETE /__sim/environments/{id}           delete a created environment
Per environment, under /__sim/environments/{id}/ or, for the default one, under /__sim/:
  GET    clock                              {\"now\", \"unix\", \"offsetMs\"}
  POST   clock                              {\"advance\": \"90s\"} | {\"advanceSeconds\": 90} | {\"set\": \"2030-01-01T00:00:00Z\"} | {\"reset\": true}
  GET    latency, PUT latency               {\"fixedMs\": 50, \"jitterMs\": 10}
  GET    faults, DELETE faults              rates, queued script, injected count; DELETE clears
  PUT    faults                             {\"rates\": {\"tooManyRequests\": 0.1, \"serverError\": 0, \"unavailable\": 0.1, \"dropConnection\": 0,
                                             \"dropAfterCommit\": 0, \"retryAfterSecs\": 1}, \"seed\": 7} | {\"uniform\": 0.2, \"seed\": 7}
  POST   faults/script                      {\"kind\": \"429\"|\"500\"|\"503\"|\"drop\"|\"drop-after-commit\", \"method\": \"POST\",
                                             \"pathContains\": \"/users\", \"retryAfterSecs\": 2, \"times\": 1} (or {\"faults\": [...]})
  GET    outbox?to=ADDRESS&wait=5s          e-mails (with otp); with wait: the next unread one to ADDRESS, waiting up to 60 s
  GET    journal?method=&path=&status=&faults=true&since=N&limit=N[&environment=ID]
";

/// `--cookies`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Cookies {
    /// Every flow call and resume needs the cookie (401 INVALID_TOKEN without).
    Strict,
    /// Cookies are set but never checked.
    Off,
}

/// `--sso`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Sso {
    /// A live ST session identifies the user at authorize.
    On,
    /// ST is ignored at authorize.
    Off,
}

fn probability(text: &str) -> Result<f64, String> {
    let p: f64 = text.parse().map_err(|e| format!("{e}"))?;
    if (0.0..=1.0).contains(&p) { Ok(p) } else { Err("must be between 0 and 1".into()) }
}

fn duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| e.to_string())
}

impl Args {
    fn config(self) -> Result<SimConfig, String> {
        let signing_key = match &self.key {
            Some(path) => {
                let pem = std::fs::read_to_string(path).map_err(|e| format!("--key {}: {e}", path.display()))?;
                Some(SigningKey::from_pem(&pem).map_err(|e| format!("--key {}: {e}", path.display()))?)
            }
            None => None,
        };
        Ok(SimConfig {
            signing_key,
            bind: self.bind,
            latency: Duration::from_millis(self.latency_ms),
            latency_jitter: Duration::from_millis(self.jitter_ms),
            faults: FaultRates::uniform(self.fault_rate),
            seed: self.seed,
            journal_file: self.journal,
            cookies: match self.cookies {
                Cookies::Strict => CookiePolicy::Strict,
                Cookies::Off => CookiePolicy::Off,
            },
            sso: match self.sso {
                Sso::On => SsoMode::On,
                Sso::Off => SsoMode::Off,
            },
            session_idle_timeout: self.session_idle_timeout,
            flow_idle_timeout: self.flow_idle_timeout,
            code_lifetime: self.code_lifetime,
            token_lifetime: self.token_lifetime,
            users_page_size: self.users_page_size,
            environment_id: self.environment_id,
            apps_base: self.apps_base,
            journal_capacity: self.journal_capacity,
            outbox_capacity: self.outbox_capacity,
            max_environments: self.max_environments,
            allow_remote_controls: self.allow_remote_controls,
        })
    }
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_target(false).init();
    let config = match Args::parse().config() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("pingone-sim: {e}");
            return ExitCode::from(2);
        }
    };
    let sim = match Simulator::start(config).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("pingone-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ready = serde_json::json!({
        "management_base": sim.management_base(),
        "auth_base": sim.auth_base(),
        "environment_id": sim.environment_id(),
        "worker_client_id": sim.worker_client_id(),
        "worker_client_secret": sim.worker_client_secret(),
        "outbox_url": sim.outbox_url(),
        "controls_url": sim.controls_url(),
    });
    println!("{ready}");
    wait_for_stop().await;
    tracing::info!("stopping");
    sim.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    #[test]
    fn flags_parse_and_defaults_match_the_library() {
        Args::command().debug_assert();
        let defaults = Args::try_parse_from(["pingone-sim"]).unwrap().config().unwrap();
        let library = SimConfig::default();
        assert_eq!(defaults.bind, library.bind);
        assert_eq!(defaults.flow_idle_timeout, library.flow_idle_timeout);
        assert_eq!(defaults.code_lifetime, library.code_lifetime);
        assert_eq!(defaults.token_lifetime, library.token_lifetime);
        assert_eq!(defaults.users_page_size, library.users_page_size);
        assert_eq!(defaults.cookies, library.cookies);
        assert_eq!(defaults.sso, library.sso);
        assert_eq!(defaults.session_idle_timeout, library.session_idle_timeout);
        assert_eq!(defaults.journal_capacity, library.journal_capacity);
        assert_eq!(defaults.outbox_capacity, library.outbox_capacity);
        assert_eq!(defaults.max_environments, library.max_environments);
        assert_eq!(defaults.allow_remote_controls, library.allow_remote_controls);
        let set = Args::try_parse_from([
            "pingone-sim",
            "--bind",
            "127.0.0.1:8080",
            "--fault-rate",
            "0.2",
            "--code-lifetime",
            "5m",
            "--cookies",
            "off",
            "--sso",
            "off",
            "--session-idle-timeout",
            "8h",
        ])
        .unwrap()
        .config()
        .unwrap();
        assert_eq!(set.bind.port(), 8080);
        assert_eq!(set.code_lifetime, Duration::from_secs(300));
        assert_eq!(set.cookies, CookiePolicy::Off);
        assert_eq!(set.sso, SsoMode::Off);
        assert_eq!(set.session_idle_timeout, Duration::from_secs(8 * 3600));
        assert!(Args::try_parse_from(["pingone-sim", "--cookies", "actions-only"]).is_err());
        assert!((set.faults.server_error - 0.05).abs() < 1e-9);
        assert!(Args::try_parse_from(["pingone-sim", "--fault-rate", "2"]).is_err());
        assert!(Args::try_parse_from(["pingone-sim", "--flow-idle-timeout", "soon"]).is_err());
    }
}
