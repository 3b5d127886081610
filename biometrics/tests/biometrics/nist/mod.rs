//! ANSI/NIST-ITL transactions: our writer and parser, and the independent `nistitl` parser.

mod malformed;
mod peer;
mod roundtrip;
mod sample;
