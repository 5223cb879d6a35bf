//! The demo objects: an OIDC application with an Email MFA policy, and its users (also used by
//! the browser tests to provision the simulator they point the example at).
#![allow(unreachable_pub, dead_code)]

use pingone_core::Password;
use pingone_provisioning::model::{Name, NewUser};
use pingone_provisioning::{
    DevicePolicyCreated, EmailMfaSetup, EmailMfaSpec, ManagementClient, PopulationCreated, Provisioned, SetupError,
};

/// Name prefix of everything provisioned.
pub const PREFIX: &str = "web-signon-demo";
/// Registered on the application; never visited (the flow stops at the redirect).
pub const REDIRECT_URI: &str = "https://app.example.test/callback";

/// A user: username, given and family name, and the addresses of their e-mail devices.
pub type DemoUser<'a> = (&'a str, (&'a str, &'a str), &'a [&'a str]);

/// The simulator's users: `ada` with one e-mail device, `grace` with two.
pub const SIMULATOR_USERS: [DemoUser<'static>; 2] = [
    ("ada", ("Ada", "Example"), &["ada@example.test"]),
    ("grace", ("Grace", "Hopper"), &["grace@example.test", "grace.hopper@example.test"]),
];

/// Provisions (idempotently) the application and its policies, then each user with MFA on (the
/// first one also gets `password`, unused by this MFA-only policy).
pub async fn provision(
    management: &ManagementClient,
    users: &[DemoUser<'_>],
    password: Password,
) -> Result<Provisioned, SetupError> {
    let (first, (given, family), first_devices) = users.first().copied().unwrap_or(SIMULATOR_USERS[0]);
    let email = first_devices.first().copied().unwrap_or("ada@example.test");
    let mut spec = EmailMfaSpec::demo(PREFIX, REDIRECT_URI, first, email, password);
    spec.user.name = Some(Name { given: Some(given.into()), family: Some(family.into()) });
    let provisioned = EmailMfaSetup::new(spec.clone()).run(management).await?;
    let population = PopulationCreated::ensure(management, &spec.population).await?;
    let device_policy = DevicePolicyCreated::ensure(management, &spec.device_policy).await?;
    for (username, (given, family), devices) in users {
        let name = Some(Name { given: Some((*given).into()), family: Some((*family).into()) });
        let email = devices.first().copied().unwrap_or_default().to_owned();
        let user =
            population.create_user(management, NewUser { username: (*username).into(), email, name, population: None });
        let user = user.await?;
        user.enable_mfa(management).await?;
        for device in *devices {
            device_policy.add_email_device(management, &user, device).await?;
        }
    }
    Ok(provisioned)
}
