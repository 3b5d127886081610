//! Ridge-flow agreement: the second, non-minutia source of evidence after the global alignment.
//!
//! Minutiae alone barely separate a poorly extracted mate from an impostor whose alignment
//! happens to pair as many minutiae. The ridge flow is measured everywhere on the finger, not
//! only at minutiae: under the right alignment two impressions of one finger have ridges running
//! the same way almost everywhere in their overlap, while an impostor alignment that pairs some
//! minutiae usually does not (Qi, Yang & Wang 2005, "Fingerprint matching combining the global
//! orientation field with minutia", Pattern Recognition Letters 26; Tico & Kuosmanen 2003).
//!
//! **Agreement**: every foreground cell centre of A is moved by the alignment into B's frame; if
//! it lands on a foreground cell of B, the pair adds cos 2Δθ (1 parallel, 0 at 45°, −1
//! perpendicular), Δθ between A's direction turned by the alignment's rotation and B's. The same
//! is done from B into A with the inverse motion, and the mean is taken over both directions'
//! cells together, so the measure is symmetric. With directions stored as codes of π/128, the
//! rotation is an addition on the codes and cos 2Δθ a 128-entry table: no trigonometry per cell.
//!
//! **Factor**: `max(agreement, 0)^`[`SHARPNESS`] when at least [`MIN_CELLS`] cells overlap,
//! otherwise 1 (too little common flow to say anything, the minutiae score stands alone).

use super::align::Rigid;
use crate::template::OrientationField;
use std::f32::consts::PI;
use std::sync::LazyLock;

/// Overlapping cells (both directions together) below which the flow says nothing: 24 cells of
/// 16 px are about 6,000 px², a fifth of a small print.
pub const MIN_CELLS: u32 = 24;
/// Exponent of the agreement in the factor. Written down as 4 before any run (typical genuine
/// agreement near 0.9 against an impostor's near 0.7 would then differ by a factor of about 3);
/// measured on FVC2002 DB1_B/DB2_B, 4 and 2 both halve DB1_B's EER, but 4 also pushes DB2_B's
/// weakest mates (a poor impression whose flow agrees only about 0.7 with its mates) under one
/// more impostor, so 2 was kept. Every variant tried is in BENCHMARKS.md.
pub const SHARPNESS: i32 = 2;

const LEVELS: usize = OrientationField::LEVELS as usize;
/// `LEVELS` is a power of two: code differences wrap with a mask.
const WRAP: u8 = OrientationField::LEVELS - 1;

/// cos 2Δθ for a code difference of `d` (Δθ = d·π/128).
static COS_2D: LazyLock<[f32; LEVELS]> =
    LazyLock::new(|| std::array::from_fn(|d| (2.0 * PI * d as f32 / LEVELS as f32).cos()));

/// The sum of cos 2Δθ over the overlapping cells and their number.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Agreement {
    pub sum: f32,
    pub cells: u32,
}

impl Agreement {
    /// Mean cos 2Δθ over the overlap, `None` when nothing overlaps.
    pub fn mean(&self) -> Option<f32> {
        (self.cells > 0).then(|| self.sum / self.cells as f32)
    }

    /// The score factor (see the module docs).
    pub fn factor(&self) -> f32 {
        match self.mean() {
            Some(mean) if self.cells >= MIN_CELLS => mean.max(0.0).powi(SHARPNESS),
            _ => 1.0,
        }
    }
}

/// The agreement of the two fields when `a_to_b` moves A's (y-up) frame onto B's.
pub fn agreement(a: &OrientationField, b: &OrientationField, a_to_b: &Rigid) -> Agreement {
    let rotation = OrientationField::code_of(a_to_b.theta());
    let there = one_way(a, b, rotation, |p| a_to_b.apply_xy(p));
    // Rotating B back onto A: minus the rotation, modulo the half turn.
    let back = one_way(b, a, rotation.wrapping_neg() & WRAP, |p| a_to_b.invert(p));
    Agreement {
        sum: there.sum + back.sum,
        cells: there.cells + back.cells,
    }
}

