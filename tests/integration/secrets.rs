//! The whole 20-step run with `tracing` captured at TRACE level, plus every stage, result and
//! error `Debug`-formatted: no secret appears anywhere in the output.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::support::*;
use pingone_core::Otp;
use pingone_flow::{AfterUsername, KeyRing, OtpOutcome, SealingKey, StageSealer, internal};
use serde_json::Value;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every string value inside a saved state (cookies, verifier, state, nonce, code).
fn secrets_in_saved(bytes: &[u8]) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) if s.len() >= 16 => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            // Not secret: the flow ID, the status, a cookie's path and host.
            Value::Object(m) => {
                for (_, x) in m.iter().filter(|(k, _)| !["i", "s", "p", "h"].contains(&k.as_str())) {
                    walk(x, out);
                }
            }
            _ => {}
        }
    }
    let value: Value = serde_json::from_slice(bytes).unwrap();
    let mut out = Vec::new();
    walk(&value, &mut out);
    out
}

fn saved_flow_id(bytes: &[u8]) -> String {
    let value: Value = serde_json::from_slice(bytes).unwrap();
    value["c"]["i"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_in_traces_or_debug_output() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // The other tests of this binary run concurrently on threads without a subscriber. tracing
    // caches each callsite's interest globally, and while a single dispatcher is registered it
    // asks only the registering thread's own (none: "never"). A second registered dispatcher
    // makes every callsite ask all of them, this test's subscriber included.
    let _second_dispatcher = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());

    let w = World::new().await;
    let mut debug = Vec::new();
    let mut secrets: Vec<String> = vec![
        w.provisioned.client_secret.secret().to_owned(),
        "Corr3ct-Horse-Battery!".to_owned(),
        w.sim.worker_client_secret().to_owned(),
    ];
    let sealer = StageSealer::new(&w.client, KeyRing::new(SealingKey::generate().unwrap()));
    let sealed = sealer.seal(w.client.authorize().await.unwrap()).unwrap();
    secrets.extend(secrets_in_saved(&internal::sealed_plaintext(&sealer, &sealed).unwrap()));
    secrets.push(sealed.to_text());
    let authorized: pingone_flow::Authorized = sealer.open(&sealed).unwrap();
    debug.push(format!("{sealed:?}"));
    debug.push(format!("{authorized:?}"));
    // A refused username: the error and the stage it hands back.
    let err = authorized.submit_username(&w.client, "nobody").await.unwrap_err();
    debug.push(format!("{err:?} {err}"));
    let pingone_flow::FlowError::UsernameRejected { state, .. } = err else { panic!() };
    let submitted = state.submit_username(&w.client, USER).await.unwrap();
    debug.push(format!("{submitted:?}"));
    let AfterUsername::OtpRequired(otp_state) = submitted.next().unwrap() else { panic!() };
    debug.push(format!("{otp_state:?}"));
    let otp = w.otp().await;
    secrets.push(otp.secret().to_owned());
    let rejected = otp_state.submit_otp(&w.client, &Otp::new("000000")).await.unwrap();
    debug.push(format!("{rejected:?}"));
    let OtpOutcome::Rejected(rejection) = rejected else { panic!() };
    let OtpOutcome::Completed(done) = rejection.state.submit_otp(&w.client, &otp).await.unwrap() else { panic!() };
    debug.push(format!("{done:?}"));
    let sealed = sealer.seal(done.resume(&w.client).await.unwrap()).unwrap();
    let saved = internal::sealed_plaintext(&sealer, &sealed).unwrap();
    secrets.extend(secrets_in_saved(&saved));
    secrets.push(sealed.to_text());
    let resumed: pingone_flow::Resumed = sealer.open(&sealed).unwrap();
    debug.push(format!("{resumed:?} {sealed:?}"));
    let tokens = resumed.exchange(&w.client).await.unwrap();
    secrets.push(tokens.access_token.secret().to_owned());
    secrets.push(tokens.id_token.secret().to_owned());
    debug.push(format!("{tokens:?} {:?} {:?} {:?}", w.provisioned, w.client, w.management));
    // A second exchange of the same code fails; its error is printed too.
    let replay = sealer.open::<pingone_flow::Resumed>(&sealed).unwrap().exchange(&w.client).await.unwrap_err();
    debug.push(format!("{replay:?} {replay}"));

    // The simulator's `interactionId` cookie carries the flow ID, which is public (it is in every
    // flow URL); every other cookie value is secret.
    let flow_ids = [saved_flow_id(&saved)];
    secrets.retain(|s| !flow_ids.contains(s));
    secrets.sort();
    secrets.dedup();
    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("pingone.http"), "the traces were captured");
    assert!(logs.lines().count() > 50, "{} lines", logs.lines().count());
    // Every span carries the workflow step as a number beside the operation's label.
    for expected in [
        "pingone.http{step=9 operation=step 9: create user ",
        "pingone.flow{step=17 operation=step 17: otp.check ",
        "pingone.http{step=20 operation=fetch JWKS ",
    ] {
        assert!(logs.contains(expected), "no span {expected:?} in the traces");
    }
    let everything = format!("{logs}\n{}", debug.join("\n"));
    let mut leaked = Vec::new();
    for secret in &secrets {
        if let Some(at) = everything.find(secret.as_str()) {
            let start = everything[..at].char_indices().rev().nth(80).map_or(0, |(i, _)| i);
            let context: String = everything[start..at].chars().filter(|c| !c.is_control()).collect();
            leaked.push(format!("{}… after {context:?}", secret.chars().take(6).collect::<String>()));
        }
    }
    println!(
        "secrets: {} secret values checked against {} trace lines and {} Debug outputs",
        secrets.len(),
        logs.lines().count(),
        debug.len()
    );
    assert!(leaked.is_empty(), "secrets leaked (first characters): {leaked:?}");
    assert!(secrets.len() >= 10, "{}", secrets.len());
}

