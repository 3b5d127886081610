//! WSQ against real fingerprints and against an independent codec (NIST NBIS).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod fvc_roundtrip;
mod malformed;
mod minutiae;
mod peer;
