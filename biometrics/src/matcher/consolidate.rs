//! Global consolidation: Local Similarity Sort with Relaxation (LSS-R, Cappelli, Ferrara &
//! Maltoni 2010, section 4.3). Local similarities of candidate pairs are iteratively reinforced
//! by the pairs that are geometrically compatible with them (distances, relative directions and
//! radial angles agree) and weakened otherwise; the pairs that keep their similarity best form
//! the score.

use super::cylinder::{Point, angle_diff, fast_atan2};
use std::f32::consts::PI;

/// A candidate pair: indices into the two point lists, and its local similarity.
#[derive(Clone, Copy, Debug)]
pub struct Candidate {
    pub a: u16,
    pub b: u16,
    pub similarity: f32,
}

const RELAXATION_ITERATIONS: usize = 5;
const RELAXATION_WEIGHT: f32 = 0.5;
const MIN_NP: f32 = 4.0;
const MAX_NP: f32 = 12.0;
const MU_P: f32 = 20.0;
const TAU_P: f32 = 0.4;

/// The sigmoid Z(v, μ, τ) of the paper.
fn sigmoid(v: f32, mu: f32, tau: f32) -> f32 {
    1.0 / (1.0 + (-tau * (v - mu)).exp())
}

/// How many pairs form the score (n_P): 4 for tiny templates, up to 12 for rich ones.
pub fn pairs_in_score(min_count: usize) -> usize {
    (MIN_NP + (sigmoid(min_count as f32, MU_P, TAU_P) * (MAX_NP - MIN_NP)).round()) as usize
}

/// Compatibility ρ of two pairs (t: a_t↔b_t, k: a_k↔b_k); 0 when any factor is negligible.
fn compatibility(pa: &[Point], pb: &[Point], t: &Candidate, k: &Candidate) -> f32 {
    let (at, ak) = (pa[usize::from(t.a)], pa[usize::from(k.a)]);
    let (bt, bk) = (pb[usize::from(t.b)], pb[usize::from(k.b)]);
    let da = ((at.0 - ak.0).powi(2) + (at.1 - ak.1).powi(2)).sqrt();
    let db = ((bt.0 - bk.0).powi(2) + (bt.1 - bk.1).powi(2)).sqrt();
    let d1 = (da - db).abs();
    // Z(d1, 5, -8/5) < 0.002 beyond 9 px: skip the trigonometry for most pairs.
    if d1 > 9.0 {
        return 0.0;
    }
    let d2 = angle_diff(angle_diff(at.2, ak.2), angle_diff(bt.2, bk.2)).abs();
    if d2 > PI / 12.0 + 0.2 {
        return 0.0;
    }
    let radial = |m: Point, n: Point| angle_diff(m.2, fast_atan2(m.1 - n.1, m.0 - n.0));
    let d3 = angle_diff(radial(at, ak), radial(bt, bk)).abs();
    if d3 > PI / 12.0 + 0.2 {
        return 0.0;
    }
    sigmoid(d1, 5.0, -1.6) * sigmoid(d2, PI / 12.0, -30.0) * sigmoid(d3, PI / 12.0, -30.0)
}

/// Relaxes the candidate pairs and returns the score (mean relaxed similarity of the `n_p`
/// most efficient pairs, in [0, 1]) and those pairs, best first.
pub fn relax(pa: &[Point], pb: &[Point], pairs: &[Candidate], n_p: usize) -> (f32, Vec<usize>) {
    let n = pairs.len();
    if n == 0 {
        return (0.0, Vec::new());
    }
    let mut rho = vec![0f32; n * n];
    for t in 0..n {
        for k in t + 1..n {
            let r = compatibility(pa, pb, &pairs[t], &pairs[k]);
            rho[t * n + k] = r;
            rho[k * n + t] = r;
        }
    }
    let initial: Vec<f32> = pairs.iter().map(|p| p.similarity).collect();
    let mut lambda = initial.clone();
    let mut next = vec![0f32; n];
    let spread = if n > 1 { 1.0 / (n - 1) as f32 } else { 0.0 };
    for _ in 0..RELAXATION_ITERATIONS {
        for t in 0..n {
            let row = &rho[t * n..(t + 1) * n];
            let support: f32 = row.iter().zip(&lambda).map(|(r, l)| r * l).sum();
            next[t] = RELAXATION_WEIGHT * lambda[t] + (1.0 - RELAXATION_WEIGHT) * support * spread;
        }
        std::mem::swap(&mut lambda, &mut next);
    }
    let mut order: Vec<usize> = (0..n).collect();
    let efficiency = |t: usize| lambda[t] / initial[t].max(f32::MIN_POSITIVE);
    order.sort_unstable_by(|&x, &y| efficiency(y).total_cmp(&efficiency(x)));
    order.truncate(n_p);
    let score = order.iter().map(|&t| lambda[t]).sum::<f32>() / n_p.max(1) as f32;
    order.sort_unstable_by(|&x, &y| lambda[y].total_cmp(&lambda[x]));
    (score, order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n_p_grows_with_template_size() {
        assert_eq!(pairs_in_score(0), 4);
        assert_eq!(pairs_in_score(20), 8);
        assert_eq!(pairs_in_score(60), 12);
    }

    #[test]
    fn consistent_pairs_outscore_inconsistent_ones() {
        let pa: Vec<Point> = (0..8)
            .map(|i| (30.0 * i as f32, 10.0 * (i % 3) as f32, 0.3 * i as f32))
            .collect();
        // B is A translated: every pair is consistent with every other.
        let pb: Vec<Point> = pa
            .iter()
            .map(|&(x, y, a)| (x + 50.0, y - 20.0, a))
            .collect();
        let pairs: Vec<Candidate> = (0..8)
            .map(|i| Candidate {
                a: i,
                b: i,
                similarity: 0.6,
            })
            .collect();
        let (good, chosen) = relax(&pa, &pb, &pairs, 4);
        assert_eq!(chosen.len(), 4);
        // Shuffle the B side: pairs no longer agree with each other.
        let shuffled: Vec<Candidate> = (0..8)
            .map(|i| Candidate {
                a: i,
                b: (i * 3 + 1) % 8,
                similarity: 0.6,
            })
            .collect();
        let (bad, _) = relax(&pa, &pb, &shuffled, 4);
        assert!(good > 0.45 && bad < 0.35, "good {good} bad {bad}");
    }
}