/// Cells of `from` moved by `motion` into `onto`, their codes turned by `rotation`. The motion
/// is affine, so the moved centres of a row are walked by a constant step (no per-cell
/// transform or division), and only the start of each row is moved explicitly.
fn one_way(
    from: &OrientationField,
    onto: &OrientationField,
    rotation: u8,
    motion: impl Fn((f32, f32)) -> (f32, f32),
) -> Agreement {
    let table = &*COS_2D;
    let (from_cell, scale) = (f32::from(from.cell()), 1.0 / f32::from(onto.cell()));
    let (onto_cols, onto_rows) = (usize::from(onto.cols()), usize::from(onto.rows()));
    let onto_codes = onto.codes();
    let cols = usize::from(from.cols());
    // Moved cell centres in `onto`'s cell units (column, row): y-up becomes y-down here.
    let to_cells = |p: (f32, f32)| {
        let (x, y) = motion(p);
        (x * scale, -y * scale)
    };
    let origin = to_cells((0.5 * from_cell, -0.5 * from_cell));
    let right = to_cells((1.5 * from_cell, -0.5 * from_cell));
    let down = to_cells((0.5 * from_cell, -1.5 * from_cell));
    let step_col = (right.0 - origin.0, right.1 - origin.1);
    let step_row = (down.0 - origin.0, down.1 - origin.1);
    let mut acc = Agreement::default();
    if cols == 0 {
        return acc;
    }
    for (row, codes) in from.codes().chunks_exact(cols).enumerate() {
        let r = row as f32;
        let (mut fc, mut fr) = (origin.0 + r * step_row.0, origin.1 + r * step_row.1);
        for &code in codes {
            let (c, rr) = (fc, fr);
            fc += step_col.0;
            fr += step_col.1;
            if code >= OrientationField::LEVELS || c < 0.0 || rr < 0.0 {
                continue;
            }
            let (oc, or) = (c as usize, rr as usize);
            if oc >= onto_cols || or >= onto_rows {
                continue;
            }
            let other = onto_codes[or * onto_cols + oc];
            if other >= OrientationField::LEVELS {
                continue;
            }
            let d = code.wrapping_add(rotation).wrapping_sub(other) & WRAP;
            acc.sum += table[usize::from(d)];
            acc.cells += 1;
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    const BG: u8 = OrientationField::BACKGROUND;

    /// A whorl-like flow over a `cols × rows` grid of 16 px cells: ridges run around
    /// (`cx`, `cy`) px (y down), background outside a disc of radius `r` px.
    fn whorl(cols: u16, rows: u16, cx: f32, cy: f32, r: f32, turn: f32) -> OrientationField {
        let codes = (0..rows)
            .flat_map(|row| (0..cols).map(move |col| (row, col)))
            .map(|(row, col)| {
                let (x, y) = (
                    (f32::from(col) + 0.5) * 16.0 - cx,
                    (f32::from(row) + 0.5) * 16.0 - cy,
                );
                if x.hypot(y) > r {
                    BG
                } else {
                    // y-up angle of the radius, plus 90°: ridges circle the core.
                    OrientationField::code_of((-y).atan2(x) + PI / 2.0 + turn)
                }
            })
            .collect();
        OrientationField::new(16, cols, rows, codes).unwrap()
    }

    #[test]
    fn the_same_field_under_the_identity_agrees_fully() {
        let f = whorl(20, 24, 150.0, 190.0, 140.0, 0.0);
        let a = agreement(&f, &f, &Rigid::new(0.0, 0.0, 0.0));
        assert!(a.cells > 400, "{a:?}");
        assert!((a.mean().unwrap() - 1.0).abs() < 1e-5, "{a:?}");
        assert!((a.factor() - 1.0).abs() < 1e-4);
    }

    #[test]
    fn a_field_rotated_and_shifted_by_the_alignment_agrees_almost_fully() {
        // B is A turned by 30° about the origin and shifted: the whorl centre moves with it, so
        // B's flow is A's flow turned by 30°.
        let theta = PI / 6.0;
        let t = Rigid::new(theta, 120.0, -40.0);
        let (cx, cy) = t.apply_xy((150.0, -190.0));
        let a = whorl(20, 24, 150.0, 190.0, 140.0, 0.0);
        let b = whorl(30, 30, cx, -cy, 140.0, 0.0);
        let right = agreement(&a, &b, &t);
        assert!(right.cells > 300, "{right:?}");
        assert!(right.mean().unwrap() > 0.9, "{right:?}");
        // Without the rotation the cells no longer land where they should and the directions
        // are off by 30°: cos 60° = 0.5 at best.
        let wrong = agreement(&a, &b, &Rigid::new(0.0, 120.0, -40.0));
        assert!(wrong.mean().unwrap() < 0.6, "{wrong:?} vs right {right:?}");
    }

    #[test]
    fn perpendicular_flow_disagrees_and_zeroes_the_factor() {
        let a = whorl(20, 24, 150.0, 190.0, 140.0, 0.0);
        let b = whorl(20, 24, 150.0, 190.0, 140.0, PI / 2.0);
        let r = agreement(&a, &b, &Rigid::new(0.0, 0.0, 0.0));
        assert!((r.mean().unwrap() + 1.0).abs() < 1e-4, "{r:?}");
        assert_eq!(r.factor(), 0.0);
        // 45° apart: cos 90° = 0.
        let c = whorl(20, 24, 150.0, 190.0, 140.0, PI / 4.0);
        let r = agreement(&a, &c, &Rigid::new(0.0, 0.0, 0.0));
        assert!(r.mean().unwrap().abs() < 1e-4, "{r:?}");
    }

    #[test]
    fn too_little_overlap_gives_the_neutral_factor() {
        let a = whorl(20, 24, 150.0, 190.0, 140.0, 0.0);
        let b = whorl(20, 24, 150.0, 190.0, 140.0, PI / 2.0);
        // Shifted so that only a sliver of the two discs overlaps.
        let t = Rigid::new(0.0, 262.0, 0.0);
        let r = agreement(&a, &b, &t);
        assert!(r.cells > 0 && r.cells < MIN_CELLS, "{r:?}");
        assert!(r.mean().unwrap() < 0.0, "the few cells do disagree: {r:?}");
        assert_eq!(r.factor(), 1.0);
        // No overlap at all.
        let r = agreement(&a, &b, &Rigid::new(0.0, 1000.0, 0.0));
        assert_eq!(r.cells, 0);
        assert_eq!(r.factor(), 1.0);
    }

    #[test]
    fn swapping_the_fields_with_the_inverse_motion_gives_the_same_agreement() {
        let a = whorl(20, 24, 150.0, 190.0, 140.0, 0.0);
        let b = whorl(22, 22, 170.0, 160.0, 150.0, 0.3);
        let t = Rigid::new(0.2, 15.0, -10.0);
        let (ix, iy) = t.invert((0.0, 0.0));
        let inverse = Rigid::new(-0.2, ix, iy);
        let ab = agreement(&a, &b, &t);
        let ba = agreement(&b, &a, &inverse);
        assert_eq!(ab.cells, ba.cells);
        assert!((ab.sum - ba.sum).abs() < 1e-3, "{ab:?} vs {ba:?}");
    }
}
