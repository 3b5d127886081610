//! Minutiae extraction: a fingerprint image in, a [`Template`] out.
//!
//! The pipeline follows the classic structure (Hong, Wan & Jain 1998; NIST mindtct; SourceAFIS'
//! `FeatureExtractor`), each step a small module whose result is kept in an [`ExtractTrace`] so
//! tests and the `extract_debug` example can look at it:
//!
//! resample to 500 ppi → normalize → segment (ridge-band energy, hysteresis) → block
//! orientation (gradients, smoothed, coherence) → ridge frequency (oriented x-signatures) →
//! contextual enhancement (oriented Gabor filters, precomputed; where orientation and period
//! re-measured on the first pass's output disagree with the first measurement, as on dry,
//! dotted prints, a second pass with the re-measured fields, longer kernels where the image is
//! dotted, and the re-measured period for the later steps) → ridge restoration of a print so
//! refiltered whose contact is dry (module `contact`: skewness of the grey levels), by an
//! ensemble of three small networks trained on synthetic prints only (module `restore`,
//! [`Restoration`]); every step from segmentation on then runs again on the restored image →
//! binarize → thin → detect minutiae (crossing number) with direction → remove false minutiae
//! (border, short ridges, spurs, bridges, pores, broken ridges, clusters) → per-minutia
//! reliability (coherence, ridge clarity, strength, shape, crowding by other skeleton
//! candidates) as quality. The template also carries the block orientation field, quantised,
//! as its coarse ridge flow ([`ridge_flow`]; the matcher compares it under the minutiae
//! alignment).
//!
//! Working resolution is fixed at 500 ppi, so every length below is in 500 ppi pixels.

mod binarize;
mod contact;
mod enhance;
mod filter;
mod frequency;
mod grid;
mod minutiae;
mod normalize;
mod orientation;
mod reliability;
mod resample;
mod restore;
mod segment;
mod thin;

/// The skewness that tells a dry contact from a wet one, for studies of the restoration's gate.
pub use contact::skewness as contact_skewness;
pub use grid::BlockGrid;
/// The local measures behind each minutia's quality, for studies of them (`examples/minutia_study`).
pub use reliability::{WindowStats, coherence_around, mean_along, window_stats};

use crate::image::{FingerImage, STANDARD_PPI};
use crate::template::{FingerPosition, Minutia, OrientationField, OrientationFieldError, Template};
use ndarray::Array2;
use thiserror::Error;

/// Side of the square blocks of every block field (orientation, frequency, mask), in pixels.
pub const BLOCK: usize = 16;

/// Why an image could not become a template.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ExtractError {
    /// Smaller than a few blocks after resampling: there is no finger to read.
    #[error(
        "gambar terlalu kecil ({width}×{height} px pada 500 ppi) / image too small ({width}×{height} px at 500 ppi)"
    )]
    TooSmall { width: u32, height: u32 },
    /// Larger than a template can describe (ISO/IEC 19794-2 coordinates are 14-bit).
    #[error("gambar terlalu besar ({width}×{height} px) / image too large ({width}×{height} px)")]
    TooLarge { width: u32, height: u32 },
    /// The resampler refused the image (should not happen for a valid `FingerImage`).
    #[error("gagal mengubah resolusi / resampling failed: {0}")]
    Resample(String),
    /// No foreground found: blank, uniform or extremely low-contrast image.
    #[error("tidak ada sidik jari pada gambar / no fingerprint found in the image")]
    NoFinger,
}

/// Everything the pipeline computed, step by step. Pixels and minutiae are biometric data, so
/// `Debug` shows only shapes and counts.
pub struct ExtractTrace {
    /// The input at 500 ppi.
    pub image: FingerImage,
    /// Zero-mean, unit-variance grey levels with ridges positive (dark ridges → high values).
    pub normalized: Array2<f32>,
    /// Foreground blocks.
    pub mask: Array2<bool>,
    /// Ridge orientation per block, radians in `[0, π)`, image coordinates (y down).
    pub orientation: Array2<f32>,
    /// Orientation coherence per block, 0 (isotropic) to 1 (perfectly parallel ridges).
    pub coherence: Array2<f32>,
    /// Ridge period per block, pixels.
    pub period: Array2<f32>,
    /// Gabor filter response (0 outside the foreground).
    pub enhanced: Array2<f32>,
    /// Ridge pixels after binarization.
    pub binary: Array2<bool>,
    /// One-pixel-wide ridge skeleton.
    pub skeleton: Array2<bool>,
    /// Minutiae found by the crossing number, before false-minutiae removal.
    pub candidates: Vec<Minutia>,
    /// The final template.
    pub template: Template,
    /// Whether the second Gabor pass refiltered the print as it came (its fields disagreed: dry,
    /// dotted or smudged ridges).
    pub refiltered: bool,
    /// Whether the print was read again after ridge restoration ([`Restoration`]).
    pub restored: bool,
}

