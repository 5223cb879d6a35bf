//! How a simulator is set up.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::faults::FaultRates;
use crate::keys::SigningKey;

/// Default of [`SimConfig::journal_capacity`].
pub(crate) const DEFAULT_JOURNAL_CAPACITY: usize = 10_000;
/// Default of [`SimConfig::outbox_capacity`].
pub(crate) const DEFAULT_OUTBOX_CAPACITY: usize = 1_000;
/// Default of [`SimConfig::max_environments`].
pub(crate) const DEFAULT_MAX_ENVIRONMENTS: usize = 1_000;

/// How strictly flow calls must carry the cookies that authorize set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CookiePolicy {
    /// Every flow call (`GET` and `POST`) and resume must carry the flow's `interactionToken`
    /// cookie; without it: `403 ACCESS_FAILED`. The default.
    #[default]
    Strict,
    /// Flow actions (`POST`) and resume need the cookie; reading the flow does not (what the
    /// official custom sign-on sample relies on).
    ActionsOnly,
    /// Cookies are set but never checked.
    Off,
}

/// Settings of one simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen. Default `127.0.0.1:0` (a free port).
    pub bind: SocketAddr,
    /// Fixed delay added to every response.
    pub latency: Duration,
    /// A random extra delay in `[0, latency_jitter)` added to every response.
    pub latency_jitter: Duration,
    /// Random fault injection.
    pub faults: FaultRates,
    /// Seed for IDs, OTPs, codes and fault choices (reproducible runs). `None`: OS randomness.
    pub seed: Option<u64>,
    /// Also write the journal as JSON lines to this file.
    pub journal_file: Option<PathBuf>,
    /// Cookie enforcement on flow calls.
    pub cookies: CookiePolicy,
    /// A flow with no activity for this long is gone (`404`). PingOne: 15 minutes.
    pub flow_idle_timeout: Duration,
    /// Lifetime of authorization codes.
    pub code_lifetime: Duration,
    /// Lifetime of worker and user access tokens.
    pub token_lifetime: Duration,
    /// Where authorize redirects the browser when the application has no `loginPageUrl`
    /// (`{apps_base}/{envID}/signon/?flowId=...`). Default: the simulator's own base URL,
    /// which serves a placeholder page there.
    pub apps_base: Option<String>,
    /// Page size of the users list when the request gives no `limit`.
    pub users_page_size: usize,
    /// The key that signs tokens. Default: one key shared by every simulator in the process.
    pub signing_key: Option<SigningKey>,
    /// The default environment's ID. Default: random (or seeded).
    pub environment_id: Option<String>,
    /// How many journal entries the simulator keeps in memory, newest first (the journal
    /// file, if any, gets every entry). Default 10,000.
    pub journal_capacity: usize,
    /// How many e-mails each environment's outbox keeps (at least 1). Default 1,000.
    pub outbox_capacity: usize,
    /// How many environments may exist at once, the default one included. Default 1,000.
    pub max_environments: usize,
    /// Serve the `/__sim/` controls even when bound to an address other than loopback. Anyone
    /// who can reach the port can then read e-mailed passcodes and reset the simulator.
    /// Default `false`: on a non-loopback bind the controls answer `403`.
    pub allow_remote_controls: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            latency: Duration::ZERO,
            latency_jitter: Duration::ZERO,
            faults: FaultRates::default(),
            seed: None,
            journal_file: None,
            cookies: CookiePolicy::Strict,
            flow_idle_timeout: Duration::from_secs(15 * 60),
            code_lifetime: Duration::from_secs(60),
            token_lifetime: Duration::from_secs(3600),
            apps_base: None,
            users_page_size: 100,
            signing_key: None,
            environment_id: None,
            journal_capacity: DEFAULT_JOURNAL_CAPACITY,
            outbox_capacity: DEFAULT_OUTBOX_CAPACITY,
            max_environments: DEFAULT_MAX_ENVIRONMENTS,
            allow_remote_controls: false,
        }
    }
}
