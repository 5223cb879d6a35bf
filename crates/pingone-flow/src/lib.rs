//! # pingone-flow
//!
//! The PingOne sign-on flow as typestates (`Authorized` → `UsernameSubmitted` → `OtpRequired` →
//! `Resumed` → tokens). Not written yet: see the project's issue tracker.
