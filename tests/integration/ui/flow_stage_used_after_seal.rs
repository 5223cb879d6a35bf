// Sealing consumes the stage: the sealed bytes are the only copy, so a stage cannot be parked
// for a later request and also advanced now.
use pingone_flow::{Authorized, SignOnClient, StageSealer};

async fn both(sealer: &StageSealer, client: &SignOnClient, stage: Authorized) {
    let _parked = sealer.seal(stage).unwrap();
    let _now = stage.submit_username(client, "ada").await;
}

fn main() {}
