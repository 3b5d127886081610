//! 1:1 fingerprint comparison: Minutia Cylinder-Code (MCC) local descriptors in bit-vector form,
//! compared with popcount, consolidated by Local Similarity Sort with Relaxation (LSS-R).
//!
//! Pipeline of one comparison ([`PreparedTemplate::compare`]):
//! 1. **describe** (once per template, [`PreparedTemplate::new`]): one 1536-bit cylinder per
//!    minutia, encoding where and in which relative direction its neighbours lie within 70 px;
//!    invariant to rotation and translation by construction;
//! 2. **local similarities**: every cylinder of one template against every cylinder of the
//!    other (popcount of masked XORs), skipping direction differences over 90°;
//! 3. **candidate pairing**: the most similar pairs, one-to-one (each minutia used once), as
//!    many as the smaller template has cylinders;
//! 4. **relaxation**: each pair's similarity is reinforced by pairs whose distances and
//!    angles agree with it (this is where elastic distortion is tolerated and chance local
//!    matches die out);
//! 5. **local score**: the mean relaxed similarity of the 4–12 most efficient pairs;
//! 6. **global verification** ([`align`]): rigid alignments from the best relaxed pairs, all
//!    minutiae paired within 15 px / 30°, then paired again under the deformation those pairs
//!    show (within 10 px of what it explains, [`elastic`]), scored by n² / (n_A · n_B) over the
//!    minutiae that lie
//!    in the common area — a low-overlap mate is not penalised for what the other print never
//!    saw, and a small impostor template is not flattered by a few chance pairs; an unpaired
//!    minutia the extractor rated unreliable counts less ([`miss_weights`]);
//! 7. **ridge flow** ([`flow`]): when both templates carry a coarse orientation field
//!    ([`Template::orientation`]), how well the two prints' ridge directions agree over their
//!    overlap under that alignment — evidence from the whole finger, not only its minutiae;
//! 8. **score**: the product of the three.
//!
//! ## Score scale
//! The score lies in `[0, 1]`: the LSS-R mean relaxed similarity times the overlap-normalised
//! fraction of corresponding minutiae times the flow factor `max(r, 0)²` (r: mean cos 2Δθ of
//! the ridge directions over the overlapping cells, 1 when parallel everywhere; the factor is 1
//! when fewer than [`FLOW_MIN_CELLS`] cells overlap). 0 means nothing in common, 1 means
//! identical templates. Impostor scores are small: on FVC 2002 DB1_B/DB2_B (all 2,880 impostor
//! pairs each, with `biometrics::extract`) FMR = 1 % is reached at 0.0043/0.0031 and FMR =
//! 0.1 % at 0.0059/0.0046 (0.0048/0.0041 and 0.0086/0.0058 before the elastic re-pairing of
//! round 8); genuine scores spread from there up to about 0.5. Operating
//! thresholds are not guessed: they are read off measured impostor score distributions for a
//! target false match rate ([`crate::eval::threshold_for_fmr`], `fvc-eval` prints them). No
//! code in the workspace hard-codes a threshold on this scale (the 1:N index ranks by score).
//!
//! **Mixed comparisons**: the flow factor applies only when *both* templates have a field;
//! otherwise the score is the minutiae score alone (factor 1). Templates from minutiae-only
//! records (ISO/IEC 19794-2, ANSI/NIST-ITL type 9, the card's DG3, a version 1 index file) have
//! no field, so comparing one of them with an extracted template scores on minutiae alone. The
//! factor is at most 1, so a pair never scores lower without the flow than with it: impostor
//! scores of mixed pairs follow the minutiae score alone (FMR = 1 % at 0.0053/0.0045 on the
//! same sets, `examples/flow_study` row "no flow"), and a threshold read off flow-on-both-sides
//! impostors (0.0043/0.0031 for 1 %) admits more false matches among mixed pairs than its
//! nominal FMR. Read a threshold off impostors of the same kind as the pairs it will judge.
//!
//! The comparison is symmetric up to ties: `compare(a, b)` and `compare(b, a)` give the same
//! score, with the pairs swapped.

mod align;
mod consolidate;
mod cylinder;
mod elastic;
mod flow;

use crate::template::{OrientationField, Template};
pub use align::Rigid;
use consolidate::Candidate;
pub(crate) use cylinder::set_bits;
pub use cylinder::{Cylinder, RADIUS};
pub use flow::{
    Agreement, MIN_CELLS as FLOW_MIN_CELLS, SHARPNESS as FLOW_SHARPNESS,
    agreement as flow_agreement,
};

