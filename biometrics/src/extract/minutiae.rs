//! Step 9: minutiae on the skeleton by crossing number (Rutovitz): one transition around a pixel
//! is a ridge ending, three a bifurcation. Direction comes from walking the skeleton away from the
//! minutia, refined by the local orientation field. Also the skeleton walk other steps share.

use super::grid::BlockGrid;
use super::orientation::OrientationField;
use super::thin::{RING, transitions};
use crate::template::{Minutia, MinutiaKind};
use ndarray::Array2;
use std::f32::consts::PI;

/// How far (pixels) the skeleton is followed to measure a minutia's direction.
const DIRECTION_WALK: usize = 10;
/// Minimum distance (pixels) from a minutia to the background or the image edge. Ridges are cut
/// where the foreground ends, so endings right at the edge are artefacts; a bit more than one
/// ridge period clears them. Measured in pixels, not whole blocks, so the outermost foreground
/// blocks still contribute their inner half.
const MIN_EDGE_CLEARANCE: usize = 12;
/// Pixels kept clear of the image edge.
const EDGE_MARGIN: usize = 8;

/// A detected minutia with what the filters need.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub y: usize,
    pub x: usize,
    pub kind: MinutiaKind,
    /// Direction in image coordinates (y down), radians, the way the ridge (ending) or the
    /// valley between the branches (bifurcation) runs away from the minutia.
    pub direction: f32,
    pub minutia: Minutia,
}

/// Why a skeleton walk stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Reached a ridge ending.
    Ending,
    /// Reached a bifurcation (or crossing).
    Junction,
    /// Walked the allowed length.
    Limit,
}

#[derive(Debug, Clone, Copy)]
pub struct Walk {
    pub end: (usize, usize),
    #[allow(dead_code)] // kept for debugging and future rules
    pub steps: usize,
    pub stop: Stop,
}

fn ring_code(skel: &Array2<bool>, y: usize, x: usize) -> u8 {
    let (h, w) = skel.dim();
    let mut c = 0u8;
    for (i, (dy, dx)) in RING.iter().enumerate() {
        let (ny, nx) = (y as i64 + dy, x as i64 + dx);
        if ny >= 0
            && nx >= 0
            && (ny as usize) < h
            && (nx as usize) < w
            && skel[[ny as usize, nx as usize]]
        {
            c |= 1 << i;
        }
    }
    c
}

fn offset(p: (usize, usize), i: usize) -> (usize, usize) {
    let (dy, dx) = RING[i];
    ((p.0 as i64 + dy) as usize, (p.1 as i64 + dx) as usize)
}

fn adjacent(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0.abs_diff(b.0) <= 1 && a.1.abs_diff(b.1) <= 1
}

/// The first pixel of each branch leaving `p`: one per run of set neighbours around the ring,
/// preferring a 4-neighbour within the run.
pub fn branches(skel: &Array2<bool>, p: (usize, usize)) -> Vec<(usize, usize)> {
    let c = ring_code(skel, p.0, p.1);
    if c == 0 {
        return Vec::new();
    }
    if c == 0xFF {
        return Vec::new();
    }
    // Start the scan just after an unset neighbour so runs do not wrap.
    let start = (0..8).find(|&i| c >> i & 1 == 0).unwrap_or(0);
    let mut out = Vec::new();
    let mut run: Vec<usize> = Vec::new();
    for k in 1..=8 {
        let i = (start + k) % 8;
        if c >> i & 1 == 1 {
            run.push(i);
        } else if !run.is_empty() {
            let pick = run.iter().copied().find(|i| i % 2 == 0).unwrap_or(run[0]);
            out.push(offset(p, pick));
            run.clear();
        }
    }
    out
}

/// Follows the skeleton from `start` through `first` for at most `max` steps. `visited` seeds
/// the pixels the walk must not enter (e.g. the other branches of a bifurcation).
pub fn walk(
    skel: &Array2<bool>,
    start: (usize, usize),
    first: (usize, usize),
    max: usize,
    seeds: &[(usize, usize)],
) -> Walk {
    let mut visited: Vec<(usize, usize)> = Vec::with_capacity(max + 4);
    visited.push(start);
    visited.extend_from_slice(seeds);
    let (mut prev, mut cur) = (start, first);
    let mut steps = 1;
    loop {
        let c = ring_code(skel, cur.0, cur.1);
        match transitions(c) {
            0 | 1 => {
                return Walk {
                    end: cur,
                    steps,
                    stop: Stop::Ending,
                };
            }
            2 => {}
            _ => {
                return Walk {
                    end: cur,
                    steps,
                    stop: Stop::Junction,
                };
            }
        }
        if steps >= max {
            return Walk {
                end: cur,
                steps,
                stop: Stop::Limit,
            };
        }
        visited.push(cur);
        let mut next = None;
        for i in 0..8 {
            if c >> i & 1 == 0 {
                continue;
            }
            let n = offset(cur, i);
            if visited.contains(&n) {
                continue;
            }
            // A pixel next to the one we came from is a corner we cut; take it only if nothing
            // else continues the ridge.
            if adjacent(n, prev) {
                next = next.or(Some(n));
            } else {
                next = Some(n);
                break;
            }
        }
        match next {
            Some(n) => {
                prev = cur;
                cur = n;
                steps += 1;
            }
            None => {
                return Walk {
                    end: cur,
                    steps,
                    stop: Stop::Ending,
                };
            }
        }
    }
}

