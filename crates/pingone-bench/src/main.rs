//! `cargo run --release -p pingone-bench`: prints a table and one JSON line per section.
//!
//! 1. Overhead: a full sign-on through the typestate API against the same requests written by
//!    hand with reqwest, alternating, medians and the ratio.
//! 2. Setup concurrency: the one-call setup against the same calls one after another, at 0, 25
//!    and 50 ms of simulator latency.
//! 3. Load: sign-ons at concurrency 1, 100 and 1,000 through one shared client, then with 2% 503
//!    and 2% 429 injected.
//! 4. Footprint: state sizes, saved sizes, simulator start-up and idle memory, dependency counts.
//!
//! `-- --soak N` runs only the soak instead: N sign-ons against the release `pingone-sim`
//! binary, its memory at each tenth (see `soak.rs`).
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

mod handwritten;
mod soak;
mod stats;

use std::sync::Arc;
use std::time::{Duration, Instant};

use pingone_core::{ClientAuth, HttpClient, HttpConfig, Otp, Password, RetryPolicy};
use pingone_flow::{
    AfterUsername, FlowError, KeyRing, OidcApp, OtpOutcome, SealingKey, SignOnClient, SignOnStage, StageSealer,
};
use pingone_mfa::testing::{SimulatorTarget, add_mfa_users};
use pingone_provisioning::{EmailMfaSetup, EmailMfaSpec, ManagementClient, Provisioned};
use pingone_sim::{FaultRates, SimConfig, Simulator};
use serde_json::json;
use stats::{median, ms, peak_rss_mib, percentile};

const REDIRECT: &str = "https://app.example.test/callback";

fn http(max_attempts: u32) -> HttpClient {
    HttpClient::with_config(HttpConfig {
        retry: RetryPolicy { max_attempts, retry_after_cap: Duration::from_secs(1), ..RetryPolicy::default() },
        ..HttpConfig::default()
    })
    .expect("HTTP client")
}

fn target(sim: &Simulator) -> SimulatorTarget {
    SimulatorTarget::new(sim).expect("the simulator's endpoints and environment")
}

fn management(sim: &Simulator, max_attempts: u32) -> ManagementClient {
    target(sim).management(http(max_attempts))
}

fn spec() -> EmailMfaSpec {
    EmailMfaSpec::demo("bench", REDIRECT, "ada", "ada@example.test", Password::new("Corr3ct-Horse-Battery!"))
}

fn sign_on_client(sim: &Simulator, p: &Provisioned, max_attempts: u32) -> SignOnClient {
    let app = OidcApp::new(
        p.client_id.as_str(),
        REDIRECT,
        &["openid", "profile", "email"],
        ClientAuth::SecretBasic(p.client_secret.clone()),
    );
    target(sim).sign_on(http(max_attempts), app)
}

