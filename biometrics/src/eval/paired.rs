//! Is one engine's EER lower than another's on the same set, or is the difference one finger's
//! luck? An FVC B set has 10 fingers, and a 0.2-point EER gap can be a single genuine pair, so
//! a bare comparison of two EERs says little.
//!
//! The paired subsets bootstrap (Bolle, Ratha & Pankanti, *Guide to Biometrics*, 2004, and
//! "Evaluation techniques for biometrics-based authentication systems", ICPR 2000) answers it:
//! the *fingers* are drawn again with replacement, because the pairs that share a finger are
//! not independent; both engines are scored on the same draw, so what one finger does to both
//! cancels out of their difference. Leaving each finger out in turn shows which finger decides
//! the comparison.
//!
//! Scores come in as score files, one compared pair per line, which `fvc-eval --scores` and the
//! peer harnesses in `benches/peers/` write: `101_1 101_2 0.01234` (whitespace between the
//! fields; blank lines and lines starting with `#` are skipped).

use super::{FvcId, eer, parse_fvc_name};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Why a score file or a pair of them cannot be compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreFileError {
    #[error(
        "baris {line}: harus `N_M N_M skor` / line {line}: expected `N_M N_M score`, found {found:?}"
    )]
    Malformed { line: usize, found: String },
    #[error("baris {line}: pasangan muncul dua kali / line {line}: the pair appears twice")]
    Duplicate { line: usize },
    #[error(
        "baris {line}: gambar dibandingkan dengan dirinya sendiri / line {line}: an image compared with itself"
    )]
    SelfPair { line: usize },
    #[error(
        "kedua berkas skor tidak memuat pasangan yang sama ({differing} berbeda) / the two score files do not hold the same pairs ({differing} differ)"
    )]
    DifferentPairs { differing: usize },
    #[error(
        "perlu sedikitnya 2 jari dan pasangan asli serta palsu / needs at least 2 fingers, genuine and impostor pairs"
    )]
    TooFew,
}

/// One engine's scores on one set, keyed by the compared pair (smaller id first).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoreTable {
    scores: BTreeMap<(FvcId, FvcId), f32>,
}

impl ScoreTable {
    /// Reads a score file's text. Every line is checked; the first bad one is the error.
    pub fn parse(text: &str) -> Result<Self, ScoreFileError> {
        let mut table = ScoreTable::default();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (a, b, score) = parse_line(trimmed).ok_or_else(|| ScoreFileError::Malformed {
                line,
                found: trimmed.chars().take(60).collect(),
            })?;
            table.insert(a, b, score, line)?;
        }
        Ok(table)
    }

    /// A table of scores an evaluation computed, one `(a, b, score)` per compared pair.
    pub fn from_scores(
        scores: impl IntoIterator<Item = (FvcId, FvcId, f32)>,
    ) -> Result<Self, ScoreFileError> {
        let mut table = ScoreTable::default();
        for (index, (a, b, score)) in scores.into_iter().enumerate() {
            table.insert(a, b, score, index + 1)?;
        }
        Ok(table)
    }

    /// The score file's text, one pair per line in pair order.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(self.scores.len() * 24);
        for ((a, b), score) in &self.scores {
            // `{score:e}` is Rust's shortest round-trip form, so parse(to_text) is exact.
            let _ = writeln!(out, "{a} {b} {score:e}");
        }
        out
    }

    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// The score of one pair, in either order.
    pub fn get(&self, a: FvcId, b: FvcId) -> Option<f32> {
        self.scores.get(&ordered(a, b)).copied()
    }

    fn insert(
        &mut self,
        a: FvcId,
        b: FvcId,
        score: f32,
        line: usize,
    ) -> Result<(), ScoreFileError> {
        if a == b {
            return Err(ScoreFileError::SelfPair { line });
        }
        if score.is_nan() {
            return Err(ScoreFileError::Malformed {
                line,
                found: format!("{a} {b} NaN"),
            });
        }
        match self.scores.insert(ordered(a, b), score) {
            Some(_) => Err(ScoreFileError::Duplicate { line }),
            None => Ok(()),
        }
    }
}

