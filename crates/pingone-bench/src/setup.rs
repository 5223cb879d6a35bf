//! Section 3, setup concurrency: the one-call setup against the same calls one after another,
//! at 0, 25 and 50 ms of simulator latency (fresh in-process simulator per run, worker token
//! fetched before timing).

use std::time::Duration;
use std::time::Instant;

use pingone_provisioning::EmailMfaSetup;
use pingone_sim::{SimConfig, Simulator};
use serde_json::json;

use crate::fixture::{Wiring, spec, table};
use crate::stats::{median, ms};

pub(crate) async fn run(runs: usize) {
    let mut rows = Vec::new();
    let mut out = Vec::new();
    for latency in [0u64, 25, 50] {
        let (mut conc, mut seq) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            for sequential in [false, true] {
                let sim =
                    Simulator::start(SimConfig { latency: Duration::from_millis(latency), ..SimConfig::default() })
                        .await
                        .expect("simulator");
                let client = Wiring::of(&sim).management(4);
                client.transport().tokens().token().await.expect("worker token");
                let setup = EmailMfaSetup::new(spec());
                let t = Instant::now();
                if sequential {
                    setup.run_sequential(&client).await.expect("setup");
                    seq.push(t.elapsed());
                } else {
                    setup.run(&client).await.expect("setup");
                    conc.push(t.elapsed());
                }
            }
        }
        let (c, s) = (median(&conc), median(&seq));
        let speedup = ms(s) / ms(c);
        rows.push((format!("latency {latency} ms: one-call setup (concurrent), median"), format!("{:.2} ms", ms(c))));
        rows.push((format!("latency {latency} ms: same calls one after another, median"), format!("{:.2} ms", ms(s))));
        rows.push((format!("latency {latency} ms: speed-up sequential / concurrent"), format!("{speedup:.2}x")));
        out.push(json!({ "latency_ms": latency, "concurrent_median_ms": ms(c), "sequential_median_ms": ms(s), "speedup": speedup, "runs": runs }));
    }
    table("3. Setup concurrency (fresh simulator per run, worker token fetched before timing)", &rows);
    println!("{}", json!({ "section": "setup", "results": out }));
}
