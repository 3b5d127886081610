//! 1:N index on synthetic galleries: mates found, pruning recall against exhaustive search
//! (also for real FVC prints among synthetic ones), incremental changes, persistence and memory.

use crate::common::fvc_all;
use crate::synth::finger;
use biometrics::eval::parse_fvc_name;
use biometrics::extract::extract;
use biometrics::index::{Index, IndexParams, RecordId};
use biometrics::{FingerPosition, Template};

fn gallery(people: u64, positions: &[FingerPosition]) -> Index {
    gallery_with(IndexParams::default(), people, positions)
}

fn gallery_with(params: IndexParams, people: u64, positions: &[FingerPosition]) -> Index {
    let mut index = Index::new(params);
    let fingers: Vec<(RecordId, Template)> = (0..people)
        .flat_map(|p| positions.iter().map(move |&pos| (p, finger(p, pos, 1))))
        .collect();
    index.add_many(&fingers).unwrap();
    index
}

#[test]
fn finds_the_mate_of_each_probe_finger() {
    let positions = [FingerPosition::RightIndex, FingerPosition::LeftIndex];
    let index = gallery(60, &positions);
    assert_eq!(index.len(), 120);
    for person in [3u64, 17, 42] {
        let probe: Vec<Template> = positions.iter().map(|&p| finger(person, p, 2)).collect();
        let result = index.search(&probe);
        assert_eq!(result.records[0].record, person);
        for hits in &result.per_finger {
            assert_eq!(hits[0].record, person);
            assert!(hits.len() <= index.params().candidates);
        }
        let fused = &result.records[0];
        assert_eq!(fused.finger_scores.len(), 2);
        assert!(
            (fused.fused_score - fused.finger_scores.iter().map(|s| s.1).sum::<f32>()).abs() < 1e-5
        );
    }
}

#[test]
fn only_compatible_positions_are_candidates() {
    let index = gallery(20, &[FingerPosition::RightThumb, FingerPosition::LeftThumb]);
    let hits = index.search_finger(&finger(5, FingerPosition::RightThumb, 2));
    assert!(!hits.is_empty());
    assert!(
        hits.iter()
            .all(|h| h.position == FingerPosition::RightThumb)
    );
}

/// Issue #5: pruning may lose under 0.5 % of genuine mates against an exhaustive search.
/// 3,000 enrolled right index fingers (one position, so all of them compete for the
/// shortlist) and 1,000 genuine probes (a second capture). Synthetic captures are easy for the
/// votes, so this holds with a third of the default shortlist: 100 places, 3.3 % pass through.
#[test]
fn pruning_loses_under_half_a_percent_of_genuine_mates() {
    const ENROLLED: u64 = 3_000;
    const PROBES: u64 = 1_000;
    let position = FingerPosition::RightIndex;
    let params = IndexParams {
        candidates: 100,
        ..IndexParams::default()
    };
    let index = gallery_with(params, ENROLLED, &[position]);
    let probes: Vec<Template> = (0..PROBES).map(|p| finger(p, position, 2)).collect();
    // `search` runs the probe fingers on all cores; each is pruned and verified on its own.
    let pruned = index.search(&probes).per_finger;
    let not_shortlisted: Vec<u64> = (0..PROBES)
        .filter(|&p| pruned[p as usize].iter().all(|h| h.record != p))
        .collect();
    // A miss costs recall only when the exhaustive search would have ranked the mate first
    // (if the mate is shortlisted and first overall, the pruned search ranks it first too).
    let lost = not_shortlisted
        .iter()
        .filter(|&&p| index.search_finger_exhaustive(&probes[p as usize])[0].record == p)
        .count();
    let pruned_first = (0..PROBES)
        .filter(|&p| pruned[p as usize].first().map(|h| h.record) == Some(p))
        .count();
    eprintln!(
        "pruning: {} of {PROBES} mates not shortlisted, {lost} of them first in exhaustive \
         search; pruned search ranks {pruned_first} mates first",
        not_shortlisted.len()
    );
    assert!(lost * 200 < PROBES as usize, "lost {lost} of {PROBES}");
    // The matcher itself must find most mates, or the recall figure says nothing.
    assert!(pruned_first * 100 >= 95 * PROBES as usize, "{pruned_first}");
}

