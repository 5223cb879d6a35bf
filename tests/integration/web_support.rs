//! What the browser tests of `examples/web_signon` share: the example built and started as a
//! process of its own, a headless Chromium, a screenshot of each page, and the leak scan.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use fantoccini::{Client, Locator};
use pingone_sim::{SimConfig, Simulator};

use crate::services::ChromeDriver;

#[path = "../../examples/web_signon/demo.rs"]
pub(crate) mod demo;

/// One browser test at a time: each runs a Chromium, a site and a simulator on a small machine.
static ONE_AT_A_TIME: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

pub(crate) const KEY: &str = "c2VhbGluZy1rZXktZm9yLXRoZS1icm93c2VyLXRlc3Q="; // 32 bytes, base64
pub(crate) const PASSWORD: &str = "Web-Signon-Test-Password-1";
pub(crate) const DEMO_USER: &str = "web-signon-demo-user";
pub(crate) const DEMO_EMAIL: &str = "demo@example.test";

/// The example's binary, built once per test run with the cargo running the tests: a filtered
/// `cargo test --test integration` does not build examples, so a binary found next to this
/// test's could be stale.
pub(crate) fn example_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let mut build = Command::new(env!("CARGO"));
        build.args(["build", "--example", "web_signon", "--message-format=json-render-diagnostics"]);
        if !cfg!(debug_assertions) {
            build.arg("--release");
        }
        let output = build.current_dir(env!("CARGO_MANIFEST_DIR")).stderr(Stdio::inherit()).output().unwrap();
        assert!(output.status.success(), "cargo build --example web_signon failed");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let executable =
            stdout.lines().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()).find_map(|m| {
                (m["target"]["name"] == "web_signon").then(|| m["executable"].as_str().map(PathBuf::from)).flatten()
            });
        executable.expect("cargo reported the example's executable")
    })
}

/// Where the screenshots go: `target/web-signon-screenshots/`.
pub(crate) fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"), PathBuf::from);
    target.join("web-signon-screenshots")
}

/// A running `web_signon` process and everything it printed.
pub(crate) struct Site {
    child: Child,
    pub(crate) base: String,
    pub(crate) log: Arc<Mutex<String>>,
}

impl Site {
    /// Starts the example with `args`; `tenant`: the `PINGONE_*` variables of a simulator to use
    /// as a tenant (`None`: the example's own embedded simulator).
    pub(crate) fn start(args: &[&str], tenant: Option<&Simulator>) -> Site {
        Site::start_with(args, tenant, &[])
    }