pub fn detect(
    skel: &Array2<bool>,
    grid: &BlockGrid,
    inner: &Array2<u8>,
    field: &OrientationField,
) -> Vec<Candidate> {
    let (h, w) = skel.dim();
    let mut found: Vec<Candidate> = Vec::new();
    for y in EDGE_MARGIN..h.saturating_sub(EDGE_MARGIN) {
        for x in EDGE_MARGIN..w.saturating_sub(EDGE_MARGIN) {
            if !skel[[y, x]] {
                continue;
            }
            if clearance(inner, grid, y, x) < MIN_EDGE_CLEARANCE {
                continue;
            }
            let kind = match transitions(ring_code(skel, y, x)) {
                1 => MinutiaKind::Ending,
                3 => MinutiaKind::Bifurcation,
                _ => continue,
            };
            // Adjacent junction pixels describe one bifurcation.
            if kind == MinutiaKind::Bifurcation
                && found.iter().rev().take(64).any(|c| {
                    c.kind == MinutiaKind::Bifurcation
                        && c.y.abs_diff(y) <= 2
                        && c.x.abs_diff(x) <= 2
                })
            {
                continue;
            }
            let Some(direction) = direction(skel, (y, x), kind, field, grid) else {
                continue;
            };
            found.push(Candidate {
                y,
                x,
                kind,
                direction,
                minutia: Minutia::new(x as u16, y as u16, -direction, kind, 0),
            });
        }
    }
    found
}

/// Distance in pixels (chessboard) from (y, x) to the nearest background block or the image
/// edge; only the neighbouring blocks are looked at, so anything from one block on is "far".
fn clearance(inner: &Array2<u8>, grid: &BlockGrid, y: usize, x: usize) -> usize {
    use super::BLOCK;
    let (by, bx) = grid.block_of(y, x);
    if inner[[by, bx]] == 0 {
        return 0;
    }
    let mut best = y
        .min(x)
        .min(grid.height - 1 - y)
        .min(grid.width - 1 - x)
        .min(BLOCK);
    if inner[[by, bx]] >= 2 {
        return best;
    }
    for ny in by.saturating_sub(1)..(by + 2).min(grid.bh) {
        for nx in bx.saturating_sub(1)..(bx + 2).min(grid.bw) {
            if inner[[ny, nx]] != 0 {
                continue;
            }
            let (ys, xs) = grid.pixels(ny, nx);
            let dy = if y < ys.start {
                ys.start - y
            } else {
                y.saturating_sub(ys.end - 1)
            };
            let dx = if x < xs.start {
                xs.start - x
            } else {
                x.saturating_sub(xs.end - 1)
            };
            best = best.min(dy.max(dx));
        }
    }
    best
}

/// Direction of the minutia in image coordinates: the skeleton walk gives the sense, the
/// orientation field the precise angle.
fn direction(
    skel: &Array2<bool>,
    p: (usize, usize),
    kind: MinutiaKind,
    field: &OrientationField,
    grid: &BlockGrid,
) -> Option<f32> {
    let firsts = branches(skel, p);
    let vector = |first: (usize, usize)| {
        let others: Vec<_> = firsts.iter().copied().filter(|&f| f != first).collect();
        let wk = walk(skel, p, first, DIRECTION_WALK, &others);
        let (vy, vx) = (wk.end.0 as f32 - p.0 as f32, wk.end.1 as f32 - p.1 as f32);
        let n = (vx * vx + vy * vy).sqrt().max(1e-6);
        (vx / n, vy / n)
    };
    let (vx, vy) = match kind {
        MinutiaKind::Ending => vector(*firsts.first()?),
        MinutiaKind::Bifurcation => {
            if firsts.len() != 3 {
                return None;
            }
            let v: Vec<(f32, f32)> = firsts.iter().map(|&f| vector(f)).collect();
            // The two branches closest in direction form the fork; the valley between them
            // runs away along their bisector.
            let pairs = [(0, 1), (0, 2), (1, 2)];
            let (a, b) = pairs.iter().copied().max_by(|&(a, b), &(c, d)| {
                let dot1 = v[a].0 * v[b].0 + v[a].1 * v[b].1;
                let dot2 = v[c].0 * v[d].0 + v[c].1 * v[d].1;
                dot1.total_cmp(&dot2)
            })?;
            (v[a].0 + v[b].0, v[a].1 + v[b].1)
        }
    };
    let theta = field.at_pixel(grid, p.0, p.1);
    let (tx, ty) = (theta.cos(), theta.sin());
    let refined = if tx * vx + ty * vy >= 0.0 {
        theta
    } else {
        theta + PI
    };
    // Trust the orientation field unless the skeleton clearly disagrees (high curvature).
    let walked = vy.atan2(vx);
    let diff = (refined - walked + PI).rem_euclid(2.0 * PI) - PI;
    Some(if diff.abs() < PI / 4.0 {
        refined
    } else {
        walked
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::segment::inner_distance;

    #[test]
    fn clearance_is_measured_in_pixels_to_the_nearest_background_block() {
        // 8×8 blocks of 16 px, one background block at (3, 3): pixels 48..64 both ways.
        let grid = BlockGrid::new(128, 128);
        let mask = Array2::from_shape_fn((8, 8), |(by, bx)| (by, bx) != (3, 3));
        let inner = inner_distance(&mask);
        assert_eq!(clearance(&inner, &grid, 40, 52), 8, "8 px above the hole");
        assert_eq!(
            clearance(&inner, &grid, 44, 44),
            4,
            "diagonal: chessboard distance"
        );
        assert_eq!(clearance(&inner, &grid, 50, 50), 0, "inside the hole");
        assert_eq!(
            clearance(&inner, &grid, 30, 52),
            16,
            "a whole block away counts as far"
        );
        assert_eq!(
            clearance(&inner, &grid, 5, 70),
            5,
            "the image edge counts too"
        );
    }
}
