//! Real services for tests, started on free loopback ports and stopped on drop: `redis-server`
//! (and, for the browser tests, `chromedriver`). Without the program a test prints one line on
//! how to install it and skips; with `PINGONE_REQUIRE_SERVICES=1` a missing program fails it.
#![allow(dead_code, unreachable_pub)]

use std::net::{TcpListener, TcpStream};
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
