//! Section 4, load: complete sign-ons through one shared client with the simulator in the same
//! process (as in the first round, so that the figures compare), 10,000 users in it; the users
//! signing on are spread over all of them. Concurrency 1, 100 and 1,000, then 2% 503 and 2% 429
//! injected: there, as a real application would, a sign-on whose step fails with an error that
//! says retry or start over (`OutcomeUnknown` included) starts again from authorize, at most
//! three times; completed, restarted and failed are counted. Throughput is also given as a
//! fraction of the machine's RSA-bound limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pingone_flow::SignOnClient;
use pingone_provisioning::EmailMfaSetup;
use pingone_sim::{FaultRates, SimConfig, Simulator};
use serde_json::{Value, json};

use crate::admin::Admin;
use crate::fixture::{Wiring, drop_mailed, harness_http, load_users, mailed_otp, ready_of, sign_on_restarting, spec};
use crate::fixture::{spread, table, typestate_sign_on};
use crate::rsa_limit::RsaLimit;
use crate::stats::{median, ms, peak_rss_mib, percentile};

/// Settings of one load run.
pub(crate) struct LoadPlan {
    pub users: usize,
    pub sequential: usize,
    /// Sign-ons each task does one after another, at concurrency 100 and 1,000.
    pub rounds_100: usize,
    pub rounds_1000: usize,
}

/// At most this many restarts from authorize per sign-on in the fault runs.
const MAX_RESTARTS: usize = 3;

