//! The `pingone-sim` binary as a child process, and the fault, latency and journal controls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pingone_sim::{Fault, FaultRates, ScriptedFault, SimConfig};
use reqwest::Method;
use serde_json::{Value, json};
use support::*;

#[cfg(unix)]
#[tokio::test]
async fn binary_prints_one_json_line_serves_and_exits_0_on_sigterm() {
    let journal = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sim-journal.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pingone-sim"))
        .args(["--bind", "127.0.0.1:0", "--seed", "42", "--latency-ms", "1", "--journal"])
        .arg(&journal)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap();
    for key in [
        "management_base",
        "auth_base",
        "environment_id",
        "worker_client_id",
        "worker_client_secret",
        "outbox_url",
        "controls_url",
    ] {
        assert!(ready[key].is_string(), "{key} in {line}");
    }
    let http = client();
    let token = http
        .post(format!(
            "{}/{}/as/token",
            ready["auth_base"].as_str().unwrap(),
            ready["environment_id"].as_str().unwrap()
        ))
        .basic_auth(ready["worker_client_id"].as_str().unwrap(), ready["worker_client_secret"].as_str())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
    let outbox = http.get(ready["outbox_url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(outbox.status(), 200);
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(exit.code(), Some(0));
    let written = std::fs::read_to_string(&journal).unwrap();
    let first: Value = serde_json::from_str(written.lines().next().unwrap()).unwrap();
    assert_eq!(first["path"], format!("/{}/as/token", ready["environment_id"].as_str().unwrap()));
    assert_eq!(first["status"], 200);
    assert!(!written.contains(ready["worker_client_secret"].as_str().unwrap()));
}

#[tokio::test]
async fn bad_arguments_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_pingone-sim")).args(["--fault-rate", "2"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fault-rate"));
}

/// Starts the binary with `args`, reads its ready line, and returns the child and its JWKS key.
async fn started_with(args: &[&std::ffi::OsStr]) -> (std::process::Child, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pingone-sim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap();
    let jwks =
        format!("{}/{}/as/jwks", ready["auth_base"].as_str().unwrap(), ready["environment_id"].as_str().unwrap());
    let keys: Value = client().get(jwks).send().await.unwrap().json().await.unwrap();
    (child, keys["keys"][0].clone())
}

