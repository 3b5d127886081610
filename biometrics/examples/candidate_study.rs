//! Which skeleton candidates are real minutiae? Extracts every image of an FVC folder and prints
//! one CSV row per crossing-number candidate (before false-minutiae removal) with cheap local
//! cues, whether the false-minutiae rules kept it, and whether a reference extractor's minutia
//! lies within 10 px / 30° (`hit`, files as `minutia_study` reads them). With `--auc` it prints,
//! instead of the rows, the area under the ROC curve of each cue against `hit`, over all
//! candidates and over the kept ones only: how well the cue alone tells real from false.
//! A study tool only; the reference is never part of the extractor.
//!
//! `cargo run --release -p biometrics --example candidate_study -- IMAGE_DIR REF_DIR [--ppi N]
//!  [--auc]`

#[path = "support/reference.rs"]
mod reference;
#[path = "support/trace.rs"]
mod trace;

use trace::median_foreground_amp;

use biometrics::extract::{
    BLOCK, ExtractTrace, coherence_around, extract_traced, mean_along, window_stats,
};
use biometrics::{FingerPosition, Minutia, MinutiaKind};
use fixtures::fvc;
use ndarray::Array2;
use std::f32::consts::PI;
use std::path::Path;

/// The cues, in CSV column order (after `image,kind,kept,quality,hit`).
const CUES: [&str; 14] = [
    "coh",
    "amp",
    "fit",
    "contrast",
    "shape_enh",
    "shape_grey",
    "nn_cand",
    "nn_kept",
    "near20_cand",
    "endings24",
    "facing",
    "ridge_len",
    "period",
    "rel_amp",
];

struct Row {
    image: String,
    kind: MinutiaKind,
    kept: bool,
    quality: u8,
    hit: bool,
    cues: [f32; 14],
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: IMAGE_DIR REF_DIR [--ppi N] [--auc]";
    let (dir, refs) = (args.get(1).ok_or(usage)?, args.get(2).ok_or(usage)?);
    let ppi: f32 = match args.iter().position(|a| a == "--ppi") {
        Some(i) => args.get(i + 1).ok_or("--ppi N")?.parse()?,
        None => 500.0,
    };
    let mut rows = Vec::new();
    for img in fvc::load_dir(Path::new(dir), ppi as u16)?.images {
        let name = format!("{}_{}", img.id.finger, img.id.impression);
        let reference = reference::read(&Path::new(refs).join(format!("{name}.txt")), 500.0 / ppi)?;
        let trace = extract_traced(&img.image, FingerPosition::Unknown)?;
        let median_amp = median_foreground_amp(&trace);
        for c in &trace.candidates {
            let kept = trace
                .template
                .minutiae
                .iter()
                .find(|m| m.x == c.x && m.y == c.y && m.kind == c.kind);
            let hit = reference
                .minutiae
                .iter()
                .any(|r| r.confirms(f32::from(c.x), f32::from(c.y), c.angle));
            rows.push(Row {
                image: name.clone(),
                kind: c.kind,
                kept: kept.is_some(),
                quality: kept.map_or(0, |m| m.quality),
                hit,
                cues: cues(&trace, c, median_amp),
            });
        }
    }
    if args.iter().any(|a| a == "--auc") {
        print_auc(&rows);
    } else {
        println!("image,kind,kept,quality,hit,{}", CUES.join(","));
        for r in &rows {
            let cues: Vec<String> = r.cues.iter().map(|v| format!("{v:.3}")).collect();
            println!(
                "{},{},{},{},{},{}",
                r.image,
                u8::from(r.kind == MinutiaKind::Bifurcation),
                u8::from(r.kept),
                r.quality,
                u8::from(r.hit),
                cues.join(",")
            );
        }
    }
    Ok(())
}

fn cues(t: &ExtractTrace, c: &Minutia, median_amp: f32) -> [f32; 14] {
    let (x, y) = (usize::from(c.x), usize::from(c.y));
    let (by, bx) = (y / BLOCK, x / BLOCK);
    let period = t.period[[by, bx]];
    let direction = -c.angle; // image coordinates, y down
    let stats = window_stats(&t.enhanced, &t.normalized, y, x, 8);
    let (amp, contrast, fit) = stats.map_or((0.0, 0.0, 0.0), |s| {
        (s.mean_abs_enhanced, s.grey_std, s.correlation)
    });
    let sign = if c.kind == MinutiaKind::Ending {
        1.0
    } else {
        -1.0
    };
    let shape = |v: &Array2<f32>| {
        sign * (mean_along(v, y, x, direction, period)
            - mean_along(v, y, x, direction + PI, period))
    };
    let dist = |m: &Minutia| (f32::from(m.x) - x as f32).hypot(f32::from(m.y) - y as f32);
    let others = t.candidates.iter().filter(|m| dist(m) > 0.5);
    let nn_cand = others.clone().map(dist).fold(99.0f32, f32::min);
    let nn_kept = t
        .template
        .minutiae
        .iter()
        .filter(|m| dist(m) > 0.5)
        .map(dist)
        .fold(99.0f32, f32::min);
    let near20 = others.clone().filter(|m| dist(m) <= 20.0).count() as f32;
    let endings24 = others
        .clone()
        .filter(|m| m.kind == MinutiaKind::Ending && dist(m) <= 24.0)
        .count() as f32;
    // An ending facing another ending across a gap, in ridge periods (9 = none): an ending's
    // direction points along its ridge, so the gap lies behind its tip; the other ending lies
    // there (within 30°) and points back along the same line (within 45°).
    let facing = others
        .filter(|m| m.kind == MinutiaKind::Ending && c.kind == MinutiaKind::Ending)
        .filter(|m| {
            let (dx, dy) = (f32::from(m.x) - x as f32, f32::from(m.y) - y as f32);
            let to = dy.atan2(dx);
            let back = direction + PI;
            angle_between(to, back) < PI / 6.0 && angle_between(-m.angle, direction + PI) < PI / 4.0
        })
        .map(|m| dist(m) / period)
        .fold(9.0f32, f32::min);
    [
        coherence_around(&t.coherence, by, bx),
        amp,
        fit,
        contrast,
        shape(&t.enhanced),
        shape(&t.normalized),
        nn_cand,
        nn_kept,
        near20,
        endings24,
        facing,
        ridge_length(&t.skeleton, (y, x), 60) as f32 / period,
        period,
        amp / median_amp.max(1e-6),
    ]
}

