//! NFIQ 2's native block measures (ISO/IEC 29794-4:2017 Annex A, NIST NFIQ 2 v2.x), computed
//! the way NIST's reference code computes them so that our values can be compared with NIST's
//! feature output, including the reference code's quirks (kept on purpose, each noted):
//!
//! 1. the white frame around the print is cropped first (rows/columns whose mean grey exceeds
//!    250, keeping one such line on each side); every measure runs on the cropped image;
//! 2. `Mu` is the mean grey, `MMB` the mean of 32×32 block means (partial edge blocks count);
//! 3. OCL on every full 32×32 block from the image origin, with no foreground mask;
//! 4. LCS, FDA and RVU on 32×32 blocks starting 2 px in (the 36×36 window around a block must
//!    hold the rotated 32×16 sample), counted only where the whole block lies in the
//!    "ridge segment" mask: block standard deviation of the globally normalised image > 0.1;
//! 5. OF on the same 32×32 grid (NFIQ 2.0 used 16×16), from the absolute difference of each block's
//!    angle to its 8 neighbours (no wrap-around at ±90°, zero outside the map), only blocks whose
//!    3×3 neighbourhood is foreground and whose difference exceeds 4°, scaled over (4°, 90°].
//!
//! Each block is rotated by its gradient angle `atan2(c, a − b) / 2` (NIST uses `c`, not `2c`)
//! with nearest-neighbour sampling as OpenCV's `warpAffine` does, and a 32×16 window (32
//! across the ridges) is cut out of the middle. The ridge/valley split of its profile is a
//! least-squares line, as in NIST's `getRidgeValleyStructure`.

use super::Stat;
use crate::image::FingerImage;
use std::f64::consts::PI;

/// A grey image in NFIQ 2's working form (8-bit, row-major, 500 ppi).
struct Gray {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl Gray {
    fn at(&self, y: usize, x: usize) -> u8 {
        self.px[y * self.w + x]
    }

    /// A `size`×`size` window with its top-left corner at (`y`, `x`), as f64.
    fn window(&self, y: usize, x: usize, size: usize) -> Vec<f64> {
        (0..size * size)
            .map(|i| f64::from(self.at(y + i / size, x + i % size)))
            .collect()
    }
}

/// NFIQ 2 measures of one 500 ppi impression.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Nfiq2Measures {
    /// Size of the image after the white frame was cropped.
    pub cropped: (usize, usize),
    pub mu: f32,
    pub mmb: f32,
    pub ocl: Stat,
    pub lcs: Stat,
    pub fda: Stat,
    pub rvu: Stat,
    pub of: Stat,
}

/// The measures of a grey image, taken as 500 ppi (resample other resolutions first, as
/// NIST's code refuses them).
pub fn measures(image: &FingerImage) -> Nfiq2Measures {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let img = crop_white_frame(width, height, image.pixels());
    let (mu, mmb) = contrast(&img);
    Nfiq2Measures {
        cropped: (img.w, img.h),
        mu,
        mmb,
        ocl: stat(&ocl_blocks(&img)),
        lcs: stat(&slanted_measure(&img, lcs_block)),
        fda: stat(&slanted_measure(&img, fda_block)),
        rvu: stat(&slanted_measure(&img, rvu_block)),
        of: stat(&orientation_flow(&img)),
    }
}

