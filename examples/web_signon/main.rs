//! `cargo run --example web_signon`: PingOne's Email MFA sign-on as server-rendered pages at
//! <http://127.0.0.1:3000>, on the embedded simulator (users `ada` and `grace`, a mailbox page)
//! or a tenant. `usage.txt` lists the options; `README-section.md` says what the site protects.
#![allow(clippy::print_stdout, clippy::print_stderr, missing_docs)]

#[path = "../email_mfa/common.rs"]
mod common;
mod demo;
mod site;

use pingone_core::HttpClient;
use pingone_flow::{KeyRing, SealingKey, SignOnClient, StageSealer};
use pingone_provisioning::ManagementClient;
use pingone_session::{SessionCookies, SignOnSessions};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let level = std::env::var("RUST_LOG").ok().and_then(|l| l.parse().ok()).unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt().with_max_level(level).with_ansi(false).init();
    let failed = run().await.map_err(|message| eprintln!("web_signon: {message}")).is_err();
    std::process::ExitCode::from(u8::from(failed) * 2)
}

async fn run() -> Result<(), String> {
    let (mut bind, mut store, mut email, mut https) = ("127.0.0.1:3000".to_owned(), "memory".to_owned(), None, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = if matches!(arg.as_str(), "--https" | "--help") { None } else { args.next() };
        match (arg.as_str(), value) {
            ("--bind", Some(value)) => bind = value,
            ("--store", Some(value)) => store = value,
            ("--email", Some(value)) => email = Some(value),
            ("--https", None) => https = true,
            ("--help", None) => {
                print!("{}", include_str!("usage.txt"));
                return Ok(());
            }
            _ => return Err(format!("unexpected {arg:?}\n\n{}", include_str!("usage.txt"))),
        }
    }
    // A tenant, or the embedded simulator (kept alive as long as the site).
    let (tenant, sim) = common::Tenant::from_env_or_simulator().await?;
    let devices = [(email.as_deref().unwrap_or_default(), "E-mail")];
    let users = match (&sim, &email) {
        (Some(_), _) => demo::SIMULATOR_USERS.to_vec(),
        (None, Some(_)) => vec![("web-signon-demo-user", ("Demo", "User"), &devices[..])],
        (None, None) => return Err("--email ADDRESS is required against a tenant: codes are e-mailed there".into()),
    };
    let (http, endpoints, environment) =
        (HttpClient::new().map_err(|e| e.to_string())?, tenant.endpoints, tenant.environment);
    let management = ManagementClient::connect(http.clone(), endpoints.clone(), environment.clone(), tenant.worker);
    let provisioned = demo::provision(&management, &users, common::demo_password().ok_or("no random source")?)
        .await
        .map_err(|e| format!("provisioning on the {} failed: {e}", tenant.label))?;
    let app = pingone_mfa::oidc_app(&provisioned).map_err(|e| e.to_string())?;
    // `require_mfa`: a sign-on that skipped the e-mailed code is refused, never a session.
    let client = SignOnClient::new(http, endpoints, environment, app).require_mfa();
    // Instances that share sign-ons share the key; without one, a new key serves this process only.
    let key = SealingKey::from_env_or_generate("WEB_SIGNON_SEALING_KEY")
        .map_err(|e| format!("WEB_SIGNON_SEALING_KEY: {e}"))?;
    // How long a sign-on may wait between two steps: PingOne's flow lifetime unless set.
    let max_age = std::env::var("WEB_SIGNON_MAX_AGE_SECS")
        .map_or(Ok(pingone_flow::DEFAULT_MAX_AGE.as_secs()), |s| {
            s.parse().map_err(|_| format!("WEB_SIGNON_MAX_AGE_SECS={s:?}: not a number of seconds"))
        })?;
    let sealer = StageSealer::new(&client, KeyRing::new(key)).with_max_age(std::time::Duration::from_secs(max_age));
    let sessions = SignOnSessions::from_store_name(sealer, &store).await.map_err(|e| format!("--store: {e}"))?;
    let listener = tokio::net::TcpListener::bind(&bind).await.map_err(|e| format!("--bind {bind}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let outbox = sim.as_ref().map(|sim| sim.outbox().clone());
    // Behind a TLS-terminating proxy the app may listen on loopback: `--https` says the site is HTTPS.
    let (cookies, accounts) = (SessionCookies::new(https || !addr.ip().is_loopback()), Default::default());
    let site = site::router(site::App { client, sessions, outbox, cookies, accounts });
    tracing::info!(on = %tenant.label, store = store.split('@').next_back().unwrap_or_default(), "sign-on ready");
    println!("web_signon: listening on http://{addr}");
    axum::serve(listener, site).await.map_err(|e| e.to_string())
}
