//! End-to-end tests against the real services. One binary, one module per area.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod chip;
mod common;
mod print;
mod smoke;