/// The same bound for real prints, which the synthetic captures above cannot stand in for: their
/// hard pairs (little overlap, plastic distortion) share far fewer pruning keys. The standard
/// 1:N protocol on both shared FVC2002 sets: one impression of each of the 20 fingers is
/// enrolled among 3,000 synthetic fingers, the other 7 probe, and each of the 8 impressions is
/// enrolled in turn (1,120 probes). FVC does not say which finger a set holds, so every print
/// is filed as a right index, where all of them compete for the shortlist. With the geometric
/// check this holds with a third of the default shortlist (100 places); by votes alone, 6 mates
/// were lost there. Larger galleries: `cargo run --release -p fixtures --example fvc_pruning --
/// 30000`.
#[test]
fn pruning_loses_under_half_a_percent_of_real_mates() {
    const DISTRACTORS: u64 = 3_000;
    let position = FingerPosition::RightIndex;
    let real = real_prints(position);
    let params = IndexParams {
        candidates: 100,
        ..IndexParams::default()
    };
    let mut index = gallery_with(params, DISTRACTORS, &[position]);
    let (mut probes, mut shortlisted, mut lost) = (0, 0, 0);
    for enrolled in 1..=8 {
        for (record, _, t) in real.iter().filter(|p| p.1 == enrolled) {
            index.add(*record, t).unwrap();
        }
        for (mate, _, probe) in real.iter().filter(|p| p.1 != enrolled) {
            probes += 1;
            if index.shortlist(probe).iter().any(|c| c.record == *mate) {
                shortlisted += 1;
            } else {
                // As above: a mate left out costs recall when the exhaustive search ranks it
                // first.
                lost += usize::from(index.search_finger_exhaustive(probe)[0].record == *mate);
            }
        }
        for (record, _, _) in real.iter().filter(|p| p.1 == enrolled) {
            assert!(index.remove(*record, position));
        }
    }
    eprintln!("real prints: {shortlisted} of {probes} mates shortlisted; {lost} lost by pruning");
    assert_eq!(probes, 1_120);
    assert!(lost * 200 < probes, "lost {lost} of {probes}");
    // The mates that are shortlisted must be most of them, or the figure says nothing.
    assert!(shortlisted * 100 >= 97 * probes, "{shortlisted}");
}

/// Every print of both shared FVC2002 sets as `(record, impression, template)`; the record
/// names the set and the finger, so the impressions of one finger share it.
fn real_prints(position: FingerPosition) -> Vec<(RecordId, u32, Template)> {
    let sets = ["fvc2002-db1b", "fvc2002-db2b"];
    let mut out = Vec::new();
    for (set, name) in sets.iter().enumerate() {
        for (file, image) in fvc_all(name) {
            let id = parse_fvc_name(&file).unwrap();
            let mut template = extract(&image, FingerPosition::Unknown).unwrap();
            template.position = position;
            let record = 1_000_000 + 1_000 * set as u64 + u64::from(id.finger);
            out.push((record, id.impression, template));
        }
    }
    out
}

/// Pruning keys are folded to 32 bits, so a probe's key can collide with one of another
/// position; the finger it names must still not become a candidate. With a shortlist longer
/// than one position's fingers, every stray finger would be verified.
#[test]
fn pruned_candidates_never_have_another_position() {
    let positions = [FingerPosition::RightIndex, FingerPosition::LeftIndex];
    let index = gallery(60, &positions);
    assert!(index.params().candidates > 60);
    for person in 0..60 {
        let probe: Vec<Template> = positions.iter().map(|&p| finger(person, p, 2)).collect();
        let result = index.search(&probe);
        for (t, hits) in probe.iter().zip(&result.per_finger) {
            assert!(hits.iter().all(|h| h.position == t.position), "{person}");
            assert_eq!(hits[0].record, person);
        }
    }
}

/// Without pruning, a multi-finger search compares with every compatible finger and fuses as
/// the pruned search does: when the shortlist holds every finger, the two answers are equal.
#[test]
fn exhaustive_search_fuses_like_the_pruned_one() {
    let positions = [FingerPosition::RightIndex, FingerPosition::LeftIndex];
    let index = gallery(60, &positions);
    assert!(index.params().candidates >= 60);
    let probe: Vec<Template> = positions.iter().map(|&p| finger(23, p, 2)).collect();
    let exhaustive = index.search_exhaustive(&probe);
    assert_eq!(exhaustive.records, index.search(&probe).records);
    assert_eq!(exhaustive.records[0].record, 23);
    assert!(exhaustive.per_finger.iter().all(|hits| hits.len() == 60));

    let few = gallery_with(
        IndexParams {
            candidates: 5,
            ..IndexParams::default()
        },
        60,
        &positions,
    );
    let (pruned, exhaustive) = (few.search(&probe), few.search_exhaustive(&probe));
    assert!(pruned.per_finger.iter().all(|hits| hits.len() <= 5));
    assert!(exhaustive.per_finger.iter().all(|hits| hits.len() == 60));
    assert_eq!(exhaustive.records.len(), 60);
    assert_eq!(exhaustive.records[0], pruned.records[0]);
}

