//! `pingone-sim`: runs the simulator until Ctrl-C or SIGTERM.
//!
//! Prints exactly one JSON line to stdout when ready (`management_base`, `auth_base`,
//! `environment_id`, `worker_client_id`, `worker_client_secret`, `outbox_url`); logs go to stderr.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use pingone_sim::{FaultRates, SimConfig, Simulator};

const USAGE: &str = "usage: pingone-sim [--bind ADDR] [--latency-ms N] [--fault-rate P] [--seed N] [--journal FILE]

  --bind ADDR       listen address (default 127.0.0.1:0, a free port)
  --latency-ms N    delay every response by N milliseconds
  --fault-rate P    probability in [0,1] that a request gets a fault (429, 500, 503 or a dropped
                    connection, equally likely)
  --seed N          make IDs, passcodes and faults reproducible
  --journal FILE    append every exchange to FILE as JSON lines";

fn parse(args: &[String]) -> Result<SimConfig, String> {
    let mut config = SimConfig::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--bind" => config.bind = value("--bind")?.parse::<SocketAddr>().map_err(|e| format!("--bind: {e}"))?,
            "--latency-ms" => {
                let ms: u64 = value("--latency-ms")?.parse().map_err(|e| format!("--latency-ms: {e}"))?;
                config.latency = Duration::from_millis(ms);
            }
            "--fault-rate" => {
                let p: f64 = value("--fault-rate")?.parse().map_err(|e| format!("--fault-rate: {e}"))?;
                if !(0.0..=1.0).contains(&p) {
                    return Err("--fault-rate must be between 0 and 1".into());
                }
                config.faults = FaultRates::uniform(p);
            }
            "--seed" => config.seed = Some(value("--seed")?.parse().map_err(|e| format!("--seed: {e}"))?),
            "--journal" => config.journal_file = Some(PathBuf::from(value("--journal")?)),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(config)
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_target(false).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let config = match parse(&args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("pingone-sim: {message}\n\n{USAGE}");
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
