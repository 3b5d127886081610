//! Minutiae and the `Template` the extractor produces and the matcher consumes.
//!
//! Coordinates are pixels at [`crate::image::STANDARD_PPI`] with the origin at the top-left and
//! y growing downwards; angles are radians in `[0, 2π)`, counter-clockwise from the x axis, the
//! direction in which the ridge runs away from the minutia (ISO/IEC 19794-2 convention).

use std::f32::consts::TAU;

/// Ridge ending or bifurcation (ISO/IEC 19794-2 minutia types 01 and 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MinutiaKind {
    Ending,
    Bifurcation,
}

/// One minutia.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Minutia {
    pub x: u16,
    pub y: u16,
    /// Radians in `[0, 2π)`.
    pub angle: f32,
    pub kind: MinutiaKind,
    /// 0–100, as in ISO/IEC 19794-2.
    pub quality: u8,
}

impl Minutia {
    /// Builds a minutia, folding any angle into `[0, 2π)` and capping quality at 100.
    pub fn new(x: u16, y: u16, angle: f32, kind: MinutiaKind, quality: u8) -> Self {
        Self {
            x,
            y,
            angle: angle.rem_euclid(TAU),
            kind,
            quality: quality.min(100),
        }
    }
}

/// Finger position codes of ISO/IEC 19794-2 and ANSI/NIST-ITL (table 8 / FGP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FingerPosition {
    Unknown = 0,
    RightThumb = 1,
    RightIndex = 2,
    RightMiddle = 3,
    RightRing = 4,
    RightLittle = 5,
    LeftThumb = 6,
    LeftIndex = 7,
    LeftMiddle = 8,
    LeftRing = 9,
    LeftLittle = 10,
}

impl FingerPosition {
    /// The ten fingers in the standard order.
    pub const ALL: [FingerPosition; 10] = [
        Self::RightThumb,
        Self::RightIndex,
        Self::RightMiddle,
        Self::RightRing,
        Self::RightLittle,
        Self::LeftThumb,
        Self::LeftIndex,
        Self::LeftMiddle,
        Self::LeftRing,
        Self::LeftLittle,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Unknown),
            1..=10 => Some(Self::ALL[usize::from(code) - 1]),
            _ => None,
        }
    }
}

/// A fingerprint template: the minutiae of one impression and what is needed to interpret them.
#[derive(Clone, PartialEq)]
pub struct Template {
    pub width: u16,
    pub height: u16,
    /// Resolution of the coordinates, pixels per inch.
    pub ppi: u16,
    pub position: FingerPosition,
    /// Overall impression quality, 0–100.
    pub quality: u8,
    pub minutiae: Vec<Minutia>,
}

/// Minutiae are biometric data: the debug form shows counts, never positions.
impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("ppi", &self.ppi)
            .field("position", &self.position)
            .field("quality", &self.quality)
            .field("minutiae", &self.minutiae.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angles_fold_into_one_turn() {
        let m = Minutia::new(1, 2, -std::f32::consts::FRAC_PI_2, MinutiaKind::Ending, 250);
        assert!((m.angle - 3.0 * std::f32::consts::FRAC_PI_2).abs() < 1e-5);
        assert_eq!(m.quality, 100);
    }

    #[test]
    fn finger_codes_round_trip() {
        for code in 0..=10 {
            assert_eq!(
                FingerPosition::from_code(code).map(|p| p.code()),
                Some(code)
            );
        }
        assert_eq!(FingerPosition::from_code(11), None);
    }

    #[test]
    fn debug_hides_minutiae() {
        let t = Template {
            width: 300,
            height: 400,
            ppi: 500,
            position: FingerPosition::RightIndex,
            quality: 80,
            minutiae: vec![Minutia::new(123, 234, 1.0, MinutiaKind::Bifurcation, 90)],
        };
        let shown = format!("{t:?}");
        assert!(!shown.contains("234"), "{shown}");
        assert!(shown.contains("minutiae: 1"), "{shown}");
    }
}
