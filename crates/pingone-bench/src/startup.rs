//! Section 2, start-up: the `pingone-sim` binary from exec to its JSON ready line (each spawn a
//! fresh process, so each generates its RSA key), and `Simulator::start` in process (the
//! process's key exists already).

use std::time::{Duration, Instant};

use pingone_sim::{SimConfig, Simulator};
use serde_json::json;

use crate::fixture::table;
use crate::sim_process::SimProcess;
use crate::stats::{median, ms, percentile};

pub(crate) async fn run(spawns: usize, starts: usize) {
    let mut rows = Vec::new();
    let mut binary = Vec::new();
    let mut failure = None;
    let mut version_floor = None;
    for _ in 0..spawns {
        match SimProcess::spawn(&[]) {
            Ok(sim) => binary.push(sim.started_in),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    if let Some(e) = &failure {
        rows.push(("binary: exec → JSON ready line".into(), format!("skipped: {e}")));
    } else {
        rows.push((
            format!("binary: exec → JSON ready line, median of {spawns}"),
            format!(
                "{:.1} ms (min {:.1}, p90 {:.1}; target ≤ 10 ms)",
                ms(median(&binary)),
                ms(percentile(&binary, 0.0)),
                ms(percentile(&binary, 90.0))
            ),
        ));
    }
    // The floor of the binary's critical path: exec, argument parsing and exit, no runtime, no key.
    if failure.is_none() {
        let floor: Vec<Duration> = (0..spawns).filter_map(|_| SimProcess::time_version().ok()).collect();
        rows.push((
            format!("binary: exec → exit of `pingone-sim --version`, median of {}", floor.len()),
            format!("{:.1} ms (the floor without runtime, bind or key)", ms(median(&floor))),
        ));
        version_floor = Some(ms(median(&floor)));
    }
    // Why the ready line is late: with the key given (`--key FILE`, no generation at all), and the
    // first use of aws-lc's random generator in a fresh process (it seeds itself from CPU jitter).
    let mut with_key_ms = None;
    if failure.is_none() {
        let with_key = spawn_with_key(spawns);
        if let Ok(with_key) = &with_key {
            with_key_ms = Some(ms(median(with_key)));
        }
        rows.push((
            format!("binary with `--key FILE` (no key generated), median of {spawns}"),
            with_key.map_or_else(|e| format!("skipped: {e}"), |d| format!("{:.1} ms", ms(median(&d)))),
        ));
    }
    let probes: Vec<Duration> = (0..5).filter_map(|_| rng_probe().ok()).collect();
    let rng_ms = (!probes.is_empty()).then(|| ms(median(&probes)));
    rows.push((
        "fresh process: first aws-lc random bytes (CPU-jitter seeding)".into(),
        rng_ms.map_or_else(|| "not measured".into(), |v| format!("{v:.1} ms, median of {}", probes.len())),
    ));
    // The first start in this process may generate the shared key: done before timing.
    drop(Simulator::start(SimConfig::default()).await.expect("simulator"));
    let mut in_process: Vec<Duration> = Vec::new();
    for _ in 0..starts {
        let t = Instant::now();
        let sim = Simulator::start(SimConfig::default()).await.expect("simulator");
        in_process.push(t.elapsed());
        sim.shutdown().await;
    }
    rows.push((
        format!("in process: Simulator::start, median of {starts}"),
        format!("{:.3} ms (p90 {:.3} ms; target < 1 ms)", ms(median(&in_process)), ms(percentile(&in_process, 90.0))),
    ));
    // What the binary spends on its key: one 2048-bit generation, timed here.
    let keygens: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let _ = pingone_sim::SigningKey::generate();
            t.elapsed()
        })
        .collect();
    let keygen = median(&keygens);
    rows.push((
        "RSA-2048 key generation (SigningKey::generate), median of 5".into(),
        format!(
            "{:.1} ms (min {:.1}, max {:.1})",
            ms(keygen),
            ms(percentile(&keygens, 0.0)),
            ms(percentile(&keygens, 100.0))
        ),
    ));
    table("2. Start-up", &rows);
    println!(
        "{}",
        json!({ "section": "startup", "binary_ready_median_ms": failure.is_none().then(|| ms(median(&binary))),
            "binary_spawns": binary.len(), "binary_ready_ms": binary.iter().map(|d| ms(*d)).collect::<Vec<_>>(),
            "in_process_start_median_ms": ms(median(&in_process)), "in_process_starts": starts,
            "rsa_keygen_ms": ms(keygen), "version_exit_median_ms": version_floor,
            "binary_ready_with_key_median_ms": with_key_ms, "first_aws_lc_random_ms": rng_ms })
    );
}

/// `--rng-probe`: in this fresh process, how long the first random bytes from aws-lc take
/// (printed in µs); what every process using aws-lc's generator pays once.
pub(crate) fn rng_probe_child() {
    let t = Instant::now();
    let mut bytes = [0u8; 16];
    let ok = aws_lc_rs::rand::fill(&mut bytes).is_ok();
    println!("{} {ok}", t.elapsed().as_micros());
}

/// Runs [`rng_probe_child`] in a fresh copy of this program.
fn rng_probe() -> Result<Duration, String> {
    let own = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::process::Command::new(own).arg("--rng-probe").output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let micros: u64 = text.split_whitespace().next().and_then(|n| n.parse().ok()).ok_or("no probe output")?;
    Ok(Duration::from_micros(micros))
}

/// The binary from exec to its ready line with a PEM key given, `spawns` times.
fn spawn_with_key(spawns: usize) -> Result<Vec<Duration>, String> {
    let key = pingone_sim::SigningKey::generate().map_err(|e| e.to_string())?;
    let pem = key.to_pem().map_err(|e| e.to_string())?;
    let path = std::env::temp_dir().join(format!("pingone-bench-{}-key.pem", std::process::id()));
    std::fs::write(&path, pem.as_bytes()).map_err(|e| e.to_string())?;
    let path_text = path.to_string_lossy().into_owned();
    let times = (0..spawns).map(|_| SimProcess::spawn(&["--key", &path_text]).map(|sim| sim.started_in)).collect();
    let _ = std::fs::remove_file(&path);
    times
}