/// The outcome of one comparison.
#[derive(Clone, PartialEq)]
pub struct MatchResult {
    /// Similarity in `[0, 1]` (see the module docs for the scale).
    pub score: f32,
    /// Matched minutiae as `(index in the first template, index in the second)`, best first:
    /// all minutiae that correspond under the best global alignment, closest first (the LSS-R
    /// pairs when no alignment pairs anything).
    pub pairs: Vec<(usize, usize)>,
}

/// Pair indices are not biometric data, but the score is enough for logs.
impl std::fmt::Debug for MatchResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchResult")
            .field("score", &self.score)
            .field("pairs", &self.pairs.len())
            .finish()
    }
}

/// A template with its descriptors computed, ready for many comparisons.
#[derive(Clone)]
pub struct PreparedTemplate {
    cylinders: Vec<Cylinder>,
    /// Position and direction of each cylinder's minutia (y-up frame), for relaxation.
    points: Vec<cylinder::Point>,
    /// All minutiae and their convex hull, for the global-alignment verification.
    layout: align::Layout,
    /// The template's coarse ridge flow, when it has one.
    flow: Option<OrientationField>,
}

/// What each stage of one comparison found, before they are fused into the score (for studies
/// of the fusion; [`PreparedTemplate::compare`] is the comparison).
#[derive(Clone, Debug, PartialEq)]
pub struct Stages {
    /// LSS-R mean relaxed similarity.
    pub local: f32,
    /// Global-alignment verification score.
    pub global: f32,
    /// Ridge-flow agreement under the alignment, when both templates have a field and an
    /// alignment was found.
    pub flow: Option<Agreement>,
    /// The A→B alignment (y-up frame) the global score and the flow were measured under.
    pub transform: Option<Rigid>,
    /// As [`MatchResult::pairs`].
    pub pairs: Vec<(usize, usize)>,
}

/// Descriptors are biometric data: the debug form shows only how many there are.
impl std::fmt::Debug for PreparedTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedTemplate")
            .field("cylinders", &self.cylinders.len())
            .finish()
    }
}

/// Compares two templates (prepares both; use [`PreparedTemplate`] to compare one many times).
pub fn compare(a: &Template, b: &Template) -> MatchResult {
    PreparedTemplate::new(a).compare(&PreparedTemplate::new(b))
}

impl PreparedTemplate {
    /// Computes the cylinders of every minutia that has enough valid context.
    pub fn new(template: &Template) -> Self {
        let all = cylinder::points(template);
        let cylinders = cylinder::cylinders(&all);
        let points = cylinders.iter().map(|c| (c.x, c.y, c.angle)).collect();
        Self {
            cylinders,
            points,
            layout: align::Layout::weighted(all, miss_weights(template)),
            flow: template.orientation.clone(),
        }
    }

    /// Number of valid cylinders (minutiae that take part in matching).
    pub fn len(&self) -> usize {
        self.cylinders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cylinders.is_empty()
    }

    /// The cylinders, for the 1:N index's hashing.
    pub fn cylinders(&self) -> &[Cylinder] {
        &self.cylinders
    }

    /// Each cylinder's minutia as `(x, y, angle)` in the cylinders' y-up frame, in cylinder
    /// order: the cylinders' geometry without their bits (a few cache lines per template).
    pub fn points(&self) -> &[(f32, f32, f32)] {
        &self.points
    }

    /// Heap bytes held by the descriptors. The ridge flow is not among them: it is shared with
    /// the template this was prepared from, and counted there.
    pub fn heap_bytes(&self) -> usize {
        self.cylinders.capacity() * std::mem::size_of::<Cylinder>()
            + self.points.capacity() * std::mem::size_of::<cylinder::Point>()
            + self.layout.heap_bytes()
    }

    /// Compares with another prepared template.
    pub fn compare(&self, other: &PreparedTemplate) -> MatchResult {
        let stages = self.stages(other);
        MatchResult {
            score: fuse(&stages),
            pairs: stages.pairs,
        }
    }