#[test]
fn removed_fingers_are_not_found_and_slots_are_reused() {
    let mut index = gallery(
        30,
        &[FingerPosition::RightIndex, FingerPosition::RightMiddle],
    );
    let probe = finger(7, FingerPosition::RightIndex, 2);
    assert_eq!(index.search_finger(&probe)[0].record, 7);
    assert_eq!(index.remove_record(7), 2);
    assert_eq!(index.len(), 58);
    assert!(!index.remove(7, FingerPosition::RightIndex));
    assert!(index.search_finger(&probe).iter().all(|h| h.record != 7));
    index
        .add(7, &finger(7, FingerPosition::RightIndex, 1))
        .unwrap();
    assert_eq!(index.search_finger(&probe)[0].record, 7);
    // Re-adding the same finger replaces it rather than duplicating it.
    index
        .add(7, &finger(7, FingerPosition::RightIndex, 1))
        .unwrap();
    assert_eq!(index.len(), 59);
}

#[test]
fn persisted_gallery_reloads_to_the_same_answers() {
    let index = gallery(25, &[FingerPosition::LeftRing]);
    let bytes = index.to_bytes();
    let loaded = Index::from_bytes(&bytes, index.params()).unwrap();
    assert_eq!(loaded.len(), 25);
    let probe = finger(11, FingerPosition::LeftRing, 3);
    let (a, b) = (index.search_finger(&probe), loaded.search_finger(&probe));
    assert_eq!(a[0].record, 11);
    assert_eq!(a[0].record, b[0].record);
    // Angles are stored to 1/65536 of a turn: scores agree closely.
    assert!((a[0].score - b[0].score).abs() < 0.02);
}

#[test]
fn memory_per_finger_is_reported_and_bounded() {
    let index = gallery(100, &[FingerPosition::RightIndex]);
    let memory = index.memory();
    let per_finger = memory.total() / index.len();
    eprintln!("memory per finger: {memory:?}, {per_finger} B in all");
    // Cached cylinders (~250 B per minutia) and posting entries (4 B per key, 32 keys per
    // cylinder, plus 12 B per distinct key) dominate; the minutiae themselves are small.
    assert!(memory.descriptors > 10 * memory.templates, "{memory:?}");
    assert!(memory.postings > 10 * memory.templates, "{memory:?}");
    // Synthetic full fingertips carry ~83 minutiae (fixtures::synth::fast::MEAN_MINUTIAE).
    assert!(per_finger < 40 * 1024, "{per_finger}");
    assert_eq!(memory.total(), index.memory_bytes());
    assert!(!format!("{index:?}").contains("minutiae"));
}

#[test]
fn params_with_fewer_candidates_verify_fewer_fingers() {
    let mut index = Index::new(IndexParams {
        candidates: 5,
        ..IndexParams::default()
    });
    let fingers: Vec<(RecordId, Template)> = (0..40)
        .map(|p| (p, finger(p, FingerPosition::LeftMiddle, 1)))
        .collect();
    index.add_many(&fingers).unwrap();
    let hits = index.search_finger(&finger(9, FingerPosition::LeftMiddle, 2));
    assert!(hits.len() <= 5);
    assert_eq!(hits[0].record, 9);
}

/// Beyond `sized_for` compatible fingers the shortlist grows in proportion, so that the same
/// share of a larger gallery reaches the full matcher; fingers of another position do not
/// count, fingers of unknown position count for every probe, removed fingers stop counting.
#[test]
fn the_shortlist_grows_with_the_compatible_fingers() {
    let mut index = gallery_with(
        IndexParams {
            candidates: 4,
            rerank: 8,
            sized_for: 20,
            ..IndexParams::default()
        },
        30,
        &[FingerPosition::RightIndex, FingerPosition::LeftIndex],
    );
    let right = FingerPosition::RightIndex;
    assert_eq!(index.compatible_fingers(right), 30);
    assert_eq!(index.shortlist_len(right), 6);
    let probe = finger(12, right, 2);
    let hits = index.search_finger(&probe);
    assert_eq!(hits.len(), 6);
    assert_eq!(hits[0].record, 12);

    let unknown: Vec<(RecordId, Template)> = (100..110)
        .map(|p| (p, finger(p, FingerPosition::Unknown, 1)))
        .collect();
    index.add_many(&unknown).unwrap();
    assert_eq!(index.compatible_fingers(right), 40);
    assert_eq!(index.compatible_fingers(FingerPosition::Unknown), 70);
    assert_eq!(index.shortlist_len(right), 8);
    assert_eq!(index.shortlist_len(FingerPosition::Unknown), 14);
    assert_eq!(index.search_finger(&probe).len(), 8);

    for p in 0..25 {
        assert!(index.remove(p, right));
    }
    assert_eq!(index.compatible_fingers(right), 15);
    assert_eq!(index.shortlist_len(right), 4);
    assert_eq!(index.search_finger(&probe).len(), 4);

    // Re-enrolling a finger replaces it: the count does not change.
    index
        .add(30, &finger(30, FingerPosition::Unknown, 1))
        .unwrap();
    index
        .add(30, &finger(30, FingerPosition::Unknown, 1))
        .unwrap();
    assert_eq!(index.compatible_fingers(right), 16);
}
