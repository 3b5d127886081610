//! The FVC evaluation protocol, without I/O: which comparisons to make, and the error rates
//! that follow from their scores.
//!
//! An FVC set names its images `N_M.ext`: finger N, impression M. Genuine pairs are all pairs of
//! impressions of the same finger; the FVC-official impostor pairs compare the first impression
//! of each finger with the first impression of every other finger; the all-pairs protocol
//! compares every impression with every impression of every other finger.

pub mod paired;

/// One image of an FVC set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FvcId {
    pub finger: u32,
    pub impression: u32,
}

/// `N_M`, as FVC names its images (without the extension).
impl std::fmt::Display for FvcId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}_{}", self.finger, self.impression)
    }
}

/// Reads `N_M.ext` (e.g. `101_3.tif`); `None` for any other name.
pub fn parse_fvc_name(file_name: &str) -> Option<FvcId> {
    let stem = file_name.rsplit_once('.').map_or(file_name, |(s, _)| s);
    let (finger, impression) = stem.split_once('_')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(finger) || !digits(impression) {
        return None;
    }
    Some(FvcId {
        finger: finger.parse().ok()?,
        impression: impression.parse().ok()?,
    })
}

/// Genuine pairs: every unordered pair of impressions of the same finger (indices into `ids`).
pub fn genuine_pairs(ids: &[FvcId]) -> Vec<(usize, usize)> {
    pairs_where(ids, |a, b| a.finger == b.finger)
}

/// FVC-official impostor pairs: the first impression of each finger against the first
/// impression of every other finger, unordered.
pub fn impostor_pairs_fvc(ids: &[FvcId]) -> Vec<(usize, usize)> {
    let firsts = first_impressions(ids);
    pairs_where(ids, |a, b| {
        a.finger != b.finger && firsts.contains(a) && firsts.contains(b)
    })
}

/// All-pairs impostor protocol: every impression against every impression of other fingers.
pub fn impostor_pairs_all(ids: &[FvcId]) -> Vec<(usize, usize)> {
    pairs_where(ids, |a, b| a.finger != b.finger)
}

fn first_impressions(ids: &[FvcId]) -> Vec<FvcId> {
    let mut firsts: Vec<FvcId> = Vec::new();
    for id in ids {
        match firsts.iter_mut().find(|f| f.finger == id.finger) {
            Some(f) if id.impression < f.impression => *f = *id,
            Some(_) => {}
            None => firsts.push(*id),
        }
    }
    firsts
}

fn pairs_where(ids: &[FvcId], keep: impl Fn(&FvcId, &FvcId) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for i in 0..ids.len() {
        for j in i + 1..ids.len() {
            if keep(&ids[i], &ids[j]) {
                out.push((i, j));
            }
        }
    }
    out
}

/// Error rates of a score-based verifier (a pair matches when `score >= threshold`), as FVC
/// reports them. All rates are fractions in `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorRates {
    /// Equal error rate, FVC definition (midpoint of the FMR/FNMR crossing interval).
    pub eer: f64,
    /// Lowest FNMR at FMR ≤ 1 %.
    pub fmr100: f64,
    /// Lowest FNMR at FMR ≤ 0.1 %.
    pub fmr1000: f64,
    /// Lowest FNMR at FMR = 0.
    pub zero_fmr: f64,
}

/// FMR and FNMR at one threshold, from sorted score lists.
fn rates_at(genuine: &[f32], impostor: &[f32], t: f32) -> (f64, f64) {
    let false_matches = impostor.len() - impostor.partition_point(|&s| s < t);
    let false_non_matches = genuine.partition_point(|&s| s < t);
    (
        false_matches as f64 / impostor.len().max(1) as f64,
        false_non_matches as f64 / genuine.len().max(1) as f64,
    )
}

/// Candidate thresholds: every distinct score, and the next value above all of them.
fn thresholds(genuine: &[f32], impostor: &[f32]) -> Vec<f32> {
    let mut t: Vec<f32> = genuine.iter().chain(impostor).copied().collect();
    t.sort_unstable_by(f32::total_cmp);
    t.dedup();
    let top = t.last().copied().unwrap_or(0.0);
    t.push(top.next_up());
    t
}

/// Lowest FNMR over thresholds whose FMR does not exceed `max_fmr`.
pub fn fnmr_at_fmr(genuine: &[f32], impostor: &[f32], max_fmr: f64) -> f64 {
    let (g, i) = (sorted(genuine), sorted(impostor));
    thresholds(&g, &i)
        .into_iter()
        .map(|t| rates_at(&g, &i, t))
        .filter(|(fmr, _)| *fmr <= max_fmr)
        .map(|(_, fnmr)| fnmr)
        .fold(1.0, f64::min)
}

/// The lowest threshold whose FMR on `impostor` does not exceed `max_fmr` (an operating point
/// read off measured impostor scores).
pub fn threshold_for_fmr(impostor: &[f32], max_fmr: f64) -> f32 {
    let i = sorted(impostor);
    thresholds(&[], &i)
        .into_iter()
        .find(|&t| rates_at(&[], &i, t).0 <= max_fmr)
        .unwrap_or(f32::INFINITY)
}