/// A sign-on client on the simulator with retries off, so that one dropped connection is the
/// step's answer.
fn no_retry_client(w: &World) -> pingone_flow::SignOnClient {
    let http = pingone_core::HttpClient::with_config(pingone_core::HttpConfig {
        retry: pingone_core::RetryPolicy::disabled(),
        ..pingone_core::HttpConfig::default()
    })
    .unwrap();
    target(&w.sim).sign_on(http, oidc_app(&w.provisioned).unwrap())
}

/// The secrets inside `stage` (through a seal and back), each with its S256 digest too (the PKCE
/// challenge of the verifier is among them).
fn stage_secrets<S: pingone_flow::Stage>(sealer: &StageSealer, stage: S, out: &mut Vec<String>) -> S {
    use base64::Engine as _;
    let sealed = sealer.seal(stage).unwrap();
    for secret in secrets_in_saved(&internal::sealed_plaintext(sealer, &sealed).unwrap()) {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, secret.as_bytes());
        out.push(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref()));
        out.push(secret);
    }
    sealer.open(&sealed).unwrap()
}

/// Everything a failure prints: `Display`, `Debug`, pretty `Debug`, and every `source()` below it.
fn printed(err: &pingone_flow::FlowError) -> String {
    use std::error::Error as _;
    let mut out = vec![err.to_string(), format!("{err:?}"), format!("{err:#?}")];
    let mut source = err.source();
    while let Some(cause) = source {
        out.push(format!("{cause} {cause:?}"));
        source = cause.source();
    }
    out.join("\n")
}

/// The transport failure inside a flow error (directly, or as the error of an unknown outcome).
fn transport_failure(err: &pingone_flow::FlowError) -> Option<&pingone_core::TransportError> {
    match err {
        pingone_flow::FlowError::Http(pingone_core::Error::Transport(t))
        | pingone_flow::FlowError::OutcomeUnknown { error: pingone_core::Error::Transport(t), .. } => Some(t),
        _ => None,
    }
}