/// Mean and population standard deviation (NIST's `meanStdDev`); zeros when empty.
fn stat(values: &[f64]) -> Stat {
    if values.is_empty() {
        return Stat::default();
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    Stat {
        mean: mean as f32,
        std: var.sqrt() as f32,
    }
}

/// NIST's `removeWhiteFrameAroundFingerprint`: drops near-white outer rows and columns.
fn crop_white_frame(w: usize, h: usize, px: &[u8]) -> Gray {
    const WHITE: f64 = 250.0;
    let row_mu = |y: usize| {
        px[y * w..(y + 1) * w]
            .iter()
            .map(|&p| f64::from(p))
            .sum::<f64>()
            / w as f64
    };
    let col_mu = |x: usize| (0..h).map(|y| f64::from(px[y * w + x])).sum::<f64>() / h as f64;
    // First line from each side that is not white, then one line back towards the edge.
    let first = |n: usize, mu: &dyn Fn(usize) -> f64| (0..n).find(|&i| mu(i) <= WHITE);
    let last = |n: usize, mu: &dyn Fn(usize) -> f64| (0..n).rev().find(|&i| mu(i) <= WHITE);
    let (top, bottom) = match (first(h, &row_mu), last(h, &row_mu)) {
        (Some(t), Some(b)) => (t.saturating_sub(1), (b + 1).min(h - 1)),
        _ => (0, h - 1),
    };
    let (left, right) = match (first(w, &col_mu), last(w, &col_mu)) {
        (Some(l), Some(r)) => (l.saturating_sub(1), (r + 1).min(w - 1)),
        _ => (0, w - 1),
    };
    let (cw, ch) = (right - left + 1, bottom - top + 1);
    let out = (top..=bottom)
        .flat_map(|y| px[y * w + left..y * w + left + cw].iter().copied())
        .collect();
    Gray {
        w: cw,
        h: ch,
        px: out,
    }
}

/// `Mu` (mean grey) and `MMB` (mean of 32×32 block means, partial edge blocks included).
fn contrast(img: &Gray) -> (f32, f32) {
    let mu = img.px.iter().map(|&p| f64::from(p)).sum::<f64>() / img.px.len().max(1) as f64;
    let mut means = Vec::new();
    for y0 in (0..img.h).step_by(32) {
        for x0 in (0..img.w).step_by(32) {
            let (y1, x1) = ((y0 + 32).min(img.h), (x0 + 32).min(img.w));
            let sum: f64 = (y0..y1)
                .flat_map(|y| (x0..x1).map(move |x| (y, x)))
                .map(|(y, x)| f64::from(img.at(y, x)))
                .sum();
            means.push(sum / ((y1 - y0) * (x1 - x0)) as f64);
        }
    }
    let mmb = means.iter().sum::<f64>() / means.len().max(1) as f64;
    (mu as f32, mmb as f32)
}

/// Mean squared gradients `(a, b, c)` = (⟨gx²⟩, ⟨gy²⟩, ⟨gx·gy⟩) of a square block, with
/// central differences inside and one-sided ones on the edges (MATLAB's `gradient`).
fn covariance(block: &[f64], n: usize) -> (f64, f64, f64) {
    let grad = |i: usize, step: usize, pos: usize| -> f64 {
        if pos == 0 {
            block[i + step] - block[i]
        } else if pos == n - 1 {
            block[i] - block[i - step]
        } else {
            (block[i + step] - block[i - step]) / 2.0
        }
    };
    let (mut a, mut b, mut c) = (0.0, 0.0, 0.0);
    for y in 0..n {
        for x in 0..n {
            let i = y * n + x;
            let (gx, gy) = (grad(i, 1, x), grad(i, n, y));
            a += gx * gx;
            b += gy * gy;
            c += gx * gy;
        }
    }
    let count = (n * n) as f64;
    (a / count, b / count, c / count)
}

/// OCL: 1 − λmin/λmax of every full 32×32 block whose gradients are not all zero.
fn ocl_blocks(img: &Gray) -> Vec<f64> {
    let mut out = Vec::new();
    for y in (0..img.h.saturating_sub(31)).step_by(32) {
        for x in (0..img.w.saturating_sub(31)).step_by(32) {
            let (a, b, c) = covariance(&img.window(y, x, 32), 32);
            let root = ((a - b).powi(2) + 4.0 * c * c).sqrt();
            let max = (a + b + root) / 2.0;
            if max > 0.0 {
                out.push(1.0 - (a + b - root) / 2.0 / max);
            }
        }
    }
    out
}

/// NIST's `ridgeorient`: the angle of the normal to the ridges (gradient direction).
fn ridge_normal(block: &[f64], n: usize) -> f64 {
    let (a, b, c) = covariance(block, n);
    let d = a - b;
    let denom = c * c + d * d + f64::EPSILON;
    (c / denom).atan2(d / denom) / 2.0
}

/// NIST's `ridgesegment`: per `size`×`size` block (from the origin, edge blocks partial), is
/// the standard deviation of the globally normalised image above 0.1?
fn ridge_segment(img: &Gray, size: usize) -> Vec<Vec<bool>> {
    let n = img.px.len() as f64;
    let mean = img.px.iter().map(|&p| f64::from(p)).sum::<f64>() / n;
    let var = img
        .px
        .iter()
        .map(|&p| (f64::from(p) - mean).powi(2))
        .sum::<f64>()
        / n;
    let std = var.sqrt();
    (0..img.h.div_ceil(size))
        .map(|by| {
            (0..img.w.div_ceil(size))
                .map(|bx| {
                    let (y0, x0) = (by * size, bx * size);
                    let (y1, x1) = ((y0 + size).min(img.h), (x0 + size).min(img.w));
                    let vals: Vec<f64> = (y0..y1)
                        .flat_map(|y| (x0..x1).map(move |x| (y, x)))
                        .map(|(y, x)| f64::from(img.at(y, x)))
                        .collect();
                    let m = vals.iter().sum::<f64>() / vals.len() as f64;
                    let v = vals.iter().map(|g| (g - m).powi(2)).sum::<f64>() / vals.len() as f64;
                    std > 0.0 && v.sqrt() / std > 0.1
                })
                .collect()
        })
        .collect()
}

/// Is the pixel square [y, y+size) × [x, x+size) entirely in the mask (blocks of `mask_size`)?
fn inside(mask: &[Vec<bool>], mask_size: usize, y: usize, x: usize, size: usize) -> bool {
    (y / mask_size..=(y + size - 1) / mask_size)
        .all(|by| (x / mask_size..=(x + size - 1) / mask_size).all(|bx| mask[by][bx]))
}

/// The block grid NIST uses for the slanted-window measures: top-left corners (y, x) of
/// `size`×`size` blocks starting 2 px in, with room for the 36×36 window around each.
fn grid(img: &Gray, size: usize) -> (Vec<usize>, Vec<usize>) {
    const OFFSET: usize = 2;
    let axis = |n: usize| -> Vec<usize> {
        (OFFSET..)
            .step_by(size)
            .take_while(|&r| r + size + OFFSET - 1 < n)
            .collect()
    };
    (axis(img.h), axis(img.w))
}

/// Rotation of a 36×36 window about its centre by `angle` (radians, counter-clockwise on screen)
/// with nearest-neighbour sampling and zero outside, as OpenCV's `getRotationMatrix2D` +
/// `warpAffine(INTER_NEAREST)`. With `pad`, NIST first pads the window by 2 zero pixels and
/// rotates about the padded centre into a 36×36 result (a 2 px shift it keeps).
fn rotate(window: &[f64], angle: f64, pad: bool) -> Vec<f64> {
    const N: usize = 36;
    let (p, centre) = if pad { (2.0, 20.0) } else { (0.0, 18.0) };
    let (s, c) = angle.sin_cos();
    let mut out = vec![0.0; N * N];
    for y in 0..N {
        for x in 0..N {
            let (dx, dy) = (x as f64 - centre, y as f64 - centre);
            let sx = (c * dx - s * dy + centre - p + 0.5).floor();
            let sy = (s * dx + c * dy + centre - p + 0.5).floor();
            if (0.0..N as f64).contains(&sx) && (0.0..N as f64).contains(&sy) {
                out[y * N + x] = window[sy as usize * N + sx as usize];
            }
        }
    }
    out
}

/// The `rows`×`cols` centre cut of a rotated 36×36 window (NIST's MATLAB-derived indices).
fn cut(rotated: &[f64], rows: usize, cols: usize) -> Vec<Vec<f64>> {
    let (r0, c0) = (18 - rows / 2, 18 - cols / 2);
    (r0..r0 + rows)
        .map(|y| rotated[y * 36 + c0..y * 36 + c0 + cols].to_vec())
        .collect()
}

/// Column means of the cut, the least-squares line through them, and which columns are ridge
/// (darker than the line).
struct RidgeValley {
    threshold: Vec<f64>,
    ridge: Vec<bool>,
}

fn ridge_valley(v2: &[Vec<f64>]) -> RidgeValley {
    let cols = v2.first().map_or(0, Vec::len);
    let profile: Vec<f64> = (0..cols)
        .map(|c| v2.iter().map(|row| row[c]).sum::<f64>() / v2.len() as f64)
        .collect();
    let n = cols as f64;
    let xs = (1..=cols).map(|i| i as f64);
    let (sx, sy) = (xs.clone().sum::<f64>(), profile.iter().sum::<f64>());
    let sxx: f64 = xs.clone().map(|x| x * x).sum();
    let sxy: f64 = xs.zip(&profile).map(|(x, y)| x * y).sum();
    let slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    let intercept = (sy - slope * sx) / n;
    let threshold: Vec<f64> = (1..=cols).map(|i| i as f64 * slope + intercept).collect();
    let ridge = profile.iter().zip(&threshold).map(|(v, t)| v < t).collect();
    RidgeValley { threshold, ridge }
}

/// Runs one slanted-window measure over every foreground 32×32 block.
fn slanted_measure(img: &Gray, block: fn(&[f64], f64) -> Vec<f64>) -> Vec<f64> {
    let mask = ridge_segment(img, 32);
    let (ys, xs) = grid(img, 32);
    let mut out = Vec::new();
    for &y in &ys {
        for &x in &xs {
            if !inside(&mask, 32, y, x, 32) {
                continue;
            }
            let angle = ridge_normal(&img.window(y, x, 32), 32);
            out.extend(block(&img.window(y - 2, x - 2, 36), angle));
        }
    }
    out
}

/// NIST's `loclar`: local clarity of one block, 0 when the ridge or valley widths are
/// implausible for 500 ppi.
fn lcs_block(window: &[f64], angle: f64) -> Vec<f64> {
    let v2 = cut(&rotate(window, angle, false), 16, 32);
    let RidgeValley { threshold, ridge } = ridge_valley(&v2);
    let n = ridge.len();
    // Positions where the class changes (compared circularly with the previous column), minus
    // one, as NIST indexes them; the widths are their differences.
    let change_index: Vec<usize> = (1..n)
        .filter(|&i| ridge[i] != ridge[i - 1])
        .map(|i| i - 1)
        .collect();
    let Some(&first) = change_index.first() else {
        return vec![0.0];
    };
    let widths: Vec<f64> = std::iter::once(first)
        .chain(change_index.windows(2).map(|w| w[1] - w[0]))
        .map(|w| w as f64 / 20.0) // (500 / 125) × 5 px: widths relative to 125 ppi maxima
        .collect();
    let (even, odd): (Vec<f64>, Vec<f64>) = (
        widths.iter().step_by(2).copied().collect(),
        widths.iter().skip(1).step_by(2).copied().collect(),
    );
    let (ridges, valleys) = if ridge[0] { (even, odd) } else { (odd, even) };
    let mean = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let (r, v) = (mean(&ridges), mean(&valleys));
    // NIST scales the valley minimum (2 px) by the ridge norm too; both norms are 20 here.
    if !((0.15..=0.5).contains(&r) && (0.1..=0.5).contains(&v)) {
        return vec![0.0];
    }
    let (mut ridge_bad, mut ridge_px, mut valley_bad, mut valley_px) =
        (0usize, 0usize, 0usize, 0usize);
    for (c, (&is_ridge, &t)) in ridge.iter().zip(&threshold).enumerate() {
        for row in &v2 {
            if is_ridge {
                ridge_px += 1;
                ridge_bad += usize::from(row[c] >= t);
            } else {
                valley_px += 1;
                valley_bad += usize::from(row[c] < t);
            }
        }
    }
    let alpha = valley_bad as f64 / valley_px.max(1) as f64;
    let beta = ridge_bad as f64 / ridge_px.max(1) as f64;
    vec![1.0 - (alpha + beta) / 2.0]
}

/// NIST's `fda`: share of the ridge signature's spectrum in its dominant frequency.
fn fda_block(window: &[f64], angle: f64) -> Vec<f64> {
    // Ridges horizontal: the 32 row means run across them.
    let v2 = cut(&rotate(window, angle + PI / 2.0, true), 32, 16);
    let t: Vec<f64> = v2
        .iter()
        .map(|r| r.iter().sum::<f64>() / r.len() as f64)
        .collect();
    let n = t.len();
    // Amplitudes of frequencies 1..n (DC dropped), NIST scans the whole spectrum for the peak.
    let amp: Vec<f64> = (1..n)
        .map(|k| {
            let (mut re, mut im) = (0.0, 0.0);
            for (i, v) in t.iter().enumerate() {
                let a = -2.0 * PI * (k * i) as f64 / n as f64;
                re += v * a.cos();
                im += v * a.sin();
            }
            re.hypot(im)
        })
        .collect();
    let (peak, max) =
        amp.iter().copied().enumerate().fold(
            (0, f64::MIN),
            |best, (i, a)| if a > best.1 { (i, a) } else { best },
        );
    let denom: f64 = amp[..amp.len() / 2].iter().sum();
    if peak == 0 || peak + 1 >= amp.len() {
        return vec![1.0];
    }
    vec![(max + 0.3 * (amp[peak - 1] + amp[peak + 1])) / denom]
}

/// NIST's `rvuhist`: ratios of neighbouring complete ridge and valley widths.
fn rvu_block(window: &[f64], angle: f64) -> Vec<f64> {
    let v2 = cut(&rotate(window, angle, true), 16, 32);
    let ridge = ridge_valley(&v2).ridge;
    let n = ridge.len();
    // NIST looks at the first n − 1 columns only.
    let change_index: Vec<usize> = (1..n - 1)
        .filter(|&i| ridge[i] != ridge[i - 1])
        .map(|i| i - 1)
        .collect();
    let (Some(&first), Some(&last)) = (change_index.first(), change_index.last()) else {
        return Vec::new();
    };
    if first + 1 >= last {
        return Vec::new();
    }
    let begins_with_ridge = ridge[first + 1];
    let complete: Vec<usize> = change_index[1..].iter().map(|c| c - first).collect();
    // Widths of the complete runs, last first, as NIST orders them.
    let widths: Vec<f64> = complete
        .windows(2)
        .rev()
        .map(|w| (w[1] - w[0]) as f64)
        .collect();
    let mut ratios: Vec<f64> = widths.windows(2).map(|w| w[0] / w[1]).collect();
    for r in ratios
        .iter_mut()
        .skip(usize::from(begins_with_ridge))
        .step_by(2)
    {
        *r = 1.0 / *r;
    }
    ratios
}

/// NIST's orientation flow on 32×32 blocks (v2.2 and later; v2.0 used 16×16): per foreground block with a foreground 3×3
/// neighbourhood, the mean absolute angle difference to its neighbours above 4°, scaled.
fn orientation_flow(img: &Gray) -> Vec<f64> {
    const SIZE: usize = 32;
    let mask = ridge_segment(img, SIZE);
    let (ys, xs) = grid(img, SIZE);
    let (rows, cols) = (ys.len(), xs.len());
    let mut angle = vec![0.0; rows * cols];
    let mut fg = vec![false; rows * cols];
    for (i, &y) in ys.iter().enumerate() {
        for (j, &x) in xs.iter().enumerate() {
            angle[i * cols + j] = ridge_normal(&img.window(y, x, SIZE), SIZE);
            fg[i * cols + j] = inside(&mask, SIZE, y, x, SIZE);
        }
    }
    // Neighbours outside the map count as angle 0 and background (MATLAB's zero padding).
    let at = |i: isize, j: isize| -> (f64, bool) {
        if i < 0 || j < 0 || i >= rows as isize || j >= cols as isize {
            (0.0, false)
        } else {
            let k = i as usize * cols + j as usize;
            (angle[k], fg[k])
        }
    };
    let (min, span) = (4f64.to_radians(), 86f64.to_radians());
    let mut out = Vec::new();
    for i in 0..rows as isize {
        for j in 0..cols as isize {
            let (centre, _) = at(i, j);
            let mut diff = 0.0;
            let mut all_fg = true;
            for di in -1..=1 {
                for dj in -1..=1 {
                    let (a, f) = at(i + di, j + dj);
                    diff += (centre - a).abs();
                    all_fg &= f;
                }
            }
            let loq = diff / 8.0;
            if all_fg && loq > min {
                out.push((loq - min) / span);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(w: usize, h: usize, px: Vec<u8>) -> FingerImage {
        FingerImage::new(w as u32, h as u32, 500, px).unwrap()
    }

    fn stripes(w: usize, h: usize, period: f64, angle: f64) -> Vec<u8> {
        let (s, c) = angle.sin_cos();
        (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as f64, (i / w) as f64);
                let phase = 2.0 * PI * (x * c + y * s) / period;
                (128.0 + 100.0 * phase.cos()).round() as u8
            })
            .collect()
    }

    #[test]
    fn white_frame_is_cropped_to_the_print_plus_one_line() {
        let (w, h) = (300, 260);
        let mut px = vec![255u8; w * h];
        for y in 40..200 {
            for x in 60..250 {
                px[y * w + x] = 100;
            }
        }
        let g = crop_white_frame(w, h, &px);
        assert_eq!((g.w, g.h), (190 + 2, 160 + 2));
    }

    #[test]
    fn clean_parallel_ridges_score_as_nist_defines_a_perfect_block() {
        // Period 9 px (ridge and valley ≈ 4.5 px each, inside NIST's width limits), tilted.
        let (w, h) = (320, 320);
        let px = stripes(w, h, 9.0, 0.6);
        let m = measures(&img(w, h, px));
        assert!(m.ocl.mean > 0.95, "OCL {:?}", m.ocl);
        assert!(m.lcs.mean > 0.8, "LCS {:?}", m.lcs);
        assert!(m.fda.mean > 0.3, "FDA {:?}", m.fda);
        assert!((m.rvu.mean - 1.0).abs() < 0.35, "RVU {:?}", m.rvu);
        // Constant orientation: no block differs from its neighbours by more than 4°.
        assert_eq!(m.of.mean, 0.0, "OF {:?}", m.of);
    }

    #[test]
    fn noise_has_low_clarity_and_certainty() {
        let (w, h) = (320, 320);
        let mut state = 12345u32;
        let px: Vec<u8> = (0..w * h)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (state >> 24) as u8
            })
            .collect();
        let m = measures(&img(w, h, px));
        let clean = measures(&img(w, h, stripes(w, h, 9.0, 0.6)));
        assert!(m.ocl.mean < 0.3, "OCL {:?}", m.ocl);
        assert!(m.lcs.mean < clean.lcs.mean - 0.3, "LCS {:?}", m.lcs);
        assert!(
            m.fda.mean < clean.fda.mean,
            "FDA {:?} vs {:?}",
            m.fda,
            clean.fda
        );
        assert!(m.of.mean > 0.1, "OF {:?}", m.of);
    }
}
