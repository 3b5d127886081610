//! Global-alignment verification: the stage after LSS-R that looks at *all* minutiae.
//!
//! LSS-R scores a handful of locally consistent pairs and normalises by a fixed number of pairs,
//! so a genuine pair with little overlap (most of each print lies outside the other) looks like
//! an impostor, and a small impostor template with a few lucky pairs looks like a mate. This
//! stage asks the question a human examiner asks instead: once the prints are laid on top of each
//! other, how many of the minutiae that *could* correspond actually do?
//!
//! 1. **hypotheses**: a rigid transform (rotation + translation) from each of the best LSS-R
//!    pairs, refined by a least-squares fit on the LSS-R pairs that agree with it;
//! 2. **pairing**: every minutia of A, moved into B's frame, is paired one-to-one with the
//!    nearest unpaired minutia of B within [`DISTANCE_TOLERANCE`] and [`ANGLE_TOLERANCE`]; the
//!    transform is then refitted on all pairs and the pairing repeated ([`REFIT_ROUNDS`]).
//!    **Elastic re-pairing** ([`elastic`]), on the best hypothesis only: its pairs show how the
//!    skin was stretched (the offsets the rigid motion left); all minutiae are paired again,
//!    each candidate judged by the offset that deformation does not explain, with a tighter
//!    tolerance — when the rigid stage paired at least [`elastic::MIN_PAIRS`];
//! 3. **overlap**: the minutiae of each print that fall inside the other's (convex hull of
//!    minutiae, widened by [`HULL_MARGIN`]) — the only ones that could have been paired;
//! 4. **score**: n² / (n_A,overlap · n_B,overlap), each overlap count floored at
//!    [`MIN_OVERLAP`] so that two tiny overlaps cannot score 1 on three chance pairs; an
//!    unpaired minutia counts by its weight (the extractor's reliability: a minutia in noise is
//!    expected to miss its mate), a paired one fully.
//!
//! The best hypothesis wins. Everything is symmetric: the inverse of the A→B fit is the B→A fit,
//! distances are preserved by rigid motion, the overlap counts swap, and the elastic stage reads
//! its deformation at each candidate's midpoint so that both directions see the same one.
//!
//! The constants were chosen before looking at any FVC error rate (typical ridge period ≈ 9 px
//! at 500 ppi: 15 px is under two ridges; 30° is the usual minutia direction tolerance) and
//! then varied one at a time on FVC2002 DB1_B, where each was at or near its best; the refit
//! rounds were added afterwards (EER unchanged on DB1_B, lower on DB2_B). Every configuration
//! tried and its error rates on both sets are in BENCHMARKS.md.

use super::cylinder::{Point, angle_diff};
use super::elastic;
use crate::geometry::convex_hull;

/// Best LSS-R pairs tried as alignment hypotheses.
const HYPOTHESES: usize = 3;
/// LSS-R pairs within this distance (px) after the first alignment refine it.
const REFINE_DISTANCE: f32 = 20.0;
/// Rounds of refitting the transform on all paired minutiae and pairing again.
pub const REFIT_ROUNDS: usize = 2;
/// Two minutiae correspond when, after alignment, they lie this close (px at 500 ppi)…
pub const DISTANCE_TOLERANCE: f32 = 15.0;
/// …and their directions differ by less than this (radians, 30°).
pub const ANGLE_TOLERANCE: f32 = std::f32::consts::PI / 6.0;
/// A minutia counts as inside the other print's area up to this far outside its hull (px).
pub const HULL_MARGIN: f32 = 10.0;
/// Floor of each overlap count in the normalisation.
pub const MIN_OVERLAP: f32 = 12.0;

