//! The demo objects: an OIDC application with an Email MFA policy, and its users (also used by
//! the browser tests to provision the simulator they point the example at).
#![allow(unreachable_pub, dead_code)]

use pingone_core::Password;
use pingone_provisioning::model::{DeviceSelection, Name, NewUser};
use pingone_provisioning::{
    DevicePolicyCreated, EmailMfaSetup, EmailMfaSpec, ManagementClient, PopulationCreated, Provisioned, SetupError,
};

/// Name prefix of everything provisioned.
pub const PREFIX: &str = "web-signon-demo";
/// Registered on the application; never visited (the flow stops at the redirect).
pub const REDIRECT_URI: &str = "https://app.example.test/callback";

/// A user: username, given and family name, and their e-mail devices (address, nickname).
pub type DemoUser<'a> = (&'a str, (&'a str, &'a str), &'a [(&'a str, &'a str)]);

/// The simulator's users: `ada` with one e-mail device, `grace` with two.
pub const SIMULATOR_USERS: [DemoUser<'static>; 2] = [
    ("ada", ("Ada", "Example"), &[("ada@example.test", "Personal")]),
    ("grace", ("Grace", "Hopper"), &[("grace@example.test", "Work"), ("grace.hopper@example.test", "Home")]),
];

/// Provisions (idempotently) the application and its policies, then each user with MFA on and
/// their devices (the first user also gets `password`, unused by this MFA-only policy).
pub async fn provision(
    management: &ManagementClient,
    users: &[DemoUser<'_>],
    password: Password,
) -> Result<Provisioned, SetupError> {
    let (first, (given, family), devices) = users.first().copied().unwrap_or(SIMULATOR_USERS[0]);
    let (email, _) = devices.first().copied().unwrap_or(("ada@example.test", ""));
    // PROMPT_TO_SELECT: `grace`, with two devices, chooses where the code goes (PingOne's
    // default, DEFAULT_TO_FIRST, would send it to her first device at once).
    let mut spec = EmailMfaSpec::demo(PREFIX, REDIRECT_URI, first, email, password)
        .with_device_selection(DeviceSelection::PromptToSelect);
    spec.user.name = Some(Name { given: Some(given.into()), family: Some(family.into()) });
    let provisioned = EmailMfaSetup::new(spec.clone()).run(management).await?;
    let population = PopulationCreated::ensure(management, &spec.population).await?;
    let device_policy = DevicePolicyCreated::ensure(management, &spec.device_policy).await?;
    for (username, (given, family), devices) in users {
        let ((email, nickname), more) = devices.split_first().map_or((("", ""), &[][..]), |(d, more)| (*d, more));
        let name = Some(Name { given: Some((*given).into()), family: Some((*family).into()) });
        let new = NewUser { username: (*username).into(), email: email.into(), name, population: None };
        let user = population.create_user(management, new).await?;
        let user = user.finish(management, None, &device_policy, Some(nickname)).await?;
        for (address, nickname) in more {
            user.add_email_device(management, &device_policy, address, Some(nickname)).await?;
        }
    }
    Ok(provisioned)
}
