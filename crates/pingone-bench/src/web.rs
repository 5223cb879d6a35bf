//! Section `web`: sign-ons through the `web_signon` example (its release or debug build, each
//! instance a process of its own) driven by a load client that posts its forms (no browser, see
//! `web_client.rs`), at concurrency 1, 100 and 1,000; with each store (memory, sealed cookie,
//! Redis) and with two instances sharing Redis. The simulator runs in this process (as the
//! browser tests run it): the instances use it as their tenant, the load client reads the
//! passcodes from its outbox, and the users signing on are distinct (`webload0`, ...), so that
//! parallel sign-ons never share a user's attempt counters. Also: the cost of one store round
//! trip (`put` then `take`), measured directly against the store API.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pingone_core::Password;
use pingone_flow::{AfterUsername, KeyRing, SealedStage, SealingKey, StageSealer};
use pingone_session::{FlowStore, MemoryStore, RedisStore, SignOnSessions};
use pingone_sim::{SimConfig, Simulator};
use serde_json::{Value, json};

use crate::fixture::{Wiring, drop_mailed, mailed_otp, table};
use crate::stats::{mean, median, ms, percentile};
use crate::web_client::WebUser;

#[path = "../../../examples/web_signon/demo.rs"]
mod demo;

/// The sealing key every instance shares (32 bytes, base64): stages sealed by one open on another.
const KEY: &str = "d2ViLWJlbmNoLXNlYWxpbmcta2V5LTMyLWJ5dGVzISE=";

/// Settings of the web section.
pub(crate) struct WebPlan {
    /// `(concurrency, sign-ons in all)` per row.
    pub runs: Vec<(usize, usize)>,
    /// Store round trips measured per store.
    pub round_trips: usize,
}

/// One row's figures.
struct WebResult {
    completed: usize,
    failed: usize,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

/// A `web_signon` process; killed when dropped.
struct Site {
    child: Child,
    base: String,
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Site {
    /// Starts the example on a free loopback port with `store`, on `sim` as its tenant; waits for
    /// its `listening on` line.
    fn start(sim: &Simulator, store: &str) -> Result<Site, String> {
        let mut command = Command::new(example_binary()?);
        command.args(["--bind", "127.0.0.1:0", "--store", store, "--email", "webdemo@example.test"]);
        command.envs([
            ("PINGONE_ENVIRONMENT_ID", sim.environment_id()),
            ("PINGONE_MANAGEMENT_BASE", sim.management_base()),
            ("PINGONE_AUTH_BASE", sim.auth_base()),
            ("PINGONE_CLIENT_ID", sim.worker_client_id()),
            ("PINGONE_CLIENT_SECRET", sim.worker_client_secret()),
        ]);
        command.env_remove("PINGONE_REGION").env("WEB_SIGNON_SEALING_KEY", KEY).env("RUST_LOG", "error");
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start web_signon: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(base) = line.strip_prefix("web_signon: listening on ") {
                    let _ = tx.send(base.to_owned());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => Ok(Site { child, base }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                Err("web_signon did not print its `listening on` line within 60 s".into())
            }
        }
    }
}

/// The example's binary: built now, with this program's profile, when run by cargo (so that the
/// figures are never those of a stale build); else found next to this program.
fn example_binary() -> Result<PathBuf, String> {
    let own = std::env::current_exe().map_err(|e| e.to_string())?;
    let path = own.with_file_name("examples").join(format!("web_signon{}", std::env::consts::EXE_SUFFIX));
    static BUILT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if let Ok(cargo) = std::env::var("CARGO") {
        let built = BUILT.get_or_init(|| {
            let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
            let mut command = Command::new(cargo);
            command.args(["build", "--quiet", "-p", "pingone-mfa", "--example", "web_signon", "--manifest-path"]);
            command.arg(manifest);
            if !cfg!(debug_assertions) {
                command.arg("--release");
            }
            command.status().is_ok_and(|s| s.success())
        });
        if !built {
            return Err("`cargo build --example web_signon` failed".into());
        }
    }
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} not found: build it with `cargo build --release --example web_signon`", path.display()))
    }
}

