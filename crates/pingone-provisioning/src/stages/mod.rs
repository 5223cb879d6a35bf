//! The setup as typestates, one file per object. Each stage value can only be obtained from the
//! step before it, so an invalid order does not compile: finishing an application needs an
//! [`ApplicationCreated`], the [`OpenIdScopes`] and a [`SignOnPolicyPlanned`]; finishing a user
//! (password, `mfaEnabled`, EMAIL device) needs a [`UserCreated`] and a [`DevicePolicyCreated`].
//!
//! Calls that depend on the same objects run inside one transition, concurrently, and their
//! results land in one value: an application's grant, secret, policy assignment and its policy's
//! actions in [`ApplicationReady`]; a user's password, `mfaEnabled` and device in [`UserReady`].
//! No result of one object can be joined with another object's, so nothing is checked at run
//! time.

mod application;
mod device_policy;
mod population;
mod scopes;
mod sign_on_policy;
mod user;

pub use application::{ApplicationCreated, ApplicationReady};
pub use device_policy::DevicePolicyCreated;
pub use population::PopulationCreated;
pub(crate) use population::population_and_user;
pub use scopes::OpenIdScopes;
pub use sign_on_policy::{SignOnPolicyCreated, SignOnPolicyPlanned};
pub use user::{UserCreated, UserReady};

/// Whether a transition sends its independent calls together or one after another (the
/// step-by-step baseline that [`EmailMfaSetup::run_sequential`](crate::EmailMfaSetup::run_sequential)
/// measures against).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pace {
    /// All at once.
    Concurrent,
    /// One after another.
    Sequential,
}

/// Awaits the futures (bound to the given names) together or one after another, as `$pace`
/// says; the first error wins.
macro_rules! join_at {
    ($pace:expr, $($future:ident),+ $(,)?) => {
        match $pace {
            $crate::stages::Pace::Concurrent => tokio::try_join!($($future),+),
            $crate::stages::Pace::Sequential => async {
                $(
                    let $future = match $future.await {
                        Ok(value) => value,
                        Err(error) => return Err(error),
                    };
                )+
                Ok(($($future,)+))
            }
            .await,
        }
    };
}
pub(crate) use join_at;