/// One complete sign-on through the typestate API.
async fn ours(sim: &Simulator, client: &SignOnClient, username: &str, email: &str) -> Result<(), String> {
    let submitted = client
        .authorize()
        .await
        .map_err(|e| e.to_string())?
        .submit_username(client, username)
        .await
        .map_err(|e| e.to_string())?;
    let AfterUsername::OtpRequired(state) = submitted.next().map_err(|e| e.to_string())? else {
        return Err("no OTP step".into());
    };
    let mail = sim.outbox().next_for(email, Duration::from_secs(60)).await.ok_or("no e-mail")?;
    let otp = Otp::new(mail.otp());
    let mut state = state;
    let done = loop {
        match state.submit_otp(client, &otp).await {
            Ok(OtpOutcome::Completed(done)) => break done,
            Ok(OtpOutcome::Rejected(_)) => return Err("OTP rejected".into()),
            // The answer was lost: read where the flow stands rather than sending the code again.
            Err(FlowError::OutcomeUnknown { stage: Some(stage), .. }) => {
                let SignOnStage::OtpRequired(stage) = *stage else { return Err("not the OTP stage".into()) };
                match stage.refresh(client).await.map_err(|e| e.to_string())? {
                    OtpOutcome::Completed(done) => break done,
                    OtpOutcome::Rejected(rejection) => state = rejection.state,
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    done.resume(client).await.map_err(|e| e.to_string())?.exchange(client).await.map_err(|e| e.to_string())?;
    Ok(())
}

fn table(title: &str, rows: &[(String, String)]) {
    println!("\n== {title}");
    for (k, v) in rows {
        println!("  {k:<52} {v}");
    }
}

async fn overhead(runs: usize) {
    let sim = Simulator::start(SimConfig::default()).await.expect("simulator");
    let p = EmailMfaSetup::new(spec()).run(&management(&sim, 4)).await.expect("setup");
    let client = sign_on_client(&sim, &p, 4);
    let raw = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("reqwest");
    let key = handwritten::HandWritten::key(&raw, sim.auth_base(), sim.environment_id()).await.expect("jwks");
    let hand = handwritten::HandWritten {
        http: raw,
        auth: sim.auth_base().to_owned(),
        env: sim.environment_id().to_owned(),
        client_id: p.client_id.to_string(),
        secret: p.client_secret.secret().to_owned(),
        redirect: REDIRECT.into(),
        key,
    };
    let otp = || async {
        sim.outbox().next_for("ada@example.test", Duration::from_secs(10)).await.map(|m| m.otp().to_owned())
    };
    for _ in 0..10 {
        ours(&sim, &client, "ada", "ada@example.test").await.expect("warm-up");
        hand.sign_on("ada", otp).await.expect("warm-up");
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let run_ours = || async {
            let t = Instant::now();
            ours(&sim, &client, "ada", "ada@example.test").await.expect("sign-on");
            t.elapsed()
        };
        let run_hand = || async {
            let t = Instant::now();
            hand.sign_on("ada", otp).await.expect("hand-written sign-on");
            t.elapsed()
        };
        if i % 2 == 0 {
            a.push(run_ours().await);
            b.push(run_hand().await);
        } else {
            b.push(run_hand().await);
            a.push(run_ours().await);
        }
    }
    let (ma, mb) = (median(&a), median(&b));
    let ratio = ms(ma) / ms(mb);
    table(
        "1. Overhead: a full sign-on (authorize → tokens, ID token verified), in-process simulator",
        &[
            ("runs (alternating)".into(), format!("{runs} each")),
            ("typestate API, median".into(), format!("{:.3} ms (p99 {:.3} ms)", ms(ma), ms(percentile(&a, 99.0)))),
            (
                "hand-written reqwest, median".into(),
                format!("{:.3} ms (p99 {:.3} ms)", ms(mb), ms(percentile(&b, 99.0))),
            ),
            ("ratio ours / hand-written".into(), format!("{ratio:.3}")),
        ],
    );
    println!(
        "{}",
        json!({ "section": "overhead", "runs": runs, "ours_median_ms": ms(ma), "hand_median_ms": ms(mb), "ratio": ratio })
    );
}

async fn setup_concurrency(runs: usize) {
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
                let client = management(&sim, 4);
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
    table("2. Setup concurrency (fresh simulator per run, worker token fetched before timing)", &rows);
    println!("{}", json!({ "section": "setup", "results": out }));
}

async fn provision_users(client: &ManagementClient, count: usize) -> Vec<(String, String)> {
    let users: Vec<(String, String)> =
        (0..count).map(|i| (format!("load{i}"), format!("load{i}@example.test"))).collect();
    add_mfa_users(client, &spec(), &users, 50).await.expect("load users");
    users
}

struct LoadResult {
    completed: usize,
    failed: usize,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

async fn run_load(
    sim: &Arc<Simulator>,
    client: &SignOnClient,
    users: &[(String, String)],
    concurrency: usize,
) -> LoadResult {
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for (username, email) in users.iter().take(concurrency) {
        let (sim, client, username, email) = (Arc::clone(sim), client.clone(), username.clone(), email.clone());
        set.spawn(async move {
            let t = Instant::now();
            let result = ours(&sim, &client, &username, &email).await;
            (result, t.elapsed())
        });
    }
    let results = set.join_all().await;
    let elapsed = started.elapsed();
    let latencies: Vec<Duration> = results.iter().map(|(_, d)| *d).collect();
    let failed = results.iter().filter(|(r, _)| r.is_err()).count();
    if let Some((Err(e), _)) = results.iter().find(|(r, _)| r.is_err()) {
        eprintln!("  first failure: {e}");
    }
    LoadResult {
        completed: results.len() - failed,
        failed,
        per_second: (results.len() - failed) as f64 / elapsed.as_secs_f64(),
        p50: median(&latencies),
        p99: percentile(&latencies, 99.0),
    }
}

async fn load(sequential_runs: usize) {
    let sim = Arc::new(Simulator::start(SimConfig::default()).await.expect("simulator"));
    let admin = management(&sim, 6);
    let p = EmailMfaSetup::new(spec()).run(&admin).await.expect("setup");
    let users = provision_users(&admin, 1000).await;
    let client = sign_on_client(&sim, &p, 6);
    let mut rows = Vec::new();
    let mut out = Vec::new();
    // Concurrency 1.
    let mut latencies = Vec::new();
    let started = Instant::now();
    for _ in 0..sequential_runs {
        let t = Instant::now();
        ours(&sim, &client, "ada", "ada@example.test").await.expect("sign-on");
        latencies.push(t.elapsed());
    }
    let rate = sequential_runs as f64 / started.elapsed().as_secs_f64();
    rows.push((
        "concurrency 1: sign-ons/s".into(),
        format!(
            "{rate:.0} (p50 {:.2} ms, p99 {:.2} ms, {sequential_runs} sign-ons)",
            ms(median(&latencies)),
            ms(percentile(&latencies, 99.0))
        ),
    ));
    out.push(json!({ "faults": false, "concurrency": 1, "completed": sequential_runs, "failed": 0, "per_second": rate, "p50_ms": ms(median(&latencies)), "p99_ms": ms(percentile(&latencies, 99.0)) }));
    for faults in [false, true] {
        if faults {
            sim.controls().set_fault_rates(FaultRates {
                unavailable: 0.02,
                too_many_requests: 0.02,
                retry_after_secs: 1,
                ..FaultRates::default()
            });
        }
        for concurrency in [100, 1000] {
            let r = run_load(&sim, &client, &users, concurrency).await;
            let label = if faults { "with 2% 503 + 2% 429" } else { "no faults" };
            rows.push((
                format!("concurrency {concurrency}, {label}"),
                format!(
                    "{} completed, {} failed, {:.0} sign-ons/s, p50 {:.1} ms, p99 {:.1} ms, peak RSS {:.1} MiB",
                    r.completed,
                    r.failed,
                    r.per_second,
                    ms(r.p50),
                    ms(r.p99),
                    peak_rss_mib()
                ),
            ));
            out.push(json!({ "faults": faults, "concurrency": concurrency, "completed": r.completed, "failed": r.failed, "per_second": r.per_second, "p50_ms": ms(r.p50), "p99_ms": ms(r.p99), "peak_rss_mib": peak_rss_mib() }));
        }
    }
    let injected = sim.controls().faults_injected();
    rows.push(("faults injected in the fault runs".into(), injected.to_string()));
    table(
        "3. Load: complete sign-ons (authorize → tokens) through one shared client, in-process simulator (RSS includes it)",
        &rows,
    );
    println!("{}", json!({ "section": "load", "results": out, "faults_injected": injected }));
}

fn dependency_count(package: &str) -> Option<usize> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["tree", "-p", package, "-e", "normal", "--prefix", "none", "--quiet"])
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let mut names: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" ").into())
        .filter(|s: &String| !s.is_empty())
        .collect();
    names.sort();
    names.dedup();
    Some(names.len().saturating_sub(1))
}

async fn footprint() {
    let mut rows: Vec<(String, String)> = vec![
        ("size_of Authorized".into(), format!("{} bytes", std::mem::size_of::<pingone_flow::Authorized>())),
        (
            "size_of UsernameSubmitted".into(),
            format!("{} bytes", std::mem::size_of::<pingone_flow::UsernameSubmitted>()),
        ),
        (
            "size_of DeviceSelectionRequired".into(),
            format!("{} bytes", std::mem::size_of::<pingone_flow::DeviceSelectionRequired>()),
        ),
        ("size_of OtpRequired".into(), format!("{} bytes", std::mem::size_of::<pingone_flow::OtpRequired>())),
        ("size_of Completed".into(), format!("{} bytes", std::mem::size_of::<pingone_flow::Completed>())),
        ("size_of Resumed".into(), format!("{} bytes", std::mem::size_of::<pingone_flow::Resumed>())),
        ("size_of Tokens".into(), format!("{} bytes", std::mem::size_of::<pingone_flow::Tokens>())),
    ];
    // Saved sizes, from one real sign-on.
    let sim = Simulator::start(SimConfig::default()).await.expect("simulator");
    let p = EmailMfaSetup::new(spec()).run(&management(&sim, 4)).await.expect("setup");
    let client = sign_on_client(&sim, &p, 4);
    let sealer = StageSealer::new(&client, KeyRing::new(SealingKey::generate().expect("key")));
    // Each stage is sealed (its cookie-ready text measured) and opened again to go on.
    let mut saved = Vec::new();
    let mut reseal = |name: &'static str, stage: SignOnStage| {
        let sealed = sealer.seal(stage).expect("seal");
        saved.push((name, sealed.to_text().len()));
        sealer.open_any(&sealed).expect("open")
    };
    let SignOnStage::Authorized(authorized) = reseal("Authorized", client.authorize().await.expect("authorize").into())
    else {
        panic!()
    };
    let submitted = authorized.submit_username(&client, "ada").await.expect("username");
    let Ok(AfterUsername::OtpRequired(state)) = submitted.next() else { panic!("no OTP step") };
    let SignOnStage::OtpRequired(state) = reseal("OtpRequired", state.into()) else { panic!() };
    let mail = sim.outbox().next_for("ada@example.test", Duration::from_secs(5)).await.expect("e-mail");
    let Ok(OtpOutcome::Completed(done)) = state.submit_otp(&client, &Otp::new(mail.otp())).await else {
        panic!("rejected")
    };
    let SignOnStage::Completed(done) = reseal("Completed", done.into()) else { panic!() };
    let resumed = done.resume(&client).await.expect("resume");
    reseal("Resumed", resumed.into());
    // A second device makes the next flow ask for a device choice.
    let admin = management(&sim, 4);
    let second =
        pingone_provisioning::model::DeviceSpec::email("ada.work@example.test", Some(p.ids.device_policy.clone()));
    admin.create_device(&p.ids.user, &second).await.expect("second device");
    let submitted =
        client.authorize().await.expect("authorize").submit_username(&client, "ada").await.expect("username");
    let Ok(AfterUsername::DeviceSelectionRequired(selection)) = submitted.next() else { panic!("no device selection") };
    reseal("DeviceSelectionRequired", selection.into());
    for (name, len) in &saved {
        rows.push((format!("sealed {name} (cookie text)"), format!("{len} bytes (limit 1536)")));
    }
    drop(sim);
    // Start-up: median of 50 (the process's signing key already exists).
    let mut starts = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let sim = Simulator::start(SimConfig::default()).await.expect("simulator");
        starts.push(t.elapsed());
        sim.shutdown().await;
    }
    rows.push(("simulator start-up, median of 50".into(), format!("{:.3} ms", ms(median(&starts)))));
    // Idle memory: a child process that only runs a simulator.
    let exe = std::env::current_exe().expect("own path");
    let mut child =
        std::process::Command::new(exe).arg("--serve-sim").stdout(std::process::Stdio::piped()).spawn().expect("child");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().expect("stdout")), &mut line)
        .expect("ready line");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss = stats::status_kib("VmRSS:", &child.id().to_string()) / 1024.0;
    let _ = child.kill();
    let _ = child.wait();
    rows.push(("simulator idle RSS (own process, key generated)".into(), format!("{rss:.1} MiB")));
    let (flow_deps, prov_deps) = (dependency_count("pingone-flow"), dependency_count("pingone-provisioning"));
    rows.push((
        "crates in pingone-flow's normal dependency tree".into(),
        flow_deps.map_or("n/a".into(), |n| n.to_string()),
    ));
    rows.push((
        "crates in pingone-provisioning's normal dependency tree".into(),
        prov_deps.map_or("n/a".into(), |n| n.to_string()),
    ));
    table("4. Footprint", &rows);
    println!(
        "{}",
        json!({ "section": "footprint", "saved_bytes": saved.iter().map(|(n, l)| json!({ "state": n, "bytes": l })).collect::<Vec<_>>(),
            "sim_startup_median_ms": ms(median(&starts)), "sim_idle_rss_mib": rss, "deps_flow": flow_deps, "deps_provisioning": prov_deps })
    );
}

async fn serve_sim() {
    let sim = Simulator::start(SimConfig::default()).await.expect("simulator");
    println!("{}", sim.auth_base());
    tokio::time::sleep(Duration::from_secs(30)).await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--serve-sim") {
        serve_sim().await;
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--soak") {
        let sign_ons = args.get(at + 1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
        if let Err(e) = soak::run(sign_ons).await {
            eprintln!("soak: {e}");
            std::process::exit(1);
        }
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let started = Instant::now();
    println!(
        "pingone-bench{}: 2-core machine figures are noisy; compare ratios within one run",
        if quick { " (quick)" } else { "" }
    );
    overhead(if quick { 20 } else { 200 }).await;
    setup_concurrency(if quick { 2 } else { 5 }).await;
    load(if quick { 20 } else { 100 }).await;
    footprint().await;
    println!("\ntotal {:.1} s", started.elapsed().as_secs_f64());
}
