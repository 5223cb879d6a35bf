//! No user enumeration: a refused username becomes a decoy code stage that answers as a real one
//! does (attempts left, resend, the lock), sends nothing, and survives sealing.

use std::time::Duration;

use pingone_core::Otp;
use pingone_flow::{AfterUsername, DecoyPolicy, FlowError, KeyRing, OtpOutcome, OtpRequired, SealingKey, StageSealer};

use crate::support::*;

async fn answers(w: &World, mut stage: OtpRequired, sealer: &StageSealer) -> (Vec<Option<u32>>, FlowError) {
    let mut remaining = Vec::new();
    loop {
        // Each answer crosses a "request": sealed and opened again.
        stage = sealer.open(&sealer.seal(stage).unwrap()).unwrap();
        match stage.submit_otp(&w.client, &Otp::new("000000")).await {
            Ok(OtpOutcome::Rejected(rejection)) => {
                remaining.push(rejection.remaining_attempts);
                stage = rejection.state;
            }
            Ok(OtpOutcome::Completed(_)) => panic!("a wrong code completed"),
            Err(e) => return (remaining, e),
        }
    }
}

#[tokio::test]
async fn an_unknown_username_answers_like_a_known_one_and_sends_nothing() {
    let w = World::new().await;
    let sealer = StageSealer::new(&w.client, KeyRing::new(SealingKey::generate().unwrap()));
    // A real user, three wrong codes.
    let submitted = w.client.authorize().await.unwrap().submit_username(&w.client, USER).await.unwrap();
    let AfterUsername::OtpRequired(real) = submitted.next().unwrap() else { panic!() };
    let _ = w.otp().await;
    let (real_remaining, real_end) = answers(&w, real, &sealer).await;
    // An unknown one: the same answers, no e-mail.
    let mails = w.sim.outbox().messages().len();
    let err = w.client.authorize().await.unwrap().submit_username(&w.client, "nobody").await.unwrap_err();
    let FlowError::UsernameRejected { state, .. } = err else { panic!("{err}") };
    let decoy = state.decoy(DecoyPolicy::default());
    assert!(decoy.can_resend(), "offers a resend like a real stage");
    let decoy = decoy.resend(&w.client).await.unwrap();
    let (decoy_remaining, decoy_end) = answers(&w, decoy, &sealer).await;
    assert_eq!(decoy_remaining, real_remaining);
    assert_eq!(decoy_remaining, [Some(2), Some(1)]);
    assert!(matches!(real_end, FlowError::Locked { .. }), "{real_end}");
    assert!(
        matches!(decoy_end, FlowError::Locked { unlock_in: Some(d) } if d == Duration::from_secs(120)),
        "{decoy_end}"
    );
    assert_eq!(w.sim.outbox().messages().len(), mails, "the decoy sent no e-mail");
}
