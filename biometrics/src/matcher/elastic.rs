//! Elastic (distortion-tolerant) re-pairing after the rigid alignment.
//!
//! A finger pressed hard or dragged is stretched unevenly: under the best rigid motion, the
//! minutiae of one region land several pixels off their mates in one direction and those of
//! another region in another, so some true pairs fall outside the rigid pairing tolerance.
//! Bazen & Gerez ("Fingerprint matching by thin-plate spline modelling of elastic
//! deformations", Pattern Recognition 36, 2003) model the deformation from the rigidly paired
//! minutiae and pair again under the model with a tighter tolerance.
//!
//! The model here is the *residual field* of the rigid pairs: at each pair's midpoint (in B's
//! frame) the displacement `b − T(a)` the rigid motion left. The field at any point is a smooth,
//! regularised interpolation of those residuals ([`Model`]). A candidate pair (a_i, b_j) is
//! judged by what the field does not explain: `e = b_j − T(a_i) − d(q)`, with the field read at
//! the candidate's own midpoint q, so that swapping the prints gives the same |e| (every
//! quantity is then the rigid image of its counterpart, and the field's interpolation depends
//! only on distances).
//!
//! Regularisation is what keeps impostors from gaining: a field interpolated exactly through a
//! handful of chance residuals could pull any minutia onto any other. The field is shrunk
//! towards zero where few pairs are near ([`SHRINK`]), and the stage runs only when the rigid
//! stage paired at least [`MIN_PAIRS`] minutiae.
//!
//! The model is the cheap, local one of the two Bazen & Gerez-style choices (a thin-plate
//! spline needs an (n+3)² solve per comparison; this needs a few hundred exponentials): a
//! Nadaraya–Watson mean of the residuals with a prior of zero deformation. Every constant below
//! was written down before the first FVC run and kept as written, except [`ROUNDS`] (2 → 1,
//! for speed at identical error rates). Measured on FVC2002 DB1_B /
//! DB2_B (all pairs, BENCHMARKS.md "Round 8 (`tps8`)"): the EERs do not move (0.35 % / 0.70 %);
//! FMR1000 falls from 1.07 % to 0.36 % and from 2.14 % to 1.07 %. Most of that gain comes from
//! the tighter tolerance (a second rigid pairing at 10 px, field switched off, gives 0.71 % /
//! 1.43 %); the field adds one genuine pair on each set.

use super::align::{Layout, closest_first};
use super::cylinder::{Point, angle_diff};
/// Rigid pairs needed before a deformation is modelled from them.
pub const MIN_PAIRS: usize = 8;
/// Gaussian width of the field's interpolation (px at 500 ppi): about four ridge periods, the
/// scale over which skin stretches smoothly.
pub const SIGMA: f32 = 40.0;
/// Weight of the prior "no deformation" in the field's mean: a point near one pair gets
/// 1 / (1 + SHRINK) of its residual, a point near many pairs nearly their mean residual.
pub const SHRINK: f32 = 1.0;
/// A candidate's rigid offset must lie within this (px) for the field to be asked about it.
pub const SEARCH: f32 = 25.0;
/// Two minutiae correspond when the field explains their offset to within this (px).
pub const TOLERANCE: f32 = 10.0;
/// Rounds of modelling the field from the current pairs and pairing again. Written down as 2;
/// 1 and 3 gave the same error rates on both FVC sets, and each round costs about a quarter of
/// a synthetic mate's comparison time, so 1 it is.
pub const ROUNDS: usize = 1;

/// One node of the residual field: a pair's midpoint and the offset the rigid motion left.
#[derive(Clone, Copy, Debug)]
struct Node {
    x: f32,
    y: f32,
    dx: f32,
    dy: f32,
}

/// The residual field of a set of pairs (positions in B's frame).
pub struct Model {
    nodes: Vec<Node>,
}

impl Model {
    /// The field of `pairs` between `moved` (A's minutiae under the rigid motion) and `b`.
    pub fn fit(moved: &[Point], b: &[Point], pairs: &[(usize, usize)]) -> Self {
        let nodes = pairs
            .iter()
            .map(|&(i, j)| {
                let (p, q) = (moved[i], b[j]);
                Node {
                    x: 0.5 * (p.0 + q.0),
                    y: 0.5 * (p.1 + q.1),
                    dx: q.0 - p.0,
                    dy: q.1 - p.1,
                }
            })
            .collect();
        Self { nodes }
    }

    /// The field's displacement at `(x, y)`: a Gaussian-weighted mean of the residuals, shrunk
    /// towards zero by [`SHRINK`]. Nodes beyond [`CUTOFF`] σ weigh under 0.04 % and are skipped.
    pub fn at(&self, x: f32, y: f32) -> (f32, f32) {
        let k = -0.5 / (SIGMA * SIGMA);
        let reach2 = (CUTOFF * SIGMA).powi(2);
        let (mut sw, mut sx, mut sy) = (SHRINK, 0.0f32, 0.0f32);
        for n in &self.nodes {
            let d2 = (n.x - x).powi(2) + (n.y - y).powi(2);
            if d2 < reach2 {
                let w = exp_nonpositive(k * d2);
                sw += w;
                sx += w * n.dx;
                sy += w * n.dy;
            }
        }
        (sx / sw, sy / sw)
    }
}

/// Gaussian weights beyond this many σ are left out of the field.
const CUTOFF: f32 = 4.0;

