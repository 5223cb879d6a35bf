//! The HTTP layer, the worker token and pagination against a real local HTTP server (httpmock).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use httpmock::prelude::*;
use pingone_core::{
    ApiRequest, ClientSecret, Endpoints, EnvironmentId, Error, HttpClient, HttpConfig, ManagementTransport,
    ManualClock, Method, RetryPolicy, Step, Url, WorkerCredentials, WorkerTokenProvider,
};

const ENV: &str = "7d2c1a4e-5b3f-4c8e-9a61-2f0e8b3d4c11";

fn fast_retries() -> HttpConfig {
    HttpConfig {
        retry: RetryPolicy {
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            ..RetryPolicy::default()
        },
        ..HttpConfig::default()
    }
}

fn env() -> EnvironmentId {
    ENV.parse().unwrap()
}

fn endpoints(server: &MockServer) -> Endpoints {
    Endpoints::custom(&server.url("/v1"), &server.base_url()).unwrap()
}

fn provider(server: &MockServer, clock: &ManualClock) -> Arc<WorkerTokenProvider> {
    let http = HttpClient::with_config(fast_retries()).unwrap();
    let creds = WorkerCredentials::basic(env(), "worker", ClientSecret::new("worker-secret"));
    Arc::new(WorkerTokenProvider::new(http, endpoints(server), creds).with_clock(Arc::new(clock.clone())))
}

fn transport(server: &MockServer, tokens: Arc<WorkerTokenProvider>) -> ManagementTransport {
    let http = HttpClient::with_config(fast_retries()).unwrap();
    ManagementTransport::new(http, endpoints(server), env(), tokens)
}

fn token_path() -> String {
    format!("/{ENV}/as/token")
}

#[tokio::test]
async fn get_answered_429_with_retry_after_succeeds_after_one_retry() {
    let server = MockServer::start_async().await;
    let limited = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/environments/x/resources");
            then.status(429)
                .header("retry-after", "1")
                .header("content-type", "application/json")
                .body(r#"{"id":"e1","code":"REQUEST_LIMITED","message":"limited"}"#);
        })
        .await;
    limited.up_to_n_times_async(1).await;
    let ok = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/environments/x/resources");
            then.status(200).header("content-type", "application/json").body(r#"{"count":0}"#);
        })
        .await;
    let http = HttpClient::with_config(fast_retries()).unwrap();
    let url = Url::parse(&server.url("/v1/environments/x/resources")).unwrap();
    let started = Instant::now();
    let response = http.execute(&ApiRequest::new("list", Method::GET, url)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(limited.calls_async().await, 1);
    assert_eq!(ok.calls_async().await, 1);
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After was honoured");
}

#[tokio::test]
async fn post_answered_500_is_not_retried() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/environments/x/users");
            then.status(500)
                .header("content-type", "application/json")
                .body(r#"{"id":"e2","code":"UNEXPECTED_ERROR","message":"boom"}"#);
        })
        .await;
    let http = HttpClient::with_config(fast_retries()).unwrap();
    let url = Url::parse(&server.url("/v1/environments/x/users")).unwrap();
    let request = ApiRequest::new(Step::CreateUser, Method::POST, url)
        .json("application/json", &serde_json::json!({"username": "ada"}))
        .unwrap();
    let err = http.execute(&request).await.unwrap().error_for_status().unwrap_err();
    assert_eq!(failing.calls_async().await, 1);
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.api_code(), Some(pingone_core::ErrorCode::UnexpectedError));
    assert_eq!(err.step(), Some(Step::CreateUser));
    assert!(err.to_string().starts_with("step 9: create user (POST /v1/environments/x/users): "), "{err}");
}