    /// Runs every stage of a comparison and returns their results unfused.
    pub fn stages(&self, other: &PreparedTemplate) -> Stages {
        let n_r = self.len().min(other.len());
        if n_r == 0 {
            return Stages {
                local: 0.0,
                global: 0.0,
                flow: None,
                transform: None,
                pairs: Vec::new(),
            };
        }
        let local = self.local_similarities(other);
        let candidates = pair_one_to_one(local, self.len(), other.len(), n_r);
        let n_p = consolidate::pairs_in_score(n_r);
        let (local_score, chosen) =
            consolidate::relax(&self.points, &other.points, &candidates, n_p);
        let pairs: Vec<(usize, usize)> = chosen
            .into_iter()
            .map(|t| {
                let c = candidates[t];
                (
                    usize::from(self.cylinders[usize::from(c.a)].minutia),
                    usize::from(other.cylinders[usize::from(c.b)].minutia),
                )
            })
            .collect();
        let global = align::verify(&self.layout, &other.layout, &pairs);
        let flow = match (&self.flow, &other.flow, &global.transform) {
            (Some(a), Some(b), Some(t)) => Some(flow::agreement(a, b, t)),
            _ => None,
        };
        Stages {
            local: local_score,
            global: global.score,
            flow,
            transform: global.transform,
            // The aligned pairs are the ones the score counts (and usually more than LSS-R's
            // 4–12); without an alignment, LSS-R's pairs are still the best evidence to show.
            pairs: if global.pairs.is_empty() {
                pairs
            } else {
                global.pairs
            },
        }
    }

    /// The non-zero entries of the local similarity matrix.
    fn local_similarities(&self, other: &PreparedTemplate) -> Vec<Candidate> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512vpopcntdq")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            // SAFETY: the CPU supports every feature the function enables, checked just above.
            return unsafe { local_similarities_avx512(self, other) };
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU supports popcnt, checked just above.
            return unsafe { local_similarities_popcnt(self, other) };
        }
        local_similarities_portable(self, other)
    }
}

/// Minutiae rated below this quality by the extractor (ISO/IEC 19794-2 scale, 1–100) are mostly
/// noise: with our extractor, about one in ten of those below 2 and four in ten of those below 10
/// lie where a strong reference extractor finds a minutia, against nine in ten above 30.
const RELIABLE_QUALITY: f32 = 5.0;
/// What an unpaired minutia of quality 1 still counts in the overlap (1 at `RELIABLE_QUALITY`).
const UNRELIABLE_WEIGHT: f32 = 0.3;

/// How much each minutia counts in the overlap when it finds no mate: an unreliable one is
/// expected to miss, so its absence says less against a match than a reliable one's. Removing
/// such minutiae outright, or discounting them as matches too, raised the FVC2002 DB1_B EER
/// (a false minutia that recurs in every impression still helps); discounting only misses
/// lowered DB2_B's EER from 2.50 % to 1.92 % with DB1_B's unchanged (1.07 → 1.06 %). The two
/// constants were varied on both sets: floors 0–0.5 and full weight at quality 3–8 all gave
/// DB2_B 1.78–2.18 % and DB1_B 1.06 %; discounting higher qualities (full weight at 20–60) cost
/// DB1_B up to 0.7 points.
/// Quality 0 means "not reported" (ISO/IEC 19794-2) and counts fully.
fn miss_weights(template: &Template) -> Vec<f32> {
    template
        .minutiae
        .iter()
        .map(|m| match m.quality {
            0 => 1.0,
            q => {
                let reliability = (f32::from(q) / RELIABLE_QUALITY).min(1.0);
                UNRELIABLE_WEIGHT + (1.0 - UNRELIABLE_WEIGHT) * reliability
            }
        })
        .collect()
}

/// The comparison score from the stages: the product, so that a pair must be both locally
/// consistent (LSS-R) and globally aligned over its common area (verification) to score high.
/// Either stage alone separates worse on FVC2002 DB1_B (EER 3.20 % and 1.78 % vs 1.43 %,
/// measured before the refit rounds were added). The ridge-flow factor multiplies in when both
/// templates carry a field (1 otherwise, and with too little overlap).
fn fuse(stages: &Stages) -> f32 {
    stages.local * stages.global * stages.flow.map_or(1.0, |a| a.factor())
}

/// The local similarity matrix, compiled with the hardware popcount instruction: the x86-64
/// baseline lacks it and `count_ones` then costs a dozen instructions per word, which made
/// this loop eight times slower.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn local_similarities_popcnt(a: &PreparedTemplate, b: &PreparedTemplate) -> Vec<Candidate> {
    local_similarities_portable(a, b)
}

/// The same loop where the CPU counts bits in whole vectors: a cylinder layer's 256 bits are one
/// AVX-512 register, so each layer takes three vector popcounts instead of twelve scalar ones.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt,avx2,avx512f,avx512vl,avx512vpopcntdq")]
fn local_similarities_avx512(a: &PreparedTemplate, b: &PreparedTemplate) -> Vec<Candidate> {
    local_similarities_portable(a, b)
}

