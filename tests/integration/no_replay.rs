//! No replay after an unknown outcome (security audit item 6): when the answer to `otp.check`, a
//! resend or the token exchange is lost or is a 5xx, the request is not sent again; the caller
//! gets `FlowError::OutcomeUnknown` (with the stage where one can be retried) and decides.

use crate::support::*;
use pingone_core::Otp;
use pingone_flow::{AfterUsername, FlowError, OtpOutcome, OtpRequired, SignOnStage};
use pingone_sim::{Fault, ScriptedFault};

async fn otp_stage(w: &World) -> OtpRequired {
    let submitted = w.client.authorize().await.unwrap().submit_username(&w.client, USER).await.unwrap();
    let AfterUsername::OtpRequired(stage) = submitted.next().unwrap() else { panic!("no OTP step") };
    stage
}

fn handed_back(err: FlowError) -> OtpRequired {
    let FlowError::OutcomeUnknown { stage: Some(stage), .. } = err else { panic!("{err}") };
    let SignOnStage::OtpRequired(stage) = *stage else { panic!("not the OTP stage") };
    stage
}

fn posts_to(w: &World, path_part: &str) -> usize {
    w.sim.journal().iter().filter(|e| e.method == "POST" && e.path.contains(path_part)).count()
}

#[tokio::test]
async fn a_wrong_code_whose_answer_is_lost_counts_once() {
    let w = World::new().await;
    let stage = otp_stage(&w).await;
    let _sent = w.otp().await;
    let flows_before = posts_to(&w, "/flows/");
    w.sim.controls().inject(ScriptedFault::matching("POST", "/flows/", Fault::DropAfterCommit));
    let err = stage.submit_otp(&w.client, &Otp::new("000000")).await.unwrap_err();
    assert_eq!(posts_to(&w, "/flows/") - flows_before, 1, "otp.check was sent once");
    // The caller reads where the flow stands: still waiting for a code.
    let OtpOutcome::Rejected(rejection) = handed_back(err).refresh(&w.client).await.unwrap() else { panic!() };
    // A second wrong code: PingOne counted one failure before it, not two.
    let OtpOutcome::Rejected(second) = rejection.state.submit_otp(&w.client, &Otp::new("000001")).await.unwrap() else {
        panic!()
    };
    let first_try = otp_stage(&w).await;
    let _ = w.otp().await;
    let OtpOutcome::Rejected(fresh) = first_try.submit_otp(&w.client, &Otp::new("000000")).await.unwrap() else {
        panic!()
    };
    assert!(fresh.remaining_attempts.is_some(), "the simulator reports the attempts left");
    assert_eq!(
        second.remaining_attempts.map(|r| r + 1),
        fresh.remaining_attempts,
        "two wrong codes cost two attempts, one wrong code one"
    );
}

#[tokio::test]
async fn a_right_code_whose_answer_is_lost_is_found_completed() {
    let w = World::new().await;
    let stage = otp_stage(&w).await;
    let otp = w.otp().await;
    w.sim.controls().inject(ScriptedFault::matching("POST", "/flows/", Fault::DropAfterCommit));
    let err = stage.submit_otp(&w.client, &otp).await.unwrap_err();
    assert!(err.to_string().contains("outcome is unknown"), "{err}");
    let OtpOutcome::Completed(done) = handed_back(err).refresh(&w.client).await.unwrap() else { panic!() };
    done.resume(&w.client).await.unwrap().exchange(&w.client).await.unwrap();
}

#[tokio::test]
async fn a_resend_whose_answer_is_lost_sends_one_email() {
    let w = World::new().await;
    let stage = otp_stage(&w).await;
    let _first = w.otp().await;
    let mails_before = w.sim.outbox().messages().len();
    w.sim.controls().inject(ScriptedFault::matching("POST", "/flows/", Fault::DropAfterCommit));
    let err = stage.resend(&w.client).await.unwrap_err();
    assert_eq!(w.sim.outbox().messages().len() - mails_before, 1, "one e-mail, not two");
    let stage = handed_back(err);
    // The new code works with the stage handed back.
    let otp = w.otp().await;
    assert!(matches!(stage.submit_otp(&w.client, &otp).await.unwrap(), OtpOutcome::Completed(_)));
}

#[tokio::test]
async fn a_token_exchange_with_a_5xx_or_a_lost_answer_is_not_repeated() {
    let w = World::new().await;
    for fault in [Fault::ServerError, Fault::DropAfterCommit] {
        let stage = otp_stage(&w).await;
        let OtpOutcome::Completed(done) = stage.submit_otp(&w.client, &w.otp().await).await.unwrap() else { panic!() };
        let resumed = done.resume(&w.client).await.unwrap();
        let before = posts_to(&w, "/as/token");
        w.sim.controls().inject(ScriptedFault::matching("POST", "/as/token", fault));
        let err = resumed.exchange(&w.client).await.unwrap_err();
        assert!(matches!(err, FlowError::OutcomeUnknown { stage: None, .. }), "{fault:?}: {err}");
        assert_eq!(posts_to(&w, "/as/token") - before, 1, "{fault:?}: the code was sent once");
    }
}
