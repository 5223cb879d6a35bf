//! `cargo run --example email_mfa`: PingOne's "Use an Email MFA Action to Authenticate Users"
//! workflow, all 20 steps, through this workspace's public API.
//!
//! Without configuration it starts the embedded PingOne simulator and reads the OTP from its
//! outbox. With `PINGONE_ENVIRONMENT_ID`, `PINGONE_REGION` (or `PINGONE_MANAGEMENT_BASE` and
//! `PINGONE_AUTH_BASE`), `PINGONE_CLIENT_ID` and `PINGONE_CLIENT_SECRET` (a worker application)
//! it runs against that tenant and asks for the OTP e-mailed to `--email`.
#![allow(clippy::print_stdout, clippy::print_stderr, missing_docs)]

mod workflow;

use std::process::ExitCode;

use pingone_sim::{SimConfig, Simulator};
use workflow::common::{TENANT_VARIABLES, Tenant};
use workflow::{OtpSource, Target};

fn usage() -> String {
    format!(
        "usage: cargo run --example email_mfa -- [--keep] [--with-password] [--email ADDRESS] [--username NAME]

--with-password provisions a password-first sign-on policy (LOGIN, then e-mail MFA): the user
signs on with a password, then the e-mailed code.

Without PINGONE_* variables: runs on the embedded simulator.
Against a tenant, {TENANT_VARIABLES}, and pass
--email with an address you can read: the passcode is e-mailed there."
    )
}

struct Args {
    keep: bool,
    with_password: bool,
    email: Option<String>,
    username: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { keep: false, with_password: false, email: None, username: None };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--keep" => args.keep = true,
            "--with-password" => args.with_password = true,
            "--email" => args.email = Some(it.next().ok_or("--email needs an address")?),
            "--username" => args.username = Some(it.next().ok_or("--username needs a name")?),
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

/// A live tenant when any PINGONE_* variable is set; `Ok(None)` for the simulator.
fn live_target(args: &Args) -> Result<Option<Target>, String> {
    let Some(tenant) = Tenant::from_env()? else { return Ok(None) };
    let email = args
        .email
        .clone()
        .ok_or("--email ADDRESS is required against a tenant: the one-time passcode is e-mailed there")?;
    if !email.contains('@') {
        return Err(format!("--email {email:?} is not an e-mail address"));
    }
    Ok(Some(Target {
        label: tenant.label,
        worker: tenant.worker,
        endpoints: tenant.endpoints,
        environment: tenant.environment,
        otp: OtpSource::Terminal,
        username: args.username.clone().unwrap_or_else(|| "email-mfa-demo-user".into()),
        email,
        keep: args.keep,
        with_password: args.with_password,
    }))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) if message.is_empty() => {
            println!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("email_mfa: {message}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    let live = match live_target(&args) {
        Ok(live) => live,
        Err(message) => {
            eprintln!("email_mfa: {message}");
            return ExitCode::from(2);
        }
    };
    // Without a tenant: the embedded simulator (kept alive until the end of main).
    let mut _sim = None;
    let target = match live {
        Some(target) => target,
        None => {
            let sim = match Simulator::start(SimConfig::default()).await {
                Ok(sim) => sim,
                Err(e) => {
                    eprintln!("email_mfa: could not start the embedded simulator: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let username = args.username.clone().unwrap_or_else(|| "ada.example".into());
            let email = args.email.clone().unwrap_or_else(|| "ada@example.test".into());
            let target = match Target::simulator(&sim, username, email, args.keep) {
                Ok(target) => Target { with_password: args.with_password, ..target },
                Err(e) => {
                    eprintln!("email_mfa: the embedded simulator is unusable: {e}");
                    return ExitCode::FAILURE;
                }
            };
            _sim = Some(sim);
            target
        }
    };
    match workflow::run(target).await {
        Ok(report) => {
            print!("{}", workflow::render(&report, false));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("email_mfa: {e}");
            ExitCode::FAILURE
        }
    }
}
