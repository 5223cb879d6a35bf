// Resume is for a completed flow; an `OtpRequired` flow cannot skip the OTP.
use pingone_flow::{OtpRequired, SignOnClient};

async fn resume_without_otp(client: &SignOnClient, state: OtpRequired) {
    let _ = state.resume(client).await;
}

fn main() {}
