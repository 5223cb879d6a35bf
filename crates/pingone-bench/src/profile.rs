//! Section 5, where the time goes: a load run with the `pingone-sim` binary in its own process
//! (the same users as the load section), this process's and the simulator's CPU time over a
//! fixed window — the client/simulator split — and, with `perf`, each process sampled: its top
//! modules and functions by self time. The passcode is read through the outbox's HTTP
//! long-poll, so one harness request per sign-on is in both processes' figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pingone_provisioning::EmailMfaSetup;
use serde_json::{Value, json};

use crate::fixture::{Wiring, harness_http, spec, spread, table, typestate_sign_on};
use crate::perf::{self, Entry};
use crate::sim_process::{SimProcess, outbox_otp};
use crate::{cpu, load};

/// Settings of the profiled run.
pub(crate) struct ProfilePlan {
    pub users: usize,
    pub concurrency: usize,
    pub window: Duration,
    pub perf: bool,
}

pub(crate) async fn run(plan: &ProfilePlan) {
    if let Err(e) = profile(plan).await {
        println!("\n== 5. Where the time goes: skipped ({e})");
    }
}

async fn profile(plan: &ProfilePlan) -> Result<(), String> {
    let sim = SimProcess::spawn(&[])?;
    let wiring = Wiring::from_ready(&sim.ready);
    let admin = wiring.management(6);
    let p = EmailMfaSetup::new(spec()).run(&admin).await.map_err(|e| e.to_string())?;
    let (users, provisioning) = load::provision(&sim.ready, plan.users).await;
    let client = wiring.sign_on(&p, 6);
    let (harness, outbox_url) = (harness_http(), Arc::new(sim.field("outbox_url")));
    let stop = Arc::new(AtomicBool::new(false));
    let (done, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut tasks = tokio::task::JoinSet::new();
    for (username, email) in spread(&users, plan.concurrency) {
        let (client, harness, outbox_url) = (client.clone(), harness.clone(), Arc::clone(&outbox_url));
        let (stop, done, failed) = (Arc::clone(&stop), Arc::clone(&done), Arc::clone(&failed));
        tasks.spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let result = typestate_sign_on(&client, &username, || outbox_otp(&harness, &outbox_url, &email)).await;
                let counter = if result.is_ok() { &done } else { &failed };
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    // Warm up, then the window: CPU of both processes, and perf on each.
    tokio::time::sleep(plan.window / 4).await;
    let recordings = if plan.perf && perf::available() {
        let ours = perf::Recording::start(std::process::id(), 499, plan.window, "load-client")?;
        let theirs = perf::Recording::start_with_stacks(sim.pid(), 499, plan.window, "load-sim")?;
        Some((ours, theirs))
    } else {
        None
    };
    let (own0, sim0, done0, t0) =
        (cpu::own(), cpu::of_process(sim.pid()), done.load(Ordering::Relaxed), Instant::now());
    tokio::time::sleep(plan.window).await;
    let (own1, sim1, done1, elapsed) =
        (cpu::own(), cpu::of_process(sim.pid()), done.load(Ordering::Relaxed), t0.elapsed());
    stop.store(true, Ordering::Relaxed);
    while tasks.join_next().await.is_some() {}
    let sign_ons = done1.saturating_sub(done0).max(1) as f64;
    let (client_cpu, sim_cpu) = (own1.saturating_sub(own0), sim1.saturating_sub(sim0));
    let total = (client_cpu + sim_cpu).as_secs_f64().max(1e-9);
    let client_share = client_cpu.as_secs_f64() / total;
    let mut rows = vec![
        (
            "users in the simulator".into(),
            format!("{} + ada (provisioned in {:.1} s)", plan.users, provisioning.as_secs_f64()),
        ),
        (
            format!("concurrency {}, window {:.1} s", plan.concurrency, elapsed.as_secs_f64()),
            format!(
                "{:.0} sign-ons/s, {} failed in all, cores busy {:.2} of {}",
                sign_ons / elapsed.as_secs_f64(),
                failed.load(Ordering::Relaxed),
                total / elapsed.as_secs_f64(),
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
            ),
        ),
        (
            "CPU per sign-on: client (this process) + simulator".into(),
            format!(
                "{:.0} µs + {:.0} µs = {:.0} µs",
                cpu::us(client_cpu) / sign_ons,
                cpu::us(sim_cpu) / sign_ons,
                total * 1e6 / sign_ons
            ),
        ),
        (
            "split of the CPU: client / simulator".into(),
            format!("{:.0}% / {:.0}%", 100.0 * client_share, 100.0 * (1.0 - client_share)),
        ),
    ];
    let mut profiles = Vec::new();
    match recordings {
        Some((mut ours, mut theirs)) => {
            let share = [client_share, 1.0 - client_share];
            for ((name, recording), share) in [("client", &mut ours), ("simulator", &mut theirs)].into_iter().zip(share)
            {
                match recording.report() {
                    Ok(entries) => {
                        rows.extend(profile_rows(name, &entries, share));
                        profiles.push(profile_json(name, &entries, share));
                    }
                    Err(e) => rows.push((format!("perf, {name}"), e)),
                }
            }
            match theirs.inclusive("pingone_sim::") {
                Ok(entries) => {
                    rows.push(("simulator: its own functions, inclusive (% of all CPU)".into(), String::new()));
                    for entry in entries.iter().take(14) {
                        let pct = entry.percent * (1.0 - client_share);
                        rows.push((format!("  {}", perf::short(&entry.symbol, 54)), format!("{pct:5.1}%")));
                    }
                    profiles.push(json!({ "process": "simulator", "inclusive": entries.iter().take(30)
                        .map(|e| json!({ "symbol": e.symbol, "percent": e.percent })).collect::<Vec<_>>() }));
                }
                Err(e) => rows.push(("perf, simulator call stacks".into(), e)),
            }
        }
        None if plan.perf => rows.push(("perf".into(), "not installed (Debian: apt-get install linux-perf)".into())),
        None => rows.push(("perf".into(), "not run (--quick)".into())),
    }
    table("5. Where the time goes: load with the pingone-sim binary in its own process, sampled by perf", &rows);
    println!(
        "{}",
        json!({ "section": "profile", "users": plan.users, "concurrency": plan.concurrency,
            "window_s": elapsed.as_secs_f64(), "per_second": sign_ons / elapsed.as_secs_f64(),
            "failed": failed.load(Ordering::Relaxed),
            "client_cpu_us_per_sign_on": cpu::us(client_cpu) / sign_ons,
            "sim_cpu_us_per_sign_on": cpu::us(sim_cpu) / sign_ons, "client_share": client_share,
            "profiles": profiles })
    );
    Ok(())
}

/// Top modules and functions of one process, as shares of the CPU of both processes.
fn profile_rows(name: &str, entries: &[Entry], share: f64) -> Vec<(String, String)> {
    let mut rows = vec![(format!("{name}: top modules (self time, % of all CPU)"), String::new())];
    for (module, pct) in perf::by_module(entries).iter().take(10) {
        rows.push((format!("  {}", perf::short(module, 54)), format!("{:5.1}%", pct * share)));
    }
    rows.push((format!("{name}: top functions (self time, % of all CPU)"), String::new()));
    for entry in entries.iter().take(15) {
        rows.push((format!("  {}", perf::short(&entry.symbol, 54)), format!("{:5.1}%", entry.percent * share)));
    }
    rows
}

fn profile_json(name: &str, entries: &[Entry], share: f64) -> Value {
    json!({ "process": name, "share": share,
        "modules": perf::by_module(entries).iter().take(20).map(|(m, p)| json!({ "module": m, "percent": p })).collect::<Vec<_>>(),
        "functions": entries.iter().take(40).map(|e| json!({ "symbol": e.symbol, "dso": e.dso, "percent": e.percent })).collect::<Vec<_>>() })
}
