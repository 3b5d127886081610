//! Fingerprint image quality in the spirit of NFIQ 2 (ISO/IEC 29794-4): NFIQ 2's native
//! measures computed on 32×32 blocks of the 500 ppi image inside the foreground, a 0–100 score
//! from them, and feedback the operator can act on.
//!
//! Measures (names as in NFIQ 2's output): `Mu` (mean grey), `MMB` (mean of block means), ROI
//! mean grey, OCL (orientation certainty), LCS (local clarity), FDA (frequency domain analysis),
//! RVU (ridge–valley uniformity), OF (orientation flow), minutiae count and the count in a
//! 200×200 rectangle around the minutiae's centre of mass. Each block measure follows the NFIQ 2
//! definition in simplified form (see the functions); `tests/biometrics/quality.rs` compares them
//! with NIST's values on NIST's example images. The score mapping is ours (NIST's random forest
//! is not public here): a weighted blend calibrated so clear prints score high.

use crate::extract::{BLOCK, ExtractError, extract_traced};
use crate::image::FingerImage;
use crate::template::FingerPosition;
use std::f32::consts::{PI, TAU};

/// NFIQ 2's block size at 500 ppi.
const QBLOCK: usize = 32;

/// Mean and standard deviation of a block measure over the foreground.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stat {
    pub mean: f32,
    pub std: f32,
}

impl Stat {
    fn of(values: &[f32]) -> Self {
        if values.is_empty() {
            return Self::default();
        }
        let n = values.len() as f32;
        let mean = values.iter().sum::<f32>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n;
        Self {
            mean,
            std: var.sqrt(),
        }
    }
}

/// NFIQ 2-style native measures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Measures {
    pub mu: f32,
    pub mmb: f32,
    pub roi_mean: f32,
    /// Foreground area in pixels (500 ppi).
    pub foreground_px: usize,
    pub ocl: Stat,
    pub lcs: Stat,
    pub fda: Stat,
    pub rvu: Stat,
    pub of: Stat,
    pub minutiae: usize,
    pub minutiae_centre: usize,
    /// Contrast: standard deviation of grey levels in the foreground.
    pub roi_std: f32,
}

/// What the operator should do about a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feedback {
    TooDark,
    TooLight,
    LowContrast,
    TooSmall,
    Smudged,
}

impl Feedback {
    /// Operator message, Bahasa Indonesia first, then English.
    pub fn message(self) -> &'static str {
        match self {
            Self::TooDark => {
                "Terlalu gelap: tekan jari lebih ringan / too dark: press more lightly"
            }
            Self::TooLight => {
                "Terlalu terang: tekan jari lebih kuat / too light: press more firmly"
            }
            Self::LowContrast => {
                "Kontras rendah: bersihkan sensor dan jari / low contrast: clean sensor and finger"
            }
            Self::TooSmall => {
                "Jari kurang menempel: letakkan jari di tengah, lebih rata / finger too small or partial: place it flat in the centre"
            }
            Self::Smudged => {
                "Sidik jari kabur: keringkan jari dan ulangi / smudged: dry the finger and retry"
            }
        }
    }
}

/// The result of [`assess`].
#[derive(Debug, Clone, PartialEq)]
pub struct QualityReport {
    /// 0 (unusable) – 100 (excellent).
    pub score: u8,
    pub measures: Measures,
    pub feedback: Vec<Feedback>,
}

/// Assesses one impression (any supported resolution; measured at 500 ppi).
pub fn assess(image: &FingerImage) -> QualityReport {
    match measure(image) {
        Ok(m) => {
            let feedback = feedback(&m);
            QualityReport {
                score: score(&m),
                measures: m,
                feedback,
            }
        }
        Err(_) => {
            let m = Measures {
                mu: mean(image.pixels()),
                ..Measures::default()
            };
            let mut feedback = feedback(&m);
            if feedback.is_empty() {
                feedback.push(Feedback::LowContrast);
            }
            QualityReport {
                score: 0,
                measures: m,
                feedback,
            }
        }
    }
}

fn mean(px: &[u8]) -> f32 {
    px.iter().map(|&p| f32::from(p)).sum::<f32>() / px.len().max(1) as f32
}

