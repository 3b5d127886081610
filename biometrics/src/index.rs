//! 1:N search ("penunggalan"): a gallery of enrolled fingers, searched in two stages.
//!
//! 1. **Prune** with MinHash locality-sensitive hashing of the MCC cylinders (after Cappelli,
//!    Ferrara & Maltoni 2011, "Fingerprint indexing based on Minutia Cylinder-Code", who hash
//!    the bit-vector cylinders; we use MinHash because the cylinders are sparse, where bit
//!    sampling collides on empty cells). Each cylinder's set bits give `bands` keys of `rows`
//!    min-hashes each; a probe votes for every enrolled finger sharing a key, and the
//!    `candidates` fingers with most votes survive.
//! 2. **Verify** the survivors with the full matcher ([`crate::matcher`]).
//! 3. **Fuse** a 10-finger probe per record: the sum of the best score of each probe finger.
//!
//! The index keeps only the minutiae of each finger (≈ 8 bytes each) and its posting-list
//! entries; cylinders are rebuilt for the few candidates a search verifies. Fingers are added
//! and removed one at a time; [`Index::to_bytes`] / [`Index::from_bytes`] persist the gallery as
//! a versioned, checksummed binary file. Searches of several probe fingers run on all cores.

mod file;
mod minhash;
mod postings;

pub use file::IndexFileError;

use crate::matcher::PreparedTemplate;
use crate::template::{FingerPosition, Template};
use std::collections::HashMap;

/// Identifier of an enrolled record (one applicant).
pub type RecordId = u64;

/// Tuning of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexParams {
    /// MinHash bands per cylinder (keys stored per cylinder).
    pub bands: usize,
    /// Min-hashes combined into one key (more rows: fewer, surer collisions).
    pub rows: usize,
    /// Fingers per probe finger passed from the pruning stage to the full matcher.
    pub candidates: usize,
    /// Worker threads for searches and bulk loads (0: all available cores).
    pub threads: usize,
}

impl Default for IndexParams {
    fn default() -> Self {
        Self {
            bands: 16,
            rows: 2,
            candidates: 100,
            threads: 0,
        }
    }
}

/// One enrolled finger that a probe finger may match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FingerCandidate {
    pub record: RecordId,
    pub position: FingerPosition,
    /// Full matcher score (see [`crate::matcher`] for the scale).
    pub score: f32,
    /// Weighted votes in the pruning stage (0 for exhaustive searches).
    pub votes: f32,
}

/// A record ranked by the fused score of a multi-finger probe.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordCandidate {
    pub record: RecordId,
    /// Sum over probe fingers of the best score against this record's fingers.
    pub fused_score: f32,
    /// The best score per probe finger (0 when that finger did not hit this record).
    pub finger_scores: Vec<(FingerPosition, f32)>,
}

/// The answer to a multi-finger search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    /// Per probe finger (in probe order): verified candidates, best first.
    pub per_finger: Vec<Vec<FingerCandidate>>,
    /// Records, best fused score first.
    pub records: Vec<RecordCandidate>,
}

struct Enrolled {
    record: RecordId,
    template: Template,
    /// Posting entries of this finger, to normalise its votes (a finger with many cylinders
    /// collides more by chance).
    keys: u32,
}

/// A gallery of enrolled fingers with its pruning index.
pub struct Index {
    params: IndexParams,
    hasher: minhash::MinHasher,
    slots: Vec<Option<Enrolled>>,
    free: Vec<u32>,
    lookup: HashMap<(RecordId, FingerPosition), u32>,
    postings: postings::Postings,
    live: usize,
}

/// The gallery is biometric data: the debug form shows sizes only.
impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("fingers", &self.live)
            .field("postings", &self.postings.len())
            .field("params", &self.params)
            .finish()
    }
}

impl Default for Index {
    fn default() -> Self {
        Self::new(IndexParams::default())
    }
}

impl Index {
    pub fn new(params: IndexParams) -> Self {
        let params = IndexParams {
            bands: params.bands.clamp(1, 64),
            rows: params.rows.clamp(1, 4),
            candidates: params.candidates.max(1),
            threads: params.threads,
        };
        Self {
            hasher: minhash::MinHasher::new(params.bands, params.rows),
            params,
            slots: Vec::new(),
            free: Vec::new(),
            lookup: HashMap::new(),
            postings: postings::Postings::default(),
            live: 0,
        }
    }

