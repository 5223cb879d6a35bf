//! # pingone-provisioning
//!
//! The PingOne management API for the Email MFA workflow (steps 1–13 and 19) and the setup as
//! typestates. Not written yet: see the project's issue tracker.
