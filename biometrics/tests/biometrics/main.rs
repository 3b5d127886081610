//! Integration tests of the biometrics core on real images (FVC2002, NIST NFIQ 2 examples) and
//! on synthetic patterns with known answers, and of its record formats (WSQ, ISO/IEC 19794-4/-5,
//! ANSI/NIST-ITL) against independent peers. One test binary, so the crate links once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bins;
mod codec;
mod common;
mod extract;
mod index;
mod iso;
mod matcher;
mod nist;
mod quality;
mod synth;
mod synth_accuracy;
mod wsq;
