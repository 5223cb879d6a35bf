//! # pingone-sim
//!
//! An embedded, PingOne-compatible server for the Email MFA workflow: the management API of
//! steps 1–13 and 19 (with read, list, filter, paging and delete), the flows API, authorize,
//! resume, token, discovery and JWKS, an outbox where OTP e-mails land, and controls for tests
//! (a clock to move, latency, fault injection, a journal, isolated environments) — in process
//! from Rust, and over HTTP under `/__sim/` from any language.
//!
//! It shares no code with the client crates: it is a second implementation of the contract in
//! the project's PingOne reference, so a client bug and a simulator bug cannot agree by
//! construction.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use pingone_sim::{SimConfig, Simulator};
//!
//! let sim = Simulator::start(SimConfig::default()).await?;
//! assert!(sim.management_base().starts_with("http://127.0.0.1:"));
//! assert!(sim.management_base().ends_with("/v1"));
//! println!("environment {} at {}", sim.environment_id(), sim.auth_base());
//!
//! // A second, isolated environment with its own worker application.
//! let other = sim.create_environment()?;
//! assert_ne!(other.id(), sim.environment_id());
//! other.controls().advance_clock(std::time::Duration::from_secs(61));
//! # Ok(()) }
//! ```
//!
//! ## Environments
//!
//! A simulator starts with one environment (the default one, which [`Simulator`]'s accessors
//! describe). [`Simulator::create_environment`] and `POST /__sim/environments` add more; each
//! has its own ID, worker application, objects, names, flows, codes, tokens, outbox, clock,
//! latency and faults, so parallel test suites can share one simulator process. Only the
//! token-signing key and the journal are shared (journal entries carry their environment).
//!
//! ## Bounded memory
//!
//! Each environment drops expired flows (idle for [`SimConfig::flow_idle_timeout`]), codes,
//! worker tokens and device lock-outs by its own clock: at the first request of each simulated
//! second, and at once when a control moves the clock. The journal keeps the newest
//! [`SimConfig::journal_capacity`] entries (default 10,000; the journal file gets all), each
//! outbox the newest [`SimConfig::outbox_capacity`] e-mails (default 1,000), and at most
//! [`SimConfig::max_environments`] environments exist (default 1,000). Measured with the
//! benchmark's soak (`pingone-bench --soak 100000`): the binary's resident memory stays flat
//! after its first 10,000 sign-ons.
//!
//! ## HTTP controls
//!
//! JSON in and out; errors have PingOne's error body (`code`, `message`). They answer only when
//! the simulator is bound to a loopback address, unless
//! [`SimConfig::allow_remote_controls`] (`--allow-remote-controls`) is set; otherwise every
//! `/__sim/` path is `403 CONTROLS_DISABLED`.
//!
//! | Control | |
//! | --- | --- |
//! | `GET /__sim/health` | `status`, `environments`, `default_environment_id`, `journal_entries`, `uptime_seconds` |
//! | `POST /__sim/reset` | created environments deleted; the default one keeps its ID and worker credentials and loses everything else; the journal emptied |
//! | `POST /__sim/environments` | `201`: a fresh environment, with the ready line's keys (`environment_id`, `management_base`, `auth_base`, `worker_client_id`, `worker_client_secret`, `outbox_url`) and `controls_url`; `409 LIMIT_EXCEEDED` at the maximum |
//! | `GET /__sim/environments` | `{"environments": [...]}`, the default one first |
//! | `GET /__sim/environments/{id}` | one environment, with `default`, `flows`, `codes` and `emails` counts |
//! | `DELETE /__sim/environments/{id}` | `204`; the default environment cannot be deleted (`400`) |
//!
//! Per environment, under `/__sim/environments/{id}/` or, for the default one, under `/__sim/`:
//!
//! | Control | |
//! | --- | --- |
//! | `GET clock` | `{"now": RFC 3339, "unix": seconds, "offsetMs": n}` |
//! | `POST clock` | exactly one of `{"advance": "90s"}`, `{"advanceSeconds": 90}`, `{"set": "2030-01-01T00:00:00Z"}`, `{"reset": true}`; then drops what has expired |
//! | `GET latency`, `PUT latency` | `{"fixedMs": 50, "jitterMs": 10}`: every response waits `fixedMs` plus a random `[0, jitterMs)` |
//! | `GET faults` | `{"rates": {...}, "script": [...], "injected": n}` |
//! | `PUT faults` | `{"rates": {"tooManyRequests", "serverError", "unavailable", "dropConnection", "dropAfterCommit", "retryAfterSecs"}, "seed": 7}` or `{"uniform": 0.2, "seed": 7}`; a seed replays the same faults for the same requests |
//! | `POST faults/script` | `{"kind": "429"\|"500"\|"503"\|"drop"\|"drop-after-commit", "method": "POST", "pathContains": "/users", "retryAfterSecs": 2, "times": 1}` or `{"faults": [...]}`: each applies once to the next matching request |
//! | `DELETE faults` | no rates, no script |
//! | `GET outbox?to=ADDRESS` | `{"messages": [{"to", "subject", "body", "sentAt", "otp"}]}`, oldest first |
//! | `GET outbox?to=ADDRESS&wait=5s` | the oldest e-mail to `ADDRESS` that no earlier waiting read (nor [`Outbox::next_for`]) handed out, waiting up to `wait` (at most 60 s); `messages` is empty on time-out |
//! | `GET journal` | `{"entries": [...]}` filtered by `method`, `path` (contained), `status`, `faults=true`, `since` (a `completion` already seen), `limit` (the newest), and at `/__sim/journal` also `environment` |
//!
//! ## Behaviour chosen where PingOne's is unconfirmed
//!
//! Each choice below is the simulator's, not a documented PingOne fact:
//!
//! - **Cookies**: authorize sets `interactionId` and `interactionToken` (path `/{envID}`,
//!   `HttpOnly`); the session token cookie `ST` is set once the user is identified (after
//!   `user.lookup` or `usernamePassword.check`), as PingOne's session-token documentation says. With [`CookiePolicy::Strict`] (the default) every
//!   flow call and resume without the flow's `interactionToken` gets `403 ACCESS_FAILED`;
//!   [`CookiePolicy::ActionsOnly`] lets flow reads through; [`CookiePolicy::Off`] checks nothing.
//! - **Authorize errors** that cannot be redirected (unknown `client_id`, unregistered
//!   `redirect_uri`) are `400` with an OAuth JSON body; others are redirected to `redirect_uri`
//!   with `error`, `error_description` and `state`. Requested scopes must be granted to the
//!   application (`invalid_scope` otherwise).
//! - **Initial status** follows the assigned policy's lowest-priority action: `LOGIN` →
//!   `USERNAME_PASSWORD_REQUIRED`, MFA → `SIGN_ON_REQUIRED`. Other action types make the flow
//!   `FAILED` (`UNSUPPORTED_ACTION`). Without an assignment the environment's default policy
//!   (seeded: `Single_Factor`, one `LOGIN` action) applies.
//! - **`user.lookup` with an unknown or disabled username**: `400 INVALID_DATA` /
//!   `INVALID_VALUE` on `username`; the flow stays `SIGN_ON_REQUIRED`.
//! - **A user with `mfaEnabled: false`** skips the MFA action (the flow completes without it).
//!   No usable device: `FAILED` with `error.code` `NO_USABLE_DEVICES` (or skipped with
//!   `noDevicesMode: BYPASS`).
//! - **Device selection**: one active allowed device → OTP sent, `OTP_REQUIRED`; several devices
//!   or `ALWAYS_DISPLAY_DEVICES` → `DEVICE_SELECTION_REQUIRED` with `_embedded.devices` (masked
//!   addresses). `OTP_REQUIRED` also offers `device.select`, which sends a fresh OTP (resend).
//! - **Wrong OTP**: `400 INVALID_DATA` with detail `INVALID_OTP` (target `otp`) and
//!   `innerError.remainingAttempts`; the flow stays `OTP_REQUIRED`. The failure that reaches the
//!   policy's `failure.count` makes the flow `FAILED` (`TOO_MANY_ATTEMPTS`) and blocks the device
//!   for the cool-down. An **expired OTP** is `INVALID_OTP` with `innerError.expired: true` and
//!   does not count as a failure.
//! - **Resume** of a `FAILED` flow redirects with `error=access_denied`; of a flow not yet
//!   completed: `400 INVALID_REQUEST`. Codes live 60 s and are single-use.
//! - **ID tokens**: `amr` is `["otp"]` after e-mail MFA, `["pwd"]` or `["pwd","otp"]` with a
//!   `LOGIN` action.
//! - **Uniqueness**: usernames, population names, sign-on policy names and device policy names,
//!   case-insensitive (`400 INVALID_DATA` / `UNIQUENESS_VIOLATION`); action priorities within a
//!   policy. Deleting the last action of a policy, a population with users, or a default policy
//!   is `400 CONSTRAINT_VIOLATION`.
//! - **Passwords** need at least 8 characters. **Devices**: at most 5 per user.
//! - **Lists**: only users (filter on `username`, `email`, `population.id`, `name.*`; `limit`;
//!   `cursor`) and populations (filter on `name`) filter; users page (default page size 100).
//!
//! [`CookiePolicy::Strict`]: crate::CookiePolicy::Strict
//! [`CookiePolicy::ActionsOnly`]: crate::CookiePolicy::ActionsOnly
//! [`CookiePolicy::Off`]: crate::CookiePolicy::Off

