//! `cargo run --release -p pingone-bench`: prints a table and one JSON line (with its
//! `section`) per section.
//!
//! 1. Client CPU (`overhead`): the typestate API against hand-written reqwest, this process's CPU
//!    per sign-on, the simulator binary in its own process; where the difference goes (perf).
//! 2. Start-up (`startup`): the simulator binary from exec to its ready line; `Simulator::start`.
//! 3. Setup concurrency (`setup`): the one-call setup against the same calls one after another.
//! 4. Load (`load`): sign-ons at concurrency 1, 100 and 1,000 with 10,000 users, simulator in
//!    process; the machine's RSA-bound limit; then 2% 503 and 2% 429 injected.
//! 5. Where the time goes (`profile`): a load run with the simulator in its own process, the
//!    client/simulator CPU split and each one's top modules and functions (perf).
//! 6. Web (`web`): sign-ons through `examples/web_signon`'s pages at concurrency 1, 100 and
//!    1,000 with each store, and two instances sharing Redis; one store round trip.
//! 7. Memory (`memory`): 100,000 suspended sign-ons in a `MemoryStore`, bytes each and RSS.
//! 8. Footprint (`footprint`): stage sizes, sealed sizes, idle memory, dependency counts.
//!
//! `-- --quick`: the short smoke run (CI, debug build). `-- --only load,memory`: those
//! sections. `-- --users N`: N load users instead of 10,000. `-- --soak N`: only the soak (see `soak.rs`). `-- --client-loop ours|hand SECONDS`:
//! one client alone in a loop, for an outside profiler. The out-of-process sections use the
//! `pingone-sim` binary of this build's profile, built first when run by cargo
//! (`PINGONE_SIM_BIN` overrides it); the web section builds and runs `examples/web_signon` the
//! same way, and starts a `redis-server` of its own when one is installed.
// serde_json::Value indexing by key reads Null on a missing key: it cannot panic.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod admin;
mod client_cpu;
mod cpu;
mod fixture;
mod footprint;
mod handwritten;
mod load;
mod memory;
mod perf;
mod profile;
mod rsa_limit;
mod setup;
mod sim_process;
mod soak;
mod startup;
mod stats;
mod web;
mod web_client;

use std::time::{Duration, Instant};

/// How much of everything to run.
struct Plan {
    quick: bool,
    client_runs: usize,
    spawns: usize,
    starts: usize,
    setup_runs: usize,
    rsa_window: Duration,
    load: load::LoadPlan,
    profile: profile::ProfilePlan,
    memory: usize,
    web: web::WebPlan,
}

impl Plan {
    fn new(quick: bool) -> Self {
        if quick {
            Self {
                quick,
                client_runs: 30,
                spawns: 3,
                starts: 10,
                setup_runs: 2,
                rsa_window: Duration::from_millis(200),
                load: load::LoadPlan { users: 1000, sequential: 20, rounds_100: 1, rounds_1000: 1 },
                profile: profile::ProfilePlan {
                    users: 200,
                    concurrency: 20,
                    window: Duration::from_secs(1),
                    perf: false,
                },
                memory: 10_000,
                web: web::WebPlan { runs: vec![(1, 3), (10, 10)], round_trips: 200 },
            }
        } else {
            Self {
                quick,
                client_runs: 600,
                spawns: 20,
                starts: 50,
                setup_runs: 5,
                rsa_window: Duration::from_secs(1),
                load: load::LoadPlan { users: 10_000, sequential: 200, rounds_100: 10, rounds_1000: 2 },
                profile: profile::ProfilePlan {
                    users: 10_000,
                    concurrency: 100,
                    window: Duration::from_secs(8),
                    perf: true,
                },
                memory: 100_000,
                web: web::WebPlan { runs: vec![(1, 100), (100, 1000), (1000, 1000)], round_trips: 2000 },
            }
        }
    }
}

fn value_after<T: std::str::FromStr>(args: &[String], flag: &str) -> Option<Option<T>> {
    let at = args.iter().position(|a| a == flag)?;
    Some(args.get(at + 1).and_then(|n| n.parse().ok()))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--rng-probe") {
        startup::rng_probe_child();
        return;
    }
    if let Some(count) = value_after::<usize>(&args, "--memory-child") {
        memory::child(count.unwrap_or(100_000)).await;
        return;
    }
    if let Some(sign_ons) = value_after::<usize>(&args, "--soak") {
        if let Err(e) = soak::run(sign_ons.unwrap_or(100_000)).await {
            eprintln!("soak: {e}");
            std::process::exit(1);
        }
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--client-loop") {
        let kind = args.get(at + 1).map_or("ours", String::as_str);
        let seconds = args.get(at + 2).and_then(|s| s.parse().ok()).unwrap_or(10);
        if let Err(e) = client_cpu::client_loop(kind, seconds).await {
            eprintln!("client loop: {e}");
            std::process::exit(1);
        }
        return;
    }
    let mut plan = Plan::new(args.iter().any(|a| a == "--quick"));
    if let Some(Some(users)) = value_after::<usize>(&args, "--users") {
        (plan.load.users, plan.profile.users) = (users, users);
    }
    let only: Option<Vec<String>> = value_after::<String>(&args, "--only")
        .map(|list| list.unwrap_or_default().split(',').map(str::to_owned).collect());
    let wanted = |section: &str| only.as_ref().is_none_or(|only| only.iter().any(|s| s == section));
    let started = Instant::now();
    println!(
        "pingone-bench{}: 2-core machine figures are noisy; compare ratios within one run",
        if plan.quick { " (quick)" } else { "" }
    );
    if wanted("overhead") {
        client_cpu::run(plan.client_runs, !plan.quick).await;
    }
    if wanted("startup") {
        startup::run(plan.spawns, plan.starts).await;
    }
    if wanted("setup") {
        setup::run(plan.setup_runs).await;
    }
    if wanted("load") {
        let rsa = rsa_limit::measure(plan.rsa_window);
        load::run(&plan.load, &rsa).await;
    }
    if wanted("profile") {
        profile::run(&plan.profile).await;
    }
    if wanted("web") {
        web::run(&plan.web).await;
    }
    if wanted("memory") {
        memory::run(plan.memory);
    }
    if wanted("footprint") {
        footprint::run().await;
    }
    println!("\ntotal {:.1} s", started.elapsed().as_secs_f64());
}
