//! WSQ against real fingerprints and against an independent codec (NIST NBIS).

mod common;
mod fvc_roundtrip;
mod malformed;
mod minutiae;
mod peer;
