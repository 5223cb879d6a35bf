// `Provisioned` is assembled only from finished stages: a user without its password, MFA and
// EMAIL device (a `UserCreated`) is not a `UserReady`.
use pingone_provisioning::{ApplicationReady, Provisioned, UserCreated};

fn assemble_too_early(app: ApplicationReady, user: UserCreated) -> Provisioned {
    Provisioned::assemble(app, user)
}

fn main() {}
