//! Section 1, client CPU out of process: the `pingone-sim` binary runs in its own process, so
//! this process's CPU time is the client's alone. A full sign-on through the typestate API
//! against the same requests written by hand with reqwest, alternating; the CPU of reading the
//! e-mailed passcode (harness, the same for both) is measured apart and left out. Then, with
//! `perf`, each client alone under the profiler: where the difference goes, by module.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use pingone_provisioning::EmailMfaSetup;
use serde_json::json;

use crate::fixture::{Wiring, harness_http, raw_http, spec, table, typestate_sign_on};
use crate::handwritten::HandWritten;
use crate::perf;
use crate::sim_process::{SimProcess, outbox_otp};
use crate::stats::{mean, median, percentile};
use crate::{cpu, stats};

/// CPU and wall time of the work left out of a measurement (the passcode read).
#[derive(Default)]
struct Excluded {
    cpu: Cell<Duration>,
    wall: Cell<Duration>,
}

impl Excluded {
    async fn around<T>(&self, work: impl Future<Output = T>) -> T {
        let (cpu0, wall0) = (cpu::own(), Instant::now());
        let out = work.await;
        self.cpu.set(self.cpu.get() + cpu::own().saturating_sub(cpu0));
        self.wall.set(self.wall.get() + wall0.elapsed());
        out
    }
}

/// One measured sign-on.
struct Sample {
    cpu: Duration,
    wall: Duration,
    otp_cpu: Duration,
}

struct Bench {
    sim: SimProcess,
    client: pingone_flow::SignOnClient,
    hand: HandWritten,
    harness: reqwest::Client,
    outbox_url: String,
}

impl Bench {
    async fn new() -> Result<Self, String> {
        let sim = SimProcess::spawn(&[])?;
        let wiring = Wiring::from_ready(&sim.ready);
        let p = EmailMfaSetup::new(spec()).run(&wiring.management(4)).await.map_err(|e| e.to_string())?;
        let client = wiring.sign_on(&p, 4);
        let (auth, env) = (sim.field("auth_base"), sim.field("environment_id"));
        let hand =
            HandWritten::connect(raw_http(None), &auth, &env, p.client_id.as_str(), p.client_secret.secret()).await?;
        let outbox_url = sim.field("outbox_url");
        Ok(Self { sim, client, hand, harness: harness_http(), outbox_url })
    }

    async fn otp(&self, excluded: &Excluded) -> Option<String> {
        excluded.around(outbox_otp(&self.harness, &self.outbox_url, "ada@example.test")).await
    }

    async fn ours(&self) -> Sample {
        let excluded = Excluded::default();
        let (cpu0, wall0) = (cpu::own(), Instant::now());
        typestate_sign_on(&self.client, "ada", || self.otp(&excluded)).await.expect("typestate sign-on");
        sample(cpu0, wall0, &excluded)
    }

    async fn hand(&self) -> Sample {
        let excluded = Excluded::default();
        let (cpu0, wall0) = (cpu::own(), Instant::now());
        self.hand.sign_on("ada", || self.otp(&excluded)).await.expect("hand-written sign-on");
        sample(cpu0, wall0, &excluded)
    }
}

fn sample(cpu0: Duration, wall0: Instant, excluded: &Excluded) -> Sample {
    Sample {
        cpu: cpu::own().saturating_sub(cpu0).saturating_sub(excluded.cpu.get()),
        wall: wall0.elapsed().saturating_sub(excluded.wall.get()),
        otp_cpu: excluded.cpu.get(),
    }
}

