// Stages cannot be serialised either: the only way out of a stage into bytes is a sealer, whose
// output is encrypted and authenticated.
use pingone_flow::OtpRequired;

fn leak(stage: &OtpRequired) -> String {
    serde_json::to_string(stage).unwrap()
}

fn main() {}
