//! 1:N search ("penunggalan"): a gallery of enrolled fingers, searched in two stages.
//!
//! 1. **Prune** with MinHash locality-sensitive hashing of the MCC cylinders (after Cappelli,
//!    Ferrara & Maltoni 2011, "Fingerprint indexing based on Minutia Cylinder-Code", who hash
//!    the bit-vector cylinders; we use MinHash because the cylinders are sparse, where bit
//!    sampling collides on empty cells). Each cylinder's set bits give `bands` keys of `rows`
//!    min-hashes each; a probe votes for every enrolled finger sharing a key. The `rerank`
//!    fingers with most votes are then checked for geometry: the weight of their colliding
//!    cylinder pairs that agree on one rigid motion ([`geometry`]). The `candidates` fingers
//!    that check best survive. Beyond `sized_for` fingers of the probe's position, both
//!    numbers grow in proportion (a constant share of the gallery).
//! 2. **Verify** the survivors with the full matcher ([`crate::matcher`]).
//! 3. **Fuse** a 10-finger probe per record: the sum of the best score of each probe finger.
//!
//! The index keeps each finger's minutiae, its MCC cylinders (so that verifying a candidate is
//! one comparison, not a rebuild of its descriptors; this is most of the memory, see
//! [`Index::memory`]) and its posting-list entries. Fingers are added
//! and removed one at a time; [`Index::to_bytes`] / [`Index::from_bytes`] persist the gallery as
//! a versioned, checksummed binary file. Searches of several probe fingers run on all cores.

mod file;
mod geometry;
mod minhash;
mod postings;

pub use file::IndexFileError;

use crate::matcher::PreparedTemplate;
use crate::template::{FingerPosition, Template};
use crate::threads::{cores, on_threads, share_len};
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
    /// Fingers per probe finger, most votes first, whose colliding cylinder pairs are checked
    /// for one consistent rigid motion (at least `candidates`).
    pub rerank: usize,
    /// Fingers per probe finger passed from the pruning stage to the full matcher.
    pub candidates: usize,
    /// Compatible fingers (the probe's position, or unknown) up to which `rerank` and
    /// `candidates` apply as given. In larger galleries both grow in proportion, so that the
    /// same share of the gallery is checked and verified: the chance fingers that outrank a
    /// weak mate grow in number with the gallery (`usize::MAX`: never grow).
    pub sized_for: usize,
    /// Worker threads for searches and bulk loads (0: all available cores).
    pub threads: usize,
}

impl IndexParams {
    /// How many fingers the pruning stage passes to the full matcher when `fingers` enrolled
    /// fingers are compatible with the probe finger.
    pub fn shortlist_for(&self, fingers: usize) -> usize {
        self.grown(self.candidates, fingers)
    }

    /// How many fingers the geometric check re-ranks when `fingers` are compatible.
    pub fn rerank_for(&self, fingers: usize) -> usize {
        self.grown(self.rerank.max(self.candidates), fingers)
    }

    /// `base` up to `sized_for` compatible fingers, in proportion beyond.
    fn grown(&self, base: usize, fingers: usize) -> usize {
        let sized_for = self.sized_for.max(1);
        if fingers <= sized_for {
            return base;
        }
        let grown = base as u128 * fingers as u128 / sized_for as u128;
        usize::try_from(grown).unwrap_or(usize::MAX)
    }
}

impl Default for IndexParams {
    fn default() -> Self {
        Self {
            // 32 bands of 2 rows: on 3,000 same-position fingers and 1,000 genuine probes the
            // mate is shortlisted (top 100) for 997 probes, against 994 with 16 bands.
            bands: 32,
            rows: 2,
            // Real prints' hard mates rank low in the votes: among 30,000 synthetic fingers,
            // some FVC2002 mates that the full matcher ranks first had 300-4,200 fingers
            // with more votes. Checking 5,000 for geometry costs about 20 ms per probe finger,
            // the price of about 130 more full comparisons (`fixtures` example
            // `fvc_pruning`; BENCHMARKS.md, round 14).
            rerank: 5_000,
            // 300 candidates cost about 0.15 s more per 10-finger search than 100, whatever
            // the gallery size, and leave a margin for hard mates in larger galleries.
            candidates: 300,
            // The sizes above lose 1 of 1,120 real mates among 30,000 same-position fingers;
            // among 100,000, 300 candidates lost 7 (BENCHMARKS.md, round 15). A ten-print
            // gallery reaches 30,000 fingers per position at 300,000 fingers.
            sized_for: 30_000,
            threads: 0,
        }
    }
}