#[tokio::test]
async fn get_answered_500_is_retried_up_to_the_attempt_limit() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/x");
            then.status(500).body("");
        })
        .await;
    let http = HttpClient::with_config(fast_retries()).unwrap();
    let url = Url::parse(&server.url("/v1/x")).unwrap();
    let response = http.execute(&ApiRequest::new("read", Method::GET, url)).await.unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(failing.calls_async().await, 4);

    let no_retry =
        HttpClient::with_config(HttpConfig { retry: RetryPolicy::disabled(), ..HttpConfig::default() }).unwrap();
    let url = Url::parse(&server.url("/v1/x")).unwrap();
    no_retry.execute(&ApiRequest::new("read", Method::GET, url)).await.unwrap();
    assert_eq!(failing.calls_async().await, 5);
}

#[tokio::test]
async fn post_connect_error_is_retried_then_reported() {
    // A port nobody listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let http = HttpClient::with_config(fast_retries()).unwrap();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/v1/x")).unwrap();
    let err = http.execute(&ApiRequest::new("create", Method::POST, url)).await.unwrap_err();
    assert!(err.is_connect(), "{err}");
    match &err {
        Error::Transport(t) => assert_eq!(t.attempts, 4),
        other => panic!("{other}"),
    }
    assert!(err.to_string().starts_with("create (POST /v1/x): could not connect after 4 attempt(s)"), "{err}");
}

/// Issue 14 item 5: reqwest's `Display` and `Debug` print the URL, and at step 14 its query holds
/// `state`, `nonce` and `code_challenge`. A transport error keeps the path, never the query,
/// whether the connection was refused, broken after sending, or timed out, through every
/// `source()` in the chain as well.
#[tokio::test]
async fn transport_errors_do_not_carry_the_query() {
    use std::error::Error as _;
    let query = "state=St4te-S3cret&nonce=N0nce-S3cret&code_challenge=Ch4llenge-S3cret";
    // Refused: a port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    // Broken: a listener that accepts, then closes without answering.
    let dropping = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let broken = dropping.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in dropping.incoming().take(8) {
            drop(stream);
        }
    });
    // Silent: a listener that accepts and never answers (the request times out).
    let silent_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = silent_listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let held: Vec<_> = silent_listener.incoming().take(2).collect();
        std::thread::sleep(Duration::from_secs(5));
        drop(held);
    });
    let http = HttpClient::with_config(HttpConfig {
        retry: RetryPolicy::disabled(),
        request_timeout: Duration::from_millis(300),
        ..HttpConfig::default()
    })
    .unwrap();
    for (addr, is) in [(closed, "connect"), (broken, "other"), (silent, "timeout")] {
        let url = Url::parse(&format!("http://{addr}/env/as/authorize?{query}")).unwrap();
        let err = http.execute(&ApiRequest::new("authorize", Method::GET, url)).await.unwrap_err();
        assert!(matches!(err, Error::Transport(_)), "{err}");
        assert_eq!((err.is_connect(), err.is_timeout()), (is == "connect", is == "timeout"), "{is}: {err}");
        let mut printed = vec![err.to_string(), format!("{err:?}"), format!("{err:#?}")];
        let mut source = err.source();
        while let Some(cause) = source {
            printed.push(format!("{cause} {cause:?}"));
            source = cause.source();
        }
        let printed = printed.join("\n");
        assert!(printed.contains("/env/as/authorize"), "{is}: the path is kept: {printed}");
        for secret in ["St4te-S3cret", "N0nce-S3cret", "Ch4llenge-S3cret", "state="] {
            assert!(!printed.contains(secret), "{is}: {secret:?} in {printed}");
        }
    }
}

#[tokio::test]
async fn redirects_are_not_followed_and_correlation_id_is_sent() {
    let server = MockServer::start_async().await;
    let redirect = server
        .mock_async(|when, then| {
            when.method(GET).path("/env/as/authorize").header_exists("x-ping-external-transaction-id");
            then.status(302).header("location", "https://elsewhere.example.test/?flowId=abc");
        })
        .await;
    let http = HttpClient::new().unwrap();
    let url = Url::parse(&server.url("/env/as/authorize?client_id=x")).unwrap();
    let response = http.execute(&ApiRequest::new(Step::Authorize, Method::GET, url)).await.unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.location(), Some("https://elsewhere.example.test/?flowId=abc"));
    assert_eq!(redirect.calls_async().await, 1);
}