/// A print's geometry for alignment: all its minutiae (y-up frame) and the edges of their
/// convex hull.
#[derive(Clone, Default)]
pub struct Layout {
    pub points: Vec<Point>,
    /// How much each minutia counts when it finds no mate (its reliability), 1 when unknown.
    weights: Vec<f32>,
    /// Per hull edge (counter-clockwise): a point on it and its inward unit normal, computed
    /// once so that the many inside tests per comparison need no square roots.
    edges: Vec<[f32; 4]>,
    /// The minutiae sorted by x, as (x, index): pairing looks only at the strip within the
    /// distance tolerance of each moved minutia instead of at every minutia.
    by_x: Vec<(f32, u16)>,
}

impl Layout {
    /// An unpaired minutia `i` counts `weights[i]` (0–1) in the overlap.
    pub fn weighted(points: Vec<Point>, weights: Vec<f32>) -> Self {
        let hull = convex_hull(points.iter().map(|&(x, y, _)| (x, y)));
        let n = hull.len();
        let edges = if n < 3 {
            Vec::new()
        } else {
            (0..n)
                .map(|i| {
                    let (p, q) = (hull[i], hull[(i + 1) % n]);
                    let (ex, ey) = (q.0 - p.0, q.1 - p.1);
                    let len = ex.hypot(ey).max(f32::MIN_POSITIVE);
                    [p.0, p.1, -ey / len, ex / len]
                })
                .collect()
        };
        let mut by_x: Vec<(f32, u16)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| (p.0, i as u16))
            .collect();
        by_x.sort_unstable_by(|p, q| p.0.total_cmp(&q.0).then(p.1.cmp(&q.1)));
        Self {
            points,
            weights,
            edges,
            by_x,
        }
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.points.capacity() * std::mem::size_of::<Point>()
            + self.weights.capacity() * std::mem::size_of::<f32>()
            + self.edges.capacity() * std::mem::size_of::<[f32; 4]>()
            + self.by_x.capacity() * std::mem::size_of::<(f32, u16)>()
    }

    /// Indices of the minutiae whose x lies strictly within `reach` of `x`.
    pub(super) fn near_x(&self, x: f32, reach: f32) -> impl Iterator<Item = usize> + '_ {
        let first = self.by_x.partition_point(|&(px, _)| px <= x - reach);
        self.by_x[first..]
            .iter()
            .take_while(move |&&(px, _)| px < x + reach)
            .map(|&(_, i)| usize::from(i))
    }

    /// Whether `(x, y)` lies inside the hull or less than `margin` outside it (outside, the
    /// distance to the nearest edge *line* is used: exact near edges, which is all that
    /// matters for a margin of a few pixels). Never true for a degenerate hull.
    fn covers(&self, x: f32, y: f32, margin: f32) -> bool {
        !self.edges.is_empty()
            && self
                .edges
                .iter()
                .all(|&[px, py, nx, ny]| nx * (x - px) + ny * (y - py) > -margin)
    }
}

/// The outcome of the verification stage.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Alignment {
    /// n² / (n_A,overlap · n_B,overlap) in `[0, 1]`.
    pub score: f32,
    /// Corresponding minutiae `(index in A, index in B)`, closest first.
    pub pairs: Vec<(usize, usize)>,
    /// The A→B transform the score was measured under (`None` when no hypothesis was tried).
    pub transform: Option<Rigid>,
}

/// A rigid motion of the plane (y-up frame): rotate by `theta` about the origin, then translate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rigid {
    cos: f32,
    sin: f32,
    tx: f32,
    ty: f32,
    theta: f32,
}

impl Rigid {
    /// Rotation by `theta` radians (counter-clockwise, y up), then translation by `(tx, ty)`.
    pub fn new(theta: f32, tx: f32, ty: f32) -> Self {
        let (sin, cos) = theta.sin_cos();
        Self {
            cos,
            sin,
            tx,
            ty,
            theta,
        }
    }

    /// The rotation, radians.
    pub fn theta(&self) -> f32 {
        self.theta
    }

    /// The translation.
    pub fn translation(&self) -> (f32, f32) {
        (self.tx, self.ty)
    }

