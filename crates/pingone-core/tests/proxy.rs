//! Issue 14 item 4: no proxy from the environment, and an explicit proxy for HTTPS only.
//!
//! Proxy variables are process-global, so they are set only in a child process of this binary
//! (`Command::env`): the parent test re-runs itself with `HTTP_PROXY`, `HTTPS_PROXY` and
//! `ALL_PROXY` pointing at a "trap" listener, and the child makes the requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::io::Read;
use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use httpmock::prelude::*;
use pingone_core::{
    ApiRequest, ClientSecret, Endpoints, EnvironmentId, Error, HttpClient, HttpConfig, Method, Password, ProxyConfig,
    RetryPolicy, Url, WorkerCredentials, WorkerTokenProvider,
};

const ENV: &str = "7d2c1a4e-5b3f-4c8e-9a61-2f0e8b3d4c11";
/// Set in the child: the mock server's base URL.
const CHILD_TARGET: &str = "PINGONE_PROXY_TEST_TARGET";
/// Set in the child: an address to reach over https directly (never through a proxy).
const CHILD_HTTPS: &str = "PINGONE_PROXY_TEST_HTTPS";

/// A TCP listener that records every connection and the request head it received, then closes
/// the connection without answering.
#[derive(Clone)]
struct Trap {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<String>>>,
}

impl Trap {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let index = {
                    let mut log = log.lock().unwrap();
                    log.push(String::new());
                    log.len() - 1
                };
                stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = stream.read(&mut buf) {
                    head.extend_from_slice(&buf[..n]);
                    let not_http = !head.first().is_some_and(u8::is_ascii_alphabetic); // a TLS hello
                    if not_http || head.windows(4).any(|w| w == b"\r\n\r\n") || head.len() > 64 * 1024 {
                        break;
                    }
                }
                log.lock().unwrap()[index] = String::from_utf8_lossy(&head).into_owned();
            }
        });
        Self { addr, received }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}

fn config(proxy: Option<ProxyConfig>) -> HttpConfig {
    HttpConfig {
        retry: RetryPolicy::disabled(),
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(5),
        proxy,
        ..HttpConfig::default()
    }
}

/// The child's part: a worker token from the mock server (plain http, Basic credentials), and an
/// https request to a listener that must be reached directly.
async fn child(target: &str, https: &str) {
    let endpoints = Endpoints::custom(&format!("{target}/v1"), target).unwrap();
    let http = HttpClient::with_config(config(None)).unwrap();
    let env: EnvironmentId = ENV.parse().unwrap();
    let creds = WorkerCredentials::basic(env, "worker", ClientSecret::new("worker-secret"));
    let tokens = WorkerTokenProvider::new(http.clone(), endpoints, creds);
    let token = tokens.token().await;
    assert!(token.is_ok(), "the worker token request failed: {:?}", token.err());
    // Not TLS at the other end: the handshake fails, but the connection must go there directly.
    let url = Url::parse(&format!("https://{https}/direct")).unwrap();
    let _ = http.execute(&ApiRequest::new("direct https", Method::GET, url)).await;
}

#[tokio::test]
async fn proxy_variables_in_the_environment_are_ignored() {
    if let (Ok(target), Ok(https)) = (std::env::var(CHILD_TARGET), std::env::var(CHILD_HTTPS)) {
        child(&target, &https).await;
        return;
    }
    let proxy = Trap::start();
    let direct = Trap::start();
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/{ENV}/as/token"))
                .header("authorization", "Basic d29ya2VyOndvcmtlci1zZWNyZXQ=");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"access_token":"tok","token_type":"Bearer","expires_in":3600}"#);
        })
        .await;
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", "proxy_variables_in_the_environment_are_ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_TARGET, server.base_url())
        .env(CHILD_HTTPS, direct.addr.to_string())
        .env_remove("NO_PROXY")
        .env_remove("no_proxy");
    for name in ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
        command.env(name, proxy.url());
    }
    let output = command.output().unwrap();
    let seen = proxy.received();
    let credentials = seen.iter().filter(|head| head.to_ascii_lowercase().contains("authorization")).count();
    assert_eq!(credentials, 0, "the worker's credentials went to the proxy from the environment");
    assert!(seen.is_empty(), "{} connection(s) went to the proxy from the environment", seen.len());
    assert!(
        output.status.success(),
        "child failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(token.calls_async().await, 1, "the worker token request reached the server directly");
    assert_eq!(direct.received().len(), 1, "the https request went to its host directly");
}

#[tokio::test]
async fn an_explicit_proxy_tunnels_https_and_never_sees_plain_http() {
    let proxy = Trap::start();
    let configured = ProxyConfig::new(&proxy.url()).unwrap().with_basic_auth("svc", Password::new("proxy-pw"));
    let http = HttpClient::with_config(config(Some(configured))).unwrap();

    let server = MockServer::start_async().await;
    let plain = server
        .mock_async(|when, then| {
            when.method(GET).path("/plain");
            then.status(200).body("ok");
        })
        .await;
    let url = Url::parse(&server.url("/plain")).unwrap();
    let response = http.execute(&ApiRequest::new("plain", Method::GET, url)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(plain.calls_async().await, 1);
    assert!(proxy.received().is_empty(), "plain http went through the proxy");

    let url = Url::parse("https://auth.pingone.example.test/env/as/authorize?state=s3cr3t").unwrap();
    let err = http.execute(&ApiRequest::new("tunnelled", Method::GET, url)).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err}");
    let seen = proxy.received();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let head = &seen[0];
    assert!(head.starts_with("CONNECT auth.pingone.example.test:443 HTTP/1.1\r\n"), "{head:?}");
    // base64("svc:proxy-pw")
    assert!(head.to_ascii_lowercase().contains("proxy-authorization: basic c3zjonbyb3h5lxb3"), "{head:?}");
    assert!(!head.contains("s3cr3t"), "a CONNECT tunnel shows the proxy the host only: {head:?}");
}