#[tokio::test]
async fn a_key_file_signs_with_the_same_key_every_run_and_a_bad_one_is_refused() {
    let key = pingone_sim::SigningKey::generate().unwrap();
    let pem = key.to_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sim-signing-key.pem");
    std::fs::write(&file, &pem).unwrap();
    let args = [std::ffi::OsStr::new("--key"), file.as_os_str()];
    let (mut first, first_key) = started_with(&args).await;
    let (mut second, second_key) = started_with(&args).await;
    let _ = (first.kill(), second.kill(), first.wait(), second.wait());
    assert_eq!(first_key["kid"], key.kid().unwrap());
    assert_eq!(first_key, second_key, "the same key in both runs");
    // Without --key each run has a key of its own (generated in the background).
    let (mut third, third_key) = started_with(&[]).await;
    let _ = (third.kill(), third.wait());
    assert_ne!(third_key["kid"], first_key["kid"]);
    std::fs::write(&file, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pingone-sim")).arg("--key").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--key"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn help_lists_every_flag_with_its_default() {
    let out = Command::new(env!("CARGO_BIN_EXE_pingone-sim")).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).unwrap();
    // One block per flag: from its `--name` line to the next flag.
    let mut blocks: Vec<(String, String)> = Vec::new();
    for line in help.lines() {
        let trimmed = line.trim_start();
        if let Some(flag) =
            trimmed.strip_prefix("--").or_else(|| trimmed.strip_prefix("-h, --").or(trimmed.strip_prefix("-V, --")))
        {
            blocks.push((flag.split([' ', ',']).next().unwrap().to_owned(), String::new()));
        } else if let Some((_, text)) = blocks.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    let flags: Vec<&str> = blocks.iter().map(|(f, _)| f.as_str()).collect();
    for expected in ["bind", "latency-ms", "jitter-ms", "fault-rate", "seed", "journal", "cookies", "flow-idle-timeout"]
    {
        assert!(flags.contains(&expected), "--{expected} missing from {flags:?}");
    }
    for (flag, text) in &blocks {
        if flag != "help" && flag != "version" {
            assert!(text.contains("[default: "), "--{flag} does not show its default:\n{text}");
        }
    }
}

#[tokio::test]
async fn scripted_faults_429_500_503_and_drops() {
    let h = Harness::start().await;
    let controls = h.sim.controls();
    controls.inject(ScriptedFault::matching("GET", "/resources", Fault::TooManyRequests { retry_after_secs: 2 }));
    let limited = h.get("resources").await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.headers["retry-after"], "2");
    assert_eq!(limited.body["code"], "REQUEST_LIMITED");
    controls.inject(ScriptedFault::next(Fault::ServerError));
    assert_eq!(h.get("resources").await.status, 500);
    controls.inject(ScriptedFault::next(Fault::Unavailable { retry_after_secs: 1 }));
    let unavailable = h.get("resources").await;
    assert_eq!(unavailable.status, 503);
    assert_eq!(unavailable.headers["retry-after"], "1");
    controls.inject(ScriptedFault::next(Fault::DropConnection));
    let dropped = async { h.http.get(h.mgmt("resources")).bearer_auth(&h.token).send().await?.bytes().await };
    assert!(dropped.await.is_err(), "the connection is dropped");
    assert_eq!(h.get("resources").await.status, 200, "faults are one-shot");
    assert_eq!(controls.faults_injected(), 4);
    let journal = h.sim.journal();
    let faults: Vec<_> = journal.iter().filter_map(|e| e.fault).collect();
    assert_eq!(faults, ["429", "500", "503", "drop"]);
}

#[tokio::test]
async fn drop_after_commit_commits_the_create() {
    let h = Harness::start().await;
    h.sim.controls().inject(ScriptedFault::matching("POST", "/users", Fault::DropAfterCommit));
    let sent = async {
        h.http
            .post(h.mgmt("users"))
            .bearer_auth(&h.token)
            .json(&json!({ "username": "lost", "email": "lost@example.test" }))
            .send()
            .await?
            .bytes()
            .await
    };
    assert!(sent.await.is_err(), "the client never sees the response");
    let found = h
        .send(
            Method::GET,
            &format!("{}?filter=username%20eq%20%22lost%22", h.mgmt("users")),
            None,
            None,
            Some(&h.token),
        )
        .await;
    assert_eq!(found.body["size"], 1, "but the user exists");
}

#[tokio::test]
async fn random_faults_are_reproducible_with_a_seed() {
    async fn statuses(seed: u64) -> Vec<u16> {
        let rates =
            FaultRates { too_many_requests: 0.2, unavailable: 0.2, retry_after_secs: 1, ..FaultRates::default() };
        let h = Harness::with(SimConfig { seed: Some(seed), ..SimConfig::default() }).await;
        h.sim.controls().set_fault_rates(rates);
        let mut out = Vec::new();
        for _ in 0..40 {
            out.push(h.get("resources").await.status.as_u16());
        }
        out
    }
    let (a, b) = (statuses(7).await, statuses(7).await);
    assert_eq!(a, b);
    assert!(a.contains(&429) && a.contains(&503) && a.contains(&200), "{a:?}");
}

#[tokio::test]
async fn latency_is_added_to_every_response() {
    let h = Harness::start().await;
    h.sim.controls().set_latency(Duration::from_millis(50), Duration::ZERO);
    let started = Instant::now();
    h.get("resources").await;
    assert!(started.elapsed() >= Duration::from_millis(50));
    let entry = h.sim.journal().pop().unwrap();
    assert!(entry.latency_ms >= 50);
    assert_eq!(entry.method, "GET");
    assert_eq!(entry.response_content_type.as_deref(), Some("application/json"));
}

#[tokio::test]
async fn concurrent_creates_keep_usernames_unique() {
    let h = std::sync::Arc::new(Harness::start().await);
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let h = std::sync::Arc::clone(&h);
            tokio::spawn(async move {
                h.post("users", json!({ "username": format!("same{}", i % 2), "email": "x@example.test" }))
                    .await
                    .status
                    .as_u16()
            })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        if t.await.unwrap() == 201 {
            created += 1;
        }
    }
    assert_eq!(created, 2);
}