pub(crate) async fn run(runs: usize, profile: bool) {
    let bench = match Bench::new().await {
        Ok(bench) => bench,
        Err(e) => {
            println!("\n== 1. Client CPU out of process: skipped ({e})");
            return;
        }
    };
    for _ in 0..20 {
        bench.ours().await;
        bench.hand().await;
    }
    let (mut ours, mut hand) = (Vec::new(), Vec::new());
    for i in 0..runs {
        if i % 2 == 0 {
            ours.push(bench.ours().await);
            hand.push(bench.hand().await);
        } else {
            hand.push(bench.hand().await);
            ours.push(bench.ours().await);
        }
    }
    let cpu_of = |s: &[Sample]| s.iter().map(|s| s.cpu).collect::<Vec<_>>();
    let wall_of = |s: &[Sample]| s.iter().map(|s| s.wall).collect::<Vec<_>>();
    let (ours_cpu, hand_cpu) = (cpu_of(&ours), cpu_of(&hand));
    let (ours_med, hand_med) = (cpu::us(median(&ours_cpu)), cpu::us(median(&hand_cpu)));
    let (ours_mean, hand_mean) = (cpu::us(mean(&ours_cpu)), cpu::us(mean(&hand_cpu)));
    let ratio = ours_med / hand_med;
    let mean_ratio = ours_mean / hand_mean;
    let (ours_wall, hand_wall) = (stats::ms(median(&wall_of(&ours))), stats::ms(median(&wall_of(&hand))));
    let otp_cpu: Vec<Duration> = ours.iter().chain(&hand).map(|s| s.otp_cpu).collect();
    let mut rows = vec![
        ("runs (alternating), simulator".into(), format!("{runs} each, the pingone-sim binary in its own process")),
        (
            "typestate API: CPU per sign-on, median (mean, p99)".into(),
            format!("{ours_med:.0} µs ({ours_mean:.0} µs, {:.0} µs)", cpu::us(percentile(&ours_cpu, 99.0))),
        ),
        (
            "hand-written reqwest: CPU per sign-on, median (mean, p99)".into(),
            format!("{hand_med:.0} µs ({hand_mean:.0} µs, {:.0} µs)", cpu::us(percentile(&hand_cpu, 99.0))),
        ),
        (
            "ratio ours / hand-written (CPU, medians; means)".into(),
            format!("{ratio:.3}; {mean_ratio:.3} (target ≤ 1.05)"),
        ),
        ("difference per sign-on (medians)".into(), format!("{:+.0} µs", ours_med - hand_med)),
        ("wall time per sign-on, median: ours, hand-written".into(), format!("{ours_wall:.3} ms, {hand_wall:.3} ms")),
        ("left out: reading the passcode (harness), CPU median".into(), format!("{:.0} µs", cpu::us(median(&otp_cpu)))),
    ];
    let (mut modules_json, mut functions_json) = (Vec::new(), Vec::new());
    if profile {
        match where_it_goes(&bench).await {
            Ok((modules, functions)) => {
                rows.push((
                    "where the difference goes (perf, each client alone): module".into(),
                    "ours µs, hand-written µs per sign-on (diff)".into(),
                ));
                for (module, a, b) in modules.iter().take(12) {
                    rows.push((format!("  {}", perf::short(module, 52)), format!("{a:6.1}, {b:6.1} ({:+.1})", a - b)));
                    modules_json.push(json!({ "module": module, "ours_us": a, "hand_us": b }));
                }
                rows.push(("top functions by difference [module]".into(), "ours µs, hand-written µs (diff)".into()));
                for (function, a, b) in functions.iter().take(12) {
                    rows.push((
                        format!("  {}", perf::short(function, 52)),
                        format!("{a:6.1}, {b:6.1} ({:+.1})", a - b),
                    ));
                    functions_json.push(json!({ "function": function, "ours_us": a, "hand_us": b }));
                }
            }
            Err(e) => rows.push(("profile".into(), format!("skipped: {e}"))),
        }
    }
    table("1. Client CPU out of process: a full sign-on (authorize → tokens, ID token verified)", &rows);
    println!(
        "{}",
        json!({ "section": "overhead", "runs": runs, "simulator": "own process",
            "ours_cpu_median_us": ours_med, "hand_cpu_median_us": hand_med, "ours_cpu_mean_us": ours_mean,
            "hand_cpu_mean_us": hand_mean, "ratio": ratio, "mean_ratio": mean_ratio,
            "ours_wall_median_ms": ours_wall, "hand_wall_median_ms": hand_wall,
            "otp_read_cpu_median_us": cpu::us(median(&otp_cpu)), "profile_by_module": modules_json,
            "profile_by_function": functions_json,
            "sim_rss_mib": bench.sim.rss_mib() })
    );
}

