//! # biometrics — the fingerprint core of Rekam
//!
//! Pure code: images and bytes in, values out. Nothing here opens a file, a socket or a device,
//! so every part is tested without hardware and every parser of outside data can be fuzzed.
//!
//! The pieces, in the order an enrollment uses them:
//! - [`image`]: the 8-bit grey, 500 ppi fingerprint image every stage consumes;
//! - [`template`]: minutiae and the `Template` the extractor produces and the matcher consumes;
//! - extraction, quality, ISO/ANSI template codecs, matching, the 1:N index, WSQ and
//!   ANSI/NIST-ITL live in their own modules as they are built (see docs/ARCHITECTURE.md).

pub mod codec;
pub mod eval;
pub mod extract;
mod geometry;
pub mod image;
pub mod index;
pub mod iso_image;
pub mod matcher;
pub mod nist;
pub mod quality;
pub mod template;
mod threads;
pub mod wsq;

pub use image::{FingerImage, ImageError};
pub use template::{FingerPosition, Minutia, MinutiaKind, OrientationField, Template};
