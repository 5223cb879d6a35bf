// Stages have no public serde: a `Resumed` (a code ready to exchange) cannot be read from bytes.
use pingone_flow::Resumed;

fn main() {
    let bytes = br#"{"ctx":{},"code":"stolen"}"#;
    let _stage: Result<Resumed, _> = serde_json::from_slice(bytes);
}
