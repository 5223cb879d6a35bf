// Stages come only from transitions (or from opening a sealed stage): they cannot be built or altered by hand,
// here to attach a forged authorization code to a completed flow.
use pingone_core::AuthorizationCode;
use pingone_flow::Completed;

fn forge(completed: Completed) -> Completed {
    Completed { code: Some((AuthorizationCode::new("forged"), None)), ..completed }
}

fn main() {}