#[tokio::test]
async fn over_size_body_is_rejected_at_the_cap() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/big");
            then.status(200).body(vec![b'x'; 64 * 1024]);
        })
        .await;
    let http = HttpClient::with_config(HttpConfig { max_body_bytes: 16 * 1024, ..HttpConfig::default() }).unwrap();
    let url = Url::parse(&server.url("/big")).unwrap();
    let err = http.execute(&ApiRequest::new("read", Method::GET, url)).await.unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { limit: 16_384, status: 200, .. }), "{err}");
}

/// A server that answers every request with a chunked body written in `pieces`, one write
/// (and a pause) per piece, so that the client reads it in several chunks.
fn piecewise_server(pieces: Vec<Vec<u8>>) -> std::net::SocketAddr {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
            );
            for piece in &pieces {
                let _ = stream.write_all(format!("{:x}\r\n", piece.len()).as_bytes());
                let _ = stream.write_all(piece);
                let _ = stream.write_all(b"\r\n");
                let _ = stream.flush();
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = stream.write_all(b"0\r\n\r\n");
        }
    });
    addr
}

/// A body that arrives in several chunks is joined whole, kept as it came (plain) or copied
/// into a wiped buffer (sensitive), and the size cap holds across chunks, without a
/// `Content-Length` to check first.
#[tokio::test]
async fn bodies_sent_in_pieces_arrive_whole_and_the_cap_holds_across_chunks() {
    let pieces = vec![br#"{"access_token":"#.to_vec(), br#""abc","#.to_vec(), br#""expires_in":3600}"#.to_vec()];
    let whole: Vec<u8> = pieces.concat();
    let addr = piecewise_server(pieces);
    let http = HttpClient::with_config(HttpConfig { retry: RetryPolicy::disabled(), ..HttpConfig::default() }).unwrap();
    let url = Url::parse(&format!("http://{addr}/token")).unwrap();
    let request = |url: &Url, sensitive: bool| {
        let plain = ApiRequest::new("read", Method::GET, url.clone());
        if sensitive { plain.sensitive_response() } else { plain }
    };
    for sensitive in [false, true] {
        let response = http.execute(&request(&url, sensitive)).await.unwrap();
        assert_eq!(response.body(), whole.as_slice(), "sensitive: {sensitive}");
    }
    let big = piecewise_server(vec![vec![b'x'; 700]; 4]);
    let capped = HttpClient::with_config(HttpConfig {
        retry: RetryPolicy::disabled(),
        max_body_bytes: 2000,
        ..HttpConfig::default()
    })
    .unwrap();
    let url = Url::parse(&format!("http://{big}/big")).unwrap();
    for sensitive in [false, true] {
        let err = capped.execute(&request(&url, sensitive)).await.unwrap_err();
        assert!(matches!(err, Error::BodyTooLarge { limit: 2000, status: 200, .. }), "{err}");
    }
}

#[tokio::test]
async fn token_is_cached_and_refreshed_before_expiry_by_the_clock() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(token_path())
                .header("authorization", "Basic d29ya2VyOndvcmtlci1zZWNyZXQ=")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"access_token":"tok","token_type":"Bearer","expires_in":3600}"#);
        })
        .await;
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let tokens = provider(&server, &clock);
    assert_eq!(tokens.token().await.unwrap().secret(), "tok");
    assert_eq!(tokens.token().await.unwrap().secret(), "tok");
    assert_eq!(token.calls_async().await, 1, "second call served from cache");
    clock.advance(Duration::from_secs(3600 - 61));
    tokens.token().await.unwrap();
    assert_eq!(token.calls_async().await, 1, "still fresh 61 s before expiry");
    clock.advance(Duration::from_secs(2));
    tokens.token().await.unwrap();
    assert_eq!(token.calls_async().await, 2, "refreshed within the 60 s margin");
}