fn parse_line(line: &str) -> Option<(FvcId, FvcId, f32)> {
    let mut fields = line.split_whitespace();
    let a = parse_fvc_name(fields.next()?)?;
    let b = parse_fvc_name(fields.next()?)?;
    let score: f32 = fields.next()?.parse().ok()?;
    fields.next().is_none().then_some((a, b, score))
}

fn ordered(a: FvcId, b: FvcId) -> (FvcId, FvcId) {
    if a <= b { (a, b) } else { (b, a) }
}

/// A two-sided 90 % percentile interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Both engines' EER with one finger left out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WithoutFinger {
    pub finger: u32,
    pub eer_a: f64,
    pub eer_b: f64,
}

/// What the paired bootstrap says about engines A and B (all rates are fractions).
#[derive(Debug, Clone, PartialEq)]
pub struct PairedEer {
    /// The EERs on the set as it is (all-pairs protocol).
    pub eer_a: f64,
    pub eer_b: f64,
    /// 90 % intervals of each EER and of EER(A) − EER(B) over the resamples.
    pub interval_a: Interval,
    pub interval_b: Interval,
    pub difference: Interval,
    /// Shares of the resamples where A's EER is lower, equal, higher than B's.
    pub a_lower: f64,
    pub tied: f64,
    pub a_higher: f64,
    pub rounds: u32,
    pub without_each_finger: Vec<WithoutFinger>,
}

/// Compares A and B on the same pairs by the paired subsets bootstrap: `rounds` draws of the
/// fingers with replacement, from a fixed `seed` so that a run can be repeated exactly.
pub fn paired_eer(
    a: &ScoreTable,
    b: &ScoreTable,
    rounds: u32,
    seed: u64,
) -> Result<PairedEer, ScoreFileError> {
    let blocks = Blocks::pair_up(a, b)?;
    let (eer_a, eer_b) = blocks.eers(&blocks.fingers);
    let draws = resample_fingers(&blocks, rounds, seed);
    let (mut only_a, mut only_b, mut differences) = (Vec::new(), Vec::new(), Vec::new());
    for (ea, eb) in &draws {
        only_a.push(*ea);
        only_b.push(*eb);
        differences.push(ea - eb);
    }
    let share = |keep: fn(f64) -> bool| {
        differences.iter().filter(|&&d| keep(d)).count() as f64 / differences.len().max(1) as f64
    };
    Ok(PairedEer {
        eer_a,
        eer_b,
        interval_a: interval_90(&mut only_a),
        interval_b: interval_90(&mut only_b),
        a_lower: share(|d| d < -1e-12),
        tied: share(|d| d.abs() <= 1e-12),
        a_higher: share(|d| d > 1e-12),
        difference: interval_90(&mut differences),
        rounds,
        without_each_finger: leave_each_finger_out(&blocks),
    })
}

/// Both engines' scores, grouped into the blocks a resample draws: each finger's genuine pairs,
/// and each unordered pair of fingers' impostor pairs.
struct Blocks {
    fingers: Vec<u32>,
    genuine: BTreeMap<u32, Vec<(f32, f32)>>,
    impostor: BTreeMap<(u32, u32), Vec<(f32, f32)>>,
}

impl Blocks {
    fn pair_up(a: &ScoreTable, b: &ScoreTable) -> Result<Self, ScoreFileError> {
        let differing = a
            .scores
            .keys()
            .filter(|k| !b.scores.contains_key(k))
            .count()
            + b.scores
                .keys()
                .filter(|k| !a.scores.contains_key(k))
                .count();
        if differing > 0 {
            return Err(ScoreFileError::DifferentPairs { differing });
        }
        let mut blocks = Blocks {
            fingers: Vec::new(),
            genuine: BTreeMap::new(),
            impostor: BTreeMap::new(),
        };
        // Same keys in both sorted maps, so their entries line up.
        for ((&(x, y), &sa), &sb) in a.scores.iter().zip(b.scores.values()) {
            if x.finger == y.finger {
                blocks.genuine.entry(x.finger).or_default().push((sa, sb));
            } else {
                let key = (x.finger.min(y.finger), x.finger.max(y.finger));
                blocks.impostor.entry(key).or_default().push((sa, sb));
            }
            blocks.fingers.extend([x.finger, y.finger]);
        }
        blocks.fingers.sort_unstable();
        blocks.fingers.dedup();
        if blocks.fingers.len() < 2 || blocks.genuine.is_empty() || blocks.impostor.is_empty() {
            return Err(ScoreFileError::TooFew);
        }
        Ok(blocks)
    }