    pub fn params(&self) -> IndexParams {
        self.params
    }

    /// Enrolled fingers.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Enrolls (or replaces) the finger `template.position` of `record`.
    pub fn add(&mut self, record: RecordId, template: &Template) {
        let keys = self
            .hasher
            .template_keys(&PreparedTemplate::new(template), template.position);
        self.insert(record, template.clone(), keys);
    }

    /// Enrolls many fingers, hashing them on all cores.
    pub fn add_many(&mut self, fingers: &[(RecordId, Template)]) {
        let hasher = &self.hasher;
        let keys: Vec<Vec<u32>> = parallel_map(fingers, self.threads(), |(_, t)| {
            hasher.template_keys(&PreparedTemplate::new(t), t.position)
        });
        let mut entries = Vec::with_capacity(keys.iter().map(Vec::len).sum());
        for ((record, template), keys) in fingers.iter().zip(keys) {
            let slot = self.occupy(*record, template.clone(), keys.len());
            entries.extend(keys.into_iter().map(|k| postings::entry(k, slot)));
        }
        self.postings.add_entries(entries);
    }

    fn insert(&mut self, record: RecordId, template: Template, keys: Vec<u32>) {
        let slot = self.occupy(record, template, keys.len());
        self.postings
            .add_entries(keys.into_iter().map(|k| postings::entry(k, slot)).collect());
    }

    /// Puts a finger in a slot (replacing an earlier enrollment of the same finger).
    fn occupy(&mut self, record: RecordId, template: Template, keys: usize) -> u32 {
        self.remove(record, template.position);
        if self.free.is_empty() {
            self.reclaim();
        }
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        self.lookup.insert((record, template.position), slot);
        self.slots[slot as usize] = Some(Enrolled {
            record,
            template,
            keys: keys as u32,
        });
        self.live += 1;
        slot
    }

    /// Makes the slots of removed fingers reusable once enough of them pile up: their
    /// posting entries are purged first, so a reused slot never inherits old votes.
    fn reclaim(&mut self) {
        let dead = self.slots.len() - self.live;
        if dead == 0 || dead * 8 < self.slots.len() {
            return;
        }
        let slots = &self.slots;
        self.postings
            .retain(|slot| slots.get(slot as usize).is_some_and(Option::is_some));
        self.free = (0..self.slots.len() as u32)
            .filter(|&s| self.slots[s as usize].is_none())
            .rev()
            .collect();
    }

    /// Removes one finger of a record; `false` if it was not enrolled. Its posting entries
    /// stay until reclaimed (they point at an empty slot, which searches skip).
    pub fn remove(&mut self, record: RecordId, position: FingerPosition) -> bool {
        let Some(slot) = self.lookup.remove(&(record, position)) else {
            return false;
        };
        if self.slots[slot as usize].take().is_some() {
            self.live -= 1;
        }
        true
    }

    /// Removes every finger of a record; returns how many there were.
    pub fn remove_record(&mut self, record: RecordId) -> usize {
        let positions: Vec<FingerPosition> = self
            .lookup
            .keys()
            .filter(|(r, _)| *r == record)
            .map(|(_, p)| *p)
            .collect();
        positions
            .into_iter()
            .filter(|&p| self.remove(record, p))
            .count()
    }