/// `--client-loop ours|hand SECONDS`: one client alone, sign-on after sign-on, for an outside
/// profiler (`perf record -p PID --call-graph dwarf`); prints its CPU per sign-on at the end.
pub(crate) async fn client_loop(kind: &str, seconds: u64) -> Result<(), String> {
    let bench = Bench::new().await?;
    println!("pid {} simulator pid {}", std::process::id(), bench.sim.pid());
    let (cpu0, started, mut count) = (cpu::own(), Instant::now(), 0u32);
    while started.elapsed() < Duration::from_secs(seconds) {
        if kind == "ours" {
            bench.ours().await;
        } else {
            bench.hand().await;
        }
        count += 1;
    }
    let per = cpu::us(cpu::own().saturating_sub(cpu0)) / f64::from(count.max(1));
    println!("{kind}: {count} sign-ons, {per:.0} µs of CPU each (passcode reads included)");
    Ok(())
}

/// Per kind of client: µs per module and per function, summed over the recordings.
#[derive(Default)]
struct Totals {
    modules: BTreeMap<String, f64>,
    functions: BTreeMap<String, f64>,
    sign_ons: u32,
}

/// `(name, ours µs, hand-written µs)` per sign-on, sorted by the size of the difference.
type Diff = Vec<(String, f64, f64)>;

fn diff(ours: &BTreeMap<String, f64>, ours_count: u32, hand: &BTreeMap<String, f64>, hand_count: u32) -> Diff {
    let mut names: Vec<&String> = ours.keys().chain(hand.keys()).collect();
    names.sort();
    names.dedup();
    let per = |list: &BTreeMap<String, f64>, count: u32, name: &str| {
        list.get(name).copied().unwrap_or(0.0) / f64::from(count.max(1))
    };
    let mut diff: Diff =
        names.into_iter().map(|n| (n.clone(), per(ours, ours_count, n), per(hand, hand_count, n))).collect();
    diff.sort_by(|a, b| (b.1 - b.2).abs().total_cmp(&(a.1 - a.2).abs()));
    diff
}

/// Each client alone under `perf`, in alternating one-and-a-half-second recordings (five of
/// each, so that a change in the machine's load falls on both): µs of CPU per sign-on by module
/// and by function (the passcode reads included, the same for both), each sorted by the size of
/// the difference. Self time is attributed to the function it was sampled in, so code inlined
/// into a caller (an `async fn` into `tracing::Instrumented::poll`, say) counts for the caller.
async fn where_it_goes(bench: &Bench) -> Result<(Diff, Diff), String> {
    if !perf::available() {
        return Err("perf is not installed (Debian: apt-get install linux-perf)".into());
    }
    let mut totals: [Totals; 2] = Default::default();
    for round in 0..10 {
        let kind = round % 2;
        let name = format!("client-{round}");
        let mut recording = perf::Recording::start(std::process::id(), 999, Duration::from_millis(1500), &name)?;
        // perf attaches within a few milliseconds; count from then on.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (cpu0, mut count) = (cpu::own(), 0u32);
        while !recording.finished() {
            if kind == 0 {
                bench.ours().await;
            } else {
                bench.hand().await;
            }
            count += 1;
        }
        let spent = cpu::us(cpu::own().saturating_sub(cpu0));
        let entries = recording.report()?;
        let totals = &mut totals[kind];
        for (module, pct) in perf::by_module(&entries) {
            *totals.modules.entry(module).or_default() += pct / 100.0 * spent;
        }
        for entry in &entries {
            let function = format!("{} [{}]", perf::short(&entry.symbol, 200), perf::module(entry));
            *totals.functions.entry(function).or_default() += entry.percent / 100.0 * spent;
        }
        totals.sign_ons += count;
    }
    let [ours, hand] = totals;
    Ok((
        diff(&ours.modules, ours.sign_ons, &hand.modules, hand.sign_ons),
        diff(&ours.functions, ours.sign_ons, &hand.functions, hand.sign_ons),
    ))
}
