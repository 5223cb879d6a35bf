// Transitions consume their stage: an `OtpRequired` that was submitted cannot be submitted again
// (a rejected OTP hands a fresh stage back instead).
use pingone_core::Otp;
use pingone_flow::{OtpRequired, SignOnClient};

async fn submit_twice(client: &SignOnClient, state: OtpRequired) {
    let _first = state.submit_otp(client, &Otp::new("111111")).await;
    let _second = state.submit_otp(client, &Otp::new("222222")).await;
}

fn main() {}
