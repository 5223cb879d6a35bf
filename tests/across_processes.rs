//! A sign-on started by one OS process and finished by another, through a real Redis: the
//! parent runs the simulator and Redis, then runs this same program twice more as children —
//! one authorizes, submits the username and parks the OTP stage; the other takes it and signs
//! on — and a third time to show that the taken stage cannot be replayed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs
)]

#[path = "integration/services.rs"]
mod services;

use std::process::Command;
use std::sync::Arc;

use base64::Engine as _;
use pingone_core::{ClientAuth, ClientSecret, Endpoints, HttpClient, Otp};
use pingone_flow::{AfterUsername, KeyRing, OidcApp, OtpOutcome, SealingKey, SignOnClient, SignOnStage, StageSealer};
use pingone_session::{RedisStore, SessionError, SignOnSessions};

const ROLE: &str = "PINGONE_TEST_CHILD_ROLE";
const USER: &str = "ada.example";
const EMAIL: &str = "ada@example.test";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    match std::env::var(ROLE) {
        Ok(role) => runtime.block_on(child(&role)),
        Err(_) => runtime.block_on(parent()),
    }
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the parent"))
}

async fn sessions_from_env() -> (SignOnClient, SignOnSessions) {
    let endpoints = Endpoints::custom(&var("T_MANAGEMENT"), &var("T_AUTH")).unwrap();
    let app = OidcApp::new(
        var("T_CLIENT_ID"),
        var("T_REDIRECT"),
        &["openid", "profile", "email"],
        ClientAuth::SecretBasic(ClientSecret::new(var("T_CLIENT_SECRET"))),
    );
    let client = SignOnClient::new(HttpClient::new().unwrap(), endpoints, var("T_ENV").parse().unwrap(), app);
    let sealer = StageSealer::new(&client, KeyRing::new(SealingKey::from_base64(&var("T_KEY")).unwrap()));
    let store = RedisStore::connect(&var("T_REDIS")).await.unwrap();
    (client, SignOnSessions::with_store(sealer, Arc::new(store)))
}

async fn child(role: &str) {
    let (client, sessions) = sessions_from_env().await;
    match role {
        "start" => {
            let submitted = client.authorize().await.unwrap().submit_username(&client, &var("T_USER")).await.unwrap();
            let AfterUsername::OtpRequired(stage) = submitted.next().unwrap() else { panic!("no OTP step") };
            let token = sessions.park(stage).await.unwrap();
            println!("pid={} token={}", std::process::id(), token.secret());
        }
        "finish" | "replay" => {
            let stage = match sessions.take(&var("T_TOKEN")).await {
                Ok(SignOnStage::OtpRequired(stage)) => stage,
                Err(SessionError::Missing) => {
                    println!("pid={} refused=missing", std::process::id());
                    return;
                }
                other => panic!("unexpected {other:?}"),
            };
            let OtpOutcome::Completed(done) = stage.submit_otp(&client, &Otp::new(var("T_OTP"))).await.unwrap() else {
                panic!("OTP rejected")
            };
            let tokens = done.resume(&client).await.unwrap().exchange(&client).await.unwrap();
            println!("pid={} signed-on={}", std::process::id(), tokens.claims.preferred_username.unwrap_or_default());
        }
        other => panic!("unknown role {other}"),
    }
}

fn run_child(env: &[(&str, String)], role: &str) -> String {
    let output = Command::new(std::env::current_exe().unwrap())
        .env(ROLE, role)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "child {role} failed: {stdout}{}", String::from_utf8_lossy(&output.stderr));
    stdout.lines().last().unwrap_or_default().to_owned()
}

fn field<'a>(line: &'a str, name: &str) -> &'a str {
    line.split(' ')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("{name} in {line:?}"))
}

async fn parent() {
    let Some(redis) = services::RedisServer::start() else {
        println!("across_processes: skipped (no redis-server)");
        return;
    };
    let sim = pingone_sim::Simulator::start(pingone_sim::SimConfig::default()).await.unwrap();
    let target = pingone_mfa::testing::SimulatorTarget::new(&sim).unwrap();
    let spec = pingone_provisioning::EmailMfaSpec::demo(
        "across-processes",
        "https://app.example.test/callback",
        USER,
        EMAIL,
        pingone_core::Password::new("Corr3ct-Horse-Battery!"),
    );
    let provisioned = pingone_provisioning::EmailMfaSetup::new(spec)
        .run(&target.management(HttpClient::new().unwrap()))
        .await
        .unwrap();
    let mut key = [0u8; 32];
    aws_lc_rs::rand::fill(&mut key).unwrap();
    let env = vec![
        ("T_MANAGEMENT", sim.management_base().to_owned()),
        ("T_AUTH", sim.auth_base().to_owned()),
        ("T_ENV", sim.environment_id().to_owned()),
        ("T_CLIENT_ID", provisioned.client_id.as_str().to_owned()),
        ("T_CLIENT_SECRET", provisioned.client_secret.secret().to_owned()),
        ("T_REDIRECT", provisioned.redirect_uri.clone()),
        ("T_USER", USER.to_owned()),
        ("T_KEY", base64::engine::general_purpose::STANDARD.encode(key)),
        ("T_REDIS", redis.url()),
    ];
    let started = tokio::task::spawn_blocking({
        let env = env.clone();
        move || run_child(&env, "start")
    })
    .await
    .unwrap();
    let token = field(&started, "token").to_owned();
    let mail = sim.outbox().next_for(EMAIL, std::time::Duration::from_secs(5)).await.expect("an OTP e-mail");
    let otp = Otp::new(mail.otp());
    let mut env = env;
    env.push(("T_TOKEN", token));
    env.push(("T_OTP", otp.secret().to_owned()));
    let finished = tokio::task::spawn_blocking({
        let env = env.clone();
        move || run_child(&env, "finish")
    })
    .await
    .unwrap();
    assert_eq!(field(&finished, "signed-on"), USER);
    assert_ne!(field(&started, "pid"), field(&finished, "pid"), "two processes");
    let replayed = tokio::task::spawn_blocking(move || run_child(&env, "replay")).await.unwrap();
    assert_eq!(field(&replayed, "refused"), "missing", "the taken stage cannot be replayed");
    println!(
        "across_processes: started in pid {}, finished in pid {}, replay in pid {} refused: ok",
        field(&started, "pid"),
        field(&finished, "pid"),
        field(&replayed, "pid")
    );
}