    /// Both EERs on a multiset of fingers: each drawn finger brings its genuine pairs, each two
    /// draws of different fingers their impostor pairs (two draws of one finger are not
    /// impostors of each other).
    fn eers(&self, drawn: &[u32]) -> (f64, f64) {
        let (mut gen_a, mut gen_b, mut imp_a, mut imp_b) = (vec![], vec![], vec![], vec![]);
        for (k, f) in drawn.iter().enumerate() {
            for &(sa, sb) in self.genuine.get(f).map_or(&[][..], Vec::as_slice) {
                gen_a.push(sa);
                gen_b.push(sb);
            }
            for g in &drawn[k + 1..] {
                let key = ((*f).min(*g), (*f).max(*g));
                for &(sa, sb) in self.impostor.get(&key).map_or(&[][..], Vec::as_slice) {
                    imp_a.push(sa);
                    imp_b.push(sb);
                }
            }
        }
        (eer(&gen_a, &imp_a), eer(&gen_b, &imp_b))
    }
}

fn resample_fingers(blocks: &Blocks, rounds: u32, seed: u64) -> Vec<(f64, f64)> {
    let mut rng = SplitMix64(seed);
    let n = blocks.fingers.len();
    (0..rounds)
        .map(|_| {
            let drawn: Vec<u32> = (0..n).map(|_| blocks.fingers[rng.below(n)]).collect();
            blocks.eers(&drawn)
        })
        .collect()
}

fn leave_each_finger_out(blocks: &Blocks) -> Vec<WithoutFinger> {
    blocks
        .fingers
        .iter()
        .map(|&left_out| {
            let rest: Vec<u32> = blocks
                .fingers
                .iter()
                .copied()
                .filter(|&f| f != left_out)
                .collect();
            let (eer_a, eer_b) = blocks.eers(&rest);
            WithoutFinger {
                finger: left_out,
                eer_a,
                eer_b,
            }
        })
        .collect()
}