#[inline(always)]
fn local_similarities_portable(a: &PreparedTemplate, b: &PreparedTemplate) -> Vec<Candidate> {
    let mut out = Vec::with_capacity(a.len() * b.len() / 2);
    for (i, ca) in a.cylinders.iter().enumerate() {
        for (j, cb) in b.cylinders.iter().enumerate() {
            let similarity = cylinder::similarity(ca, cb);
            if similarity > 0.0 {
                out.push(Candidate {
                    a: i as u16,
                    b: j as u16,
                    similarity,
                });
            }
        }
    }
    out
}

/// The `n_r` most similar pairs, taking each cylinder at most once (greedy, best first; ties
/// broken by index so that swapping the templates gives the same pairs).
fn pair_one_to_one(
    local: Vec<Candidate>,
    len_a: usize,
    len_b: usize,
    n_r: usize,
) -> Vec<Candidate> {
    // Sort plain u64 keys (similarity bits above a symmetric tie-break) rather than structs
    // with a float comparator, and only the head that the greedy pass usually consumes.
    let mut keys: Vec<u64> = local
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let tie = u64::from(c.a.min(c.b)) << 8 | u64::from(c.a.max(c.b));
            (u64::from(c.similarity.to_bits()) << 32)
                | ((!tie & 0xFFFF) << 16)
                | (i as u64 & 0xFFFF)
        })
        .collect();
    let head = (4 * n_r).min(keys.len());
    if head < keys.len() {
        keys.select_nth_unstable_by(head, |x, y| y.cmp(x));
    }
    keys[..head].sort_unstable_by(|x, y| y.cmp(x));
    let (mut used_a, mut used_b) = (vec![false; len_a], vec![false; len_b]);
    let mut out = Vec::with_capacity(n_r);
    let mut take = |keys: &[u64], out: &mut Vec<Candidate>| {
        for &k in keys {
            let c = local[(k & 0xFFFF) as usize];
            let (a, b) = (usize::from(c.a), usize::from(c.b));
            if used_a[a] || used_b[b] {
                continue;
            }
            used_a[a] = true;
            used_b[b] = true;
            out.push(c);
            if out.len() == n_r {
                return;
            }
        }
    };
    take(&keys[..head], &mut out);
    if out.len() < n_r && head < keys.len() {
        let tail = &mut keys[head..];
        tail.sort_unstable_by(|x, y| y.cmp(x));
        take(tail, &mut out);
    }
    out
}

#[cfg(test)]
mod miss_weight_tests {
    use super::*;
    use crate::template::{FingerPosition, Minutia, MinutiaKind};

    #[test]
    fn only_minutiae_rated_unreliable_count_less_and_unreported_quality_counts_fully() {
        let template = Template {
            width: 300,
            height: 300,
            ppi: 500,
            position: FingerPosition::Unknown,
            quality: 50,
            minutiae: [0u8, 1, 3, 5, 80]
                .iter()
                .map(|&q| Minutia::new(10, 10, 0.0, MinutiaKind::Ending, q))
                .collect(),
            orientation: None,
        };
        let w = miss_weights(&template);
        assert_eq!(w[0], 1.0, "0 = not reported (ISO/IEC 19794-2)");
        assert!((w[1] - (0.3 + 0.7 * 0.2)).abs() < 1e-6, "{}", w[1]);
        assert!(w[1] < w[2] && w[2] < 1.0, "{w:?}");
        assert_eq!(&w[3..], &[1.0, 1.0]);
    }
}

#[cfg(test)]
mod test_templates {
    use crate::template::{FingerPosition, Minutia, MinutiaKind, Template};

    /// A small deterministic generator: each call gives a number below `range`.
    pub fn generator(seed: u32) -> impl FnMut(u32) -> u32 {
        let mut state = seed;
        move |range| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 8) % range
        }
    }

    /// `n` minutiae scattered by [`generator`] over a 340×400 px print, shifted right by `shift`
    /// px.
    pub fn scattered(seed: u32, n: usize, shift: u16) -> Template {
        let mut next = generator(seed);
        let minutiae = (0..n)
            .map(|_| {
                let (x, y) = (40 + next(240) as u16 + shift, 40 + next(320) as u16);
                let angle = next(628) as f32 / 100.0;
                Minutia::new(x, y, angle, MinutiaKind::Ending, 60)
            })
            .collect();
        Template {
            width: 340,
            height: 400,
            ppi: 500,
            position: FingerPosition::Unknown,
            quality: 60,
            minutiae,
            orientation: None,
        }
    }
}

#[cfg(test)]
mod popcount_path_tests {
    use super::test_templates::scattered;
    use super::*;

