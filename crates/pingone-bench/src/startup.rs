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
            "rsa_keygen_ms": ms(keygen), "version_exit_median_ms": version_floor })
    );
}
