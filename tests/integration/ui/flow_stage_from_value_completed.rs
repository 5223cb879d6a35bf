// Stages have no public serde: a `Completed` carrying an invented authorization code cannot be
// deserialised into existence (and then resumed, sending the code to /as/token).
use pingone_flow::Completed;

fn main() {
    let forged = serde_json::json!({ "ctx": {}, "code": ["invented", null] });
    let _completed: Completed = serde_json::from_value(forged).unwrap();
}
