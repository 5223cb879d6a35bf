//! Section 8, footprint: the stages' sizes in memory and sealed (the cookie text of every
//! stage, each at most 1.5 KiB), the simulator binary's idle memory, dependency counts.

use std::time::Duration;

use pingone_core::Otp;
use pingone_flow::{AfterUsername, FirstStep, KeyRing, OtpOutcome, SealingKey, SignOnStage, StageSealer};
use pingone_provisioning::EmailMfaSetup;
use pingone_sim::{SimConfig, Simulator};
use serde_json::json;

use crate::fixture::{Wiring, table};
use crate::sim_process::SimProcess;

/// Cookie text limit of one sealed stage.
const SEALED_LIMIT: usize = 1536;

fn dependency_count(package: &str) -> Option<usize> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["tree", "-p", package, "-e", "normal", "--prefix", "none", "--quiet"])
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let mut names: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty())
        .collect();
    names.sort();
    names.dedup();
    Some(names.len().saturating_sub(1))
}

/// The cookie text length of every stage, from one real sign-on (and a second flow that asks
/// for a device choice).
async fn sealed_sizes() -> Vec<(&'static str, usize)> {
    let sim = Simulator::start(SimConfig::default()).await.expect("simulator");
    let wiring = Wiring::of(&sim);
    let admin = wiring.management(4);
    // The device policy prompts, so that a second device brings the device choice.
    let spec =
        crate::fixture::spec().with_device_selection(pingone_provisioning::model::DeviceSelection::PromptToSelect);
    let p = EmailMfaSetup::new(spec).run(&admin).await.expect("setup");
    let client = wiring.sign_on(&p, 4);
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
        panic!("not Authorized")
    };
    let submitted = authorized.submit_username(&client, "ada").await.expect("username");
    let Ok(AfterUsername::OtpRequired(state)) = submitted.next() else { panic!("no OTP step") };
    let SignOnStage::OtpRequired(state) = reseal("OtpRequired", state.into()) else { panic!("not OtpRequired") };
    let mail = sim.outbox().next_for("ada@example.test", Duration::from_secs(5)).await.expect("e-mail");
    let Ok(OtpOutcome::Completed(done)) = state.submit_otp(&client, &Otp::new(mail.otp())).await else {
        panic!("rejected")
    };
    let SignOnStage::Completed(done) = reseal("Completed", done.into()) else { panic!("not Completed") };
    let resumed = done.resume(&client).await.expect("resume");
    reseal("Resumed", resumed.into());
    // A second device makes the next flow ask for a device choice.
    let second =
        pingone_provisioning::model::DeviceSpec::email("ada.work@example.test", Some(p.ids.device_policy.clone()));
    admin.create_device(&p.ids.user, &second).await.expect("second device");
    let submitted =
        client.authorize().await.expect("authorize").submit_username(&client, "ada").await.expect("username");
    let Ok(AfterUsername::DeviceSelectionRequired(selection)) = submitted.next() else { panic!("no device selection") };
    reseal("DeviceSelectionRequired", selection.into());
    // A password-first policy (its own simulator: names are unique) brings the password stage.
    let sim = Simulator::start(SimConfig::default()).await.expect("simulator");
    let wiring = Wiring::of(&sim);
    let spec = crate::fixture::spec().with_password_first();
    let p = EmailMfaSetup::new(spec).run(&wiring.management(4)).await.expect("password-first setup");
    let client = wiring.sign_on(&p, 4);
    let sealer = StageSealer::new(&client, KeyRing::new(SealingKey::generate().expect("key")));
    let authorized = client.authorize().await.expect("authorize");
    let Ok(FirstStep::PasswordRequired(stage)) = authorized.next(&client).await else { panic!("no password step") };
    saved.push(("PasswordRequired", sealer.seal(stage).expect("seal").to_text().len()));
    saved
}

pub(crate) async fn run() {
    let mut rows: Vec<(String, String)> = vec![
        ("size_of Authorized".into(), format!("{} bytes", size_of::<pingone_flow::Authorized>())),
        ("size_of UsernameSubmitted".into(), format!("{} bytes", size_of::<pingone_flow::UsernameSubmitted>())),
        (
            "size_of DeviceSelectionRequired".into(),
            format!("{} bytes", size_of::<pingone_flow::DeviceSelectionRequired>()),
        ),
        ("size_of PasswordRequired".into(), format!("{} bytes", size_of::<pingone_flow::PasswordRequired>())),
        ("size_of OtpRequired".into(), format!("{} bytes", size_of::<pingone_flow::OtpRequired>())),
        ("size_of Completed".into(), format!("{} bytes", size_of::<pingone_flow::Completed>())),
        ("size_of Resumed".into(), format!("{} bytes", size_of::<pingone_flow::Resumed>())),
        ("size_of Tokens".into(), format!("{} bytes", size_of::<pingone_flow::Tokens>())),
    ];
    let saved = sealed_sizes().await;
    for (name, len) in &saved {
        let verdict = if *len <= SEALED_LIMIT { "" } else { " OVER THE LIMIT" };
        rows.push((format!("sealed {name} (cookie text)"), format!("{len} bytes (limit {SEALED_LIMIT}){verdict}")));
    }
    // Idle memory: the release binary in its own process, its key generated.
    let rss = match SimProcess::spawn(&[]) {
        Ok(sim) => {
            tokio::time::sleep(Duration::from_millis(300)).await;
            Some(sim.rss_mib())
        }
        Err(_) => None,
    };
    rows.push((
        "simulator binary idle RSS (own process, key generated)".into(),
        rss.map_or("n/a".into(), |r| format!("{r:.1} MiB")),
    ));
    let (flow_deps, prov_deps) = (dependency_count("pingone-flow"), dependency_count("pingone-provisioning"));
    rows.push((
        "crates in pingone-flow's normal dependency tree".into(),
        flow_deps.map_or("n/a".into(), |n| n.to_string()),
    ));
    rows.push((
        "crates in pingone-provisioning's normal dependency tree".into(),
        prov_deps.map_or("n/a".into(), |n| n.to_string()),
    ));
    table("8. Footprint", &rows);
    println!(
        "{}",
        json!({ "section": "footprint", "saved_bytes": saved.iter().map(|(n, l)| json!({ "state": n, "bytes": l })).collect::<Vec<_>>(),
            "sealed_limit_bytes": SEALED_LIMIT, "sim_idle_rss_mib": rss, "deps_flow": flow_deps, "deps_provisioning": prov_deps })
    );
}