// Handlers return ready-made responses as their error values; boxing them would only add noise.
#![allow(clippy::result_large_err)]

mod auth;
mod check;
mod clock;
mod config;
mod control_api;
mod edge;
mod env;
mod environment;
mod extract;
mod faults;
mod flows;
mod hub;
mod journal;
mod keys;
mod management;
mod outbox;
mod reply;
mod rng;
mod server;
mod store;
mod wire;

pub use clock::SimClock;
pub use config::{CookiePolicy, SimConfig};
pub use environment::{Controls, Environment};
pub use faults::{Fault, FaultRates, ScriptedFault};
pub use hub::TooManyEnvironments;
pub use journal::{JournalEntry, request_levels};
pub use keys::{KeyError, SigningKey};
pub use outbox::{Email, Outbox};
pub use server::{MAX_REQUEST_BYTES, Simulator, StartError};

/// Hooks for this crate's own fuzz and property tests: the parsers that read untrusted input.
/// Not part of the public API; they may change in any release.
#[doc(hidden)]
pub mod internal {
    use serde_json::{Map, Value};

    /// Parses a query string or form body (`a=b&c=d`; the first value of a repeated name wins).
    #[must_use]
    pub fn parse_form(raw: &[u8]) -> Map<String, Value> {
        crate::wire::parse_form(raw)
    }

    /// Decodes one form-encoded value (`+` is a space).
    #[must_use]
    pub fn form_decode(value: &str) -> String {
        crate::wire::form_decode(value)
    }

    /// Parses a list filter against the `allowed` attributes: `(attribute, starts_with, value)`
    /// clauses, or `None` when the filter is refused (`400 INVALID_FILTER`).
    #[must_use]
    pub fn parse_filter(raw: &str, allowed: &[&str]) -> Option<Vec<(String, bool, String)>> {
        crate::management::parse_filter(raw, allowed).ok()
    }

    /// Looks a cookie up in a `Cookie` header value.
    #[must_use]
    pub fn cookie(header: &str, name: &str) -> Option<String> {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(axum::http::header::COOKIE, axum::http::HeaderValue::from_str(header).ok()?);
        crate::wire::cookie(&headers, name).map(str::to_owned)
    }
}