/// e^x for x in [−8, 0] (the weights within [`CUTOFF`]) to a relative error under 2·10⁻⁴: 2^f
/// by its degree-5 Taylor polynomial on the fraction, the integer part put into the exponent
/// bits. The library exp was a third of a comparison's time on synthetic mates.
fn exp_nonpositive(x: f32) -> f32 {
    let t = x.max(-16.0) * std::f32::consts::LOG2_E;
    let n = t.floor();
    let f = t - n;
    let p = 1.0
        + f * (std::f32::consts::LN_2
            + f * (0.240_226_5 + f * (0.055_504_1 + f * (0.009_618_1 + f * 0.001_333_4))));
    // n ≥ −24, so the biased exponent n + 127 stays a normal float's.
    p * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

/// A B minutia within [`SEARCH`] px and the angle tolerance of a moved A minutia: the pair's
/// offset and midpoint, which the rounds re-judge under each new field.
#[derive(Clone, Copy)]
struct Candidate {
    i: usize,
    j: usize,
    offset: (f32, f32),
    mid: (f32, f32),
}

/// Every candidate pair, found once (the rigid motion does not change between rounds).
fn candidates(moved: &[Point], b: &Layout, angle_tolerance: f32) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (i, &p) in moved.iter().enumerate() {
        for j in b.near_x(p.0, SEARCH) {
            let q = b.points[j];
            let offset = (q.0 - p.0, q.1 - p.1);
            if offset.0 * offset.0 + offset.1 * offset.1 < SEARCH * SEARCH
                && angle_diff(p.2, q.2).abs() < angle_tolerance
            {
                out.push(Candidate {
                    i,
                    j,
                    offset,
                    mid: (0.5 * (p.0 + q.0), 0.5 * (p.1 + q.1)),
                });
            }
        }
    }
    out
}

/// One-to-one pairs among `candidates` whose offset the field explains to within
/// [`TOLERANCE`], best explained first (greedy, ties broken as in the rigid pairing so that
/// swapping the prints pairs the same way).
fn pair(
    candidates: &[Candidate],
    len_a: usize,
    len_b: usize,
    model: &Model,
) -> Vec<(usize, usize)> {
    let judged: Vec<(f32, usize, usize)> = candidates
        .iter()
        .filter_map(|c| {
            let (fx, fy) = model.at(c.mid.0, c.mid.1);
            let e2 = (c.offset.0 - fx).powi(2) + (c.offset.1 - fy).powi(2);
            (e2 < TOLERANCE * TOLERANCE).then_some((e2, c.i, c.j))
        })
        .collect();
    closest_first(judged, len_a, len_b)
}

/// Pairs again under the residual field of `rigid_pairs`, [`ROUNDS`] times; `None` when there
/// are too few rigid pairs to model a deformation.
pub fn repair(
    moved: &[Point],
    b: &Layout,
    rigid_pairs: &[(usize, usize)],
    angle_tolerance: f32,
) -> Option<Vec<(usize, usize)>> {
    if rigid_pairs.len() < MIN_PAIRS {
        return None;
    }
    let candidates = candidates(moved, b, angle_tolerance);
    let mut pairs = rigid_pairs.to_vec();
    for _ in 0..ROUNDS {
        let model = Model::fit(moved, &b.points, &pairs);
        pairs = pair(&candidates, moved.len(), b.points.len(), &model);
        if pairs.len() < MIN_PAIRS {
            break;
        }
    }
    Some(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_is_the_shrunk_mean_residual_near_pairs_and_nothing_far_from_them() {
        // Four pairs at one place, each left (6, −3) off by the rigid motion.
        let moved: Vec<Point> = (0..4).map(|i| (100.0 + i as f32, 50.0, 0.0)).collect();
        let b: Vec<Point> = moved.iter().map(|p| (p.0 + 6.0, p.1 - 3.0, 0.0)).collect();
        let pairs: Vec<(usize, usize)> = (0..4).map(|i| (i, i)).collect();
        let model = Model::fit(&moved, &b, &pairs);
        let (dx, dy) = model.at(104.5, 48.5);
        // Four nodes at weight ≈ 1 against the prior's SHRINK = 1: about 4/5 of the residual.
        assert!(
            (dx - 6.0 * 0.8).abs() < 0.1 && (dy + 3.0 * 0.8).abs() < 0.1,
            "{dx} {dy}"
        );
        let (fx, fy) = model.at(400.0, 50.0);
        assert!(fx.abs() < 1e-3 && fy.abs() < 1e-3, "{fx} {fy}");
    }

    #[test]
    fn the_fast_exponential_is_within_two_parts_in_ten_thousand() {
        for k in 0..=1600 {
            let x = -(k as f32) * 0.005;
            let (fast, exact) = (exp_nonpositive(x), x.exp());
            assert!(
                (fast - exact).abs() <= 2e-4 * exact,
                "{x}: {fast} vs {exact}"
            );
        }
    }

    #[test]
    fn too_few_rigid_pairs_model_no_deformation() {
        let moved: Vec<Point> = (0..10).map(|i| (30.0 * i as f32, 0.0, 0.0)).collect();
        let pairs: Vec<(usize, usize)> = (0..MIN_PAIRS - 1).map(|i| (i, i)).collect();
        let b = Layout::weighted(moved.clone(), vec![1.0; moved.len()]);
        assert!(repair(&moved, &b, &pairs, 0.5).is_none());
        let enough: Vec<(usize, usize)> = (0..MIN_PAIRS).map(|i| (i, i)).collect();
        assert_eq!(repair(&moved, &b, &enough, 0.5).map(|p| p.len()), Some(10));
    }
}