/// Computes every measure.
pub fn measure(image: &FingerImage) -> Result<Measures, ExtractError> {
    let trace = extract_traced(image, FingerPosition::Unknown)?;
    let img = &trace.image;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let px = img.pixels();
    let grey = |y: usize, x: usize| f32::from(px[y * w + x]);
    let in_roi = |y: usize, x: usize| trace.mask[[y / BLOCK, x / BLOCK]];

    let (mut roi_sum, mut roi_sq, mut roi_n) = (0.0f64, 0.0f64, 0usize);
    for y in 0..h {
        for x in 0..w {
            if in_roi(y, x) {
                let g = f64::from(grey(y, x));
                roi_sum += g;
                roi_sq += g * g;
                roi_n += 1;
            }
        }
    }
    let roi_mean = (roi_sum / roi_n.max(1) as f64) as f32;
    let roi_std = ((roi_sq / roi_n.max(1) as f64) - f64::from(roi_mean).powi(2))
        .max(0.0)
        .sqrt() as f32;

    let (bh, bw) = (h / QBLOCK, w / QBLOCK);
    let mut block_means = Vec::new();
    let mut ocl = Vec::new();
    let mut lcs = Vec::new();
    let mut fda = Vec::new();
    let mut rvu = Vec::new();
    let mut angles = vec![None; bh * bw];
    for by in 0..bh {
        for bx in 0..bw {
            let (y0, x0) = (by * QBLOCK, bx * QBLOCK);
            let block: Vec<f32> = (0..QBLOCK * QBLOCK)
                .map(|i| grey(y0 + i / QBLOCK, x0 + i % QBLOCK))
                .collect();
            block_means.push(block.iter().sum::<f32>() / block.len() as f32);
            // A block counts when it lies entirely in the foreground, as in NFIQ 2.
            let inside = (0..2).all(|dy| (0..2).all(|dx| trace.mask[[2 * by + dy, 2 * bx + dx]]));
            if !inside {
                continue;
            }
            let b = BlockMeasures::of(&block);
            ocl.push(b.ocl);
            angles[by * bw + bx] = Some(b.theta);
            if let Some(s) = b.signature {
                lcs.push(s.lcs);
                fda.push(s.fda);
                if let Some(r) = s.rvu {
                    rvu.push(r);
                }
            }
        }
    }
    let of = orientation_flow(&angles, bh, bw);
    let minutiae = &trace.template.minutiae;
    let minutiae_centre = centre_count(minutiae);
    Ok(Measures {
        mu: mean(px),
        mmb: Stat::of(&block_means).mean,
        roi_mean,
        foreground_px: roi_n,
        ocl: Stat::of(&ocl),
        lcs: Stat::of(&lcs),
        fda: Stat::of(&fda),
        rvu: Stat::of(&rvu),
        of: Stat::of(&of),
        minutiae: minutiae.len(),
        minutiae_centre,
        roi_std,
    })
}

/// Minutiae inside the 200×200 px rectangle centred on their centre of mass.
fn centre_count(minutiae: &[crate::template::Minutia]) -> usize {
    if minutiae.is_empty() {
        return 0;
    }
    let n = minutiae.len() as f32;
    let cx = minutiae.iter().map(|m| f32::from(m.x)).sum::<f32>() / n;
    let cy = minutiae.iter().map(|m| f32::from(m.y)).sum::<f32>() / n;
    minutiae
        .iter()
        .filter(|m| (f32::from(m.x) - cx).abs() <= 100.0 && (f32::from(m.y) - cy).abs() <= 100.0)
        .count()
}

struct SignatureMeasures {
    lcs: f32,
    fda: f32,
    rvu: Option<f32>,
}

struct BlockMeasures {
    ocl: f32,
    theta: f32,
    signature: Option<SignatureMeasures>,
}

impl BlockMeasures {
    fn of(block: &[f32]) -> Self {
        let n = QBLOCK;
        let (mut a, mut b, mut c) = (0.0f32, 0.0f32, 0.0f32);
        for y in 1..n - 1 {
            for x in 1..n - 1 {
                let gx = block[y * n + x + 1] - block[y * n + x - 1];
                let gy = block[(y + 1) * n + x] - block[(y - 1) * n + x];
                a += gx * gx;
                b += gy * gy;
                c += gx * gy;
            }
        }
        // OCL: 1 − λmin/λmax of the gradient covariance (NFIQ 2 "orientation certainty").
        let root = ((a - b).powi(2) + 4.0 * c * c).sqrt();
        let (lmax, lmin) = ((a + b + root) / 2.0, (a + b - root) / 2.0);
        let ocl = if lmax > 0.0 { 1.0 - lmin / lmax } else { 0.0 };
        let theta = (0.5 * (2.0 * c).atan2(a - b) + PI / 2.0).rem_euclid(PI);
        Self {
            ocl,
            theta,
            signature: signature_measures(block, theta),
        }
    }
}