    /// As [`start`](Self::start), with more environment variables.
    pub(crate) fn start_with(args: &[&str], tenant: Option<&Simulator>, env: &[(&str, &str)]) -> Site {
        let mut command = Command::new(example_binary());
        command.envs(env.iter().copied());
        command.args(["--bind", "127.0.0.1:0"]).args(args).env("WEB_SIGNON_SEALING_KEY", KEY).env("RUST_LOG", "debug");
        for name in ["ENVIRONMENT_ID", "REGION", "MANAGEMENT_BASE", "AUTH_BASE", "CLIENT_ID", "CLIENT_SECRET"] {
            command.env_remove(format!("PINGONE_{name}"));
        }
        if let Some(sim) = tenant {
            command.envs([
                ("PINGONE_ENVIRONMENT_ID", sim.environment_id()),
                ("PINGONE_MANAGEMENT_BASE", sim.management_base()),
                ("PINGONE_AUTH_BASE", sim.auth_base()),
                ("PINGONE_CLIENT_ID", sim.worker_client_id()),
                ("PINGONE_CLIENT_SECRET", sim.worker_client_secret()),
            ]);
            command.args(["--email", DEMO_EMAIL]);
        }
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (ready, listening) = std::sync::mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let (log, ready) = (Arc::clone(&log), ready.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(base) = line.strip_prefix("web_signon: listening on ") {
                        let _ = ready.send(base.to_owned());
                    }
                    let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let base = listening.recv_timeout(Duration::from_secs(120)).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("web_signon did not start:\n{}", log.lock().unwrap())
        });
        Site { child, base, log }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn log(&self) -> String {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A simulator for the example to use as its tenant: flows idle for up to 2 hours (so that a
/// code's 30-minute lifetime can pass while its flow lives), with `grace`'s two devices added.
pub(crate) async fn tenant_simulator() -> Simulator {
    let config = SimConfig { flow_idle_timeout: Duration::from_secs(2 * 3600), ..SimConfig::default() };
    let sim = Simulator::start(config).await.unwrap();
    let management = crate::support::target(&sim).management(crate::support::http());
    let users = [(DEMO_USER, ("Demo", "User"), &[(DEMO_EMAIL, "E-mail")][..]), demo::SIMULATOR_USERS[1]];
    demo::provision(&management, &users, pingone_core::Password::new(PASSWORD)).await.unwrap();
    sim
}

/// The app's client secret, as provisioned on `sim`.
pub(crate) async fn client_secret(sim: &Simulator) -> String {
    let management = crate::support::target(sim).management(crate::support::http());
    let users = [(DEMO_USER, ("Demo", "User"), &[(DEMO_EMAIL, "E-mail")][..])];
    let provisioned = demo::provision(&management, &users, pingone_core::Password::new(PASSWORD)).await.unwrap();
    provisioned.client_secret.secret().to_owned()
}

/// A headless Chromium on a site, which screenshots and keeps each page it sees, and every cookie
/// value, for the leak scan.
pub(crate) struct Browser {
    pub(crate) client: Client,
    _driver: ChromeDriver,
    _serial: tokio::sync::SemaphorePermit<'static>,
    name: &'static str,
    profile: PathBuf,
    pub(crate) pages: Vec<(String, String)>,
    pub(crate) secrets: Vec<String>,
}

impl Browser {
    /// `None` (skip) without Chromium and ChromeDriver.
    pub(crate) async fn open(name: &'static str) -> Option<Browser> {
        let serial = ONE_AT_A_TIME.acquire().await.unwrap();
        let driver = ChromeDriver::start()?;
        let profile = screenshot_dir().join("profiles").join(name);
        let _ = std::fs::remove_dir_all(&profile);
        let client = driver.browser(&profile).await;
        Some(Browser {
            client,
            _driver: driver,
            _serial: serial,
            name,
            profile,
            pages: Vec::new(),
            secrets: Vec::new(),
        })
    }

    pub(crate) async fn goto(&mut self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// The current page: its `h1`, after keeping its HTML and cookies and writing its screenshot
    /// as `target/web-signon-screenshots/{test}-{page}.png`.
    pub(crate) async fn page(&mut self, page: &str) -> String {
        let heading = self.text("h1").await;
        let html = self.client.source().await.unwrap();
        for cookie in self.client.get_all_cookies().await.unwrap() {
            self.secrets.push(cookie.value().to_owned());
        }
        let png = self.client.screenshot().await.unwrap();
        std::fs::create_dir_all(screenshot_dir()).unwrap();
        std::fs::write(screenshot_dir().join(format!("{}-{page}.png", self.name)), png).unwrap();
        self.pages.push((page.to_owned(), html));
        heading
    }

    pub(crate) async fn text(&self, css: &str) -> String {
        self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}")).text().await.unwrap()
    }

    /// Clicks, then waits until the page it was on has gone (every click here navigates).
    pub(crate) async fn click(&self, css: &str) {
        let before = self.client.find(Locator::Css("html")).await.unwrap();
        self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}")).click().await.unwrap();
        self.wait_gone(before).await;
    }

    pub(crate) async fn wait_gone(&self, element: fantoccini::elements::Element) {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while element.tag_name().await.is_ok() {
            assert!(std::time::Instant::now() < deadline, "the page did not change");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.client.wait().for_element(Locator::Css("h1")).await.unwrap();
    }

    /// Sets a cookie of the site, shaped like one the site set (the browser has one at least).
    pub(crate) async fn set_cookie(&self, name: &'static str, value: String) {
        let mut cookie = self.client.get_all_cookies().await.unwrap().pop().expect("a cookie of the site");
        let _ = self.client.delete_cookie(name).await;
        cookie.set_name(name);
        cookie.set_value(value);
        self.client.add_cookie(cookie).await.unwrap();
    }

    pub(crate) async fn type_in(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    pub(crate) async fn sign_on_as(&mut self, site: &Site, username: &str) -> String {
        self.goto(&site.url("/")).await;
        assert_eq!(self.page("username").await, "Sign on");
        self.type_in("#username", username).await;
        self.click("#continue").await;
        self.text("h1").await
    }

    pub(crate) async fn enter_code(&mut self, code: &str) {
        self.type_in("#code", code).await;
        self.click("#verify").await;
    }

    pub(crate) async fn cookie(&self, name: &str) -> Option<String> {
        self.client.get_named_cookie(name).await.ok().map(|c| c.value().to_owned())
    }

    /// No page (but the simulator's mailbox, which shows e-mails by design) and no log line holds
    /// a secret: a cookie value seen, `secrets`, the sealing key, a JWT, or any other long random
    /// token (PKCE verifier, state, nonce, authorization code, session token).
    pub(crate) async fn close_and_scan(mut self, sites: &[&Site], secrets: &[String]) {
        self.secrets.extend(secrets.iter().cloned());
        self.secrets.push(KEY.to_owned());
        self.secrets.push(PASSWORD.to_owned());
        let client = self.client.clone();
        client.close().await.unwrap();
        let _ = std::fs::remove_dir_all(&self.profile);
        let mut texts: Vec<(String, String)> =
            self.pages.drain(..).filter(|(page, _)| !page.starts_with("mailbox")).collect();
        texts.extend(sites.iter().map(|site| ("log".to_owned(), site.log())));
        for (page, text) in &texts {
            for secret in self.secrets.iter().filter(|s| s.len() >= 6) {
                assert!(!text.contains(secret.as_str()), "{page} holds a secret starting {:?}", &secret[..4]);
            }
            assert!(!text.contains("-7aZ!"), "{page} holds a demo password");
            for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')) {
                let uuid = word.len() == 36 && word.bytes().filter(|b| *b == b'-').count() == 4;
                // Random base64url: digits and both cases (names such as policy names have not).
                let random = [u8::is_ascii_digit, u8::is_ascii_uppercase, u8::is_ascii_lowercase]
                    .iter()
                    .all(|class| word.bytes().any(|b| class(&b)));
                assert!(!word.contains("eyJ") || word.len() < 20, "{page} holds a JWT");
                assert!(word.len() < 32 || uuid || !random, "{page} holds a token-like {:?}…", &word[..6]);
            }
        }
        assert!(texts.iter().any(|(page, _)| page == "log") && texts.len() > 2, "pages and logs were scanned");
    }
}

/// The one-time code in the newest e-mail to `to` in a simulator's outbox.
pub(crate) async fn code_for(sim: &Simulator, to: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(mail) = sim.outbox().latest_for(to) {
            return mail.otp().to_owned();
        }
        assert!(tokio::time::Instant::now() < deadline, "no e-mail to {to}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