/// The index holds at most 2²⁴ − 1 fingers (16.7 million): posting entries name a finger in
/// 24 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("indeks penuh (maks. 16.777.215 jari) / index full (at most 16,777,215 fingers)")]
pub struct IndexFull;

/// Heap bytes of an [`Index`], by part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryUse {
    /// Enrolled minutiae (kept for persistence and for the UI).
    pub templates: usize,
    /// Cached MCC cylinders of every enrolled finger (≈ 250 B per minutia).
    pub descriptors: usize,
    /// Posting lists of the pruning stage (4 B per stored key, 12 B per distinct key).
    pub postings: usize,
    /// Slots, the (record, position) lookup, the hash tables.
    pub bookkeeping: usize,
}

impl MemoryUse {
    pub fn total(&self) -> usize {
        self.templates + self.descriptors + self.postings + self.bookkeeping
    }
}

/// One enrolled finger that a probe finger may match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FingerCandidate {
    pub record: RecordId,
    pub position: FingerPosition,
    /// Full matcher score (see [`crate::matcher`] for the scale).
    pub score: f32,
    /// The pruning stage's score: the weight of the finger's colliding cylinder pairs that
    /// agree on one rigid motion, normalised (0 for exhaustive searches).
    pub pruning: f32,
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
    /// The finger's cylinders, kept so that verification compares straight away (building
    /// them costs several comparisons' worth of time; see `memory_bytes` for the price).
    prepared: PreparedTemplate,
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
    /// Enrolled fingers per position code ([`FingerPosition::code`]); their sum is `len()`.
    per_position: [usize; POSITIONS],
}

/// Finger position codes: unknown and the ten fingers.
const POSITIONS: usize = 11;