/// Issue 14 item 3: an `expires_in` of `u64::MAX` panicked with "overflow when adding duration".
/// It is clamped to 30 days: the token is cached, then refreshed when the clamped lifetime ends.
#[tokio::test]
async fn an_absurd_expires_in_is_clamped_not_a_panic() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path(token_path());
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"access_token":"tok","token_type":"Bearer","expires_in":18446744073709551615}"#);
        })
        .await;
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let tokens = provider(&server, &clock);
    assert_eq!(tokens.token().await.unwrap().secret(), "tok");
    clock.advance(Duration::from_secs(30 * 24 * 3600 - 61));
    tokens.token().await.unwrap();
    assert_eq!(token.calls_async().await, 1, "cached for the clamped lifetime");
    clock.advance(Duration::from_secs(2));
    tokens.token().await.unwrap();
    assert_eq!(token.calls_async().await, 2, "refreshed once the clamped lifetime is nearly over");
}

#[tokio::test]
async fn client_secret_post_sends_form_fields() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(token_path())
                .header_missing("authorization")
                .body("grant_type=client_credentials&client_id=worker&client_secret=worker-secret");
            then.status(200).body(r#"{"access_token":"tok","token_type":"Bearer","expires_in":3600}"#);
        })
        .await;
    let http = HttpClient::new().unwrap();
    let creds = WorkerCredentials::post(env(), "worker", ClientSecret::new("worker-secret"));
    let tokens = WorkerTokenProvider::new(http, endpoints(&server), creds);
    tokens.token().await.unwrap();
    assert_eq!(token.calls_async().await, 1);
}

#[tokio::test]
async fn bad_worker_credentials_are_an_oauth_error_without_the_secret() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(token_path());
            then.status(401).body(r#"{"error":"invalid_client","error_description":"Invalid client credentials"}"#);
        })
        .await;
    let clock = ManualClock::starting_now();
    let err = provider(&server, &clock).token().await.unwrap_err();
    assert_eq!(err.oauth_error(), Some("invalid_client"));
    assert_eq!(err.status(), Some(401));
    let text = format!("{err} {err:?}");
    assert!(!text.contains("worker-secret"), "{text}");
}

#[tokio::test]
async fn ten_concurrent_callers_with_an_expired_token_cause_one_token_request() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path(token_path());
            then.status(200)
                .delay(Duration::from_millis(200))
                .body(r#"{"access_token":"tok","token_type":"Bearer","expires_in":3600}"#);
        })
        .await;
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let tokens = provider(&server, &clock);
    tokens.token().await.unwrap();
    assert_eq!(token.calls_async().await, 1);
    clock.advance(Duration::from_secs(7200));
    let callers: Vec<_> = (0..10)
        .map(|_| {
            let tokens = Arc::clone(&tokens);
            tokio::spawn(async move { tokens.token().await.map(|t| t.secret().to_owned()) })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap(), "tok");
    }
    assert_eq!(token.calls_async().await, 2, "one refresh for ten callers");
    assert_eq!(tokens.fetch_count(), 2);
}