    /// Heap bytes held by the gallery and its index (approximate: allocator overhead aside).
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let slots = self.slots.capacity() * size_of::<Option<Enrolled>>()
            + self
                .slots
                .iter()
                .flatten()
                .map(|e| e.template.minutiae.capacity() * size_of::<crate::Minutia>())
                .sum::<usize>();
        let buckets = self.postings.heap_bytes();
        let lookup = self.lookup.capacity() * (size_of::<(RecordId, FingerPosition)>() + 5);
        slots + buckets + lookup + self.free.capacity() * 4 + self.hasher.heap_bytes()
    }

    fn threads(&self) -> usize {
        match self.params.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// Searches one probe finger: prune, then verify with the full matcher.
    pub fn search_finger(&self, probe: &Template) -> Vec<FingerCandidate> {
        let prepared = PreparedTemplate::new(probe);
        let shortlist = self.prune(&prepared, probe.position);
        self.verify(&prepared, &shortlist)
    }

    /// Searches with every probe finger (one template per finger) on all cores, and fuses the
    /// per-finger results per record.
    pub fn search(&self, probe: &[Template]) -> SearchResult {
        let per_finger = parallel_map(probe, self.threads(), |t| self.search_finger(t));
        let records = fuse(probe, &per_finger);
        SearchResult {
            per_finger,
            records,
        }
    }

    /// The full matcher against every enrolled finger of a compatible position: the reference
    /// the pruning stage is measured against (slow by design).
    pub fn search_finger_exhaustive(&self, probe: &Template) -> Vec<FingerCandidate> {
        let prepared = PreparedTemplate::new(probe);
        let all: Vec<(u32, f32)> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(slot, e)| {
                let e = e.as_ref()?;
                compatible(probe.position, e.template.position).then_some((slot as u32, 0.0))
            })
            .collect();
        self.verify(&prepared, &all)
    }

    /// The `candidates` slots with the highest weighted votes, as `(slot, votes)`.
    fn prune(&self, probe: &PreparedTemplate, position: FingerPosition) -> Vec<(u32, f32)> {
        // Each collision is weighted by how rare its key is (a key shared by many fingers
        // says little), and a finger's total by the square root of its key count.
        let mut votes = vec![0f32; self.slots.len()];
        let mut touched: Vec<u32> = Vec::new();
        let live = self.live.max(1) as f32;
        for key in self.hasher.probe_keys(probe, position) {
            let posted = self.postings.get(key);
            let weight = (1.0 + live / posted.len().max(1) as f32).ln();
            for &entry in posted {
                let slot = postings::slot(entry);
                let Some(v) = votes.get_mut(slot as usize) else {
                    continue;
                };
                if *v == 0.0 {
                    touched.push(slot);
                }
                *v += weight;
            }
        }
        let mut ranked: Vec<(u32, f32)> = touched
            .into_iter()
            .filter_map(|s| {
                let e = self.slots[s as usize].as_ref()?;
                Some((s, votes[s as usize] / (e.keys.max(1) as f32).sqrt()))
            })
            .collect();
        let keep = self.params.candidates.min(ranked.len());
        let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if keep < ranked.len() {
            ranked.select_nth_unstable_by(keep, order);
            ranked.truncate(keep);
        }
        ranked
    }

    fn verify(&self, probe: &PreparedTemplate, shortlist: &[(u32, f32)]) -> Vec<FingerCandidate> {
        let mut out: Vec<FingerCandidate> = shortlist
            .iter()
            .filter_map(|&(slot, votes)| {
                let e = self.slots.get(slot as usize)?.as_ref()?;
                let score = probe.compare(&PreparedTemplate::new(&e.template)).score;
                Some(FingerCandidate {
                    record: e.record,
                    position: e.template.position,
                    score,
                    votes,
                })
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.record.cmp(&b.record)));
        out
    }

    /// The enrolled fingers as `(record, template)`, in slot order.
    pub fn fingers(&self) -> impl Iterator<Item = (RecordId, &Template)> {
        self.slots.iter().flatten().map(|e| (e.record, &e.template))
    }

    /// Serialises the gallery (see [`file`] for the format).
    pub fn to_bytes(&self) -> Vec<u8> {
        file::encode(self.fingers())
    }

    /// Loads a gallery written by [`Index::to_bytes`], validating every field, and rebuilds
    /// the pruning index with `params`.
    pub fn from_bytes(bytes: &[u8], params: IndexParams) -> Result<Self, IndexFileError> {
        let fingers = file::decode(bytes)?;
        let mut index = Index::new(params);
        index.add_many(&fingers);
        Ok(index)
    }
}

/// Whether a probe finger at `probe` should be compared with an enrolled finger at `enrolled`:
/// same position, or either unknown.
fn compatible(probe: FingerPosition, enrolled: FingerPosition) -> bool {
    probe == enrolled || probe == FingerPosition::Unknown || enrolled == FingerPosition::Unknown
}

