//! The FVC evaluation protocol, without I/O: which comparisons to make, and the error rates
//! that follow from their scores.
//!
//! An FVC set names its images `N_M.ext`: finger N, impression M. Genuine pairs are all pairs of
//! impressions of the same finger; the FVC-official impostor pairs compare the first impression
//! of each finger with the first impression of every other finger; the all-pairs protocol
//! compares every impression with every impression of every other finger.

/// One image of an FVC set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FvcId {
    pub finger: u32,
    pub impression: u32,
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
}