async fn rotating_tokens(server: &MockServer) -> (httpmock::Mock<'_>, httpmock::Mock<'_>) {
    let first = server
        .mock_async(|when, then| {
            when.method(POST).path(token_path());
            then.status(200).body(r#"{"access_token":"t1","token_type":"Bearer","expires_in":3600}"#);
        })
        .await;
    first.up_to_n_times_async(1).await;
    let second = server
        .mock_async(|when, then| {
            when.method(POST).path(token_path());
            then.status(200).body(r#"{"access_token":"t2","token_type":"Bearer","expires_in":3600}"#);
        })
        .await;
    (first, second)
}

#[tokio::test]
async fn a_401_triggers_one_refresh_and_one_retry() {
    let server = MockServer::start_async().await;
    let (first, second) = rotating_tokens(&server).await;
    let users = format!("/v1/environments/{ENV}/users/u1");
    let rejected = server
        .mock_async(|when, then| {
            when.method(GET).path(users.clone()).header("authorization", "Bearer t1");
            then.status(401).body(r#"{"id":"e","code":"ACCESS_FAILED","details":[{"code":"INVALID_TOKEN"}]}"#);
        })
        .await;
    let accepted = server
        .mock_async(|when, then| {
            when.method(GET).path(users.clone()).header("authorization", "Bearer t2");
            then.status(200).body(r#"{"id":"u1"}"#);
        })
        .await;
    let clock = ManualClock::starting_now();
    let management = transport(&server, provider(&server, &clock));
    let user: serde_json::Value = management
        .send_json(ApiRequest::new("read user", Method::GET, management.url(&["users", "u1"])))
        .await
        .unwrap();
    assert_eq!(user["id"], "u1");
    assert_eq!((first.calls_async().await, second.calls_async().await), (1, 1));
    assert_eq!((rejected.calls_async().await, accepted.calls_async().await), (1, 1));
}

#[tokio::test]
async fn a_second_401_is_returned_as_an_error() {
    let server = MockServer::start_async().await;
    let (first, second) = rotating_tokens(&server).await;
    let rejected = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("/v1/environments/{ENV}/users/u1"));
            then.status(401).body(r#"{"id":"e","code":"ACCESS_FAILED","details":[{"code":"INVALID_TOKEN"}]}"#);
        })
        .await;
    let clock = ManualClock::starting_now();
    let management = transport(&server, provider(&server, &clock));
    let err =
        management.send(ApiRequest::new("read user", Method::GET, management.url(&["users", "u1"]))).await.unwrap_err();
    assert!(err.is_unauthorized());
    assert!(err.has_code(&pingone_core::ErrorCode::InvalidToken));
    assert_eq!((first.calls_async().await, second.calls_async().await), (1, 1), "exactly one refresh");
    assert_eq!(rejected.calls_async().await, 2, "exactly one retry");
}

#[tokio::test]
async fn pagination_follows_next_links_and_refuses_other_hosts() {
    let server = MockServer::start_async().await;
    let _token = server
        .mock_async(|when, then| {
            when.method(POST).path(token_path());
            then.status(200).body(r#"{"access_token":"t","token_type":"Bearer","expires_in":3600}"#);
        })
        .await;
    let users = format!("/v1/environments/{ENV}/users");
    let page2_url = server.url(format!("{users}?cursor=abc"));
    let page1 = server
        .mock_async(|when, then| {
            when.method(GET).path(users.clone()).query_param_missing("cursor");
            then.status(200).body(
                serde_json::json!({
                    "_links": {"self": {"href": "x"}, "next": {"href": page2_url}},
                    "_embedded": {"users": [{"id": "u1"}, {"id": "u2"}]},
                    "size": 2
                })
                .to_string(),
            );
        })
        .await;
    let page2 = server
        .mock_async(|when, then| {
            when.method(GET).path(users.clone()).query_param("cursor", "abc");
            then.status(200).body(r#"{"_embedded":{"users":[{"id":"u3"}]},"size":1}"#);
        })
        .await;
    let clock = ManualClock::starting_now();
    let management = transport(&server, provider(&server, &clock));
    let all: Vec<serde_json::Value> =
        management.list_all("list users", management.url(&["users"]), "users").await.unwrap();
    let ids: Vec<_> = all.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["u1", "u2", "u3"]);
    assert_eq!((page1.calls_async().await, page2.calls_async().await), (1, 1));

    let evil = format!("/v1/environments/{ENV}/populations");
    server
        .mock_async(|when, then| {
            when.method(GET).path(evil.clone());
            then.status(200).body(
                r#"{"_links":{"next":{"href":"https://evil.example.test/steal"}},"_embedded":{"populations":[]}}"#,
            );
        })
        .await;
    let err = management
        .list_all::<serde_json::Value>("list populations", management.url(&["populations"]), "populations")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Protocol { .. }), "{err}");
}
