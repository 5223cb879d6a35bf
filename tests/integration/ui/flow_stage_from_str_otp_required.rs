// Stages have no public serde: an `OtpRequired` with a chosen flow ID, cookies and PKCE verifier
// cannot be parsed from text.
use pingone_flow::OtpRequired;

fn main() {
    let _stage = serde_json::from_str::<OtpRequired>(r#"{"ctx":{"flow_id":"someone-elses-flow"}}"#);
}