/// The 5th and 95th percentiles (nearest rank, widened outwards).
fn interval_90(values: &mut [f64]) -> Interval {
    values.sort_unstable_by(f64::total_cmp);
    let last = values.len().saturating_sub(1);
    let at = |q: f64| values.get(q as usize).copied().unwrap_or(f64::NAN);
    Interval {
        low: at((0.05 * last as f64).floor()),
        high: at((0.95 * last as f64).ceil()),
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, well-mixed generator; the bootstrap needs
/// repeatable draws, not cryptographic ones, and the crate takes no RNG dependency for it.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is below 2⁻⁵⁰ for small `n`).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(finger: u32, impression: u32) -> FvcId {
        FvcId { finger, impression }
    }

    /// A 10-finger × 4-impression set where `score(a, b)` gives every pair's score.
    fn table(score: impl Fn(FvcId, FvcId) -> f32) -> ScoreTable {
        let ids: Vec<FvcId> = (101..=110)
            .flat_map(|f| (1..=4).map(move |i| id(f, i)))
            .collect();
        let mut t = ScoreTable::default();
        for (i, &a) in ids.iter().enumerate() {
            for &b in &ids[i + 1..] {
                t.insert(a, b, score(a, b), 0).unwrap();
            }
        }
        t
    }

    /// Genuine pairs score 0.5 + a little, impostors 0.1 + a little: no errors.
    fn clean(a: FvcId, b: FvcId) -> f32 {
        let jitter = ((a.finger * 7 + a.impression * 3 + b.finger * 5 + b.impression) % 17) as f32;
        if a.finger == b.finger {
            0.5 + 0.01 * jitter
        } else {
            0.1 + 0.01 * jitter
        }
    }

    #[test]
    fn score_files_round_trip_exactly() {
        let t = table(clean);
        let back = ScoreTable::parse(&t.to_text()).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.len(), 40 * 39 / 2);
        assert_eq!(
            back.get(id(102, 3), id(101, 1)),
            t.get(id(101, 1), id(102, 3))
        );
        let odd = ScoreTable::parse("# engine X\n\n101_1 101_2 1.2345678e-3\n").unwrap();
        assert_eq!(odd.get(id(101, 2), id(101, 1)), Some(1.234_567_8e-3));
    }

    #[test]
    fn bad_lines_are_named() {
        let cases = [
            ("101_1 101_2\n", "Malformed"),
            ("101_1 101_2 0.5 extra\n", "Malformed"),
            ("101_1 101-2 0.5\n", "Malformed"),
            ("101_1 101_2 NaN\n", "Malformed"),
            ("101_1 101_2 0.5\n101_2 101_1 0.4\n", "Duplicate"),
            ("101_1 101_1 0.5\n", "SelfPair"),
        ];
        for (text, kind) in cases {
            let e = ScoreTable::parse(text).unwrap_err();
            assert!(format!("{e:?}").starts_with(kind), "{text:?}: {e:?}");
        }
        assert!(matches!(
            ScoreTable::from_scores([(id(101, 1), id(101, 2), f32::NAN)]),
            Err(ScoreFileError::Malformed { line: 1, .. })
        ));
        assert_eq!(
            ScoreTable::parse("101_1 101_2 0.5\nxx\n"),
            Err(ScoreFileError::Malformed {
                line: 2,
                found: "xx".into()
            })
        );
    }

    #[test]
    fn identical_engines_tie_in_every_resample() {
        let t = table(clean);
        let p = paired_eer(&t, &t, 200, 1).unwrap();
        assert_eq!((p.tied, p.a_lower, p.a_higher), (1.0, 0.0, 0.0));
        assert_eq!(
            p.difference,
            Interval {
                low: 0.0,
                high: 0.0
            }
        );
        assert_eq!(p.without_each_finger.len(), 10);
    }

    #[test]
    fn one_bad_finger_decides_and_leaving_it_out_shows_it() {
        // B fails every genuine pair of finger 105 (its scores sink to the impostors' floor);
        // A is clean. All other pairs score the same in both.
        let a = table(clean);
        let b = table(|x, y| {
            if x.finger == 105 && y.finger == 105 {
                0.0
            } else {
                clean(x, y)
            }
        });
        let p = paired_eer(&a, &b, 400, 7).unwrap();
        assert_eq!(p.eer_a, 0.0);
        assert!(p.eer_b > 0.0, "{p:?}");
        // A is never worse; it ties exactly in the draws that miss finger 105, which is
        // (9/10)^10 ≈ 35 % of them.
        assert_eq!(p.a_higher, 0.0);
        assert!((0.25..0.45).contains(&p.tied), "{p:?}");
        assert!(p.difference.high <= 0.0 && p.difference.low < 0.0, "{p:?}");
        for w in &p.without_each_finger {
            if w.finger == 105 {
                assert_eq!((w.eer_a, w.eer_b), (0.0, 0.0));
            } else {
                assert!(w.eer_b > 0.0, "{w:?}");
            }
        }
    }

    #[test]
    fn resampling_is_repeatable_and_depends_on_the_seed() {
        let a = table(clean);
        let b = table(|x, y| {
            let s = clean(x, y);
            if x.finger == y.finger && (x.impression + y.finger) % 3 == 0 {
                0.12
            } else {
                s
            }
        });
        let first = paired_eer(&a, &b, 300, 42).unwrap();
        assert_eq!(first, paired_eer(&a, &b, 300, 42).unwrap());
        assert_ne!(
            first.interval_b,
            paired_eer(&a, &b, 300, 43).unwrap().interval_b
        );
        assert!(first.interval_b.low <= first.eer_b && first.eer_b <= first.interval_b.high);
    }

    #[test]
    fn tables_over_different_pairs_are_refused() {
        let a = table(clean);
        let mut b = a.clone();
        b.scores.remove(&(id(101, 1), id(101, 2)));
        assert_eq!(
            paired_eer(&a, &b, 10, 1),
            Err(ScoreFileError::DifferentPairs { differing: 1 })
        );
        let one_finger = ScoreTable::parse("101_1 101_2 0.5\n").unwrap();
        assert_eq!(
            paired_eer(&one_finger, &one_finger, 10, 1),
            Err(ScoreFileError::TooFew)
        );
    }
}