/// The gallery is biometric data: the debug form shows sizes only.
impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("fingers", &self.len())
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
            ..params
        };
        Self {
            hasher: minhash::MinHasher::new(params.bands, params.rows),
            params,
            slots: Vec::new(),
            free: Vec::new(),
            lookup: HashMap::new(),
            postings: postings::Postings::default(),
            per_position: [0; POSITIONS],
        }
    }

    pub fn params(&self) -> IndexParams {
        self.params
    }

    /// Enrolled fingers.
    pub fn len(&self) -> usize {
        self.per_position.iter().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Enrolls (or replaces) the finger `template.position` of `record`.
    pub fn add(&mut self, record: RecordId, template: &Template) -> Result<(), IndexFull> {
        self.add_many(&[(record, template.clone())])
    }

    /// Enrolls many fingers, describing and hashing them on all cores.
    pub fn add_many(&mut self, fingers: &[(RecordId, Template)]) -> Result<(), IndexFull> {
        let threads = self.threads();
        let hasher = &self.hasher;
        let described: Vec<(PreparedTemplate, Vec<(u32, u8)>)> =
            parallel_map(fingers, threads, |(_, t)| {
                let prepared = PreparedTemplate::new(t);
                let keys = hasher.template_keys(&prepared, t.position);
                (prepared, keys)
            });
        let mut placed = Vec::with_capacity(described.len());
        let mut full = Ok(());
        for ((record, template), (prepared, keys)) in fingers.iter().zip(described) {
            match self.occupy(*record, template.clone(), prepared, keys.len()) {
                Ok(slot) => placed.push((slot, keys)),
                Err(e) => {
                    full = Err(e);
                    break;
                }
            }
        }
        // Whatever was enrolled before the index filled up stays searchable.
        let runs = on_threads(shares(placed, threads), posting_run);
        self.postings.add_sorted_runs(&runs);
        full
    }

    /// Puts a finger in a slot (replacing an earlier enrollment of the same finger).
    fn occupy(
        &mut self,
        record: RecordId,
        template: Template,
        prepared: PreparedTemplate,
        keys: usize,
    ) -> Result<u32, IndexFull> {
        self.remove(record, template.position);
        if self.free.is_empty() {
            self.reclaim();
        }
        let slot = match self.free.pop() {
            Some(s) => s,
            None if self.slots.len() < postings::MAX_SLOTS as usize => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
            None => return Err(IndexFull),
        };
        self.lookup.insert((record, template.position), slot);
        self.per_position[usize::from(template.position.code())] += 1;
        self.slots[slot as usize] = Some(Enrolled {
            record,
            template,
            prepared,
            keys: keys as u32,
        });
        Ok(slot)
    }

    /// Makes the slots of removed fingers reusable once enough of them pile up: their
    /// posting entries are purged first, so a reused slot never inherits old votes.
    fn reclaim(&mut self) {
        let dead = self.slots.len() - self.len();
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
            self.per_position[usize::from(position.code())] -= 1;
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
        self.memory().total()
    }

    /// Heap bytes by part (approximate: allocator overhead aside).
    pub fn memory(&self) -> MemoryUse {
        use std::mem::size_of;
        let live = self.slots.iter().flatten();
        MemoryUse {
            templates: live
                .clone()
                .map(|e| {
                    e.template.minutiae.capacity() * size_of::<crate::Minutia>()
                        + e.template
                            .orientation
                            .as_ref()
                            .map_or(0, |f| f.codes().len())
                })
                .sum(),
            descriptors: live.map(|e| e.prepared.heap_bytes()).sum(),
            postings: self.postings.heap_bytes(),
            bookkeeping: self.slots.capacity() * size_of::<Option<Enrolled>>()
                + self.lookup.capacity() * (size_of::<(RecordId, FingerPosition)>() + 5)
                + self.free.capacity() * 4
                + self.hasher.heap_bytes(),
        }
    }

    /// Enrolled fingers that a probe finger at `position` is compared with.
    pub fn compatible_fingers(&self, position: FingerPosition) -> usize {
        let count = |p: FingerPosition| self.per_position[usize::from(p.code())];
        match position {
            FingerPosition::Unknown => self.len(),
            p => count(p) + count(FingerPosition::Unknown),
        }
    }

    /// How many fingers the pruning stage passes to the full matcher for a probe finger at
    /// `position` ([`IndexParams::shortlist_for`]).
    pub fn shortlist_len(&self, position: FingerPosition) -> usize {
        self.params.shortlist_for(self.compatible_fingers(position))
    }

    fn threads(&self) -> usize {
        match self.params.threads {
            0 => cores(),
            n => n,
        }
    }

    /// Searches one probe finger: prune, then verify with the full matcher.
    pub fn search_finger(&self, probe: &Template) -> Vec<FingerCandidate> {
        let prepared = PreparedTemplate::new(probe);
        let shortlist = self.prune(&prepared, probe.position);
        self.verify(&prepared, &shortlist)
    }

    /// The first stage alone: the fingers the pruning stage would pass on for `probe`, most
    /// pruning score first, with `score` 0 (for measuring the pruning stage).
    pub fn shortlist(&self, probe: &Template) -> Vec<FingerCandidate> {
        let prepared = PreparedTemplate::new(probe);
        let mut out: Vec<FingerCandidate> = self
            .prune(&prepared, probe.position)
            .into_iter()
            .filter_map(|(slot, pruning)| {
                let e = self.slots.get(slot as usize)?.as_ref()?;
                Some(FingerCandidate {
                    record: e.record,
                    position: e.template.position,
                    score: 0.0,
                    pruning,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.pruning
                .total_cmp(&a.pruning)
                .then(a.record.cmp(&b.record))
        });
        out
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
        let parts: Vec<&[(u32, f32)]> = all.chunks(share_len(all.len(), self.threads())).collect();
        let mut out: Vec<FingerCandidate> = on_threads(parts, |part| self.verify(&prepared, part))
            .into_iter()
            .flatten()
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.record.cmp(&b.record)));
        out
    }

    /// [`Index::search`] without the pruning stage: every probe finger against every enrolled
    /// finger of a compatible position, fused per record as `search` fuses (slow by design;
    /// the reference for the pruned search's records).
    pub fn search_exhaustive(&self, probe: &[Template]) -> SearchResult {
        let per_finger: Vec<Vec<FingerCandidate>> = probe
            .iter()
            .map(|t| self.search_finger_exhaustive(t))
            .collect();
        let records = fuse(probe, &per_finger);
        SearchResult {
            per_finger,
            records,
        }
    }

    /// The `candidates` slots that the pruning stage passes on, as `(slot, score)`: the
    /// `rerank` fingers with most votes, re-ranked by the geometric check of their colliding
    /// cylinder pairs ([`geometry`]).
    fn prune(&self, probe: &PreparedTemplate, position: FingerPosition) -> Vec<(u32, f32)> {
        let ballot = self.vote(probe, position);
        let leaders = self.leaders(&ballot, position);
        let checked = self.check_geometry(probe, &ballot.pairs, leaders);
        best(checked, self.shortlist_len(position))
    }

    /// Counts the votes of every probe cylinder, per pair of cylinders, not per key: a genuine
    /// cylinder pair shares several of its `bands` keys, a chance pair rarely more than one.
    /// A key's weight is its rarity (a key shared by many fingers says little); a pair's weight
    /// is the sum over its shared keys, capped at the weight of one key that no other finger
    /// holds: near-empty cylinders (one or two neighbours) are alike by chance and share many
    /// rare keys, and uncapped such a pair outweighed a true mate's whole finger. For each
    /// probe cylinder, every enrolled finger gets the weight of its best-colliding cylinder,
    /// squared (so one strongly matching pair outweighs several single chance collisions).
    fn vote(&self, probe: &PreparedTemplate, position: FingerPosition) -> Ballot {
        let mut ballot = Ballot {
            votes: vec![0f32; self.slots.len()],
            touched: Vec::new(),
            pairs: Vec::new(),
        };
        let live = self.len().max(1) as f32;
        let cap = (1.0 + live).ln();
        let mut hits: Vec<(u32, f32)> = Vec::new();
        let mut sorter = RadixSorter::default();
        for (cylinder, keys) in self
            .hasher
            .probe_keys(probe, position)
            .into_iter()
            .enumerate()
        {
            hits.clear();
            for key in keys {
                let posted = self.postings.get(key);
                let weight = (1.0 + live / posted.len().max(1) as f32).ln();
                hits.extend(
                    posted
                        .into_iter()
                        .map(|slot_cylinder| (slot_cylinder, weight)),
                );
            }
            sorter.sort(&mut hits);
            // The best-colliding pair of the current enrolled finger (weight 0: none yet).
            let mut best = geometry::Pair::default();
            for run in hits.chunk_by(|a, b| a.0 == b.0) {
                let pair = geometry::Pair {
                    slot: postings::slot(run[0].0),
                    probe: cylinder as u8,
                    enrolled: postings::cylinder(run[0].0),
                    weight: run.iter().map(|h| h.1).sum::<f32>().min(cap),
                };
                if pair.slot != best.slot {
                    ballot.count(&best);
                    best = pair;
                } else if pair.weight > best.weight {
                    best = pair;
                }
            }
            ballot.count(&best);
        }
        ballot
    }

    /// The `rerank` fingers of a compatible position with the most votes, as `(slot, votes)`.
    /// A finger's votes are divided by the square root of its key count, as fingers with more
    /// cylinders collide more by chance.
    fn leaders(&self, ballot: &Ballot, position: FingerPosition) -> Vec<(u32, f32)> {
        // Keys are folded to 32 bits, so a key of another position can collide with the
        // probe's: such fingers got stray votes and are not candidates.
        let ranked: Vec<(u32, f32)> = ballot
            .touched
            .iter()
            .filter_map(|&s| {
                let e = self.slots[s as usize].as_ref()?;
                compatible(position, e.template.position)
                    .then(|| (s, ballot.votes[s as usize] / norm(e.keys)))
            })
            .collect();
        let fingers = self.compatible_fingers(position);
        best(ranked, self.params.rerank_for(fingers))
    }

    /// Scores each leader by [`geometry::consistent_weight`] of its colliding pairs, divided
    /// by the square root of its key count as the votes are.
    fn check_geometry(
        &self,
        probe: &PreparedTemplate,
        pairs: &[u64],
        mut leaders: Vec<(u32, f32)>,
    ) -> Vec<(u32, f32)> {
        let (grouped, ends) = group_by_leader(pairs, &leaders, self.slots.len());
        let mut placed = geometry::Placed::default();
        let mut start = 0;
        for (leader, end) in leaders.iter_mut().zip(ends) {
            let own = &grouped[start..end];
            start = end;
            leader.1 = match self.slots[leader.0 as usize].as_ref() {
                Some(e) => {
                    let points = e.prepared.points();
                    geometry::consistent_weight(own, probe.points(), points, &mut placed)
                        / norm(e.keys)
                }
                None => 0.0,
            };
        }
        leaders
    }

    fn verify(&self, probe: &PreparedTemplate, shortlist: &[(u32, f32)]) -> Vec<FingerCandidate> {
        let mut out: Vec<FingerCandidate> = shortlist
            .iter()
            .filter_map(|&(slot, pruning)| {
                let e = self.slots.get(slot as usize)?.as_ref()?;
                let score = probe.compare(&e.prepared).score;
                Some(FingerCandidate {
                    record: e.record,
                    position: e.template.position,
                    score,
                    pruning,
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
        index.add_many(&fingers)?;
        Ok(index)
    }
}

/// The votes of one probe finger: per slot, the sum of its best pairs' squared weights; the
/// slots that got any; and every counted pair, for the geometric check.
struct Ballot {
    votes: Vec<f32>,
    touched: Vec<u32>,
    /// Every counted pair, packed ([`geometry::Pair::pack`]).
    pairs: Vec<u64>,
}

impl Ballot {
    /// Counts one finger's best pair for the current probe cylinder.
    fn count(&mut self, pair: &geometry::Pair) {
        if pair.weight <= 0.0 {
            return;
        }
        let Some(v) = self.votes.get_mut(pair.slot as usize) else {
            return;
        };
        if *v == 0.0 {
            self.touched.push(pair.slot);
        }
        *v += pair.weight * pair.weight;
        self.pairs.push(pair.pack());
    }
}

/// Sorts a probe cylinder's hits by their posting value (slot, then cylinder): a least
/// significant digit radix sort, three passes of 11 bits. Hits run to thousands per probe
/// cylinder in a large gallery, where a comparison sort was the largest part of a search.
#[derive(Default)]
struct RadixSorter {
    scratch: Vec<(u32, f32)>,
}

impl RadixSorter {
    const DIGIT: u32 = 11;
    const PASSES: u32 = 3;
    /// Below this many hits a comparison sort is faster than clearing the digit counts.
    const SMALL: usize = 256;

    fn sort(&mut self, hits: &mut Vec<(u32, f32)>) {
        if hits.len() < Self::SMALL {
            hits.sort_unstable_by_key(|h| h.0);
            return;
        }
        let mask = (1u32 << Self::DIGIT) - 1;
        self.scratch.clear();
        self.scratch.resize(hits.len(), (0, 0.0));
        for pass in 0..Self::PASSES {
            let shift = pass * Self::DIGIT;
            let digit = |h: &(u32, f32)| ((h.0 >> shift) & mask) as usize;
            let mut start = [0usize; 1 << Self::DIGIT];
            for h in hits.iter() {
                start[digit(h)] += 1;
            }
            let mut total = 0;
            for n in start.iter_mut() {
                (*n, total) = (total, total + *n);
            }
            for h in hits.iter() {
                let d = digit(h);
                self.scratch[start[d]] = *h;
                start[d] += 1;
            }
            std::mem::swap(hits, &mut self.scratch);
        }
    }
}

/// A finger's vote normaliser: the square root of its posting entries.
fn norm(keys: u32) -> f32 {
    (keys.max(1) as f32).sqrt()
}

/// The `keep` highest-scoring `(slot, score)` entries, in no particular order (ties go to the
/// lower slot, so the choice does not depend on the input order).
fn best(mut ranked: Vec<(u32, f32)>, keep: usize) -> Vec<(u32, f32)> {
    if keep < ranked.len() {
        let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        ranked.select_nth_unstable_by(keep, order);
        ranked.truncate(keep);
    }
    ranked
}

/// The pairs of the leaders, grouped by leader in `leaders` order (each group in the order
/// the pairs were counted), with each group's end. One pass picks the leaders' pairs out of
/// all counted ones (millions in a large gallery), then a counting sort groups the few kept.
fn group_by_leader(
    packed: &[u64],
    leaders: &[(u32, f32)],
    slots: usize,
) -> (Vec<geometry::Pair>, Vec<usize>) {
    let mut leader_of = vec![u32::MAX; slots];
    for (i, &(slot, _)) in leaders.iter().enumerate() {
        leader_of[slot as usize] = i as u32;
    }
    let kept: Vec<(u32, u64)> = packed
        .iter()
        .filter_map(|&p| {
            let leader = *leader_of.get(geometry::Pair::packed_slot(p) as usize)?;
            (leader != u32::MAX).then_some((leader, p))
        })
        .collect();
    let mut ends = vec![0usize; leaders.len()];
    for &(leader, _) in &kept {
        ends[leader as usize] += 1;
    }
    let mut next = Vec::with_capacity(ends.len());
    let mut total = 0;
    for end in &mut ends {
        next.push(total);
        total += *end;
        *end = total;
    }
    let mut grouped = vec![geometry::Pair::default(); total];
    for (leader, p) in kept {
        grouped[next[leader as usize]] = geometry::Pair::unpack(p);
        next[leader as usize] += 1;
    }
    (grouped, ends)
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

/// The posting entries of one share of newly placed fingers (slot, keys), sorted. The keys
/// are consumed as they are turned into entries, so a bulk load never holds both in full.
fn posting_run(placed: Vec<(u32, Vec<(u32, u8)>)>) -> Vec<u64> {
    let mut run = Vec::with_capacity(placed.iter().map(|(_, keys)| keys.len()).sum());
    for (slot, keys) in placed {
        run.extend(keys.into_iter().map(|(k, c)| postings::entry(k, slot, c)));
    }
    run.sort_unstable();
    run
}

/// Maps `items` with `f` on up to `threads` scoped threads, keeping order.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let parts: Vec<&[T]> = items.chunks(share_len(items.len(), threads)).collect();
    on_threads(parts, |part| part.iter().map(&f).collect::<Vec<R>>())
        .into_iter()
        .flatten()
        .collect()
}

/// Splits `items` into up to `threads` shares of consecutive items, in order.
fn shares<T>(mut items: Vec<T>, threads: usize) -> Vec<Vec<T>> {
    let share = share_len(items.len(), threads);
    let mut out = Vec::with_capacity(threads);
    while items.len() > share {
        let rest = items.split_off(share);
        out.push(std::mem::replace(&mut items, rest));
    }
    out.push(items);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hits of every size around the comparison-sort cut-off, with values over all 32 bits
    /// and repeated values: the radix sort orders them as a sort by value does, and keeps
    /// the hits of one value in the order they came.
    #[test]
    fn radix_sort_orders_hits_by_value() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut sorter = RadixSorter::default();
        for len in [0, 1, 255, 256, 257, 5_000] {
            let mut hits: Vec<(u32, f32)> = (0..len)
                .map(|i| {
                    let r = next();
                    let value = if r % 4 == 0 {
                        (r >> 40) as u32 & 0x3FF
                    } else {
                        r as u32
                    };
                    (value, i as f32)
                })
                .collect();
            let mut expected = hits.clone();
            expected.sort_by_key(|h| h.0);
            sorter.sort(&mut hits);
            assert_eq!(hits.len(), expected.len());
            assert!(hits.windows(2).all(|w| w[0].0 <= w[1].0), "length {len}");
            if len >= RadixSorter::SMALL {
                assert_eq!(hits, expected, "length {len}");
            }
        }
    }
}