/// A `redis-server` of our own, without persistence, on a free loopback port; killed when dropped.
struct Redis {
    child: Child,
    port: u16,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Redis {
    /// `Ok(None)` when `redis-server` is not installed.
    fn start() -> Result<Option<Redis>, String> {
        let Some(program) = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
            .into_iter()
            .map(PathBuf::from)
            .chain(std::env::var_os("PATH").iter().flat_map(std::env::split_paths).map(|p| p.join("redis-server")))
            .find(|p| p.is_file())
        else {
            return Ok(None);
        };
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let mut child = Command::new(program)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("redis-server: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
                let _ = child.kill();
                return Err("redis-server did not listen within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Some(Redis { child, port }))
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

/// The example's Rust files (templates excluded), as built into this program.
const EXAMPLE_SOURCES: [(&str, &str); 3] = [
    ("main.rs", include_str!("../../../examples/web_signon/main.rs")),
    ("site.rs", include_str!("../../../examples/web_signon/site.rs")),
    ("demo.rs", include_str!("../../../examples/web_signon/demo.rs")),
];

/// Lines of Rust in `source`, blank lines and comment lines (`//`, `///`, `//!`) not counted.
fn code_lines(source: &str) -> usize {
    source.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("//")).count()
}

/// `(username, e-mail)` of the web load users.
fn web_users(count: usize) -> Vec<(String, String)> {
    (0..count).map(|i| (format!("webload{i}"), format!("webload{i}@example.test"))).collect()
}

/// Provisions the example's application and policies with `users` (one e-mail device each).
async fn provision_batch(
    management: pingone_provisioning::ManagementClient,
    users: Vec<(String, String)>,
) -> Result<pingone_provisioning::Provisioned, String> {
    let devices: Vec<[(&str, &str); 1]> = users.iter().map(|(_, e)| [(e.as_str(), "E-mail")]).collect();
    let demo_users: Vec<demo::DemoUser<'_>> =
        users.iter().zip(&devices).map(|((u, _), d)| (u.as_str(), ("Web", "Load"), &d[..])).collect();
    demo::provision(&management, &demo_users, Password::new("Web-Bench-Password-1")).await.map_err(|e| e.to_string())
}

/// The example's application and policies and `users`: the first alone (it creates the
/// application), then the others in 8 batches at once.
async fn provision(sim: &Simulator, users: &[(String, String)]) -> Result<pingone_provisioning::Provisioned, String> {
    let management = Wiring::of(sim).management(3);
    let (first, rest) = users.split_first().ok_or("no users")?;
    let provisioned = provision_batch(management.clone(), vec![first.clone()]).await?;
    let mut set = tokio::task::JoinSet::new();
    for batch in rest.chunks(rest.len().div_ceil(8).max(1)) {
        set.spawn(provision_batch(management.clone(), batch.to_vec()));
    }
    for result in set.join_all().await {
        result?;
    }
    Ok(provisioned)
}

/// `total` sign-ons by `concurrency` tasks at once, each taking the next user in turn, through
/// `sites` (taking turns per request when there are two).
async fn run_load(
    sim: &Arc<Simulator>,
    http: &reqwest::Client,
    sites: &Arc<Vec<String>>,
    users: &Arc<Vec<(String, String)>>,
    concurrency: usize,
    total: usize,
) -> WebResult {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..concurrency.min(total) {
        let (sim, http, sites, users, next) =
            (Arc::clone(sim), http.clone(), Arc::clone(sites), Arc::clone(users), Arc::clone(&next));
        set.spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    break out;
                }
                let Some((username, email)) = users.get(i % users.len().max(1)) else { break out };
                let t = Instant::now();
                let result = WebUser::new(&http).sign_on(&sites, username, || mailed_otp(&sim, email)).await;
                out.push((result, t.elapsed()));
            }
        });
    }
    let results: Vec<(Result<(), String>, Duration)> = set.join_all().await.into_iter().flatten().collect();
    let elapsed = started.elapsed();
    let failed = results.iter().filter(|(r, _)| r.is_err()).count();
    if let Some((Err(e), _)) = results.iter().find(|(r, _)| r.is_err()) {
        eprintln!("  first failure: {e}");
    }
    let latencies: Vec<Duration> = results.iter().map(|(_, d)| *d).collect();
    WebResult {
        completed: results.len() - failed,
        failed,
        per_second: (results.len() - failed) as f64 / elapsed.as_secs_f64(),
        p50: median(&latencies),
        p99: percentile(&latencies, 99.0),
    }
}

