//! Minutiae and the `Template` the extractor produces and the matcher consumes.
//!
//! Coordinates are pixels at [`crate::image::STANDARD_PPI`] with the origin at the top-left and
//! y growing downwards; angles are radians in `[0, 2π)`, counter-clockwise from the x axis, the
//! direction in which the ridge runs away from the minutia (ISO/IEC 19794-2 convention).

use std::f32::consts::{PI, TAU};
use std::sync::Arc;
use thiserror::Error;

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
    /// The coarse ridge flow of the impression, when it was extracted from an image (`None`
    /// for templates read from minutiae-only records such as ISO/IEC 19794-2 or ANSI/NIST-ITL).
    /// The matcher uses it as a second source of evidence when both sides have one.
    pub orientation: Option<OrientationField>,
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
            .field("orientation", &self.orientation)
            .finish()
    }
}

/// A coarse ridge-flow field: one ridge direction per square cell of the impression, or
/// [`OrientationField::BACKGROUND`] where there is no finger.
///
/// A direction is an undirected angle in `[0, π)`, counter-clockwise from the x axis with y up
/// (the minutiae's convention), quantised to [`OrientationField::LEVELS`] steps of π/128:
/// rotating a field by an angle is then an addition modulo 128 on the codes, and the agreement
/// of two directions a table lookup on their difference. Cell `(col, row)` covers pixels
/// `col·cell .. (col+1)·cell` × `row·cell ..` at the template's 500 ppi (y down, as minutiae).
#[derive(Clone, PartialEq, Eq)]
pub struct OrientationField {
    cell: u16,
    cols: u16,
    rows: u16,
    /// Row-major, `cols × rows`. Shared: a template and every [`crate::matcher::PreparedTemplate`]
    /// made from it hold the same codes (the 1:N index keeps both for each enrolled finger).
    codes: Arc<[u8]>,
}

/// Why codes could not become an [`OrientationField`].
#[derive(Debug, Error, PartialEq, Eq)]
pub enum OrientationFieldError {
    #[error(
        "medan orientasi: {codes} kode untuk {cols}×{rows} sel / orientation field: {codes} codes for {cols}×{rows} cells"
    )]
    Shape { cols: u16, rows: u16, codes: usize },
    #[error("medan orientasi: ukuran sel 0 / orientation field: cell size 0")]
    ZeroCell,
    #[error("medan orientasi: kode {0} tidak sah / orientation field: invalid code {0}")]
    Code(u8),
}

impl OrientationField {
    /// Direction steps over half a turn.
    pub const LEVELS: u8 = 128;
    /// The code of a cell without a (reliable) direction.
    pub const BACKGROUND: u8 = 0xFF;

    /// A field from row-major codes, each below [`Self::LEVELS`] or [`Self::BACKGROUND`].
    pub fn new(
        cell: u16,
        cols: u16,
        rows: u16,
        codes: Vec<u8>,
    ) -> Result<Self, OrientationFieldError> {
        if cell == 0 {
            return Err(OrientationFieldError::ZeroCell);
        }
        if codes.len() != usize::from(cols) * usize::from(rows) {
            return Err(OrientationFieldError::Shape {
                cols,
                rows,
                codes: codes.len(),
            });
        }
        if let Some(&bad) = codes
            .iter()
            .find(|&&c| c >= Self::LEVELS && c != Self::BACKGROUND)
        {
            return Err(OrientationFieldError::Code(bad));
        }
        Ok(Self {
            cell,
            cols,
            rows,
            codes: codes.into(),
        })
    }

    /// The code of a direction (radians, any value; folded into `[0, π)`).
    pub fn code_of(angle: f32) -> u8 {
        let steps = (angle / PI * f32::from(Self::LEVELS)).round();
        (steps.rem_euclid(f32::from(Self::LEVELS)) as u8) % Self::LEVELS
    }

    /// The direction (radians, `[0, π)`) of a code, `None` for background.
    pub fn angle_of(code: u8) -> Option<f32> {
        (code < Self::LEVELS).then(|| f32::from(code) * PI / f32::from(Self::LEVELS))
    }

    /// Side of a cell, pixels.
    pub fn cell(&self) -> u16 {
        self.cell
    }

    pub fn cols(&self) -> u16 {
        self.cols
    }

    pub fn rows(&self) -> u16 {
        self.rows
    }

    /// Row-major codes.
    pub fn codes(&self) -> &[u8] {
        &self.codes
    }

    /// Cells with a direction.
    pub fn foreground_cells(&self) -> usize {
        self.codes.iter().filter(|&&c| c < Self::LEVELS).count()
    }
}

/// Ridge directions are biometric data: the debug form shows the shape only.
impl std::fmt::Debug for OrientationField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrientationField")
            .field("cell", &self.cell)
            .field("cols", &self.cols)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
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
            orientation: Some(OrientationField::new(16, 2, 1, vec![77, 127]).unwrap()),
        };
        let shown = format!("{t:?}");
        assert!(!shown.contains("234"), "{shown}");
        assert!(shown.contains("minutiae: 1"), "{shown}");
        assert!(!shown.contains("77"), "{shown}");
        assert!(!shown.contains("127"), "{shown}");
    }

    #[test]
    fn orientation_codes_fold_half_turns_and_reject_bad_shapes() {
        assert_eq!(OrientationField::code_of(0.0), 0);
        assert_eq!(OrientationField::code_of(PI / 2.0), 64);
        assert_eq!(
            OrientationField::code_of(PI),
            0,
            "a direction is undirected"
        );
        assert_eq!(OrientationField::code_of(-PI / 4.0), 96);
        assert_eq!(
            OrientationField::code_of(PI - 0.001),
            0,
            "rounds up to a half turn"
        );
        assert_eq!(OrientationField::angle_of(64), Some(PI / 2.0));
        assert_eq!(
            OrientationField::angle_of(OrientationField::BACKGROUND),
            None
        );
        assert!(OrientationField::new(16, 2, 2, vec![0, 1, 2]).is_err());
        assert!(OrientationField::new(0, 1, 1, vec![0]).is_err());
        assert_eq!(
            OrientationField::new(16, 1, 1, vec![128]),
            Err(OrientationFieldError::Code(128))
        );
        let f = OrientationField::new(16, 2, 1, vec![5, OrientationField::BACKGROUND]).unwrap();
        assert_eq!(f.foreground_cells(), 1);
    }
}
