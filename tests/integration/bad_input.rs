//! Client side bad input: for each step, responses with invalid JSON, missing required fields,
//! wrong types, an HTML 502 page, an empty body, an over-size body, a wrong content type, and
//! (authorize, resume) redirects to an unexpected host or without `flowId` / `code`. Each gives a
//! typed error that names the step — never a panic.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use pingone_core::{
    ClientAuth, ClientSecret, Endpoints, HttpClient, HttpConfig, Id, Otp, Password, Ref, RetryPolicy, WorkerCredentials,
};
use pingone_flow::{AfterUsername, OidcApp, OtpOutcome, SignOnClient};
use pingone_provisioning::model::*;
use pingone_provisioning::{ManagementClient, OpenIdScopes};

const ENV: &str = "7d2c1a4e-5b3f-4c8e-9a61-2f0e8b3d4c11";
const CAP: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bad {
    InvalidJson,
    MissingFields,
    WrongTypes,
    Html502,
    Empty,
    OverSize,
    WrongContentType,
    ForeignRedirect,
    RedirectWithoutParameter,
}

const BODY_CASES: [Bad; 7] = [
    Bad::InvalidJson,
    Bad::MissingFields,
    Bad::WrongTypes,
    Bad::Html502,
    Bad::Empty,
    Bad::OverSize,
    Bad::WrongContentType,
];

fn http() -> HttpClient {
    HttpClient::with_config(HttpConfig { max_body_bytes: CAP, retry: RetryPolicy::disabled(), ..HttpConfig::default() })
        .unwrap()
}