/// Security audit item 5: a connection dropped at each step of the sign-on (14 authorize, 15 read
/// flow, 16 `user.lookup`, 17 `otp.check`, the resend, 18 resume, 20 token exchange and the JWKS
/// fetch) gives a transport error whose `Display` and `Debug` hold no secret: reqwest's error
/// printed the request URL, whose query at step 14 holds `state`, `nonce` and `code_challenge`.
#[tokio::test]
async fn no_secret_in_transport_failures_at_any_step() {
    use pingone_sim::{Fault, ScriptedFault};
    let w = World::new().await;
    let fragile = no_retry_client(&w);
    let sealer = StageSealer::new(&w.client, KeyRing::new(SealingKey::generate().unwrap()));
    let mut secrets: Vec<String> = vec![
        w.provisioned.client_secret.secret().to_owned(),
        "Corr3ct-Horse-Battery!".to_owned(),
        w.sim.worker_client_secret().to_owned(),
    ];
    let mut failures: Vec<(String, String)> = Vec::new();
    let drop_next = |method: &str, path: &str| {
        w.sim.controls().inject(ScriptedFault::matching(method, path, Fault::DropConnection));
    };
    let mut record = |label: &str, err: pingone_flow::FlowError| {
        let transport = transport_failure(&err).map(|t| t.context.path.clone());
        assert!(transport.is_some(), "{label}: not a transport failure: {err}");
        failures.push((label.to_owned(), printed(&err)));
        err
    };
    // Step 14.
    drop_next("GET", "/as/authorize");
    record("authorize", fragile.authorize().await.unwrap_err());
    // Step 15 (the flow read) and step 16 (user.lookup).
    let authorized = stage_secrets(&sealer, w.client.authorize().await.unwrap(), &mut secrets);
    drop_next("GET", "/flows/");
    record("read flow", authorized.submit_username(&fragile, USER).await.unwrap_err());
    let authorized = stage_secrets(&sealer, w.client.authorize().await.unwrap(), &mut secrets);
    drop_next("POST", "/flows/");
    record("user.lookup", authorized.submit_username(&fragile, USER).await.unwrap_err());
    // Step 17 (otp.check) and the resend; the stage handed back carries on.
    let authorized = stage_secrets(&sealer, w.client.authorize().await.unwrap(), &mut secrets);
    let submitted = authorized.submit_username(&w.client, USER).await.unwrap();
    let AfterUsername::OtpRequired(stage) = submitted.next().unwrap() else { panic!("no OTP step") };
    let stage = stage_secrets(&sealer, stage, &mut secrets);
    let otp = w.otp().await;
    secrets.push(otp.secret().to_owned());
    drop_next("POST", "/flows/");
    let err = record("otp.check", stage.submit_otp(&fragile, &otp).await.unwrap_err());
    let pingone_flow::FlowError::OutcomeUnknown { stage: Some(stage), .. } = err else { panic!("{err}") };
    let pingone_flow::SignOnStage::OtpRequired(stage) = *stage else { panic!("not the OTP stage") };
    drop_next("POST", "/flows/");
    let err = record("resend", stage.resend(&fragile).await.unwrap_err());
    let pingone_flow::FlowError::OutcomeUnknown { stage: Some(stage), .. } = err else { panic!("{err}") };
    let pingone_flow::SignOnStage::OtpRequired(stage) = *stage else { panic!("not the OTP stage") };
    let OtpOutcome::Completed(done) = stage.submit_otp(&w.client, &otp).await.unwrap() else { panic!() };
    // Step 18.
    let done = stage_secrets(&sealer, done, &mut secrets);
    drop_next("GET", "/as/resume");
    record("resume", done.resume(&fragile).await.unwrap_err());
    // Step 20, and the JWKS fetch that follows a successful exchange.
    for (label, method, path) in [("token", "POST", "/as/token"), ("jwks", "GET", "/jwks")] {
        let authorized = w.client.authorize().await.unwrap();
        let submitted = authorized.submit_username(&w.client, USER).await.unwrap();
        let AfterUsername::OtpRequired(stage) = submitted.next().unwrap() else { panic!("no OTP step") };
        let otp = w.otp().await;
        secrets.push(otp.secret().to_owned());
        let OtpOutcome::Completed(done) = stage.submit_otp(&w.client, &otp).await.unwrap() else { panic!() };
        let resumed = stage_secrets(&sealer, done.resume(&w.client).await.unwrap(), &mut secrets);
        drop_next(method, path);
        record(label, resumed.exchange(&fragile).await.unwrap_err());
    }
    assert_eq!(w.sim.controls().faults_injected(), 8, "every step met its dropped connection");

    // The flow IDs are public (they are in every flow URL, and the `interactionId` cookie holds one).
    secrets.retain(|s| !failures.iter().any(|(_, text)| text.contains(&format!("/flows/{s}"))));
    secrets.sort();
    secrets.dedup();
    assert!(secrets.len() >= 20, "{}", secrets.len());
    let mut leaked = Vec::new();
    for (label, text) in &failures {
        for secret in &secrets {
            if text.contains(secret.as_str()) {
                leaked.push(format!("{label}: {}…", secret.chars().take(6).collect::<String>()));
            }
        }
        // The authorize query's parameters, whose values this test cannot know for step 14.
        for parameter in ["state=", "nonce=", "code_challenge=", "code=", "client_secret="] {
            if text.contains(parameter) {
                leaked.push(format!("{label}: {parameter}"));
            }
        }
    }
    println!(
        "secrets: {} secret values checked against the Display and Debug of {} transport failures",
        secrets.len(),
        failures.len()
    );
    assert!(leaked.is_empty(), "secrets leaked in transport failures (first characters): {leaked:?}");
}
