//! Integration tests of the biometrics core on real images (FVC2002, NIST NFIQ 2 examples) and
//! on synthetic patterns with known answers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod codec;
mod common;
mod extract;
mod index;
mod matcher;
mod quality;
mod synth;
mod synth_accuracy;
