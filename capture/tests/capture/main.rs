//! Integration tests of the capture crate: drivers through their protocols, pipelines and
//! quality gates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod face;
mod fingerprint;
mod gates;
mod hotplug;
mod pipeline;
mod signature;