/// Per record, the sum over probe fingers of that finger's best score against the record.
fn fuse(probe: &[Template], per_finger: &[Vec<FingerCandidate>]) -> Vec<RecordCandidate> {
    let mut records: HashMap<RecordId, Vec<f32>> = HashMap::new();
    for (f, hits) in per_finger.iter().enumerate() {
        for hit in hits {
            let scores = records
                .entry(hit.record)
                .or_insert_with(|| vec![0.0; probe.len()]);
            scores[f] = scores[f].max(hit.score);
        }
    }
    let mut out: Vec<RecordCandidate> = records
        .into_iter()
        .map(|(record, scores)| RecordCandidate {
            record,
            fused_score: scores.iter().sum(),
            finger_scores: probe.iter().map(|t| t.position).zip(scores).collect(),
        })
        .collect();
    out.sort_by(|a, b| {
        b.fused_score
            .total_cmp(&a.fused_score)
            .then(a.record.cmp(&b.record))
    });
    out
}

/// Maps `items` with `f` on up to `threads` scoped threads, keeping order.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let f = &f;
                scope.spawn(move || part.iter().map(f).collect::<Vec<R>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(results) => results,
                // A worker panic is a bug in this crate: surface it, don't hide it.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{Distortion, impression, master};

    fn finger(person: u64, position: FingerPosition, capture: u64) -> Template {
        let m = master(person * 16 + u64::from(position.code()), position);
        impression(&m, capture, &Distortion::TYPICAL)
    }

    fn gallery(people: u64, positions: &[FingerPosition]) -> Index {
        let mut index = Index::default();
        let fingers: Vec<(RecordId, Template)> = (0..people)
            .flat_map(|p| positions.iter().map(move |&pos| (p, finger(p, pos, 1))))
            .collect();
        index.add_many(&fingers);
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
                (fused.fused_score - fused.finger_scores.iter().map(|s| s.1).sum::<f32>()).abs()
                    < 1e-5
            );
        }
    }

    #[test]
    fn only_compatible_positions_are_candidates() {
        let index = gallery(20, &[FingerPosition::RightThumb, FingerPosition::LeftThumb]);
        let hits = index.search_finger(&finger(5, FingerPosition::RightThumb, 2));
        assert!(
            hits.iter()
                .all(|h| h.position == FingerPosition::RightThumb)
        );
    }

    #[test]
    fn pruning_to_a_fifth_loses_at_most_one_percent_of_genuine_mates() {
        // 250 enrolled fingers, 50 (20 %) survive pruning; 200 genuine probes.
        let position = FingerPosition::RightIndex;
        let mut index = Index::new(IndexParams {
            candidates: 50,
            ..IndexParams::default()
        });
        let fingers: Vec<(RecordId, Template)> =
            (0..250).map(|p| (p, finger(p, position, 1))).collect();
        index.add_many(&fingers);
        // A miss counts as a pruning loss only when the exhaustive search gets it right.
        let lost = (0..200)
            .filter(|&person| {
                let probe = finger(person, position, 7);
                let pruned = index.search_finger(&probe);
                pruned.first().map(|h| h.record) != Some(person)
                    && index.search_finger_exhaustive(&probe)[0].record == person
            })
            .count();
        // Measured: 2 of 200 (1 %) at 20 % pass-through, 4 (2 %) at 10 %. The 0.5 % target of
        // issue #5 is not met yet by this first stage (see BENCHMARKS.md).
        assert!(lost <= 2, "lost {lost} of 200");
        for person in [0, 99, 199] {
            let full = index.search_finger_exhaustive(&finger(person, position, 7));
            assert_eq!(full.len(), 250);
            assert_eq!(full[0].record, person);
        }
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
        index.add(7, &finger(7, FingerPosition::RightIndex, 1));
        assert_eq!(index.search_finger(&probe)[0].record, 7);
        // Re-adding the same finger replaces it rather than duplicating it.
        index.add(7, &finger(7, FingerPosition::RightIndex, 1));
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
    fn memory_per_finger_is_small() {
        let index = gallery(100, &[FingerPosition::RightIndex]);
        let per_finger = index.memory_bytes() / index.len();
        // Minutiae (~50 × 12 B) + posting entries (~50 × 8 × 4 B) + overheads.
        assert!(per_finger < 8 * 1024, "{per_finger}");
        assert!(!format!("{index:?}").contains("minutiae"));
    }
}