impl std::fmt::Debug for ExtractTrace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtractTrace")
            .field("image", &self.image)
            .field("blocks", &self.mask.dim())
            .field("candidates", &self.candidates.len())
            .field("template", &self.template)
            .field("refiltered", &self.refiltered)
            .field("restored", &self.restored)
            .finish_non_exhaustive()
    }
}

/// Extracts the minutiae of one impression. Input of any supported resolution is resampled to
/// 500 ppi; the template's coordinates are at 500 ppi.
pub fn extract(image: &FingerImage, position: FingerPosition) -> Result<Template, ExtractError> {
    extract_with(image, position, Restoration::default())
}

/// [`extract`] with the ridge-restoration step chosen.
pub fn extract_with(
    image: &FingerImage,
    position: FingerPosition,
    restoration: Restoration,
) -> Result<Template, ExtractError> {
    extract_traced_with(image, position, restoration).map(|trace| trace.template)
}

/// [`extract`], keeping every intermediate result.
pub fn extract_traced(
    image: &FingerImage,
    position: FingerPosition,
) -> Result<ExtractTrace, ExtractError> {
    extract_traced_with(image, position, Restoration::default())
}

/// Whether the extractor restores the ridges of a print the second Gabor pass refilters.
///
/// By default ([`Restoration::DryRefiltered`]) a refiltered print is restored when its contact
/// is dry (module `contact`): on FVC2002 that lifts the dry, dotted print of DB2_B (EER 0.70 →
/// 0.35 %) and leaves the wet prints of DB1_B as they were (EER 0.35 %), where restoring every
/// refiltered print cost one of them (EER 0.35 → 0.70 %; BENCHMARKS.md, rounds 16 and 17).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Restoration {
    /// Never restore: the reading before round 17.
    Off,
    /// Restore a refiltered print if its contact is dry, and read it again from the restored
    /// image ([`extract`]).
    #[default]
    DryRefiltered,
    /// Restore every refiltered print, wet ones too (round 16's study).
    Refiltered,
    /// Restore every print, refiltered or not: for studies of the network apart from the
    /// second pass's trigger (`fixtures` example `restoration_accuracy`).
    Always,
}

/// [`extract_traced`] with the restoration step chosen.
pub fn extract_traced_with(
    image: &FingerImage,
    position: FingerPosition,
    restoration: Restoration,
) -> Result<ExtractTrace, ExtractError> {
    let image = resample::to_standard_ppi(image)?;
    let grid = check_size(&image)?;
    let normalized = normalize::zero_mean_unit_variance(&image);
    let first = trace_from(image, grid, normalized, position)?;
    let wanted = match restoration {
        Restoration::Off => false,
        Restoration::Refiltered => first.refiltered,
        Restoration::DryRefiltered => {
            first.refiltered && contact::is_dry(&first.normalized, &first.mask)
        }
        Restoration::Always => true,
    };
    if !wanted {
        return Ok(first);
    }
    // The second pass found the print dry and dotted (or a study asks): restore its ridges and
    // read it again. If the restored image has no finger left, the first reading
    // stands.
    let Some(restored) = restore::restore(&first.normalized) else {
        return Ok(first);
    };
    match trace_from(first.image.clone(), grid, restored, position) {
        Ok(trace) => Ok(ExtractTrace {
            refiltered: first.refiltered,
            restored: true,
            ..trace
        }),
        Err(_) => Ok(first),
    }
}