fn angle_between(a: f32, b: f32) -> f32 {
    ((a - b + PI).rem_euclid(2.0 * PI) - PI).abs()
}

/// The shortest of the skeleton branches leaving `p`, followed until an ending, a junction or
/// `max` steps.
fn ridge_length(skel: &Array2<bool>, p: (usize, usize), max: usize) -> usize {
    let firsts = neighbours(skel, p);
    firsts
        .iter()
        .map(|&f| {
            let mut visited = vec![p];
            visited.extend(firsts.iter().copied().filter(|&g| g != f));
            let mut cur = f;
            let mut steps = 1;
            while steps < max {
                visited.push(cur);
                let next: Vec<_> = neighbours(skel, cur)
                    .into_iter()
                    .filter(|n| !visited.contains(n))
                    .collect();
                if next.len() != 1 {
                    break;
                }
                cur = next[0];
                steps += 1;
            }
            steps
        })
        .min()
        .unwrap_or(0)
}

fn neighbours(skel: &Array2<bool>, p: (usize, usize)) -> Vec<(usize, usize)> {
    let (h, w) = skel.dim();
    let mut out = Vec::new();
    for dy in -1i64..=1 {
        for dx in -1i64..=1 {
            if dy == 0 && dx == 0 {
                continue;
            }
            let (ny, nx) = (p.0 as i64 + dy, p.1 as i64 + dx);
            if ny >= 0
                && nx >= 0
                && (ny as usize) < h
                && (nx as usize) < w
                && skel[[ny as usize, nx as usize]]
            {
                out.push((ny as usize, nx as usize));
            }
        }
    }
    // Drop diagonal neighbours that touch a 4-neighbour also in the list (one branch, not two).
    let four: Vec<_> = out
        .iter()
        .copied()
        .filter(|q| q.0 == p.0 || q.1 == p.1)
        .collect();
    out.retain(|q| {
        (q.0 == p.0 || q.1 == p.1)
            || !four
                .iter()
                .any(|f| f.0.abs_diff(q.0) + f.1.abs_diff(q.1) == 1)
    });
    out
}

/// AUC of each cue against `hit` (0.5 = no information; below 0.5 the cue ranks the other way),
/// for all candidates and for the kept ones, per kind too.
fn print_auc(rows: &[Row]) {
    type Group = (&'static str, fn(&Row) -> bool);
    let groups: [Group; 5] = [
        ("all", |_| true),
        ("kept", |r| r.kept),
        ("removed", |r| !r.kept),
        ("end", |r| r.kind == MinutiaKind::Ending),
        ("fork", |r| r.kind == MinutiaKind::Bifurcation),
    ];
    for (g, f) in &groups {
        let sel: Vec<&Row> = rows.iter().filter(|r| f(r)).collect();
        let hits = sel.iter().filter(|r| r.hit).count();
        println!("{g}: {} candidates, {} hit", sel.len(), hits);
        let mut line = String::new();
        for (k, name) in CUES.iter().enumerate() {
            line += &format!(
                " {name}={:.3}",
                auc(sel.iter().map(|r| (r.cues[k], r.hit)).collect())
            );
        }
        line += &format!(
            " kept={:.3} quality={:.3}",
            auc(sel
                .iter()
                .map(|r| (f32::from(u8::from(r.kept)), r.hit))
                .collect()),
            auc(sel.iter().map(|r| (f32::from(r.quality), r.hit)).collect())
        );
        println!("{line}");
    }
}

fn auc(mut v: Vec<(f32, bool)>) -> f32 {
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (pos, neg) = (
        v.iter().filter(|p| p.1).count() as f64,
        v.iter().filter(|p| !p.1).count() as f64,
    );
    if pos == 0.0 || neg == 0.0 {
        return 0.5;
    }
    // Mann–Whitney with average ranks for ties.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j < v.len() && v[j].0 == v[i].0 {
            j += 1;
        }
        let avg = (i + j + 1) as f64 / 2.0;
        rank_sum += avg * v[i..j].iter().filter(|p| p.1).count() as f64;
        i = j;
    }
    ((rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)) as f32
}
