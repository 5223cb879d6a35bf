//! What the `email_mfa` and `web_signon` examples share: the tenant named by the `PINGONE_*`
//! variables, and a random password for the demo user.
#![allow(unreachable_pub, dead_code)]

use pingone_core::{ClientSecret, Endpoints, EnvironmentId, Password, Region, WorkerCredentials};

/// How to reach a live tenant, from the `PINGONE_*` variables.
pub struct Tenant {
    /// Where it is, for messages ("PingOne EU region (live tenant)").
    pub label: String,
    pub endpoints: Endpoints,
    pub environment: EnvironmentId,
    /// The worker application that provisions.
    pub worker: WorkerCredentials,
}

pub const TENANT_VARIABLES: &str = "set PINGONE_ENVIRONMENT_ID, PINGONE_REGION (NA, CA, EU, AU, SG, AP) or
PINGONE_MANAGEMENT_BASE + PINGONE_AUTH_BASE, PINGONE_CLIENT_ID and PINGONE_CLIENT_SECRET
(a worker application with the Environment Admin and Identity Data Admin roles)";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl Tenant {
    /// The tenant when any `PINGONE_*` variable is set; `Ok(None)` for the embedded simulator.
    pub fn from_env() -> Result<Option<Tenant>, String> {
        const NAMES: [&str; 6] = [
            "PINGONE_ENVIRONMENT_ID",
            "PINGONE_REGION",
            "PINGONE_MANAGEMENT_BASE",
            "PINGONE_AUTH_BASE",
            "PINGONE_CLIENT_ID",
            "PINGONE_CLIENT_SECRET",
        ];
        if NAMES.iter().all(|n| var(n).is_none()) {
            return Ok(None);
        }
        let required = |name: &str| {
            var(name).ok_or_else(|| format!("{name} is not set (running against a tenant needs PINGONE_ENVIRONMENT_ID, PINGONE_REGION or the two base URLs, PINGONE_CLIENT_ID, PINGONE_CLIENT_SECRET)"))
        };
        let environment: EnvironmentId = required("PINGONE_ENVIRONMENT_ID")?
            .parse()
            .map_err(|e| format!("PINGONE_ENVIRONMENT_ID is malformed: {e}"))?;
        let (endpoints, where_) = match (var("PINGONE_MANAGEMENT_BASE"), var("PINGONE_AUTH_BASE"), var("PINGONE_REGION")) {
            (Some(m), Some(a), _) => {
                (Endpoints::custom(&m, &a).map_err(|e| format!("PINGONE_MANAGEMENT_BASE/PINGONE_AUTH_BASE: {e}"))?, a)
            }
            (Some(_), None, _) | (None, Some(_), _) => {
                return Err("set both PINGONE_MANAGEMENT_BASE and PINGONE_AUTH_BASE, or PINGONE_REGION".into());
            }
            (None, None, Some(r)) => {
                let region: Region = r.parse().map_err(|e| format!("PINGONE_REGION: {e}"))?;
                (Endpoints::for_region(region), format!("PingOne {} region", region.code()))
            }
            (None, None, None) => return Err(
                "PINGONE_REGION is not set (NA, CA, EU, AU, SG or AP), nor PINGONE_MANAGEMENT_BASE and PINGONE_AUTH_BASE"
                    .into(),
            ),
        };
        let client_id = required("PINGONE_CLIENT_ID")?;
        let secret = ClientSecret::new(required("PINGONE_CLIENT_SECRET")?);
        Ok(Some(Tenant {
            label: format!("{where_} (live tenant)"),
            worker: WorkerCredentials::basic(environment.clone(), client_id, secret),
            endpoints,
            environment,
        }))
    }
}

impl Tenant {
    /// The tenant the `PINGONE_*` variables name, or else a new embedded simulator (returned
    /// too: it serves until dropped).
    #[allow(dead_code)]
    pub async fn from_env_or_simulator() -> Result<(Tenant, Option<pingone_sim::Simulator>), String> {
        if let Some(tenant) = Tenant::from_env()? {
            return Ok((tenant, None));
        }
        let sim = pingone_sim::Simulator::start(Default::default()).await.map_err(|e| e.to_string())?;
        Ok((Tenant::simulator(&sim)?, Some(sim)))
    }

    /// The embedded simulator, as a tenant.
    pub fn simulator(sim: &pingone_sim::Simulator) -> Result<Tenant, String> {
        let target = pingone_mfa::testing::SimulatorTarget::new(sim).map_err(|e| e.to_string())?;
        let label = format!("embedded PingOne simulator at {}", sim.auth_base());
        Ok(Tenant { label, endpoints: target.endpoints, environment: target.environment, worker: target.worker })
    }
}

/// A password for the demo user: random, never printed (the sign-on itself asks for none).
/// `None` when the OS random source fails: never a predictable password on a tenant.
pub fn demo_password() -> Option<Password> {
    let mut bytes = [0u8; 18];
    aws_lc_rs::rand::fill(&mut bytes).ok()?;
    let body: String = bytes
        .iter()
        .filter_map(|b| {
            b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
                .get(usize::from(*b) % 56)
                .map(|c| char::from(*c))
        })
        .collect();
    Some(Password::new(format!("{body}-7aZ!")))
}
