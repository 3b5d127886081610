//! ANSI/NIST-ITL transactions: our writer and parser, and the independent `nistitl` parser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod malformed;
mod peer;
mod roundtrip;
mod sample;
