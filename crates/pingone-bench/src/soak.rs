//! `pingone-bench --soak N`: N complete sign-ons against the release `pingone-sim` binary, run as
//! its own process, with the simulator's resident memory (VmRSS) read from `/proc` at each tenth.
//! Everything the client does is plain HTTP, as a test suite in any language would do it:
//! provisioning through the management API, the OTP through the outbox's long-poll wait, the
//! sign-on by the hand-written reqwest client. Prints a table and one JSON line
//! (`"section": "soak"`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::admin::Admin;
use crate::handwritten::{HandWritten, send_json};
use crate::sim_process::{SimProcess, outbox_otp};
/// Sign-ons in flight at once (each worker has its own user and mailbox).
const WORKERS: usize = 8;

pub(crate) async fn run(sign_ons: usize) -> Result<(), String> {
    let sim = SimProcess::spawn(&[])?;
    let http = crate::fixture::harness_http();
    let admin = Admin::connect(&http, &sim.ready).await?;
    let (client_id, secret) = admin.provision(WORKERS).await?;
    let (auth, env) = (sim.field("auth_base"), sim.field("environment_id"));
    let hand = Arc::new(HandWritten::connect(http.clone(), &auth, &env, &client_id, &secret).await?);
    let outbox_url = sim.field("outbox_url");
    let tenth = (sign_ons / 10).max(1);
    // `claimed` hands out the work; `completed` counts what has finished.
    let claimed = Arc::new(AtomicUsize::new(0));
    let completed = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let mut rss = vec![sim.rss_mib()];
    let mut rows = vec![("before the first sign-on".to_owned(), format!("{:.1} MiB", rss[0]))];
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for w in 0..WORKERS {
        let (hand, http, outbox_url) = (Arc::clone(&hand), http.clone(), outbox_url.clone());
        let (claimed, completed, failed) = (Arc::clone(&claimed), Arc::clone(&completed), Arc::clone(&failed));
        workers.spawn(async move {
            let (username, email) = (format!("soak{w}"), format!("soak{w}@example.test"));
            while claimed.fetch_add(1, Ordering::Relaxed) < sign_ons {
                if let Err(e) = hand.sign_on(&username, || outbox_otp(&http, &outbox_url, &email)).await
                    && failed.fetch_add(1, Ordering::Relaxed) == 0
                {
                    eprintln!("  first failure: {e}");
                }
                completed.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    // Sample at each tenth while the workers run.
    let mut next = tenth;
    while next <= sign_ons {
        while completed.load(Ordering::Relaxed) < next && completed.load(Ordering::Relaxed) < sign_ons {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mib = sim.rss_mib();
        rss.push(mib);
        rows.push((
            format!("after {next} sign-ons"),
            format!("{mib:.1} MiB ({:.0} s)", started.elapsed().as_secs_f64()),
        ));
        next += tenth;
    }
    while workers.join_next().await.is_some() {}
    let elapsed = started.elapsed();
    let failed = failed.load(Ordering::Relaxed);
    let at_first_tenth = rss.get(1).copied().unwrap_or_default();
    let last = rss.last().copied().unwrap_or_default();
    let peak_after = rss.iter().skip(1).copied().fold(0.0, f64::max);
    let state = send_json(http.get(format!("{}/environments/{env}", sim.field("controls_url")))).await?;
    rows.push(("growth after the first tenth (end − first tenth)".into(), format!("{:.2} MiB", last - at_first_tenth)));
    rows.push(("peak after the first tenth − first tenth".into(), format!("{:.2} MiB", peak_after - at_first_tenth)));
    rows.push((
        "sign-ons/s, failed".into(),
        format!("{:.0}/s, {failed} failed", sign_ons as f64 / elapsed.as_secs_f64()),
    ));
    rows.push((
        "held at the end: flows, codes, e-mails".into(),
        format!("{}, {}, {}", state["flows"], state["codes"], state["emails"]),
    ));
    println!(
        "\n== Soak: {sign_ons} complete sign-ons against the release pingone-sim binary (own process, {WORKERS} workers, OTP by long-poll)"
    );
    for (k, v) in &rows {
        println!("  {k:<52} {v}");
    }
    println!(
        "{}",
        json!({ "section": "soak", "sign_ons": sign_ons, "workers": WORKERS, "failed": failed,
            "seconds": elapsed.as_secs_f64(), "per_second": sign_ons as f64 / elapsed.as_secs_f64(),
            "rss_mib_at_each_tenth": rss, "growth_after_first_tenth_mib": last - at_first_tenth,
            "peak_growth_after_first_tenth_mib": peak_after - at_first_tenth,
            "held_at_end": { "flows": state["flows"], "codes": state["codes"], "emails": state["emails"] } })
    );
    if failed > 0 { Err(format!("{failed} sign-ons failed")) } else { Ok(()) }
}
