//! Step 4: block orientation field. Squared gradients (Kass & Witkin; Bazen & Gerez) are summed
//! per block and smoothed over neighbouring blocks as doubled-angle vectors, so opposite gradient
//! directions on the two sides of a ridge reinforce instead of cancelling.

use super::grid::BlockGrid;
use ndarray::Array2;
use std::f32::consts::PI;

/// Radius (in blocks) of the Gaussian smoothing of the doubled-angle field.
const SMOOTH_RADIUS: usize = 2;

/// The orientation field and what later steps derive from it.
pub struct OrientationField {
    /// Ridge direction per block, `[0, π)`, image coordinates (y down).
    pub orientation: Array2<f32>,
    /// Coherence per block, 0–1.
    pub coherence: Array2<f32>,
    /// Smoothed doubled-angle vector per block (cos 2θ, sin 2θ of the ridge direction), unit
    /// length; interpolated for per-pixel orientation.
    pub doubled: Array2<(f32, f32)>,
}

impl OrientationField {
    /// Ridge orientation at pixel (y, x), bilinearly interpolated between block centres.
    pub fn at_pixel(&self, grid: &BlockGrid, y: usize, x: usize) -> f32 {
        let (fy, fx) = grid.block_pos(y, x);
        let (y0, x0) = (fy as usize, fx as usize);
        let (y1, x1) = ((y0 + 1).min(grid.bh - 1), (x0 + 1).min(grid.bw - 1));
        let (ty, tx) = (fy - y0 as f32, fx - x0 as f32);
        let mut c = 0.0;
        let mut s = 0.0;
        for (yy, xx, wgt) in [
            (y0, x0, (1.0 - ty) * (1.0 - tx)),
            (y0, x1, (1.0 - ty) * tx),
            (y1, x0, ty * (1.0 - tx)),
            (y1, x1, ty * tx),
        ] {
            let (vc, vs) = self.doubled[[yy, xx]];
            c += wgt * vc;
            s += wgt * vs;
        }
        half_angle(c, s)
    }
}

/// Ridge direction in `[0, π)` from a doubled-angle vector.
pub fn half_angle(c: f32, s: f32) -> f32 {
    (0.5 * s.atan2(c)).rem_euclid(PI)
}

pub fn block_orientation(
    normalized: &Array2<f32>,
    grid: &BlockGrid,
    mask: &Array2<bool>,
) -> OrientationField {
    let moments = block_gradient_moments(normalized, grid);
    let smoothed = smooth_moments(&moments, mask);
    let mut orientation = Array2::zeros((grid.bh, grid.bw));
    let mut coherence = Array2::zeros((grid.bh, grid.bw));
    let mut doubled = Array2::from_elem((grid.bh, grid.bw), (1.0f32, 0.0f32));
    for ((by, bx), &(gxx, gyy, gxy)) in smoothed.indexed_iter() {
        let (c, s) = (gxx - gyy, 2.0 * gxy);
        let strength = (c * c + s * s).sqrt();
        // The gradient's doubled angle points across the ridges; adding π to the doubled angle
        // (negating the vector) turns it into the ridge direction.
        let (rc, rs) = if strength > 0.0 {
            (-c / strength, -s / strength)
        } else {
            (1.0, 0.0)
        };
        doubled[[by, bx]] = (rc, rs);
        orientation[[by, bx]] = half_angle(rc, rs);
        coherence[[by, bx]] = if gxx + gyy > 0.0 {
            (strength / (gxx + gyy)).min(1.0)
        } else {
            0.0
        };
    }
    OrientationField {
        orientation,
        coherence,
        doubled,
    }
}

/// Per block: sums of gx², gy², gx·gy with Sobel-like central differences.
fn block_gradient_moments(img: &Array2<f32>, grid: &BlockGrid) -> Array2<(f32, f32, f32)> {
    let (h, w) = img.dim();
    let mut out = Array2::from_elem((grid.bh, grid.bw), (0.0f32, 0.0f32, 0.0f32));
    let Some(px) = img.as_slice() else {
        return out;
    };
    for y in 1..h - 1 {
        let (up, row, down) = (
            &px[(y - 1) * w..y * w],
            &px[y * w..(y + 1) * w],
            &px[(y + 1) * w..(y + 2) * w],
        );
        let by = y / super::BLOCK;
        for x in 1..w - 1 {
            let gx = (up[x + 1] + 2.0 * row[x + 1] + down[x + 1])
                - (up[x - 1] + 2.0 * row[x - 1] + down[x - 1]);
            let gy =
                (down[x - 1] + 2.0 * down[x] + down[x + 1]) - (up[x - 1] + 2.0 * up[x] + up[x + 1]);
            let cell = &mut out[[by, x / super::BLOCK]];
            cell.0 += gx * gx;
            cell.1 += gy * gy;
            cell.2 += gx * gy;
        }
    }
    out
}

/// Gaussian-weighted sum of the moments over a (2r+1)² block window, foreground blocks only
/// (background blocks still get a value, from their foreground neighbours if any).
fn smooth_moments(
    moments: &Array2<(f32, f32, f32)>,
    mask: &Array2<bool>,
) -> Array2<(f32, f32, f32)> {
    let (h, w) = moments.dim();
    let r = SMOOTH_RADIUS as i64;
    let sigma2 = 2.0 * (SMOOTH_RADIUS as f32 * 0.75).powi(2);
    Array2::from_shape_fn((h, w), |(y, x)| {
        let mut acc = (0.0, 0.0, 0.0);
        for dy in -r..=r {
            for dx in -r..=r {
                let (ny, nx) = (y as i64 + dy, x as i64 + dx);
                if ny < 0 || nx < 0 || ny >= h as i64 || nx >= w as i64 {
                    continue;
                }
                let (ny, nx) = (ny as usize, nx as usize);
                let centre = dy == 0 && dx == 0;
                if !mask[[ny, nx]] && !centre {
                    continue;
                }
                let wgt = (-((dy * dy + dx * dx) as f32) / sigma2).exp();
                let m = moments[[ny, nx]];
                acc.0 += wgt * m.0;
                acc.1 += wgt * m.1;
                acc.2 += wgt * m.2;
            }
        }
        acc
    })
}
