//! Section 7, memory: N suspended sign-ons parked in a `pingone_session::MemoryStore`. One real
//! `OtpRequired` stage comes from a sign-on against the simulator; it is opened and parked again
//! (`SignOnSessions::park`: sealed anew under a fresh nonce, under a fresh random token) N times.
//! This runs in a child process of its own (`--memory-child N`), so that its resident memory
//! is not that of the other sections.

use std::process::{Command, Stdio};
use std::sync::Arc;

use pingone_flow::{AfterUsername, KeyRing, SealingKey, StageSealer};
use pingone_provisioning::EmailMfaSetup;
use pingone_session::{MemoryStore, SignOnSessions};
use pingone_sim::{SimConfig, Simulator};
use serde_json::{Value, json};

use crate::fixture::{Wiring, spec, table};
use crate::stats::status_kib;

/// The parent: runs the child and prints its figures.
pub(crate) fn run(count: usize) {
    let exe = std::env::current_exe().expect("own path");
    let output = Command::new(exe)
        .args(["--memory-child", &count.to_string()])
        .stderr(Stdio::inherit())
        .output()
        .expect("memory child");
    let text = String::from_utf8_lossy(&output.stdout);
    let Some(figures) = text.lines().rev().find_map(|l| serde_json::from_str::<Value>(l).ok()) else {
        println!("\n== 6. Memory: the child printed no figures ({})", output.status);
        return;
    };
    let each = figures["bytes_each"].as_f64().unwrap_or(f64::NAN);
    let rows = vec![
        ("suspended sign-ons parked (real OtpRequired stages)".into(), figures["count"].to_string()),
        ("resident memory they added ÷ count".into(), format!("{each:.0} bytes each (target ≤ 1024)")),
        (
            "RSS before → after parking".into(),
            format!(
                "{:.1} MiB → {:.1} MiB",
                figures["rss_before_kib"].as_f64().unwrap_or(0.0) / 1024.0,
                figures["rss_after_kib"].as_f64().unwrap_or(0.0) / 1024.0
            ),
        ),
        ("the sealed stage held (bytes)".into(), format!("{} bytes", figures["sealed_bytes"])),
        ("the same as cookie text".into(), format!("{} bytes", figures["sealed_text_bytes"])),
        ("the last token takes its stage back".into(), figures["last_taken"].to_string()),
    ];
    table("7. Memory: suspended sign-ons in pingone_session::MemoryStore (child process)", &rows);
    let mut figures = figures;
    figures["section"] = json!("memory");
    println!("{figures}");
}

/// The child: parks `count` stages and prints one JSON line.
pub(crate) async fn child(count: usize) {
    let sim = Simulator::start(SimConfig::default()).await.expect("simulator");
    let wiring = Wiring::of(&sim);
    let p = EmailMfaSetup::new(spec()).run(&wiring.management(4)).await.expect("setup");
    let client = wiring.sign_on(&p, 4);
    let submitted =
        client.authorize().await.expect("authorize").submit_username(&client, "ada").await.expect("username");
    let Ok(AfterUsername::OtpRequired(stage)) = submitted.next() else { panic!("no OTP step") };
    let sealer = StageSealer::new(&client, KeyRing::new(SealingKey::generate().expect("sealing key")));
    let store = Arc::new(MemoryStore::with_capacity(count));
    let sessions = SignOnSessions::with_store(sealer, Arc::clone(&store) as Arc<dyn pingone_session::FlowStore>);
    let template = sessions.sealer().seal(stage).expect("seal");
    let rss_before = status_kib("VmRSS:", "self");
    let mut last = None;
    for _ in 0..count {
        let stage = sessions.sealer().open_any(&template).expect("open");
        last = Some(sessions.park(stage).await.expect("park"));
    }
    let rss_after = status_kib("VmRSS:", "self");
    let held = store.len();
    let last_taken = match &last {
        Some(token) => sessions.take(token.secret()).await.is_ok(),
        None => false,
    };
    println!(
        "{}",
        json!({ "count": held, "rss_before_kib": rss_before, "rss_after_kib": rss_after,
            "bytes_each": (rss_after - rss_before) * 1024.0 / held.max(1) as f64,
            "sealed_bytes": template.as_bytes().len(), "sealed_text_bytes": template.to_text().len(),
            "last_taken": last_taken })
    );
}