/// A sealed `OtpRequired` stage of a real flow, and a maker of sealers with the key that sealed it.
async fn sealed_stage(
    sim: &Simulator,
    provisioned: &pingone_provisioning::Provisioned,
    username: &str,
) -> Result<(SealedStage, impl Fn() -> StageSealer + use<>), String> {
    let client = Wiring::of(sim).sign_on(provisioned, 1);
    let submitted = client.authorize().await.map_err(|e| e.to_string())?;
    let submitted = submitted.submit_username(&client, username).await.map_err(|e| e.to_string())?;
    let AfterUsername::OtpRequired(stage) = submitted.next().map_err(|e| e.to_string())? else {
        return Err("no OTP stage".into());
    };
    let key = [7u8; 32];
    SealingKey::from_bytes(&key).map_err(|e| e.to_string())?;
    let sealer = move || {
        let key = SealingKey::from_bytes(&key).unwrap_or_else(|_| unreachable!("checked above"));
        StageSealer::new(&client, KeyRing::new(key))
    };
    let sealed = sealer().seal(stage).map_err(|e| e.to_string())?;
    Ok((sealed, sealer))
}

/// The store round trip (`put` then `take` of one sealed stage, straight against the store API),
/// `count` times: mean, p50, p99.
async fn store_round_trip(
    store: &dyn FlowStore,
    sealed: &SealedStage,
    count: usize,
) -> Result<(Duration, Duration, Duration), String> {
    let mut times = Vec::with_capacity(count);
    for i in 0..count {
        let key = format!("bench:round-trip:{i}");
        let t = Instant::now();
        store.put(&key, sealed.clone(), Duration::from_secs(60)).await.map_err(|e| e.to_string())?;
        let back = store.take(&key).await.map_err(|e| e.to_string())?;
        times.push(t.elapsed());
        if back.is_none() {
            return Err("the store lost the stage".into());
        }
    }
    Ok((mean(&times), median(&times), percentile(&times, 99.0)))
}

/// A step's whole cost in the sessions API: `park` (seal + put) then `take` (take + open),
/// `count` times: mean.
async fn park_and_take(sessions: &SignOnSessions, sealed: &SealedStage, count: usize) -> Result<Duration, String> {
    let mut stage = sessions.sealer().open_any(sealed).map_err(|e| e.to_string())?;
    let started = Instant::now();
    for _ in 0..count {
        let token = sessions.park(stage).await.map_err(|e| e.to_string())?;
        stage = sessions.take(token.secret()).await.map_err(|e| e.to_string())?;
    }
    Ok(started.elapsed() / u32::try_from(count.max(1)).unwrap_or(u32::MAX))
}

pub(crate) async fn run(plan: &WebPlan) {
    if let Err(e) = run_section(plan).await {
        println!("\n== Web: not measured: {e}");
        println!("{}", json!({ "section": "web", "error": e }));
    }
}