    /// Moves a point (x, y) without a direction.
    pub fn apply_xy(&self, (x, y): (f32, f32)) -> (f32, f32) {
        (
            self.cos * x - self.sin * y + self.tx,
            self.sin * x + self.cos * y + self.ty,
        )
    }

    /// Moves a minutia: its position, and its direction turned by the rotation.
    fn apply(&self, (x, y, a): Point) -> Point {
        let (x, y) = self.apply_xy((x, y));
        (x, y, a + self.theta)
    }

    pub fn invert(&self, (x, y): (f32, f32)) -> (f32, f32) {
        let (dx, dy) = (x - self.tx, y - self.ty);
        (
            self.cos * dx + self.sin * dy,
            -self.sin * dx + self.cos * dy,
        )
    }
}

/// Verifies the LSS-R `seeds` (minutia index pairs, best first) against all minutiae: the best
/// rigid alignment, then its pairs redone under the deformation they show.
pub fn verify(a: &Layout, b: &Layout, seeds: &[(usize, usize)]) -> Alignment {
    elastic_stage(a, b, rigid(a, b, seeds))
}

/// The best of the rigid alignment hypotheses.
fn rigid(a: &Layout, b: &Layout, seeds: &[(usize, usize)]) -> Alignment {
    seeds
        .iter()
        .take(HYPOTHESES)
        .map(|&seed| {
            let mut transform = hypothesis(a, b, seeds, seed);
            let mut pairs = pair_all(a, b, &transform);
            // Refit on everything paired and pair again (two rounds of iterative closest
            // points): a fit on a few seeds close together misplaces far minutiae.
            for _ in 0..REFIT_ROUNDS {
                if pairs.len() < 3 {
                    break;
                }
                transform = fit(&a.points, &b.points, &pairs);
                pairs = pair_all(a, b, &transform);
            }
            let score = overlap_score(a, b, &transform, &pairs);
            Alignment {
                score,
                pairs,
                transform: Some(transform),
            }
        })
        .fold(Alignment::default(), |best, h| {
            if h.score > best.score { h } else { best }
        })
}

/// The rigid alignment's minutiae paired again under the deformation its pairs show (see
/// [`elastic`]), scored the same way; the rigid result when it paired too few to model one.
/// The transform stays the rigid one: the overlap and the ridge flow are measured under it
/// (refitting it on the elastic pairs cost DB2_B one genuine pair).
fn elastic_stage(a: &Layout, b: &Layout, rigid: Alignment) -> Alignment {
    let Some(t) = rigid.transform else {
        return rigid;
    };
    let moved: Vec<Point> = a.points.iter().map(|&p| t.apply(p)).collect();
    let Some(pairs) = elastic::repair(&moved, b, &rigid.pairs, ANGLE_TOLERANCE) else {
        return rigid;
    };
    Alignment {
        score: overlap_score(a, b, &t, &pairs),
        pairs,
        transform: Some(t),
    }
}

/// The transform that lays `seed`'s A minutia on its B minutia, refined on the seeds that agree.
fn hypothesis(a: &Layout, b: &Layout, seeds: &[(usize, usize)], seed: (usize, usize)) -> Rigid {
    let first = fit(&a.points, &b.points, &[seed]);
    let agreeing: Vec<(usize, usize)> = seeds
        .iter()
        .copied()
        .filter(|&(i, j)| {
            distance2(first.apply(a.points[i]), b.points[j]) < REFINE_DISTANCE.powi(2)
        })
        .collect();
    if agreeing.len() >= 2 {
        fit(&a.points, &b.points, &agreeing)
    } else {
        first
    }
}

