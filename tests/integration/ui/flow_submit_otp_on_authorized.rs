// An OTP can only be submitted once the flow asks for one (`OtpRequired`).
use pingone_core::Otp;
use pingone_flow::{Authorized, SignOnClient};

async fn otp_too_early(client: &SignOnClient, authorized: Authorized) {
    let _ = authorized.submit_otp(client, &Otp::new("123456")).await;
}

fn main() {}
