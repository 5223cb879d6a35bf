//! Real services for tests, started on free loopback ports and stopped on drop: `redis-server`
//! (and, for the browser tests, `chromedriver`). Without the program a test prints one line on
//! how to install it and skips; with `PINGONE_REQUIRE_SERVICES=1` a missing program fails it.
#![allow(dead_code, unreachable_pub)]

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether a missing service is a failure (CI) rather than a skip.
pub fn services_required() -> bool {
    std::env::var("PINGONE_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// The program on `PATH` (or at one of `extra` paths), or `None` after saying how to install it;
/// panics instead when services are required.
pub fn find_program(name: &str, extra: &[&str], package: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|p| p.join(name)).collect::<Vec<_>>())
        .unwrap_or_default();
    let found = on_path.into_iter().chain(extra.iter().map(PathBuf::from)).find(|p| p.is_file());
    if found.is_none() {
        let message = format!("{name} is not installed: apt-get install {package}");
        assert!(!services_required(), "{message} (PINGONE_REQUIRE_SERVICES=1)");
        eprintln!("skipped: {message}");
    }
    found
}

/// A free TCP port on 127.0.0.1 (bound, then released for the service to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits until something accepts TCP connections on `port`.
pub fn wait_for_port(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited before listening: {status}");
        }
        assert!(Instant::now() < deadline, "{what} did not listen on port {port} within 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A `redis-server` of our own, without persistence, on a free loopback port.
#[derive(Debug)]
pub struct RedisServer {
    child: Child,
    pub port: u16,
}

impl RedisServer {
    /// Starts one, or `None` (skip) when `redis-server` is not installed.
    pub fn start() -> Option<Self> {
        let program = find_program("redis-server", &["/usr/bin/redis-server"], "redis-server")?;
        let port = free_port();
        let mut child = Command::new(program)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        wait_for_port(port, &mut child, "redis-server");
        Some(Self { child, port })
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `chromedriver` of our own on a free loopback port, driving Debian's headless Chromium.
#[derive(Debug)]
pub struct ChromeDriver {
    child: Child,
    port: u16,
    chromium: PathBuf,
}

impl ChromeDriver {
    /// Starts one, or `None` (skip) when `chromedriver` or `chromium` is not installed.
    pub fn start() -> Option<Self> {
        let driver = find_program("chromedriver", &["/usr/bin/chromedriver"], "chromium-driver")?;
        let chromium = find_program("chromium", &["/usr/bin/chromium"], "chromium")?;
        let port = free_port();
        // Its own process group, so that the Chromium it starts is stopped with it.
        let mut child = Command::new(driver)
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".to_owned()])
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        wait_for_port(port, &mut child, "chromedriver");
        Some(Self { child, port, chromium })
    }

    /// A new headless Chromium session with a fresh profile in `profile` (which it creates).
    /// Chromium's background networking is off: on a closed network its connections are refused.
    pub async fn browser(&self, profile: &std::path::Path) -> fantoccini::Client {
        std::fs::create_dir_all(profile).unwrap();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=900,760",
        ];
        let mut args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let options = serde_json::json!({ "binary": self.chromium, "args": args });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a Chromium session")
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
