//! Quality gates: accept a capture only when it is good enough, and say what to fix.
//! (The face gate lives in [`crate::face`].)

pub mod fingerprint;
pub mod signature;
