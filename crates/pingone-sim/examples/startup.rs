//! Prints the simulator's start-up time: the median of 50 starts (the first start, which also
//! generates the process's RSA key, is reported on its own). Not a test: nothing is asserted.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use pingone_sim::{SimConfig, Simulator};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let first = Simulator::start(SimConfig::default()).await?;
    let first_ms = started.elapsed().as_secs_f64() * 1e3;
    first.shutdown().await;
    let mut samples: Vec<Duration> = Vec::with_capacity(50);
    for _ in 0..50 {
        let t = Instant::now();
        let sim = Simulator::start(SimConfig::default()).await?;
        samples.push(t.elapsed());
        sim.shutdown().await;
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("first start (generates the RSA-2048 key): {first_ms:.2} ms");
    println!(
        "start-up over 50 starts: median {:.3} ms, min {:.3} ms, max {:.3} ms",
        ms(samples[25]),
        ms(samples[0]),
        ms(samples[49])
    );
    Ok(())
}