pub(crate) struct LoadResult {
    pub completed: usize,
    /// Sign-ons restarted from authorize at least once (counted in `completed` or `failed`).
    pub restarted: usize,
    /// Restarts in all.
    pub restarts: usize,
    pub failed: usize,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

/// Provisions `count` load users (by hand, 100 at a time, see [`Admin::add_users`]) in the
/// simulator that `ready` describes; returns them and the time it took.
pub(crate) async fn provision(ready: &Value, count: usize) -> (Vec<(String, String)>, Duration) {
    let users = load_users(count);
    let t = Instant::now();
    let admin = Arc::new(Admin::connect(&harness_http(), ready).await.expect("worker token"));
    admin.add_users(&users, 100).await.expect("load users");
    (users, t.elapsed())
}

/// `users.len()` tasks at once, each signing its user on `rounds` times in a row; a sign-on whose
/// step fails with a retry or start-over error restarts from authorize up to `max_restarts` times.
async fn run_load(
    sim: &Arc<Simulator>,
    client: &SignOnClient,
    users: &[(String, String)],
    rounds: usize,
    max_restarts: usize,
) -> LoadResult {
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for (username, email) in users {
        let (sim, client, username, email) = (Arc::clone(sim), client.clone(), username.clone(), email.clone());
        set.spawn(async move {
            let mut out = Vec::with_capacity(rounds);
            for _ in 0..rounds {
                let t = Instant::now();
                let otp = || mailed_otp(&sim, &email);
                let r = sign_on_restarting(&client, &username, max_restarts, otp, || drop_mailed(&sim, &email)).await;
                out.push((r.result.map_err(|e| e.to_string()), r.restarts, t.elapsed()));
            }
            out
        });
    }
    let results: Vec<(Result<(), String>, usize, Duration)> = set.join_all().await.into_iter().flatten().collect();
    let elapsed = started.elapsed();
    let latencies: Vec<Duration> = results.iter().map(|(_, _, d)| *d).collect();
    let failed = results.iter().filter(|(r, _, _)| r.is_err()).count();
    if let Some((Err(e), _, _)) = results.iter().find(|(r, _, _)| r.is_err()) {
        eprintln!("  first failure: {e}");
    }
    LoadResult {
        completed: results.len() - failed,
        restarted: results.iter().filter(|(_, n, _)| *n > 0).count(),
        restarts: results.iter().map(|(_, n, _)| n).sum(),
        failed,
        per_second: (results.len() - failed) as f64 / elapsed.as_secs_f64(),
        p50: median(&latencies),
        p99: percentile(&latencies, 99.0),
    }
}

pub(crate) async fn run(plan: &LoadPlan, rsa: &RsaLimit) {
    let sim = Arc::new(Simulator::start(SimConfig::default()).await.expect("simulator"));
    let wiring = Wiring::of(&sim);
    let admin = wiring.management(6);
    let p = EmailMfaSetup::new(spec()).run(&admin).await.expect("setup");
    let (users, provisioning) = provision(&ready_of(&sim), plan.users).await;
    let client = wiring.sign_on(&p, 6);
    let limit = rsa.sign_ons_per_second();
    let mut rows = vec![
        (
            "users in the simulator (2 requests each, 100 at a time)".into(),
            format!("{} + ada, in {:.1} s", plan.users, provisioning.as_secs_f64()),
        ),
        (
            "RSA-bound limit: RS256 signatures/s on all cores ÷ 2".into(),
            format!(
                "{limit:.0} sign-ons/s ({:.0} signatures/s on {} threads, {:.3} ms each)",
                rsa.signatures_per_second,
                rsa.threads,
                ms(rsa.per_signature)
            ),
        ),
    ];
    let mut out: Vec<Value> = Vec::new();
    // Concurrency 1: one user after another, spread over all of them.
    let sequential_users = spread(&users, plan.sequential);
    let mut latencies = Vec::new();
    let started = Instant::now();
    for (username, email) in &sequential_users {
        let t = Instant::now();
        typestate_sign_on(&client, username, || mailed_otp(&sim, email)).await.expect("sign-on");
        latencies.push(t.elapsed());
    }
    let rate = sequential_users.len() as f64 / started.elapsed().as_secs_f64();
    let (p50, p99) = (median(&latencies), percentile(&latencies, 99.0));
    rows.push((
        "concurrency 1".into(),
        format!(
            "{rate:.0} sign-ons/s ({:.1}% of the limit), p50 {:.2} ms, p99 {:.2} ms, {} sign-ons",
            100.0 * rate / limit,
            ms(p50),
            ms(p99),
            sequential_users.len()
        ),
    ));
    out.push(json!({ "faults": false, "concurrency": 1, "completed": sequential_users.len(), "failed": 0,
        "per_second": rate, "fraction_of_rsa_limit": rate / limit, "p50_ms": ms(p50), "p99_ms": ms(p99) }));
    for faults in [false, true] {
        if faults {
            sim.controls().set_fault_rates(FaultRates {
                unavailable: 0.02,
                too_many_requests: 0.02,
                retry_after_secs: 1,
                ..FaultRates::default()
            });
        }
        for (concurrency, rounds) in [(100, plan.rounds_100), (1000, plan.rounds_1000)] {
            // With faults, one round: each hit waits the whole Retry-After second.
            let rounds = if faults { 1 } else { rounds };
            let max_restarts = if faults { MAX_RESTARTS } else { 0 };
            let r = run_load(&sim, &client, &spread(&users, concurrency), rounds, max_restarts).await;
            let label = if faults { "with 2% 503 + 2% 429" } else { "no faults" };
            rows.push((
                format!("concurrency {concurrency}, {label}"),
                format!(
                    "{} completed, {} restarted ({} restarts), {} failed, {:.0} sign-ons/s ({:.1}% of the limit), \
                     p50 {:.1} ms, p99 {:.1} ms",
                    r.completed,
                    r.restarted,
                    r.restarts,
                    r.failed,
                    r.per_second,
                    100.0 * r.per_second / limit,
                    ms(r.p50),
                    ms(r.p99),
                ),
            ));
            out.push(json!({ "faults": faults, "concurrency": concurrency, "rounds": rounds, "completed": r.completed,
                "restarted": r.restarted, "restarts": r.restarts, "max_restarts": max_restarts, "failed": r.failed, "per_second": r.per_second, "fraction_of_rsa_limit": r.per_second / limit,
                "p50_ms": ms(r.p50), "p99_ms": ms(r.p99), "peak_rss_mib": peak_rss_mib() }));
        }
    }
    let injected = sim.controls().faults_injected();
    rows.push(("faults injected in the fault runs".into(), injected.to_string()));
    rows.push(("peak RSS of this process (simulator included)".into(), format!("{:.1} MiB", peak_rss_mib())));
    table(
        &format!(
            "4. Load: complete sign-ons through one shared client, simulator in process, {} users \
             (targets: ≥ 1,500/s at c=100, ≥ 1,200/s at c=1000)",
            plan.users
        ),
        &rows,
    );
    println!(
        "{}",
        json!({ "section": "load", "users": plan.users, "provisioning_s": provisioning.as_secs_f64(),
            "rsa_limit_sign_ons_per_second": limit, "rsa_signatures_per_second": rsa.signatures_per_second,
            "rsa_threads": rsa.threads, "rsa_signature_ms": ms(rsa.per_signature),
            "results": out, "faults_injected": injected })
    );
}
