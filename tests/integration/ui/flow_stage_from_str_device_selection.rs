// Stages have no public serde: a `DeviceSelectionRequired` offering devices of the attacker's
// choice cannot be parsed from text.
use pingone_flow::DeviceSelectionRequired;

fn main() {
    let _stage: DeviceSelectionRequired = serde_json::from_str("{}").unwrap();
}