/// Least-squares rigid fit of `pairs` (2-D orthogonal Procrustes). One pair has no lever arm:
/// its rotation comes from the minutia directions instead.
fn fit(pa: &[Point], pb: &[Point], pairs: &[(usize, usize)]) -> Rigid {
    let n = pairs.len().max(1) as f32;
    let mean = |pts: &[Point], pick: &dyn Fn(&(usize, usize)) -> usize| {
        let (sx, sy) = pairs.iter().fold((0.0, 0.0), |(sx, sy), p| {
            let q = pts[pick(p)];
            (sx + q.0, sy + q.1)
        });
        (sx / n, sy / n)
    };
    let (ax, ay) = mean(pa, &|p| p.0);
    let (bx, by) = mean(pb, &|p| p.1);
    let (mut dot, mut cross, mut sin, mut cos) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    for &(i, j) in pairs {
        let (ux, uy) = (pa[i].0 - ax, pa[i].1 - ay);
        let (vx, vy) = (pb[j].0 - bx, pb[j].1 - by);
        dot += ux * vx + uy * vy;
        cross += ux * vy - uy * vx;
        let (s, c) = angle_diff(pb[j].2, pa[i].2).sin_cos();
        sin += s;
        cos += c;
    }
    let theta = if pairs.len() >= 2 && dot.hypot(cross) > 1e-3 {
        cross.atan2(dot)
    } else {
        sin.atan2(cos)
    };
    let (s, c) = theta.sin_cos();
    Rigid {
        cos: c,
        sin: s,
        tx: bx - (c * ax - s * ay),
        ty: by - (s * ax + c * ay),
        theta,
    }
}

/// One-to-one pairs of corresponding minutiae under `t`, closest first (greedy).
fn pair_all(a: &Layout, b: &Layout, t: &Rigid) -> Vec<(usize, usize)> {
    let mut candidates: Vec<(f32, usize, usize)> = Vec::new();
    for (i, &p) in a.points.iter().enumerate() {
        let moved = t.apply(p);
        for j in b.near_x(moved.0, DISTANCE_TOLERANCE) {
            let q = b.points[j];
            let d2 = distance2(moved, q);
            if d2 < DISTANCE_TOLERANCE * DISTANCE_TOLERANCE
                && angle_diff(moved.2, q.2).abs() < ANGLE_TOLERANCE
            {
                candidates.push((d2, i, j));
            }
        }
    }
    closest_first(candidates, a.points.len(), b.points.len())
}

/// One-to-one pairs from `candidates` (cost, A index, B index), lowest cost first (greedy).
/// Ties are broken by the symmetric index pair so that swapping A and B pairs the same way (and
/// by A's index last, so the order never depends on the order the candidates were found in).
pub(super) fn closest_first(
    mut candidates: Vec<(f32, usize, usize)>,
    len_a: usize,
    len_b: usize,
) -> Vec<(usize, usize)> {
    candidates.sort_unstable_by(|x, y| {
        x.0.total_cmp(&y.0)
            .then((x.1.min(x.2), x.1.max(x.2)).cmp(&(y.1.min(y.2), y.1.max(y.2))))
            .then(x.1.cmp(&y.1))
    });
    let (mut used_a, mut used_b) = (vec![false; len_a], vec![false; len_b]);
    let mut pairs = Vec::new();
    for (_, i, j) in candidates {
        if !used_a[i] && !used_b[j] {
            used_a[i] = true;
            used_b[j] = true;
            pairs.push((i, j));
        }
    }
    pairs
}

/// n² over the product of the floored overlap counts, in `[0, 1]`. A minutia in the overlap
/// that found no mate counts by its weight (an unreliable one is expected to miss).
fn overlap_score(a: &Layout, b: &Layout, t: &Rigid, pairs: &[(usize, usize)]) -> f32 {
    if pairs.is_empty() {
        return 0.0;
    }
    let (mut paired_a, mut paired_b) = (vec![false; a.points.len()], vec![false; b.points.len()]);
    for &(i, j) in pairs {
        paired_a[i] = true;
        paired_b[j] = true;
    }
    let count = |l: &Layout, paired: &[bool], inside: &dyn Fn(Point) -> bool| -> f32 {
        l.points
            .iter()
            .zip(&l.weights)
            .zip(paired)
            .filter(|((p, _), _)| inside(**p))
            .map(|((_, w), &m)| if m { 1.0 } else { *w })
            .sum()
    };
    let a_in_b = count(a, &paired_a, &|p| {
        let (x, y, _) = t.apply(p);
        b.covers(x, y, HULL_MARGIN)
    });
    let b_in_a = count(b, &paired_b, &|(x, y, _)| {
        let (x, y) = t.invert((x, y));
        a.covers(x, y, HULL_MARGIN)
    });
    // A paired minutia lies in the overlap even when the hull test says otherwise.
    let n = pairs.len() as f32;
    let floor = |v: f32| v.max(n).max(MIN_OVERLAP);
    (n * n / (floor(a_in_b) * floor(b_in_a))).min(1.0)
}

