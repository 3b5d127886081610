//! Step 5: ridge period per block (Hong, Wan & Jain's x-signature). Grey levels are averaged
//! along the ridge direction in a window centred on the block; along the normal the averages
//! oscillate with the ridges, and the mean distance between peaks is the period. Blocks without a
//! clean signature take the average of their neighbours.

use super::BLOCK;
use super::grid::BlockGrid;
use ndarray::Array2;

/// Length of the signature across the ridges and width of the window along them (pixels).
const SIGNATURE_LEN: i64 = 48;
const WINDOW_WIDTH: i64 = 16;
/// Ridge periods possible at 500 ppi (about 0.2–0.7 mm... in practice 5–15 px).
pub const MIN_PERIOD: f32 = 4.5;
pub const MAX_PERIOD: f32 = 15.0;
/// Used when nothing in the image gives a period (typical adult ridge period at 500 ppi).
pub const DEFAULT_PERIOD: f32 = 9.0;

pub fn ridge_period(
    normalized: &Array2<f32>,
    grid: &BlockGrid,
    mask: &Array2<bool>,
    orientation: &Array2<f32>,
) -> Array2<f32> {
    let raw = Array2::from_shape_fn((grid.bh, grid.bw), |(by, bx)| {
        if mask[[by, bx]] {
            block_period(normalized, by, bx, orientation[[by, bx]])
        } else {
            None
        }
    });
    let filled = fill_missing(&raw, mask);
    smooth(&filled, mask)
}

fn block_period(img: &Array2<f32>, by: usize, bx: usize, theta: f32) -> Option<f32> {
    let (h, w) = img.dim();
    let cy = (by * BLOCK + BLOCK / 2) as f32;
    let cx = (bx * BLOCK + BLOCK / 2) as f32;
    let (dx, dy) = (theta.cos(), theta.sin()); // along the ridge
    let (nx, ny) = (-dy, dx); // across the ridges
    let mut signature = [0.0f32; SIGNATURE_LEN as usize];
    for (k, slot) in signature.iter_mut().enumerate() {
        let t = k as f32 - SIGNATURE_LEN as f32 / 2.0;
        let (mut sum, mut n) = (0.0, 0);
        for j in -WINDOW_WIDTH / 2..WINDOW_WIDTH / 2 {
            let x = (cx + t * nx + j as f32 * dx).round();
            let y = (cy + t * ny + j as f32 * dy).round();
            if x >= 0.0 && y >= 0.0 && (x as usize) < w && (y as usize) < h {
                sum += img[[y as usize, x as usize]];
                n += 1;
            }
        }
        *slot = if n > 0 { sum / n as f32 } else { 0.0 };
    }
    signature_period(&signature)
}

/// Mean peak distance of a (lightly smoothed) signature, if it looks like ridges.
fn signature_period(signature: &[f32]) -> Option<f32> {
    let n = signature.len();
    let smoothed: Vec<f32> = (0..n)
        .map(|i| {
            let a = signature[i.saturating_sub(1)];
            let c = signature[(i + 1).min(n - 1)];
            0.25 * a + 0.5 * signature[i] + 0.25 * c
        })
        .collect();
    let mean = smoothed.iter().sum::<f32>() / n as f32;
    let peaks: Vec<usize> = (1..n - 1)
        .filter(|&i| {
            smoothed[i] > mean && smoothed[i] >= smoothed[i - 1] && smoothed[i] > smoothed[i + 1]
        })
        .collect();
    let (first, last) = (peaks.first()?, peaks.last()?);
    if peaks.len() < 2 {
        return None;
    }
    let period = (last - first) as f32 / (peaks.len() - 1) as f32;
    (MIN_PERIOD..=MAX_PERIOD)
        .contains(&period)
        .then_some(period)
}

/// Fills foreground blocks without a period from their valid neighbours, growing inwards from
/// the known ones; what stays unknown gets the image median.
fn fill_missing(raw: &Array2<Option<f32>>, mask: &Array2<bool>) -> Array2<f32> {
    let (h, w) = raw.dim();
    let mut known = raw.clone();
    for _ in 0..8 {
        let previous = known.clone();
        let mut changed = false;
        for y in 0..h {
            for x in 0..w {
                if previous[[y, x]].is_some() || !mask[[y, x]] {
                    continue;
                }
                let (mut s, mut n) = (0.0, 0);
                for ny in y.saturating_sub(1)..(y + 2).min(h) {
                    for nx in x.saturating_sub(1)..(x + 2).min(w) {
                        if let Some(p) = previous[[ny, nx]] {
                            s += p;
                            n += 1;
                        }
                    }
                }
                if n > 0 {
                    known[[y, x]] = Some(s / n as f32);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut valid: Vec<f32> = raw.iter().flatten().copied().collect();
    valid.sort_by(f32::total_cmp);
    let median = valid
        .get(valid.len() / 2)
        .copied()
        .unwrap_or(DEFAULT_PERIOD);
    known.mapv(|p| p.unwrap_or(median))
}

fn smooth(period: &Array2<f32>, mask: &Array2<bool>) -> Array2<f32> {
    let (h, w) = period.dim();
    Array2::from_shape_fn((h, w), |(y, x)| {
        if !mask[[y, x]] {
            return period[[y, x]];
        }
        let (mut s, mut n) = (0.0, 0.0);
        for ny in y.saturating_sub(1)..(y + 2).min(h) {
            for nx in x.saturating_sub(1)..(x + 2).min(w) {
                if mask[[ny, nx]] {
                    s += period[[ny, nx]];
                    n += 1.0;
                }
            }
        }
        s / n
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_of_a_sine_gives_its_period() {
        let sig: Vec<f32> = (0..48)
            .map(|i| (i as f32 * std::f32::consts::TAU / 8.0).cos())
            .collect();
        let p = signature_period(&sig).unwrap();
        assert!((p - 8.0).abs() < 0.5, "{p}");
    }

    #[test]
    fn flat_signature_has_no_period() {
        assert_eq!(signature_period(&[0.5; 48]), None);
    }
}
