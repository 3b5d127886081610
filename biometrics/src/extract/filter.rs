//! Step 10: false-minutiae removal. Thinning a real print leaves artefacts with typical shapes;
//! each rule below removes one shape (Xiao & Raafat; Ratha et al.), measured in ridge periods so
//! the rules scale with the finger:
//! - short ridge: an ending whose ridge ends again within a period or two (dots, fragments);
//! - spur: an ending whose ridge meets a bifurcation almost at once;
//! - bridge, lake, pore: two bifurcations joined by a short ridge;
//! - broken ridge: two endings facing each other across a small gap;
//! - cluster: many minutiae crowded together (a smudge or a scar).

use super::grid::BlockGrid;
use super::minutiae::{Candidate, Stop, branches, walk};
use crate::template::MinutiaKind;
use ndarray::Array2;
use std::f32::consts::PI;

/// Ridge lengths below this many periods are artefacts.
const SHORT_PERIODS: f32 = 1.6;
/// Broken-ridge gaps below this many periods are bridged.
const GAP_PERIODS: f32 = 1.8;
/// Cluster: this many other minutiae within `CLUSTER_PERIODS` periods.
const CLUSTER_COUNT: usize = 3;
const CLUSTER_PERIODS: f32 = 1.4;

pub fn remove_false(
    skel: &Array2<bool>,
    candidates: &[Candidate],
    period: &Array2<f32>,
    grid: &BlockGrid,
) -> Vec<Candidate> {
    let mut removed = vec![false; candidates.len()];
    let local_period = |c: &Candidate| {
        let (by, bx) = grid.block_of(c.y, c.x);
        period[[by, bx]]
    };
    short_ridges_and_spurs(skel, candidates, &mut removed, &local_period);
    bridges_and_lakes(skel, candidates, &mut removed, &local_period);
    broken_ridges(candidates, &mut removed, &local_period);
    clusters(candidates, &mut removed, &local_period);
    candidates
        .iter()
        .zip(&removed)
        .filter(|(_, r)| !**r)
        .map(|(c, _)| *c)
        .collect()
}

/// Index of the candidate of `kind` nearest to `p` within 2 pixels, if any.
fn candidate_at(candidates: &[Candidate], p: (usize, usize), kind: MinutiaKind) -> Option<usize> {
    candidates
        .iter()
        .position(|c| c.kind == kind && c.y.abs_diff(p.0) <= 2 && c.x.abs_diff(p.1) <= 2)
}

fn short_ridges_and_spurs(
    skel: &Array2<bool>,
    candidates: &[Candidate],
    removed: &mut [bool],
    local_period: &dyn Fn(&Candidate) -> f32,
) {
    for (i, c) in candidates.iter().enumerate() {
        if c.kind != MinutiaKind::Ending {
            continue;
        }
        let max = (SHORT_PERIODS * local_period(c)).round() as usize;
        let Some(&first) = branches(skel, (c.y, c.x)).first() else {
            continue;
        };
        let wk = walk(skel, (c.y, c.x), first, max, &[]);
        let partner = match wk.stop {
            Stop::Ending => candidate_at(candidates, wk.end, MinutiaKind::Ending),
            Stop::Junction => candidate_at(candidates, wk.end, MinutiaKind::Bifurcation),
            Stop::Limit => continue,
        };
        removed[i] = true;
        if let Some(j) = partner {
            removed[j] = true;
        }
    }
}

fn bridges_and_lakes(
    skel: &Array2<bool>,
    candidates: &[Candidate],
    removed: &mut [bool],
    local_period: &dyn Fn(&Candidate) -> f32,
) {
    for (i, c) in candidates.iter().enumerate() {
        if c.kind != MinutiaKind::Bifurcation {
            continue;
        }
        let max = (SHORT_PERIODS * local_period(c)).round() as usize;
        let firsts = branches(skel, (c.y, c.x));
        for &first in &firsts {
            let others: Vec<_> = firsts.iter().copied().filter(|&f| f != first).collect();
            let wk = walk(skel, (c.y, c.x), first, max, &others);
            if wk.stop != Stop::Junction {
                continue;
            }
            if let Some(j) = candidate_at(candidates, wk.end, MinutiaKind::Bifurcation)
                && j != i
            {
                removed[i] = true;
                removed[j] = true;
            }
        }
    }
}

fn angle_between(a: f32, b: f32) -> f32 {
    ((a - b + PI).rem_euclid(2.0 * PI) - PI).abs()
}

fn broken_ridges(
    candidates: &[Candidate],
    removed: &mut [bool],
    local_period: &dyn Fn(&Candidate) -> f32,
) {
    for (i, a) in candidates.iter().enumerate() {
        if a.kind != MinutiaKind::Ending || removed[i] {
            continue;
        }
        let gap = GAP_PERIODS * local_period(a);
        for (j, b) in candidates.iter().enumerate().skip(i + 1) {
            if b.kind != MinutiaKind::Ending || removed[j] {
                continue;
            }
            let (dy, dx) = (b.y as f32 - a.y as f32, b.x as f32 - a.x as f32);
            let dist = (dx * dx + dy * dy).sqrt();
            if dist > gap || dist < 1.0 {
                continue;
            }
            // Facing each other: opposite directions, and b lies behind a's ridge direction.
            let facing = angle_between(a.direction, b.direction + PI) < PI / 4.0;
            let aligned = angle_between(dy.atan2(dx), a.direction + PI) < PI / 4.0;
            if facing && aligned {
                removed[i] = true;
                removed[j] = true;
                break;
            }
        }
    }
}

fn clusters(
    candidates: &[Candidate],
    removed: &mut [bool],
    local_period: &dyn Fn(&Candidate) -> f32,
) {
    let alive: Vec<usize> = (0..candidates.len()).filter(|&i| !removed[i]).collect();
    let mut crowded = Vec::new();
    for &i in &alive {
        let a = &candidates[i];
        let r = CLUSTER_PERIODS * local_period(a);
        let near = alive
            .iter()
            .filter(|&&j| {
                let b = &candidates[j];
                j != i && {
                    let (dy, dx) = (b.y as f32 - a.y as f32, b.x as f32 - a.x as f32);
                    dx * dx + dy * dy <= r * r
                }
            })
            .count();
        if near >= CLUSTER_COUNT {
            crowded.push(i);
        }
    }
    for i in crowded {
        removed[i] = true;
    }
}