async fn run_section(plan: &WebPlan) -> Result<(), String> {
    let most = plan.runs.iter().map(|(c, _)| *c).max().unwrap_or(1);
    let config = SimConfig { outbox_capacity: 100_000, ..SimConfig::default() };
    let sim = Arc::new(Simulator::start(config).await.map_err(|e| e.to_string())?);
    let users = web_users(most);
    let t = Instant::now();
    let provisioned = provision(&sim, &users).await?;
    let provisioning = t.elapsed();
    let redis = Redis::start()?;
    let example_lines: usize = EXAMPLE_SOURCES.iter().map(|(_, source)| code_lines(source)).sum();
    let mut rows = vec![
        (
            "examples/web_signon: lines of Rust (no blanks, comments, templates)".to_owned(),
            format!(
                "{example_lines} ({}; issue 13: ≤ 300)",
                EXAMPLE_SOURCES.iter().map(|(f, s)| format!("{f} {}", code_lines(s))).collect::<Vec<_>>().join(", ")
            ),
        ),
        (
            "users in the simulator (distinct per concurrent sign-on)".to_owned(),
            format!("{} in {:.1} s", users.len(), provisioning.as_secs_f64()),
        ),
    ];
    let mut out: Vec<Value> = Vec::new();
    // The store round trip, straight against the store API; and a step's whole cost per store.
    let (username, email) = users.first().ok_or("no users")?;
    let (sealed, sealer) = sealed_stage(&sim, &provisioned, username).await?;
    drop_mailed(&sim, email).await; // that sign-on is never finished: its code must not be read

    let mut stores: Vec<(&str, Arc<dyn FlowStore>)> = vec![("memory", Arc::new(MemoryStore::new()))];
    if let Some(redis) = &redis {
        let store = RedisStore::connect(&redis.url()).await.map_err(|e| e.to_string())?;
        stores.push(("redis", Arc::new(store)));
    }
    let mut round_trips = Vec::new();
    for (name, store) in &stores {
        let (mean_rt, p50, p99) = store_round_trip(store.as_ref(), &sealed, plan.round_trips).await?;
        let sessions = SignOnSessions::with_store(sealer(), Arc::clone(store));
        let step = park_and_take(&sessions, &sealed, plan.round_trips).await?;
        rows.push((
            format!("{name}: one store round trip (put + take), target ≤ 0.3 ms"),
            format!(
                "mean {:.3} ms, p50 {:.3} ms, p99 {:.3} ms; park + take with sealing {:.3} ms",
                ms(mean_rt),
                ms(p50),
                ms(p99),
                ms(step)
            ),
        ));
        round_trips.push(json!({ "store": name, "round_trip_mean_ms": ms(mean_rt), "round_trip_p50_ms": ms(p50),
            "round_trip_p99_ms": ms(p99), "park_take_ms": ms(step), "count": plan.round_trips }));
    }
    let step = park_and_take(&SignOnSessions::in_cookie(sealer()), &sealed, plan.round_trips).await?;
    rows.push(("cookie: seal + open (no store), per step".into(), format!("{:.3} ms", ms(step))));
    round_trips.push(json!({ "store": "cookie", "park_take_ms": ms(step), "count": plan.round_trips }));
    // The sign-ons through the pages.
    let mut setups: Vec<(String, Vec<String>)> =
        vec![("memory".into(), vec!["memory".into()]), ("cookie".into(), vec!["cookie".into()])];
    if let Some(redis) = &redis {
        setups.push(("redis".into(), vec![redis.url()]));
        setups.push(("redis, two instances".into(), vec![redis.url(), redis.url()]));
    } else {
        rows.push((
            "Redis rows".into(),
            "skipped: redis-server is not installed (apt-get install redis-server)".into(),
        ));
    }
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())?;
    let users = Arc::new(users);
    for (label, stores) in &setups {
        let sites: Vec<Site> = stores.iter().map(|store| Site::start(&sim, store)).collect::<Result<_, _>>()?;
        let bases = Arc::new(sites.iter().map(|s| s.base.clone()).collect::<Vec<_>>());
        for &(concurrency, total) in &plan.runs {
            let r = run_load(&sim, &http, &bases, &users, concurrency, total).await;
            rows.push((
                format!("{label}, concurrency {concurrency}"),
                format!(
                    "{} completed, {} failed, {:.0} sign-ons/s, p50 {:.1} ms, p99 {:.1} ms",
                    r.completed,
                    r.failed,
                    r.per_second,
                    ms(r.p50),
                    ms(r.p99)
                ),
            ));
            out.push(json!({ "store": label, "instances": sites.len(), "concurrency": concurrency,
                "completed": r.completed, "failed": r.failed, "per_second": r.per_second,
                "p50_ms": ms(r.p50), "p99_ms": ms(r.p99) }));
        }
    }
    table(
        "6. Web: sign-ons through examples/web_signon's pages (forms posted, no browser), simulator in this \
         process (target: ≥ 300 sign-ons/s at c=100 with two instances + Redis)",
        &rows,
    );
    println!(
        "{}",
        json!({ "section": "web", "example_rust_lines": example_lines, "users": users.len(), "provisioning_s": provisioning.as_secs_f64(),
            "redis": redis.is_some(), "store_round_trips": round_trips, "results": out })
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_lines_skip_blanks_and_comments() {
        assert_eq!(code_lines("//! doc\n\n/// item\nfn f() {\n    // note\n    g();\n}\n"), 3);
    }
}