fn distance2(p: Point, q: Point) -> f32 {
    (p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every minutia at full weight.
    fn layout(points: Vec<Point>) -> Layout {
        let weights = vec![1.0; points.len()];
        Layout::weighted(points, weights)
    }

    #[test]
    fn the_hull_covers_its_inside_and_a_margin_around_it() {
        let square = layout(vec![
            (0.0, 0.0, 0.0),
            (100.0, 0.0, 0.0),
            (100.0, 100.0, 0.0),
            (0.0, 100.0, 0.0),
            (40.0, 60.0, 0.0),
        ]);
        assert!(square.covers(50.0, 50.0, 0.0));
        assert!(square.covers(108.0, 50.0, 10.0));
        assert!(!square.covers(112.0, 50.0, 10.0));
        assert!(!square.covers(50.0, -20.0, 10.0));
        assert!(!layout(vec![(0.0, 0.0, 0.0), (1.0, 1.0, 0.0)]).covers(0.5, 0.5, 10.0));
    }

    /// A scattered, irregular set of minutiae over a 300×300 px print.
    fn print() -> Vec<Point> {
        (0..40)
            .map(|i| {
                let f = i as f32;
                (
                    (f * 73.0) % 300.0,
                    -((f * 131.0 + 17.0) % 300.0),
                    (f * 2.3) % std::f32::consts::TAU,
                )
            })
            .collect()
    }

    fn moved(points: &[Point], theta: f32, tx: f32, ty: f32) -> Vec<Point> {
        let (s, c) = theta.sin_cos();
        let t = Rigid {
            cos: c,
            sin: s,
            tx,
            ty,
            theta,
        };
        points.iter().map(|&p| t.apply(p)).collect()
    }

    #[test]
    fn the_x_strip_holds_exactly_the_minutiae_within_reach() {
        let l = layout(print());
        for x in [-20.0, 0.0, 13.0, 150.0, 299.0, 320.0] {
            let mut strip: Vec<usize> = l.near_x(x, DISTANCE_TOLERANCE).collect();
            strip.sort_unstable();
            let all: Vec<usize> = (0..l.points.len())
                .filter(|&i| (l.points[i].0 - x).abs() < DISTANCE_TOLERANCE)
                .collect();
            assert_eq!(strip, all, "x = {x}");
        }
    }

    #[test]
    fn a_rotated_and_shifted_copy_pairs_every_minutia_with_itself() {
        let a = print();
        let b = moved(&a, 0.5, 80.0, -40.0);
        // Seeds: two true pairs, best first, and a wrong one.
        let r = verify(&layout(a), &layout(b), &[(3, 3), (17, 17), (5, 9)]);
        assert_eq!(r.pairs.len(), 40);
        assert!(r.pairs.iter().all(|(i, j)| i == j), "{:?}", r.pairs);
        assert!((r.score - 1.0).abs() < 1e-6, "{}", r.score);
    }

    #[test]
    fn partial_overlap_is_normalised_by_the_overlap_not_the_whole_print() {
        let full = print();
        // B is the right half of A, shifted: 20-odd minutiae in common, none elsewhere.
        let b: Vec<Point> = moved(&full, 0.0, 25.0, 0.0)
            .into_iter()
            .filter(|p| p.0 > 175.0)
            .collect();
        let a_side = layout(full.clone());
        let index_in_full = |q: &Point| {
            full.iter()
                .position(|p| (p.0 + 25.0 - q.0).abs() < 1e-3 && (p.1 - q.1).abs() < 1e-3)
                .unwrap()
        };
        let seeds: Vec<(usize, usize)> = b
            .iter()
            .enumerate()
            .take(4)
            .map(|(j, q)| (index_in_full(q), j))
            .collect();
        let r = verify(&a_side, &layout(b.clone()), &seeds);
        assert_eq!(r.pairs.len(), b.len());
        // Every B minutia is paired, and the A minutiae outside B's area are not held against it.
        assert!(
            r.score > 0.8,
            "{} with {} of {}",
            r.score,
            r.pairs.len(),
            b.len()
        );
    }

    #[test]
    fn unreliable_minutiae_without_a_mate_count_less_against_the_match() {
        let a = print();
        // B: A shifted, plus 20 minutiae of its own inside the common area (noise in B).
        let mut b = moved(&a, 0.0, 15.0, -10.0);
        b.extend((0..20).map(|i| {
            let f = i as f32;
            (40.0 + (f * 37.0) % 200.0, -(40.0 + (f * 53.0) % 200.0), f)
        }));
        let seeds = [(3, 3), (17, 17), (25, 25)];
        let score = |noise_weight: f32| {
            let weights = (0..b.len())
                .map(|j| if j < 40 { 1.0 } else { noise_weight })
                .collect();
            let r = verify(
                &layout(a.clone()),
                &Layout::weighted(b.clone(), weights),
                &seeds,
            );
            assert_eq!(r.pairs.len(), 40, "the noise takes no true minutia's place");
            r.score
        };
        // 40² / (40 · 60) with full weights, 40² / (40 · 46) at weight 0.3.
        assert!((score(1.0) - 40.0 / 60.0).abs() < 0.01, "{}", score(1.0));
        assert!((score(0.3) - 40.0 / 46.0).abs() < 0.01, "{}", score(0.3));
    }

    #[test]
    fn unrelated_prints_pair_few_minutiae() {
        let a = print();
        let b: Vec<Point> = (0..40)
            .map(|i| {
                let f = i as f32;
                (
                    (f * 47.0 + 11.0) % 300.0,
                    -((f * 89.0) % 300.0),
                    (f * 1.1) % 6.2,
                )
            })
            .collect();
        let r = verify(&layout(a), &layout(b), &[(0, 0), (1, 1), (2, 2)]);
        assert!(r.score < 0.2, "{} ({} pairs)", r.score, r.pairs.len());
    }

    #[test]
    fn swapping_the_prints_gives_the_same_score_and_pairs() {
        let a = print();
        let b: Vec<Point> = moved(&a, -0.3, 10.0, 30.0)
            .into_iter()
            .enumerate()
            // Jitter and drop some minutiae so that the fit is not exact.
            .filter(|(i, _)| i % 7 != 3)
            .map(|(i, p)| (p.0 + (i % 5) as f32 - 2.0, p.1 + (i % 3) as f32 - 1.0, p.2))
            .collect();
        let index_in_a = |j: usize| j + (j + 3) / 6;
        let seeds: Vec<(usize, usize)> =
            [0usize, 1, 2].iter().map(|&j| (index_in_a(j), j)).collect();
        let swapped: Vec<(usize, usize)> = seeds.iter().map(|&(i, j)| (j, i)).collect();
        let (la, lb) = (layout(a), layout(b));
        let ab = verify(&la, &lb, &seeds);
        let ba = verify(&lb, &la, &swapped);
        assert!(
            (ab.score - ba.score).abs() < 1e-4,
            "{} vs {}",
            ab.score,
            ba.score
        );
        let back: Vec<(usize, usize)> = ba.pairs.iter().map(|&(j, i)| (i, j)).collect();
        let mut x = ab.pairs.clone();
        let mut y = back;
        x.sort_unstable();
        y.sort_unstable();
        assert_eq!(x, y);
        assert!(ab.score > 0.7, "{}", ab.score);
    }

    /// `points` stretched by `stretch` (a fraction) about the print's centre, as a finger
    /// pressed hard spreads: far minutiae move further than any rigid motion can follow.
    fn distorted(points: &[Point], stretch: f32) -> Vec<Point> {
        let k = 1.0 + stretch;
        points
            .iter()
            .map(|&(x, y, a)| (150.0 + (x - 150.0) * k, -150.0 + (y + 150.0) * k, a))
            .collect()
    }

    #[test]
    fn a_smoothly_distorted_copy_pairs_more_minutiae_elastically_than_rigidly() {
        let a = print();
        let b = moved(&distorted(&a, 0.1), 0.4, 30.0, -20.0);
        let seeds = [(3, 3), (17, 17), (25, 25)];
        let (la, lb) = (layout(a), layout(b));
        let rigid_only = rigid(&la, &lb, &seeds);
        let elastic = verify(&la, &lb, &seeds);
        assert!(
            rigid_only.pairs.len() >= elastic::MIN_PAIRS && rigid_only.pairs.len() < 34,
            "the deformation defeats the rigid pairing: {} pairs",
            rigid_only.pairs.len()
        );
        assert!(
            elastic.pairs.len() >= rigid_only.pairs.len() + 4,
            "{} elastic vs {} rigid pairs",
            elastic.pairs.len(),
            rigid_only.pairs.len()
        );
        assert!(
            elastic.pairs.iter().all(|(i, j)| i == j),
            "{:?}",
            elastic.pairs
        );
        assert!(elastic.score > rigid_only.score);
    }

    /// A deterministic scatter of `n` minutiae over a 300×300 px print.
    fn scatter(seed: u32, n: usize) -> Vec<Point> {
        let mut next = super::super::test_templates::generator(seed);
        (0..n)
            .map(|_| {
                let (x, y) = (next(300) as f32, next(300) as f32);
                (x, -y, next(628) as f32 / 100.0)
            })
            .collect()
    }

    #[test]
    fn unrelated_prints_gain_nothing_from_the_elastic_stage() {
        let (mut rigid_total, mut elastic_total) = (0.0, 0.0);
        for seed in 0..30 {
            let (la, lb) = (layout(scatter(seed, 45)), layout(scatter(seed + 1000, 45)));
            // Chance seeds: the first three minutiae of each.
            let seeds = [(0, 0), (1, 1), (2, 2)];
            let rigid_only = rigid(&la, &lb, &seeds);
            let elastic = verify(&la, &lb, &seeds);
            assert!(
                elastic.pairs.len() <= rigid_only.pairs.len() + 2,
                "seed {seed}: {} elastic vs {} rigid pairs",
                elastic.pairs.len(),
                rigid_only.pairs.len()
            );
            rigid_total += rigid_only.score;
            elastic_total += elastic.score;
        }
        assert!(
            elastic_total <= rigid_total,
            "{elastic_total} vs {rigid_total}"
        );
    }

    #[test]
    fn swapping_distorted_prints_gives_the_same_elastic_score_and_pairs() {
        let a = print();
        let b = moved(&distorted(&a, 0.1), -0.2, 10.0, 30.0);
        let seeds = [(3, 3), (17, 17), (25, 25)];
        let (la, lb) = (layout(a), layout(b));
        let ab = verify(&la, &lb, &seeds);
        let ba = verify(&lb, &la, &seeds);
        assert!(ab.pairs.len() > rigid(&la, &lb, &seeds).pairs.len());
        assert!(
            (ab.score - ba.score).abs() < 1e-4,
            "{} vs {}",
            ab.score,
            ba.score
        );
        let mut x = ab.pairs.clone();
        let mut y: Vec<(usize, usize)> = ba.pairs.iter().map(|&(j, i)| (i, j)).collect();
        x.sort_unstable();
        y.sort_unstable();
        assert_eq!(x, y);
    }
}