/// Applies the bad response to a mock's `then`.
fn answer(then: httpmock::Then, bad: Bad, ok_status: u16, redirect_base: &str) -> httpmock::Then {
    match bad {
        Bad::InvalidJson => then.status(ok_status).header("content-type", "application/json").body(r#"{"id":"x","status":"#),
        Bad::MissingFields => then.status(ok_status).header("content-type", "application/json").body("{}"),
        Bad::WrongTypes => then.status(ok_status).header("content-type", "application/json").body(
            r#"{"id":5,"name":true,"enabled":"x","type":9,"status":7,"secret":1,"mfaEnabled":"x","access_token":[],"_links":3,"_embedded":{"resources":5,"scopes":5,"devices":"x"}}"#,
        ),
        Bad::Html502 => then.status(502).header("content-type", "text/html").body("<html><body><h1>502 Bad Gateway</h1></body></html>"),
        Bad::Empty => then.status(ok_status).header("content-type", "application/json").body(""),
        Bad::OverSize => then.status(ok_status).header("content-type", "application/json").body(format!("{{\"pad\":\"{}\"}}", "x".repeat(2 * CAP))),
        Bad::WrongContentType => then.status(ok_status).header("content-type", "text/html").body(r#"{"id":"flow-1","status":"COMPLETED"}"#),
        Bad::ForeignRedirect => then.status(302).header("location", "https://evil.example.test/cb?flowId=flow-1&code=c&state=s"),
        Bad::RedirectWithoutParameter => then.status(302).header("location", format!("{redirect_base}?nothing=here")),
    }
}

// ---------------------------------------------------------------- management steps

async fn management_case(step: u32, bad: Bad) -> String {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(format!("/{ENV}/as/token"));
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"access_token":"t","token_type":"Bearer","expires_in":3600}"#);
        })
        .await;
    if step == 3 {
        // Step 3 needs a good step 2.
        server
            .mock_async(|when, then| {
                when.method(GET).path(format!("/v1/environments/{ENV}/resources"));
                then.status(200)
                    .header("content-type", "application/json")
                    .body(r#"{"_embedded":{"resources":[{"id":"r","name":"openid","type":"OPENID_CONNECT"}]}}"#);
            })
            .await;
    }
    let ok_status = if [1, 4, 5, 6, 7, 8, 9, 12, 13].contains(&step) { 201 } else { 200 };
    server
        .mock_async(|when, then| {
            when.any_request();
            answer(then, bad, ok_status, "");
        })
        .await;
    let env = ENV.parse().unwrap();
    let worker = WorkerCredentials::basic(ENV.parse().unwrap(), "w", ClientSecret::new("s"));
    let c = ManagementClient::connect(
        http(),
        Endpoints::custom(&server.url("/v1"), &server.base_url()).unwrap(),
        env,
        worker,
    );
    let app: Id<Application> = Id::new("a");
    let user: Id<User> = Id::new("u");
    let result: Result<(), String> = match step {
        1 => c
            .create_application(&OidcApplication::web_app(
                "n",
                "https://x.test/cb",
                TokenEndpointAuthMethod::ClientSecretBasic,
            ))
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        2 | 3 => OpenIdScopes::discover(&c, &["openid".to_owned()]).await.map(drop).map_err(|e| e.to_string()),
        4 => c
            .create_grant(&app, &GrantSpec { resource: Ref::to(Id::new("r")), scopes: vec![] })
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        5 => c
            .create_sign_on_policy(&SignOnPolicySpec { name: "p".into(), description: None })
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        6 => c
            .create_sign_on_policy_action(&Id::new("p"), &SignOnPolicyActionSpec::email_mfa(1, None))
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        7 => c
            .create_sign_on_policy_assignment(
                &app,
                &SignOnPolicyAssignmentSpec { priority: 1, sign_on_policy: Ref::to(Id::new("p")) },
            )
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        8 => c
            .create_population(&PopulationSpec { name: "p".into(), description: None })
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        9 => c
            .create_user(&NewUser { username: "u".into(), email: "u@x.test".into(), name: None, population: None })
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        10 => c.set_password(&user, &Password::new("Corr3ct-Horse!"), false).await.map(drop).map_err(|e| e.to_string()),
        11 => c.set_mfa_enabled(&user, true).await.map(drop).map_err(|e| e.to_string()),
        12 => c
            .create_device_authentication_policy(&DeviceAuthenticationPolicySpec::email_only(
                "d",
                6,
                TimeSpan::minutes(5),
                3,
                TimeSpan::minutes(1),
            ))
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        13 => c.create_device(&user, &DeviceSpec::email("u@x.test", None)).await.map(drop).map_err(|e| e.to_string()),
        19 => c.read_application_secret(&app).await.map(drop).map_err(|e| e.to_string()),
        _ => unreachable!(),
    };
    match result {
        Ok(()) => panic!("step {step} accepted {bad:?}"),
        Err(text) => text,
    }
}

#[tokio::test]
async fn management_steps_type_every_bad_response() {
    let mut tried = 0;
    for step in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 19] {
        for bad in BODY_CASES {
            let text = management_case(step, bad).await;
            assert!(text.contains(&format!("step {step}:")), "step {step} / {bad:?}: {text}");
            assert!(!text.contains(&"x".repeat(500)), "the over-size body is not quoted in full");
            tried += 1;
        }
    }
    println!("bad input (management): {tried} cases, each a typed error naming its step");
}

// ---------------------------------------------------------------- flow steps

const FLOW: &str = "flow-1";
const REDIRECT: &str = "https://app.example.test/callback";

fn flow_json(status: &str, links: &[&str]) -> String {
    let links: serde_json::Map<String, serde_json::Value> =
        links.iter().map(|l| ((*l).to_owned(), serde_json::json!({ "href": "x" }))).collect();
    serde_json::json!({ "id": FLOW, "status": status, "_links": links }).to_string()
}