/// Samples the block rotated so ridges run along j: `v[k][j]`, k across the ridges.
fn signature_measures(block: &[f32], theta: f32) -> Option<SignatureMeasures> {
    let n = QBLOCK as f32;
    let (dx, dy) = (theta.cos(), theta.sin());
    let (nx, ny) = (-dy, dx);
    let c = n / 2.0;
    // A 32×16 window (across × along) fits in the block at any angle only partly; sample the
    // part that does.
    let mut rows: Vec<Vec<f32>> = Vec::new();
    for k in 0..QBLOCK {
        let t = k as f32 - c;
        let row: Vec<f32> = (-8..8)
            .filter_map(|j| {
                let x = c + t * nx + j as f32 * dx;
                let y = c + t * ny + j as f32 * dy;
                (x >= 0.0 && y >= 0.0 && x < n && y < n)
                    .then(|| block[y as usize * QBLOCK + x as usize])
            })
            .collect();
        if row.len() >= 4 {
            rows.push(row);
        }
    }
    if rows.len() < 16 {
        return None;
    }
    let sig: Vec<f32> = rows
        .iter()
        .map(|r| r.iter().sum::<f32>() / r.len() as f32)
        .collect();
    let mean = sig.iter().sum::<f32>() / sig.len() as f32;
    // Ridges are dark: below the block mean.
    let ridge: Vec<bool> = sig.iter().map(|&s| s < mean).collect();

    // LCS: share of pixels on the right side of the threshold in their region.
    let (mut wrong, mut total) = (0usize, 0usize);
    for (row, &is_ridge) in rows.iter().zip(&ridge) {
        for &v in row {
            total += 1;
            if (v < mean) != is_ridge {
                wrong += 1;
            }
        }
    }
    let lcs = 1.0 - wrong as f32 / total.max(1) as f32;

    // FDA: energy of the dominant frequency (with its neighbours) over all non-DC energy.
    let m = sig.len();
    let amps: Vec<f32> = (1..m / 2)
        .map(|f| {
            let (mut re, mut im) = (0.0f32, 0.0f32);
            for (i, s) in sig.iter().enumerate() {
                let a = TAU * f as f32 * i as f32 / m as f32;
                re += (s - mean) * a.cos();
                im += (s - mean) * a.sin();
            }
            (re * re + im * im).sqrt()
        })
        .collect();
    let total_amp: f32 = amps.iter().sum();
    let (peak, _) = amps.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
    let around = amps[peak]
        + 0.3
            * (amps.get(peak.wrapping_sub(1)).copied().unwrap_or(0.0)
                + amps.get(peak + 1).copied().unwrap_or(0.0));
    let fda = if total_amp > 0.0 {
        around / total_amp
    } else {
        0.0
    };

    // RVU: mean ridge width over mean valley width, complete runs only.
    let mut runs: Vec<(bool, usize)> = Vec::new();
    for &r in &ridge {
        match runs.last_mut() {
            Some((kind, len)) if *kind == r => *len += 1,
            _ => runs.push((r, 1)),
        }
    }
    let inner = runs.get(1..runs.len().saturating_sub(1)).unwrap_or(&[]);
    let width = |kind: bool| {
        let v: Vec<usize> = inner.iter().filter(|r| r.0 == kind).map(|r| r.1).collect();
        (!v.is_empty()).then(|| v.iter().sum::<usize>() as f32 / v.len() as f32)
    };
    let rvu = match (width(true), width(false)) {
        (Some(r), Some(v)) if v > 0.0 => Some(r / v),
        _ => None,
    };
    Some(SignatureMeasures { lcs, fda, rvu })
}

/// OF: mean absolute orientation difference to the 8 neighbours, above a 4° floor, scaled to
/// 0–1 over (4°, 90°] as in NFIQ 2.
fn orientation_flow(angles: &[Option<f32>], bh: usize, bw: usize) -> Vec<f32> {
    let min = 4f32.to_radians();
    let mut out = Vec::new();
    for y in 0..bh {
        for x in 0..bw {
            let Some(a) = angles[y * bw + x] else {
                continue;
            };
            let mut diffs = Vec::new();
            for ny in y.saturating_sub(1)..(y + 2).min(bh) {
                for nx in x.saturating_sub(1)..(x + 2).min(bw) {
                    if (ny, nx) == (y, x) {
                        continue;
                    }
                    if let Some(b) = angles[ny * bw + nx] {
                        let d = (a - b).rem_euclid(PI);
                        diffs.push(d.min(PI - d));
                    }
                }
            }
            if diffs.len() == 8 {
                let d = diffs.iter().sum::<f32>() / 8.0;
                out.push(if d > min {
                    (d - min) / (PI / 2.0 - min)
                } else {
                    0.0
                });
            }
        }
    }
    out
}

/// The 0–100 score: clarity and certainty dominate, then usable area and minutiae.
fn score(m: &Measures) -> u8 {
    let area = (m.foreground_px as f32 / 90_000.0).min(1.0);
    let minutiae = (m.minutiae as f32 / 40.0).min(1.0);
    let clarity = 0.35 * m.ocl.mean + 0.35 * m.lcs.mean + 0.3 * (m.fda.mean / 0.5).min(1.0);
    let flow = 1.0 - m.of.mean.min(1.0);
    let s = 100.0 * clarity * (0.5 + 0.5 * area) * (0.6 + 0.4 * minutiae) * (0.8 + 0.2 * flow);
    s.round().clamp(0.0, 100.0) as u8
}

fn feedback(m: &Measures) -> Vec<Feedback> {
    let mut out = Vec::new();
    let grey = if m.foreground_px > 0 {
        m.roi_mean
    } else {
        m.mu
    };
    if grey < 70.0 {
        out.push(Feedback::TooDark);
    } else if grey > 215.0 {
        out.push(Feedback::TooLight);
    }
    if m.foreground_px > 0 && m.roi_std < 25.0 {
        out.push(Feedback::LowContrast);
    }
    if m.foreground_px < 40_000 {
        out.push(Feedback::TooSmall);
    } else if m.ocl.mean < 0.5 || m.lcs.mean < 0.6 {
        out.push(Feedback::Smudged);
    }
    out
}
