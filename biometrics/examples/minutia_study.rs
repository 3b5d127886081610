//! Which of our minutiae are likely false? Extracts every image of an FVC folder, pairs each of
//! our minutiae with a reference extractor's (text files as `eval_minutiae` reads them: a first
//! line `width height`, then `x y theta kind quality` per minutia) and prints one CSV row per
//! minutia of ours with local features and whether a reference minutia lies within 10 px / 30°.
//! Only used to study reliability cues (it is how `extract::reliability` was chosen: AUC of each
//! column against `hit`); the reference is never part of the extractor.
//!
//! `cargo run --release -p biometrics --example minutia_study -- IMAGE_DIR REF_DIR [--ppi N]`

#[path = "support/reference.rs"]
mod reference;
#[path = "support/trace.rs"]
mod trace;

use trace::median_foreground_amp;

use biometrics::extract::{
    BLOCK, ExtractTrace, coherence_around, extract_traced, mean_along, window_stats,
};
use biometrics::{FingerPosition, MinutiaKind};
use fixtures::fvc;
use std::f32::consts::PI;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, refs) = (
        args.get(1).ok_or("usage: IMAGE_DIR REF_DIR [--ppi N]")?,
        args.get(2).ok_or("usage: IMAGE_DIR REF_DIR [--ppi N]")?,
    );
    let ppi: f32 = match args.iter().position(|a| a == "--ppi") {
        Some(i) => args.get(i + 1).ok_or("--ppi N")?.parse()?,
        None => 500.0,
    };
    println!(
        "image,kind,quality,coh,edge,amp,rel_amp,contrast,fit,behind,ahead,nn,near20,period,hit"
    );
    for img in fvc::load_dir(Path::new(dir), ppi as u16)?.images {
        let (id, finger) = (img.id, img.image);
        let name = id.to_string();
        let reference = reference::read(&Path::new(refs).join(format!("{name}.txt")), 500.0 / ppi)?;
        let trace = extract_traced(&finger, FingerPosition::Unknown)?;
        let median_amp = median_foreground_amp(&trace);
        let pts: Vec<(f32, f32)> = trace
            .template
            .minutiae
            .iter()
            .map(|m| (f32::from(m.x), f32::from(m.y)))
            .collect();
        for m in &trace.template.minutiae {
            let (x, y) = (usize::from(m.x), usize::from(m.y));
            let hit = reference
                .minutiae
                .iter()
                .any(|r| r.confirms(f32::from(m.x), f32::from(m.y), m.angle));
            let dists: Vec<f32> = pts
                .iter()
                .map(|&(px, py)| ((px - x as f32).powi(2) + (py - y as f32).powi(2)).sqrt())
                .filter(|&d| d > 0.5)
                .collect();
            let nn = dists.iter().copied().fold(f32::MAX, f32::min);
            let near20 = dists.iter().filter(|&&d| d <= 20.0).count();
            let (by, bx) = (y / BLOCK, x / BLOCK);
            let stats = window_stats(&trace.enhanced, &trace.normalized, y, x, 8)
                .ok_or("minutia outside its image")?;
            let (amp, contrast, fit) = (stats.mean_abs_enhanced, stats.grey_std, stats.correlation);
            let direction = -m.angle; // image coordinates, y down
            let period = trace.period[[by, bx]];
            let behind = mean_along(&trace.enhanced, y, x, direction + PI, period);
            let ahead = mean_along(&trace.enhanced, y, x, direction, period);
            println!(
                "{name},{},{},{:.3},{},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.1},{},{:.1},{}",
                if m.kind == MinutiaKind::Ending { 0 } else { 1 },
                m.quality,
                coherence_around(&trace.coherence, by, bx),
                edge_distance(&trace, y, x),
                amp,
                amp / median_amp.max(1e-6),
                contrast,
                fit,
                behind,
                ahead,
                nn.min(99.0),
                near20,
                period,
                u8::from(hit)
            );
        }
    }
    Ok(())
}

/// Chessboard distance in pixels to the nearest background block (capped at 64).
fn edge_distance(t: &ExtractTrace, y: usize, x: usize) -> usize {
    let (bh, bw) = t.mask.dim();
    let mut best = 64usize.min(y).min(x);
    for by in 0..bh {
        for bx in 0..bw {
            if t.mask[[by, bx]] {
                continue;
            }
            let (y0, x0) = (by * BLOCK, bx * BLOCK);
            let dy = if y < y0 {
                y0 - y
            } else {
                y.saturating_sub(y0 + BLOCK - 1)
            };
            let dx = if x < x0 {
                x0 - x
            } else {
                x.saturating_sub(x0 + BLOCK - 1)
            };
            best = best.min(dy.max(dx));
        }
    }
    best
}
