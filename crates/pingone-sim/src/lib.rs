//! # pingone-sim
//!
//! An embedded, PingOne-compatible server for the Email MFA workflow: the management API of
//! steps 1–13 and 19 (with read, list, filter, paging and delete), the flows API (username or
//! password first, then e-mail MFA), authorize, resume, token, userinfo, sign-off, discovery and
//! JWKS, single sign-on sessions, an outbox where OTP e-mails land, and controls for tests
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
//! Each environment drops expired flows (idle for [`SimConfig::flow_idle_timeout`]), sessions
//! (idle for [`SimConfig::session_idle_timeout`]), codes, worker tokens, device and password
//! lock-outs and activation passcodes by its own clock: at the first request of each simulated
//! second, and at once when a control moves the clock. It keeps at most 10,000 sign-on sessions
//! (the oldest go first). The journal keeps the newest
//! [`SimConfig::journal_capacity`] entries (default 10,000; the journal file gets all), each
//! outbox the newest [`SimConfig::outbox_capacity`] e-mails (default 1,000), and at most
//! [`SimConfig::max_environments`] environments exist (default 1,000). Measured with the
//! benchmark's soak (`pingone-bench --soak 100000`): the binary's resident memory stays flat
//! after its first 10,000 sign-ons.
//!
//! Lookups by username or name, and of a user's devices or a population's users, read indexes
//! kept beside each table's rows (and dropped with them) instead of scanning every row.
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
//! Each choice below is the simulator's, not a documented PingOne fact (what *is* documented is
//! marked so, with the reference section that says it):
//!
//! - **Cookies.** Authorize sets `ST-NO-SS` (seen set at authorize by third-party code), which
//!   the simulator ties to the flow; `ST`, the session token (the only flow cookie PingOne
//!   documents), is set once the user is identified (after `user.lookup` or
//!   `usernamePassword.check`), persistent for the session's idle timeout (30 days, PingOne's
//!   default). Both have path `/{envID}`, `HttpOnly`, `SameSite=Lax`; their other attributes are
//!   guesses. With [`CookiePolicy::Strict`] (the default) every flow call and resume must carry
//!   the flow's `ST-NO-SS` or `ST`; without: **`401` with `code` `INVALID_TOKEN`** ("The
//!   authorization token is either missing or invalid"; weak third-party evidence, reference
//!   §14.3). [`CookiePolicy::Off`] checks nothing. (The `interactionId`/`interactionToken`
//!   cookies of earlier versions were inventions; so was an "actions only" mode.)
//! - **Single sign-on** ([`SsoMode::On`], the default; `--sso off`): authorize with a live `ST`
//!   of a completed sign-on identifies the user. Each action still runs unless its `condition`
//!   (`secondsSince` of `${session.lastSignOn.at}` or
//!   `${session.lastSignOn.withAuthenticator.<pwd|email|sms|voice>.at}`, `greater` than N
//!   seconds, combinable with `and`/`or`) says the session's sign-on is recent enough — "if no
//!   conditions are set, the action is always executed" is documented; what PingOne does for an
//!   action that runs for a user already known (the MFA action sending its code at authorize,
//!   the `LOGIN` action asking for the password again) is the simulator's reading. A flow whose
//!   every action is skipped is `COMPLETED` at once, authorize redirects to resume, and the ID
//!   token carries the session's `amr`, `auth_time` and `sid`. `prompt=login`, or `max_age`
//!   older than the session's authentication, ignores the session. At most 10,000 sessions per
//!   environment (the oldest go first).
//! - **Sign-off** (`GET|POST /{envID}/as/signoff`): ends the session the `ST` cookie names and
//!   clears the cookie (documented: the cookie names the session; the hint's application must
//!   exist and be enabled; its user must be the session's). A hint alone, without the cookie,
//!   ends nothing. An expired hint is accepted. `post_logout_redirect_uri` needs the hint and must
//!   be one of the application's `postLogoutRedirectUris`; the redirect carries `state`. Refusals
//!   are `400` with an OAuth JSON body; without a post-logout URI the answer is a small HTML page.
//! - **Userinfo** (`GET|POST /{envID}/as/userinfo`): a user access token (as a Bearer token, or
//!   the `access_token` form field of a `POST`) with the `openid` scope; `sub` plus the `profile`
//!   and `email` claims the scopes allow. Errors follow RFC 6750: missing token `401` with a bare
//!   `WWW-Authenticate: Bearer realm="PingOne"`; bad, expired or worker tokens `401`
//!   `error="invalid_token"`; no `openid` scope `403` `insufficient_scope` (with the same error as
//!   OAuth JSON). Tokens are checked by signature, issuer, environment and expiry: signing off
//!   does not revoke them.
//! - **JWKS**: each key has `kty`, `kid`, `use`, `n`, `e`, `x5c` (documented) and `x5t`
//!   (documented), plus `x5t#S256`; no `alg` (not in PingOne's list). The certificate is
//!   self-signed by the signing key (`CN=PingOne simulator token signing`, valid 2020–2049);
//!   PingOne's certificate issuer and validity are unknown.
//! - **Discovery** lists only what is served and issued: `response_types_supported` `code`,
//!   `grant_types_supported` `authorization_code` and `client_credentials` (refresh tokens are
//!   issued to applications with the refresh grant but cannot be redeemed), `claims_supported`
//!   exactly the claims of ID tokens and userinfo.
//! - **Claims.** ID tokens: `acr` (the sign-on policy's name, documented), `amr` (`["otp"]`
//!   after e-mail MFA, `["pwd","otp"]` with a `LOGIN` action first), `sid`, `env`, `org` (an ID
//!   derived from the environment's), `p1.region` (`NA`), `auth_time`, `nonce`, and the
//!   `profile`/`email` claims (`name` is given and family names joined). Worker tokens:
//!   `client_id`, `env`, `org`, `jti`, `iss`, `iat`, `exp`, `aud`, no `sub`. User access tokens
//!   also carry `sub`, `scope` and `sid`.
//! - **`acr_values`** picks the first value that names (case aside) a sign-on policy assigned
//!   to the application; a value that names none is ignored (the assignment with the lowest
//!   priority applies).
//! - **Authorize errors** that cannot be redirected (unknown `client_id`, unregistered
//!   `redirect_uri`) are `400` with an OAuth JSON body; others are redirected to `redirect_uri`
//!   with `error`, `error_description` and `state`. Requested scopes must be granted to the
//!   application (`invalid_scope` otherwise).
//! - **`response_mode=pi.flow`**: authorize answers the flow as JSON (documented); the completed
//!   flow carries no code; **resume** answers `200` with the flow and `authorizeResponse`
//!   (`code` and `state`, or `error` and `error_description` for a failed flow) (documented:
//!   "the `authorizeResponse.code` property returned by the resume endpoint").
//! - **Initial status** follows the assigned policy's lowest-priority action: `LOGIN` →
//!   `USERNAME_PASSWORD_REQUIRED`, MFA → `SIGN_ON_REQUIRED`. Other action types make the flow
//!   `FAILED` (`UNSUPPORTED_ACTION`). Without an assignment the environment's default policy
//!   (seeded: `Single_Factor`, one `LOGIN` action) applies.
//! - **`LOGIN`** (`usernamePassword.check`): a wrong password and an unknown username both
//!   answer `400 INVALID_DATA` with `details[0].code` `INVALID_CREDENTIALS` (the code is the
//!   official sample's; no remaining-attempts count). The environment's password policy
//!   (`_embedded.passwordPolicy`, named `Standard`, stating only what the simulator enforces:
//!   length 8–255, lockout after 5 failures for 900 s) locks the password at the fifth failure
//!   in a row: that answer and every try while locked is `PASSWORD_LOCKED_OUT` with
//!   `details[0].innerError.secondsUntilUnlock` (the sample's fields). The flow stays
//!   `USERNAME_PASSWORD_REQUIRED`. `password.forgot` is offered as a link when the action's
//!   `recovery.enabled` is `true` (PingOne's default is off) but posting it is refused: recovery
//!   is not simulated. A password set with `forceChange: true` makes the flow
//!   `MUST_CHANGE_PASSWORD` with `password.reset` (`{currentPassword, newPassword}`).
//! - **`user.lookup` with an unknown or disabled username**: `400 INVALID_DATA` /
//!   `INVALID_VALUE` on `username`; the flow stays `SIGN_ON_REQUIRED`.
//! - **A user with `mfaEnabled: false`** skips the MFA action (the flow completes without it).
//!   No usable device: `FAILED` with `error.code` `NO_USABLE_DEVICES` (or skipped with
//!   `noDevicesMode: BYPASS`).
//! - **Device selection** follows the device policy's `authentication.deviceSelection`
//!   (documented values): `DEFAULT_TO_FIRST` (or absent) sends the code to the user's first
//!   active device (in the devices' order) with `OTP_REQUIRED`; `PROMPT_TO_SELECT` asks
//!   (`DEVICE_SELECTION_REQUIRED`) with two or more devices; `ALWAYS_DISPLAY_DEVICES` always
//!   asks. `_embedded.devices` lists the devices (masked addresses, `nickname` when set);
//!   `OTP_REQUIRED` offers `device.select`, which sends a fresh code to the device named (the
//!   same one: a resend; another: a switch).
//! - **Wrong OTP**: `400 INVALID_DATA` with detail `INVALID_OTP` (target `otp`) and
//!   `innerError.remainingAttempts`; the flow stays `OTP_REQUIRED`. The failure that reaches the
//!   policy's `failure.count` makes the flow `FAILED` (`TOO_MANY_ATTEMPTS`) and blocks the device
//!   for the cool-down; a new sign-on meeting the block is `FAILED` (`DEVICE_LOCKED`). Both carry
//!   the time left as `error.details[0].innerError.secondsUntilUnlock` (placed as the `LOGIN`
//!   lockout's is). An **expired OTP** is `INVALID_OTP` with `innerError.expired: true` and does
//!   not count as a failure.
//! - **Resume** of a `FAILED` flow redirects with `error=access_denied`; of a flow not yet
//!   completed: `400 INVALID_REQUEST`. Codes live 60 s and are single-use.
//! - **Management.** Uniqueness: usernames, population names, sign-on policy names and device
//!   policy names, case-insensitive (`400 INVALID_DATA` / `UNIQUENESS_VIOLATION`); action
//!   priorities within a policy. Deleting the last action of a policy, a population with users,
//!   or a default policy is `400 CONSTRAINT_VIOLATION`. Deleting a device policy that an MFA
//!   action uses is **`409`** with detail `INVALID_VALUE`, target `signOnPolicies` (Terraform's
//!   provider), top-level `code` `INVALID_DATA` and `innerError.referencedValues` (the policies)
//!   being guesses. Deleting an application deletes its grants and policy assignments.
//!   Passwords need at least 8 characters. At most 5 devices per user. A device created
//!   `ACTIVATION_REQUIRED` gets a passcode by e-mail (to its address or phone) that
//!   `POST .../devices/{id}` with `application/vnd.pingidentity.device.activate+json` and
//!   `{"otp"}` takes (`200` with the device, now `ACTIVE`; wrong or expired after 30 minutes:
//!   `400 INVALID_OTP`; an active device: `400 INVALID_REQUEST`).
//! - **Lists**: users (filter on `username`, `email`, `population.id`, `name.*`; default page
//!   size 100) and populations (filter on `id` and `name`; one page unless `limit` is given) filter
//!   and page with `limit` and `cursor`; other lists return everything in one page.
//!
//! [`CookiePolicy::Strict`]: crate::CookiePolicy::Strict
//! [`CookiePolicy::Off`]: crate::CookiePolicy::Off
//! [`SsoMode::On`]: crate::SsoMode::On

// Handlers return ready-made responses as their error values; boxing them would only add noise.
#![allow(clippy::result_large_err)]

mod auth;
mod cert;
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
mod sessions;
mod store;
mod table;
mod wire;

pub use clock::SimClock;
pub use config::{CookiePolicy, SimConfig, SsoMode};
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
