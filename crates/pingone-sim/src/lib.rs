//! # pingone-sim
//!
//! An embedded, PingOne-compatible server for the Email MFA workflow. Not written yet: see the
//! project's issue tracker.
