//! The face quality gate: Haar-cascade face and eye detection, ICAO/ISO 19794-5 checks and
//! the token-frontal crop.

pub mod gate;
pub mod haar;

pub use gate::{FaceAnalyser, FaceCheck, FaceReport, TokenGeometry};
pub use haar::{Cascade, CascadeError, DetectParams, Detection, Rect};