    fn bits(v: Vec<Candidate>) -> Vec<(u16, u16, u32)> {
        v.into_iter()
            .map(|c| (c.a, c.b, c.similarity.to_bits()))
            .collect()
    }

    /// The vector-popcount and scalar-popcount builds of the similarity loop must agree bit for
    /// bit with the portable one (bit counts are exact, so any difference is a bug).
    #[test]
    fn every_popcount_path_gives_the_same_similarities() {
        let a = PreparedTemplate::new(&scattered(7, 45, 0));
        // The same finger shifted: many similar cylinders, and some that differ.
        let mut moved = scattered(7, 45, 0);
        moved.minutiae.truncate(35);
        for m in &mut moved.minutiae {
            m.x += 9;
        }
        let b = PreparedTemplate::new(&moved);
        let portable = bits(local_similarities_portable(&a, &b));
        assert!(
            portable.len() > 100,
            "too few pairs to compare: {}",
            portable.len()
        );
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("popcnt") {
                // SAFETY: feature checked just above.
                let scalar = bits(unsafe { local_similarities_popcnt(&a, &b) });
                assert_eq!(scalar, portable);
            }
            if std::arch::is_x86_feature_detected!("avx512vpopcntdq")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                // SAFETY: features checked just above.
                let vector = bits(unsafe { local_similarities_avx512(&a, &b) });
                assert_eq!(vector, portable);
            }
        }
    }
}

#[cfg(test)]
mod flow_fusion_tests {
    use super::test_templates::scattered;
    use super::*;

    /// A field with the same ridge direction (`code`) everywhere.
    fn uniform(code: u8) -> Option<OrientationField> {
        OrientationField::new(16, 22, 25, vec![code; 22 * 25]).ok()
    }

    fn with_flow(t: &Template, flow: Option<OrientationField>) -> PreparedTemplate {
        PreparedTemplate::new(&Template {
            orientation: flow,
            ..t.clone()
        })
    }

    /// The 1:N index keeps each finger's template and its prepared template: the ridge flow
    /// must be held once, not copied into the prepared one.
    #[test]
    fn a_prepared_template_shares_the_templates_ridge_flow() {
        let mut t = scattered(7, 45, 0);
        t.orientation = uniform(20);
        let prepared = PreparedTemplate::new(&t);
        let (Some(own), Some(held)) = (&t.orientation, &prepared.flow) else {
            panic!("the flow was lost on preparation");
        };
        assert!(std::ptr::eq(own.codes(), held.codes()));
    }

    #[test]
    fn without_a_field_on_either_side_the_score_is_the_minutiae_score() {
        let (a, b) = (scattered(7, 45, 0), scattered(7, 45, 9));
        let plain = with_flow(&a, None).compare(&with_flow(&b, None));
        let stages = with_flow(&a, None).stages(&with_flow(&b, None));
        assert!(plain.score > 0.1, "{}", plain.score);
        assert_eq!(stages.flow, None);
        assert_eq!(plain.score, stages.local * stages.global);
        // One side with a field is a mixed comparison: the flow is not used.
        let mixed = with_flow(&a, uniform(10)).compare(&with_flow(&b, None));
        assert_eq!(mixed.score, plain.score);
        let mixed = with_flow(&a, None).compare(&with_flow(&b, uniform(10)));
        assert_eq!(mixed.score, plain.score);
    }

    #[test]
    fn agreeing_flow_keeps_the_score_and_perpendicular_flow_removes_it() {
        let (a, b) = (scattered(7, 45, 0), scattered(7, 45, 9));
        let plain = with_flow(&a, None).compare(&with_flow(&b, None)).score;
        let stages = with_flow(&a, uniform(10)).stages(&with_flow(&b, uniform(10)));
        let flow = stages
            .flow
            .expect("both sides have a field and an alignment");
        assert!(flow.cells >= FLOW_MIN_CELLS, "{flow:?}");
        assert!(flow.mean().unwrap() > 0.99, "{flow:?}");
        let same = with_flow(&a, uniform(10)).compare(&with_flow(&b, uniform(10)));
        assert!(
            (same.score - plain).abs() < 0.02 * plain,
            "{} vs {plain}",
            same.score
        );
        // Ridges crossing at right angles under the same alignment: not the same finger.
        let crossed = with_flow(&a, uniform(10)).compare(&with_flow(&b, uniform(10 + 64)));
        assert!(crossed.score < 1e-6, "{}", crossed.score);
        assert_eq!(
            crossed.pairs, same.pairs,
            "the pairs shown stay the minutiae's"
        );
    }
}
