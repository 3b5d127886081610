//! Which skeleton candidates are real minutiae? Extracts every image of an FVC folder and prints
//! one CSV row per crossing-number candidate (before false-minutiae removal) with cheap local
//! cues, whether the false-minutiae rules kept it, and whether a reference extractor's minutia
//! lies within 10 px / 30° (`hit`, files as `minutia_study` reads them). With `--auc` it prints,
//! instead of the rows, the area under the ROC curve of each cue against `hit`, over all
//! candidates and over the kept ones only: how well the cue alone tells real from false.
//! The last four cues read the Gabor output where two false-minutiae rules decide on the
//! skeleton's geometry: across the gap of a broken-ridge pair (`gap_min`), and along and beyond
//! a spur (`spur_min`, `spur_beyond`, `spur_len`); they are NaN where the rule does not apply.
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
const CUES: [&str; 18] = [
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
    "gap_min",
    "spur_min",
    "spur_beyond",
    "spur_len",
];

struct Row {
    image: String,
    kind: MinutiaKind,
    kept: bool,
    quality: u8,
    hit: bool,
    cues: [f32; 18],
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
        let name = img.id.to_string();
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

fn cues(t: &ExtractTrace, c: &Minutia, median_amp: f32) -> [f32; 18] {
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
    let spur = spur_cues(t, c, period, amp);
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
        gap_min(t, c, period, amp),
        spur.0,
        spur.1,
        spur.2,
    ]
}

/// Bilinear sample of `v` at (y, x), 0 outside.
fn sample(v: &Array2<f32>, y: f32, x: f32) -> f32 {
    let (h, w) = v.dim();
    if y < 0.0 || x < 0.0 || y >= (h - 1) as f32 || x >= (w - 1) as f32 {
        return 0.0;
    }
    let (y0, x0) = (y.floor() as usize, x.floor() as usize);
    let (fy, fx) = (y - y0 as f32, x - x0 as f32);
    let top = v[[y0, x0]] * (1.0 - fx) + v[[y0, x0 + 1]] * fx;
    let bot = v[[y0 + 1, x0]] * (1.0 - fx) + v[[y0 + 1, x0 + 1]] * fx;
    top * (1.0 - fy) + bot * fy
}

/// Lowest enhanced value along the straight segment between two points (ends excluded), in
/// units of the local amplitude.
fn segment_min(v: &Array2<f32>, a: (f32, f32), b: (f32, f32), amp: f32) -> f32 {
    (1..8)
        .map(|k| {
            let t = k as f32 / 8.0;
            sample(v, a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
        })
        .fold(f32::INFINITY, f32::min)
        / amp.max(1e-6)
}

/// For an ending with a broken-ridge partner (another ending within 1.8 periods, facing and
/// aligned within 45°, as the rule tests), the lowest enhanced value across the gap; NaN if none.
fn gap_min(t: &ExtractTrace, c: &Minutia, period: f32, amp: f32) -> f32 {
    if c.kind != MinutiaKind::Ending {
        return f32::NAN;
    }
    let (x, y) = (f32::from(c.x), f32::from(c.y));
    let dir = -c.angle;
    t.candidates
        .iter()
        .filter(|m| m.kind == MinutiaKind::Ending)
        .filter_map(|m| {
            let (dx, dy) = (f32::from(m.x) - x, f32::from(m.y) - y);
            let d = dx.hypot(dy);
            let facing = angle_between(dir, -m.angle + PI) < PI / 4.0;
            let aligned = angle_between(dy.atan2(dx), dir + PI) < PI / 4.0;
            (d >= 1.0 && d <= 1.8 * period && facing && aligned).then_some((d, m))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map_or(f32::NAN, |(_, m)| {
            segment_min(&t.enhanced, (y, x), (f32::from(m.y), f32::from(m.x)), amp)
        })
}

/// Follows the skeleton from `p` along `first` for at most `max` steps: the end point and
/// whether it stopped at a junction.
fn walk_to(
    skel: &Array2<bool>,
    p: (usize, usize),
    first: (usize, usize),
    others: &[(usize, usize)],
    max: usize,
) -> ((usize, usize), Option<bool>) {
    let mut visited = vec![p];
    visited.extend_from_slice(others);
    let mut cur = first;
    for _ in 0..max {
        visited.push(cur);
        let next: Vec<_> = neighbours(skel, cur)
            .into_iter()
            .filter(|n| {
                !visited
                    .iter()
                    .any(|v| v.0.abs_diff(n.0) + v.1.abs_diff(n.1) == 0)
            })
            .collect();
        match next.len() {
            0 => return (cur, Some(false)),
            1 => cur = next[0],
            _ => return (cur, Some(true)),
        }
    }
    (cur, None)
}

/// For a spur (an ending whose ridge meets a junction within 1.2 periods) or its fork: the
/// lowest enhanced value along the straight line ending–fork, the mean enhanced value beyond the
/// ending's tip (0.5–1.5 periods on), both in units of the local amplitude, and the spur's
/// length in periods. NaN where the candidate is no spur's end.
fn spur_cues(t: &ExtractTrace, c: &Minutia, period: f32, amp: f32) -> (f32, f32, f32) {
    let p = (usize::from(c.y), usize::from(c.x));
    let max = (1.2 * period).round() as usize;
    let firsts = neighbours(&t.skeleton, p);
    let nan = (f32::NAN, f32::NAN, f32::NAN);
    let ending_tip = |tip: (usize, usize), fork: (usize, usize)| {
        let end = t.candidates.iter().find(|m| {
            usize::from(m.y).abs_diff(tip.0) <= 2
                && usize::from(m.x).abs_diff(tip.1) <= 2
                && m.kind == MinutiaKind::Ending
        });
        let Some(e) = end else { return nan };
        let (ey, ex) = (f32::from(e.y), f32::from(e.x));
        let seg = segment_min(&t.enhanced, (ey, ex), (fork.0 as f32, fork.1 as f32), amp);
        let back = -e.angle + PI;
        let mut s = 0.0;
        let mut n = 0.0;
        let mut d = 0.5 * period;
        while d <= 1.5 * period {
            s += sample(&t.enhanced, ey + d * back.sin(), ex + d * back.cos());
            n += 1.0;
            d += 1.0;
        }
        let len = (ey - fork.0 as f32).hypot(ex - fork.1 as f32) / period;
        (seg, s / n / amp.max(1e-6), len)
    };
    match c.kind {
        MinutiaKind::Ending => {
            let Some(&f) = firsts.first() else { return nan };
            match walk_to(&t.skeleton, p, f, &[], max) {
                (end, Some(true)) => ending_tip(p, end),
                _ => nan,
            }
        }
        _ => {
            for &f in &firsts {
                let others: Vec<_> = firsts.iter().copied().filter(|&g| g != f).collect();
                if let (end, Some(false)) = walk_to(&t.skeleton, p, f, &others, max) {
                    return ending_tip(end, p);
                }
            }
            nan
        }
    }
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

/// NaN values (a cue that does not apply to the candidate) are left out.
fn auc(mut v: Vec<(f32, bool)>) -> f32 {
    v.retain(|p| !p.0.is_nan());
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