/// Equal error rate as FVC defines it: with t1 the highest threshold where FNMR ≤ FMR and t2
/// the lowest where FNMR ≥ FMR, the midpoint of the interval at whichever of the two has the
/// smaller total error.
pub fn eer(genuine: &[f32], impostor: &[f32]) -> f64 {
    let (g, i) = (sorted(genuine), sorted(impostor));
    let points: Vec<(f64, f64)> = thresholds(&g, &i)
        .into_iter()
        .map(|t| rates_at(&g, &i, t))
        .collect();
    // Thresholds ascend: FMR falls and FNMR rises along `points`.
    let t1 = points.iter().rev().find(|(fmr, fnmr)| fnmr <= fmr).copied();
    let t2 = points.iter().find(|(fmr, fnmr)| fnmr >= fmr).copied();
    match (t1, t2) {
        (Some((fmr1, fnmr1)), Some((fmr2, fnmr2))) => {
            if fmr1 + fnmr1 <= fmr2 + fnmr2 {
                (fnmr1 + fmr1) / 2.0
            } else {
                (fmr2 + fnmr2) / 2.0
            }
        }
        (Some((fmr, fnmr)), None) | (None, Some((fmr, fnmr))) => (fmr + fnmr) / 2.0,
        (None, None) => 0.5,
    }
}

/// EER, FMR100, FMR1000 and ZeroFMR of one set of genuine and impostor scores.
pub fn error_rates(genuine: &[f32], impostor: &[f32]) -> ErrorRates {
    ErrorRates {
        eer: eer(genuine, impostor),
        fmr100: fnmr_at_fmr(genuine, impostor, 0.01),
        fmr1000: fnmr_at_fmr(genuine, impostor, 0.001),
        zero_fmr: fnmr_at_fmr(genuine, impostor, 0.0),
    }
}

fn sorted(scores: &[f32]) -> Vec<f32> {
    let mut s: Vec<f32> = scores.iter().copied().filter(|s| !s.is_nan()).collect();
    s.sort_unstable_by(f32::total_cmp);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fvc_b_set() -> Vec<FvcId> {
        (101..=110)
            .flat_map(|finger| (1..=8).map(move |impression| FvcId { finger, impression }))
            .collect()
    }

    #[test]
    fn parses_fvc_names_only() {
        assert_eq!(
            parse_fvc_name("101_3.tif"),
            Some(FvcId {
                finger: 101,
                impression: 3
            })
        );
        assert_eq!(parse_fvc_name("7_12.png").map(|i| i.impression), Some(12));
        assert_eq!(parse_fvc_name("SOURCE.txt"), None);
        assert_eq!(parse_fvc_name("101_x.tif"), None);
        assert_eq!(parse_fvc_name("_1.tif"), None);
        let id = FvcId {
            finger: 104,
            impression: 7,
        };
        assert_eq!(id.to_string(), "104_7");
        assert_eq!(parse_fvc_name(&format!("{id}.tif")), Some(id));
    }

    #[test]
    fn protocol_counts_match_fvc_for_a_b_set() {
        let ids = fvc_b_set();
        assert_eq!(ids.len(), 80);
        assert_eq!(genuine_pairs(&ids).len(), 280);
        assert_eq!(impostor_pairs_fvc(&ids).len(), 45);
        assert_eq!(impostor_pairs_all(&ids).len(), 80 * 72 / 2);
    }

    #[test]
    fn fvc_impostors_use_the_lowest_impression_even_when_unsorted() {
        let mut ids = fvc_b_set();
        ids.reverse();
        for (a, b) in impostor_pairs_fvc(&ids) {
            assert_eq!((ids[a].impression, ids[b].impression), (1, 1));
        }
    }

    #[test]
    fn separated_scores_have_no_errors() {
        let genuine = [0.8, 0.9, 0.7];
        let impostor = [0.1, 0.2, 0.3, 0.05];
        let r = error_rates(&genuine, &impostor);
        assert_eq!(r.eer, 0.0);
        assert_eq!(r.zero_fmr, 0.0);
        let t = threshold_for_fmr(&impostor, 0.0);
        assert!(t > 0.3 && t < 0.3001, "{t}");
        assert_eq!(threshold_for_fmr(&impostor, 0.25), 0.3);
    }

    #[test]
    fn one_overlapping_pair_gives_the_expected_rates() {
        // 10 genuine 0.50..0.59 and 10 impostor 0.00..0.09, except one impostor at 0.55.
        let genuine: Vec<f32> = (0..10).map(|i| 0.50 + 0.01 * i as f32).collect();
        let mut impostor: Vec<f32> = (0..10).map(|i| 0.01 * i as f32).collect();
        impostor[9] = 0.555;
        let r = error_rates(&genuine, &impostor);
        // At t = 0.555: FMR 1/10, FNMR 6/10; at t = 0.5: FMR 1/10, FNMR 0.
        // FNMR ≤ FMR up to t = 0.51 (FNMR 0.1, FMR 0.1): EER = 0.1.
        assert!((r.eer - 0.1).abs() < 1e-9, "{r:?}");
        // FMR ≤ 1 % needs the threshold above 0.555: genuine 0.56..0.59 pass, 6 of 10 fail.
        assert!((r.fmr100 - 0.6).abs() < 1e-9, "{r:?}");
        assert_eq!(r.fmr100, r.zero_fmr);
        assert!((fnmr_at_fmr(&genuine, &impostor, 0.1) - 0.0).abs() < 1e-9);
    }

    #[test]
    fn identical_distributions_give_eer_one_half() {
        let s: Vec<f32> = (0..100).map(|i| i as f32).collect();
        let e = eer(&s, &s);
        assert!((e - 0.5).abs() < 0.02, "{e}");
    }

    #[test]
    fn fmr1000_is_never_better_than_fmr100() {
        let genuine: Vec<f32> = (0..200)
            .map(|i| ((i * 37) % 100) as f32 / 100.0 + 0.2)
            .collect();
        let impostor: Vec<f32> = (0..3000)
            .map(|i| ((i * 91) % 1000) as f32 / 1000.0)
            .collect();
        let r = error_rates(&genuine, &impostor);
        assert!(r.fmr1000 >= r.fmr100 && r.zero_fmr >= r.fmr1000, "{r:?}");
        assert!(r.eer > 0.0 && r.eer < 0.5);
    }
}