/// Steps 3–11 on a normalized image.
fn trace_from(
    image: FingerImage,
    grid: BlockGrid,
    normalized: Array2<f32>,
    position: FingerPosition,
) -> Result<ExtractTrace, ExtractError> {
    let mask = segment::foreground(&normalized, &grid);
    if !mask.iter().any(|&m| m) {
        return Err(ExtractError::NoFinger);
    }
    let field = orientation::block_orientation(&normalized, &grid, &mask);
    let period = frequency::ridge_period(&normalized, &grid, &mask, &field.orientation);
    let enhance::Enhanced {
        image: enhanced,
        remeasured_period,
    } = enhance::gabor_two_pass(&normalized, &grid, &mask, &field, &period);
    // On prints refiltered with a re-measured period, that period is the better one for the
    // steps that scale with it.
    let refiltered = remeasured_period.is_some();
    let period = remeasured_period.unwrap_or(period);
    let binary = binarize::ridges(&enhanced, &grid, &mask);
    let skeleton = thin::zhang_suen(&binary);
    let inner = segment::inner_distance(&mask);
    let candidates = minutiae::detect(&skeleton, &grid, &inner, &field);
    let kept = filter::remove_false(&skeleton, &candidates, &period, &grid);
    let minutiae = reliability::rate(
        kept,
        &reliability::Evidence {
            grid: &grid,
            coherence: &field.coherence,
            period: &period,
            normalized: &normalized,
            enhanced: &enhanced,
            candidates: &candidates,
        },
    );
    let template = Template {
        width: grid.width as u16,
        height: grid.height as u16,
        ppi: STANDARD_PPI,
        position,
        quality: impression_quality(&mask, &field.coherence),
        minutiae,
        // Always consistent (one code per block); a field that were not would be left out.
        orientation: ridge_flow(
            &mask,
            &field.orientation,
            &field.coherence,
            FLOW_MIN_COHERENCE,
        )
        .ok(),
    };
    Ok(ExtractTrace {
        image,
        normalized,
        mask,
        orientation: field.orientation,
        coherence: field.coherence,
        period,
        enhanced,
        binary,
        skeleton,
        candidates: candidates.into_iter().map(|c| c.minutia).collect(),
        template,
        refiltered,
        restored: false,
    })
}

/// Blocks whose orientation coherence is below this keep no direction in the template's ridge
/// flow. 0: every foreground block keeps one (the orientation field is already smoothed over
/// neighbouring blocks, and the matcher averages hundreds of cells).
pub const FLOW_MIN_COHERENCE: f32 = 0.0;

/// The template's coarse ridge flow: one code per block (16 px at 500 ppi), the block's ridge
/// orientation turned into the minutiae's y-up convention, background outside the foreground
/// `mask` or below `min_coherence`. Public so that studies can try other gates on a trace.
pub fn ridge_flow(
    mask: &Array2<bool>,
    orientation: &Array2<f32>,
    coherence: &Array2<f32>,
    min_coherence: f32,
) -> Result<OrientationField, OrientationFieldError> {
    let (rows, cols) = mask.dim();
    let codes = ndarray::Zip::from(mask)
        .and(orientation)
        .and(coherence)
        .map_collect(|&fg, &theta, &c| {
            if fg && c >= min_coherence {
                // Image orientation is measured with y down; the minutiae's frame has y up.
                OrientationField::code_of(-theta)
            } else {
                OrientationField::BACKGROUND
            }
        });
    // Row-major by construction (standard layout), one code per block; block counts fit u16
    // because the image side is below 2^14 px (checked in `check_size`).
    let codes: Vec<u8> = codes.iter().copied().collect();
    OrientationField::new(BLOCK as u16, cols as u16, rows as u16, codes)
}

/// A fast impression quality for the template header: mean foreground coherence, scaled by how
/// much of a typical flat print (about 60 blocks of 16 px) the foreground covers.
fn impression_quality(mask: &Array2<bool>, coherence: &Array2<f32>) -> u8 {
    let (sum, n) = mask
        .iter()
        .zip(coherence.iter())
        .filter(|(m, _)| **m)
        .fold((0.0f32, 0usize), |(s, n), (_, c)| (s + c, n + 1));
    if n == 0 {
        return 0;
    }
    let area = (n as f32 / 60.0).min(1.0);
    (100.0 * (sum / n as f32) * area).round().clamp(0.0, 100.0) as u8
}

fn check_size(image: &FingerImage) -> Result<BlockGrid, ExtractError> {
    let (width, height) = (image.width(), image.height());
    if width < 4 * BLOCK as u32 || height < 4 * BLOCK as u32 {
        return Err(ExtractError::TooSmall { width, height });
    }
    if width >= 1 << 14 || height >= 1 << 14 {
        return Err(ExtractError::TooLarge { width, height });
    }
    Ok(BlockGrid::new(width as usize, height as usize))
}