async fn flow_case(step: u32, bad: Bad) -> String {
    let server = MockServer::start_async().await;
    let base = server.base_url();
    let query: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
    let json_ok =
        |then: httpmock::Then, body: String| then.status(200).header("content-type", "application/json").body(body);
    if step == 14 {
        server
            .mock_async(|when, then| {
                when.method(GET).path(format!("/{ENV}/as/authorize"));
                answer(then, bad, 200, &format!("{base}/{ENV}/signon/"));
            })
            .await;
    }
    let sink = Arc::clone(&query);
    server
        .mock_async(move |when, then| {
            when.method(GET).path(format!("/{ENV}/as/authorize")).is_true(move |req| {
                *sink.lock().unwrap() = req.query_params().into_iter().collect();
                true
            });
            then.status(302)
                .header("location", format!("/{ENV}/signon/?flowId={FLOW}"))
                .header("set-cookie", "interactionToken=c");
        })
        .await;
    let flow_path = format!("/{ENV}/flows/{FLOW}");
    if step == 15 {
        server
            .mock_async(|when, then| {
                when.method(GET).path(flow_path.clone());
                answer(then, bad, 200, "");
            })
            .await;
    }
    server
        .mock_async(|when, then| {
            when.method(GET).path(flow_path.clone());
            json_ok(then, flow_json("SIGN_ON_REQUIRED", &["user.lookup"]));
        })
        .await;
    for (n, action, next) in
        [(16, "user.lookup", flow_json("OTP_REQUIRED", &["otp.check"])), (17, "otp.check", flow_json("COMPLETED", &[]))]
    {
        let ct = format!("application/vnd.pingidentity.{action}+json");
        if step == n {
            server
                .mock_async(|when, then| {
                    when.method(POST).path(flow_path.clone()).header("content-type", ct.clone());
                    answer(then, bad, 200, "");
                })
                .await;
        }
        server
            .mock_async(|when, then| {
                when.method(POST).path(flow_path.clone()).header("content-type", ct.clone());
                json_ok(then, next.clone());
            })
            .await;
    }
    if step == 20 {
        server
            .mock_async(|when, then| {
                when.method(POST).path(format!("/{ENV}/as/token"));
                answer(then, bad, 200, "");
            })
            .await;
    }
    let app = OidcApp::new("client-1", REDIRECT, &["openid"], ClientAuth::None);
    let client =
        SignOnClient::new(http(), Endpoints::custom(&server.url("/v1"), &base).unwrap(), ENV.parse().unwrap(), app);
    let result: Result<(), String> = async {
        let authorized = client.authorize().await.map_err(|e| e.to_string())?;
        let submitted = authorized.submit_username(&client, "ada").await.map_err(|e| e.to_string())?;
        let AfterUsername::OtpRequired(state) = submitted.next().map_err(|e| e.to_string())? else {
            return Err("no OTP".into());
        };
        let OtpOutcome::Completed(done) =
            state.submit_otp(&client, &Otp::new("123456")).await.map_err(|e| e.to_string())?
        else {
            return Err("rejected".into());
        };
        let state_sent = query.lock().unwrap().get("state").cloned().unwrap_or_default();
        if step == 18 {
            server
                .mock_async(|when, then| {
                    when.method(GET).path(format!("/{ENV}/as/resume"));
                    answer(then, bad, 200, REDIRECT);
                })
                .await;
        } else {
            server
                .mock_async(|when, then| {
                    when.method(GET).path(format!("/{ENV}/as/resume"));
                    then.status(302).header("location", format!("{REDIRECT}?code=code-1&state={state_sent}"));
                })
                .await;
        }
        let resumed = done.resume(&client).await.map_err(|e| e.to_string())?;
        resumed.exchange(&client).await.map(drop).map_err(|e| e.to_string())
    }
    .await;
    match result {
        Ok(()) => panic!("step {step} accepted {bad:?}"),
        Err(text) => text,
    }
}

#[tokio::test]
async fn flow_steps_type_every_bad_response() {
    let mut tried = 0;
    for step in [14, 15, 16, 17, 18, 20] {
        let mut cases: Vec<Bad> = BODY_CASES.to_vec();
        if step == 14 || step == 18 {
            cases.extend([Bad::ForeignRedirect, Bad::RedirectWithoutParameter]);
        }
        for bad in cases {
            let text = flow_case(step, bad).await;
            assert!(text.contains(&format!("step {step}:")), "step {step} / {bad:?}: {text}");
            tried += 1;
        }
    }
    println!("bad input (flow): {tried} cases, each a typed error naming its step");
}
