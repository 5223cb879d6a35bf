//! The workspace's integration tests, one binary (as bon's `tests/integration`): end-to-end runs
//! against the simulator, client-side bad input, secrets in traces, reliability under faults, the
//! example's transcript, the decoders' fuzz run, and the compile-fail cases (`ui/`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs
)]

mod bad_input;
mod closer_to_pingone;
mod compile_fail;
mod decoders_fuzz;
mod decoy;
mod example_transcript;
mod no_replay;
mod password_first;
mod reliability_faults;
mod secrets;
mod services;
mod sessions;
mod sign_on_e2e;
mod support;
mod userinfo_sign_off;
mod web_signon;
mod web_support;
