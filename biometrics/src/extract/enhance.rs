//! Step 6: contextual enhancement with oriented Gabor filters (Hong, Wan & Jain 1998). Each
//! foreground pixel is filtered with the kernel tuned to its local ridge orientation and period;
//! ridges come out as positive, valleys as negative, and breaks, pores and noise smooth over.
//! The kernels are precomputed once for a grid of orientations × periods.

use super::BLOCK;
use super::frequency::{MAX_PERIOD, MIN_PERIOD};
use super::grid::BlockGrid;
use super::orientation::OrientationField;
use ndarray::Array2;
use std::f32::consts::{PI, TAU};
use std::sync::OnceLock;

/// Kernel radius: 13×13 taps, a bit more than one ridge period at 500 ppi.
const RADIUS: usize = 6;
const SIDE: usize = 2 * RADIUS + 1;
/// Kernel rows are stored 16 wide (zero padded) so the dot product vectorizes cleanly.
const ROW: usize = 16;
const ORIENTATIONS: usize = 16;
const PERIOD_STEP: f32 = 1.0;
const PERIODS: usize = ((MAX_PERIOD - MIN_PERIOD) / PERIOD_STEP) as usize + 1;
/// Envelope along the ridges (pixels); across, it scales with the period.
const SIGMA_ALONG: f32 = 4.5;
const SIGMA_ACROSS_PER_PERIOD: f32 = 0.45;

struct Bank {
    kernels: Vec<[f32; SIDE * ROW]>,
}

fn bank() -> &'static Bank {
    static BANK: OnceLock<Bank> = OnceLock::new();
    BANK.get_or_init(|| {
        let mut kernels = Vec::with_capacity(ORIENTATIONS * PERIODS);
        for o in 0..ORIENTATIONS {
            let theta = o as f32 * PI / ORIENTATIONS as f32;
            for p in 0..PERIODS {
                kernels.push(kernel(theta, MIN_PERIOD + p as f32 * PERIOD_STEP));
            }
        }
        Bank { kernels }
    })
}

/// One Gabor kernel for ridge direction `theta` and ridge `period`, zero-mean so flat areas give
/// zero, scaled so a perfect ridge pattern of amplitude 1 answers about 1.
fn kernel(theta: f32, period: f32) -> [f32; SIDE * ROW] {
    let (dx, dy) = (theta.cos(), theta.sin());
    let sigma_across = SIGMA_ACROSS_PER_PERIOD * period;
    let mut k = [0.0f32; SIDE * ROW];
    let mut values = Vec::with_capacity(SIDE * SIDE);
    for v in 0..SIDE {
        for u in 0..SIDE {
            let (x, y) = (u as f32 - RADIUS as f32, v as f32 - RADIUS as f32);
            let along = x * dx + y * dy;
            let across = -x * dy + y * dx;
            let envelope = (-0.5
                * (along * along / (SIGMA_ALONG * SIGMA_ALONG)
                    + across * across / (sigma_across * sigma_across)))
                .exp();
            values.push(envelope * (TAU * across / period).cos());
        }
    }
    let mean = values.iter().sum::<f32>() / values.len() as f32;
    let positive: f32 = values.iter().map(|v| (v - mean).max(0.0)).sum();
    let scale = if positive > 0.0 { 1.0 / positive } else { 0.0 };
    for v in 0..SIDE {
        for u in 0..SIDE {
            k[v * ROW + u] = (values[v * SIDE + u] - mean) * scale;
        }
    }
    k
}

fn kernel_index(theta: f32, period: f32) -> usize {
    let o = ((theta / PI * ORIENTATIONS as f32).round() as usize) % ORIENTATIONS;
    let p = (((period - MIN_PERIOD) / PERIOD_STEP).round().max(0.0) as usize).min(PERIODS - 1);
    o * PERIODS + p
}

pub fn gabor(
    normalized: &Array2<f32>,
    grid: &BlockGrid,
    mask: &Array2<bool>,
    field: &OrientationField,
    period: &Array2<f32>,
) -> Array2<f32> {
    let bank = bank();
    let (h, w) = (grid.height, grid.width);
    let padded = pad(normalized, RADIUS, ROW - SIDE);
    let pw = w + 2 * RADIUS + ROW - SIDE;
    let mut out = Array2::<f32>::zeros((h, w));
    for by in 0..grid.bh {
        for bx in 0..grid.bw {
            if !mask[[by, bx]] {
                continue;
            }
            let p = period[[by, bx]];
            let (ys, xs) = grid.pixels(by, bx);
            for y in ys {
                for x in xs.clone() {
                    let theta = field.at_pixel(grid, y, x);
                    let k = &bank.kernels[kernel_index(theta, p)];
                    let mut acc = 0.0f32;
                    for (kr, row) in k.chunks_exact(ROW).zip(0..SIDE) {
                        let start = (y + row) * pw + x;
                        let img = &padded[start..start + ROW];
                        acc += dot16(kr, img);
                    }
                    out[[y, x]] = acc;
                }
            }
        }
    }
    let _ = BLOCK;
    out
}

#[inline(always)]
fn dot16(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    for (i, lane) in lanes.iter_mut().enumerate() {
        *lane = a[i] * b[i] + a[i + 8] * b[i + 8];
    }
    lanes.iter().sum()
}

/// Copies the image into a zero border (`left`/`top` = `bottom` = r, right = r + extra).
fn pad(img: &Array2<f32>, r: usize, extra: usize) -> Vec<f32> {
    let (h, w) = img.dim();
    let pw = w + 2 * r + extra;
    let mut out = vec![0.0f32; (h + 2 * r) * pw];
    for (y, row) in img.rows().into_iter().enumerate() {
        let start = (y + r) * pw + r;
        for (dst, src) in out[start..start + w].iter_mut().zip(row.iter()) {
            *dst = *src;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_are_zero_mean() {
        for k in &bank().kernels {
            let s: f32 = k.iter().sum();
            assert!(s.abs() < 1e-4, "{s}");
        }
    }

    #[test]
    fn matched_kernel_answers_ridges_more_than_crossed_one() {
        // Horizontal ridges (direction 0) with period 9: rows vary, columns don't.
        let period = 9.0;
        let img: Vec<f32> = (0..SIDE * ROW)
            .map(|i| (((i / ROW) as f32 - RADIUS as f32) * TAU / period).cos())
            .collect();
        let along = kernel(0.0, period);
        let across = kernel(PI / 2.0, period);
        let resp = |k: &[f32]| -> f32 { k.iter().zip(&img).map(|(a, b)| a * b).sum() };
        assert!(resp(&along) > 0.5, "{}", resp(&along));
        assert!(resp(&across).abs() < 0.2 * resp(&along));
    }
}
