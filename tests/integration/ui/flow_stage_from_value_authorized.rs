// Stages have no public serde: an `Authorized` with a chosen `state`, `nonce` and verifier
// cannot be deserialised; it comes from `authorize()` or from opening a sealed stage.
use pingone_flow::Authorized;

fn main() {
    let _stage: Authorized = serde_json::from_value(serde_json::json!({})).unwrap();
}
