//! Posting lists of the pruning stage, stored as one compressed sparse row: the distinct keys
//! (ascending), where each key's run ends, and the runs' values (`slot << 8 | cylinder`, 4 bytes
//! per entry). Keys repeat a lot (a 100k-finger gallery holds about 180 million entries under
//! 3.5 million keys), so storing each key once halves the lists against whole 8-byte entries.
//! Incremental additions go to a small sorted delta of whole entries (`key << 32 | value`),
//! merged in when it grows.

#[derive(Default)]
pub struct Postings {
    /// Distinct keys, ascending.
    keys: Vec<u32>,
    /// `ends[i]`: one past the last value of `keys[i]` in `values`.
    ends: Vec<usize>,
    /// Every entry's value, grouped by key in key order, ascending within a key.
    values: Vec<u32>,
    /// Recent additions, sorted whole entries.
    delta: Vec<u64>,
}

/// The delta is merged once it exceeds this many entries or an eighth of the main lists.
const DELTA_LIMIT: usize = 1 << 16;

impl Postings {
    pub fn len(&self) -> usize {
        self.values.len() + self.delta.len()
    }

    pub fn heap_bytes(&self) -> usize {
        self.keys.capacity() * 4
            + self.ends.capacity() * std::mem::size_of::<usize>()
            + self.values.capacity() * 4
            + self.delta.capacity() * 8
    }

    /// Adds entries made by [`entry`] (any order).
    #[cfg(test)]
    pub fn add_entries(&mut self, mut entries: Vec<u64>) {
        entries.sort_unstable();
        self.add_sorted_runs(&[entries]);
    }

    /// Adds runs of entries made by [`entry`], each sorted: a bulk load's workers each sort
    /// their share, and the runs are merged here as they are read, without a merged copy.
    pub fn add_sorted_runs(&mut self, runs: &[Vec<u64>]) {
        let total = runs.iter().map(Vec::len).sum();
        if total > DELTA_LIMIT {
            self.merge_in(MergedRuns::new(runs), total);
            return;
        }
        let mut delta = Vec::with_capacity(self.delta.len() + total);
        merge_into(
            self.delta.iter().copied(),
            MergedRuns::new(runs),
            &mut delta,
        );
        self.delta = delta;
        if self.delta.len() > DELTA_LIMIT.max(self.values.len() / 8) {
            let delta = std::mem::take(&mut self.delta);
            self.merge_in(delta.iter().copied(), delta.len());
        }
    }

    /// Values posted under `key` (read the slot with [`slot`]): the main run, then the delta's.
    pub fn get(&self, key: u32) -> Posted<'_> {
        Posted {
            main: self.run(key),
            delta: range(&self.delta, key),
        }
    }

    /// Keeps only the entries whose slot satisfies `keep`.
    pub fn retain(&mut self, keep: impl Fn(u32) -> bool) {
        let delta = std::mem::take(&mut self.delta);
        self.merge_in(delta.iter().copied(), delta.len());
        let (mut kept_keys, mut kept_values, mut start) = (0, 0, 0);
        for i in 0..self.keys.len() {
            let (run_start, end) = (kept_values, self.ends[i]);
            for v in start..end {
                let value = self.values[v];
                if keep(slot(value)) {
                    self.values[kept_values] = value;
                    kept_values += 1;
                }
            }
            start = end;
            if kept_values > run_start {
                self.keys[kept_keys] = self.keys[i];
                self.ends[kept_keys] = kept_values;
                kept_keys += 1;
            }
        }
        self.keys.truncate(kept_keys);
        self.ends.truncate(kept_keys);
        self.values.truncate(kept_values);
        self.keys.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.values.shrink_to_fit();
    }

    /// The main run of `key` (empty when it has none).
    fn run(&self, key: u32) -> &[u32] {
        match self.keys.binary_search(&key) {
            Ok(i) => self.run_at(i),
            Err(_) => &[],
        }
    }

    /// The values of `keys[i]`.
    fn run_at(&self, i: usize) -> &[u32] {
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p]);
        &self.values[start..self.ends[i]]
    }

    /// Merges `count` sorted whole entries into the main lists, keeping values ascending
    /// within a key (a key's main run first, then its new values).
    fn merge_in(&mut self, entries: impl Iterator<Item = u64>, count: usize) {
        if count == 0 {
            return;
        }
        let mut entries = entries.peekable();
        let (mut keys, mut ends) = (Vec::new(), Vec::new());
        let mut values = Vec::with_capacity(self.values.len() + count);
        let mut i = 0;
        loop {
            let main = self.keys.get(i).copied();
            let added = entries.peek().map(|&e| key_of(e));
            let Some(key) = main.into_iter().chain(added).min() else {
                break;
            };
            let old = if main == Some(key) {
                i += 1;
                self.run_at(i - 1)
            } else {
                &[]
            };
            let new = std::iter::from_fn(|| entries.next_if(|&e| key_of(e) == key).map(value_of));
            merge_into(old.iter().copied(), new, &mut values);
            keys.push(key);
            ends.push(values.len());
        }
        keys.shrink_to_fit();
        ends.shrink_to_fit();
        (self.keys, self.ends, self.values) = (keys, ends, values);
    }
}

/// The ascending merge of a few sorted runs (one per worker), read without copying them.
struct MergedRuns<'a> {
    heads: Vec<&'a [u64]>,
}

impl<'a> MergedRuns<'a> {
    fn new(runs: &'a [Vec<u64>]) -> Self {
        Self {
            heads: runs.iter().map(Vec::as_slice).collect(),
        }
    }
}

impl Iterator for MergedRuns<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        let head = self
            .heads
            .iter_mut()
            .filter(|run| !run.is_empty())
            .min_by_key(|run| run[0])?;
        let (&first, rest) = head.split_first()?;
        *head = rest;
        Some(first)
    }
}

/// Slots must fit in 24 bits: the low 8 bits of a value name the cylinder.
pub const MAX_SLOTS: u32 = 1 << 24;

/// One posting entry: `key` in the high half (the sort order), then its value: the finger's
/// `slot` (24 bits) and the index of its cylinder that produced the key (8 bits).
pub fn entry(key: u32, slot: u32, cylinder: u8) -> u64 {
    (u64::from(key) << 32) | u64::from(slot << 8) | u64::from(cylinder)
}

fn key_of(entry: u64) -> u32 {
    (entry >> 32) as u32
}

fn value_of(entry: u64) -> u32 {
    entry as u32
}

/// The slot of a value (`slot << 8 | cylinder`).
pub fn slot(value: u32) -> u32 {
    value >> 8
}

/// The cylinder (its index in the finger's cylinders) of a value.
pub fn cylinder(value: u32) -> u8 {
    value as u8
}

/// The values under one key: `slot << 8 | cylinder`, one per enrolled cylinder.
pub struct Posted<'a> {
    main: &'a [u32],
    delta: &'a [u64],
}

impl<'a> IntoIterator for Posted<'a> {
    type Item = u32;
    type IntoIter = std::iter::Chain<
        std::iter::Copied<std::slice::Iter<'a, u32>>,
        std::iter::Map<std::slice::Iter<'a, u64>, fn(&u64) -> u32>,
    >;
    fn into_iter(self) -> Self::IntoIter {
        let value: fn(&u64) -> u32 = |&e| value_of(e);
        self.main
            .iter()
            .copied()
            .chain(self.delta.iter().map(value))
    }
}

impl Posted<'_> {
    pub fn len(&self) -> usize {
        self.main.len() + self.delta.len()
    }
}

fn range(list: &[u64], key: u32) -> &[u64] {
    let lo = u64::from(key) << 32;
    let start = list.partition_point(|&e| e < lo);
    let end = start + list[start..].partition_point(|&e| key_of(e) == key);
    &list[start..end]
}

/// Appends the ascending union (with repeats) of two ascending sequences; on a tie `a`'s
/// element comes first, so a key's main run stays ahead of its later additions.
fn merge_into<T: Ord>(
    a: impl IntoIterator<Item = T>,
    b: impl IntoIterator<Item = T>,
    out: &mut Vec<T>,
) {
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        out.extend(if x <= y { a.next() } else { b.next() });
    }
    out.extend(a);
    out.extend(b);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn slots(posted: Posted<'_>) -> Vec<u32> {
        posted.into_iter().map(slot).collect()
    }

    #[test]
    fn finds_slots_by_key_across_merges_and_retains() {
        let mut p = Postings::default();
        for slot in 0..20_000u32 {
            p.add_entries(vec![entry(slot % 7, slot, 0), entry(1000 + slot, slot, 0)]);
        }
        p.add_entries((20_000..100_000).map(|s| entry(1000 + s, s, 0)).collect());
        assert_eq!(slots(p.get(1000 + 99_999)), vec![99_999]);
        let mut sevens = slots(p.get(3));
        sevens.sort_unstable();
        assert_eq!(sevens.len(), 2857);
        assert!(sevens.iter().all(|s| s % 7 == 3));
        assert_eq!(slots(p.get(1000 + 12_345)), vec![12_345]);
        p.retain(|s| s.is_multiple_of(2));
        assert!(slots(p.get(3)).iter().all(|s| s.is_multiple_of(2)));
        assert_eq!(p.get(1000 + 12_345).len(), 0);
    }

    /// Random batches (small ones through the delta, large ones straight into the main lists)
    /// and purges give, under every key, exactly the values a plain map holds, in the order
    /// the search reads them: the main run ascending, then the delta's.
    #[test]
    fn agrees_with_a_map_under_random_adds_and_purges() {
        let mut state = 7u64;
        let mut next = move |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        let mut p = Postings::default();
        let mut model: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        let mut delta_merges = 0;
        for round in 0..40 {
            let size = if round == 29 || round == 39 {
                DELTA_LIMIT as u64 + 5_000
            } else {
                next(12_000)
            };
            let batch: Vec<(u32, u32)> = (0..size)
                .map(|_| {
                    (
                        next(20_000) as u32,
                        next(1 << 24) as u32 * 256 + next(256) as u32,
                    )
                })
                .collect();
            for &(k, v) in &batch {
                model.entry(k).or_default().push(v);
            }
            let delta_before = p.delta.len();
            p.add_entries(
                batch
                    .iter()
                    .map(|&(k, v)| (u64::from(k) << 32) | u64::from(v))
                    .collect(),
            );
            let merged = p.delta.len() < delta_before + batch.len();
            delta_merges += usize::from(batch.len() <= DELTA_LIMIT && merged);
            if round % 13 == 12 {
                let cut = next(3) as u32 + 2;
                p.retain(|s| !s.is_multiple_of(cut));
                for values in model.values_mut() {
                    values.retain(|&v| !slot(v).is_multiple_of(cut));
                }
                model.retain(|_, values| !values.is_empty());
                assert_eq!(p.keys.len(), model.len(), "emptied keys are dropped");
            }
            for (&key, values) in model.iter().step_by(37) {
                let posted = p.get(key);
                let (main, delta) = (posted.main.to_vec(), posted.delta.to_vec());
                assert!(main.is_sorted() && delta.is_sorted());
                let mut got: Vec<u32> = p.get(key).into_iter().collect();
                let mut want = values.clone();
                got.sort_unstable();
                want.sort_unstable();
                assert_eq!(got, want, "key {key} after round {round}");
            }
            assert_eq!(p.len(), model.values().map(Vec::len).sum::<usize>());
            assert_eq!(p.get(20_000 + round).len(), 0);
        }
        assert!(
            delta_merges >= 2,
            "the delta was merged {delta_merges} times"
        );
    }

    /// Runs sorted apart (as a bulk load's workers sort their shares) give exactly the lists
    /// one sorted batch gives, into empty lists, into full ones, and through the delta.
    #[test]
    fn sorted_runs_merge_like_one_sorted_batch() {
        let mut state = 11u64;
        let mut random_entries = move |n: usize| -> Vec<u64> {
            (0..n)
                .map(|i| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    entry((state % 5_000) as u32, i as u32, (state >> 40) as u8)
                })
                .collect()
        };
        let (mut by_runs, mut at_once) = (Postings::default(), Postings::default());
        for size in [DELTA_LIMIT + 9_000, DELTA_LIMIT + 9_000, 3_000] {
            let batch = random_entries(size);
            let mut runs: Vec<Vec<u64>> = batch.chunks(size / 3 + 1).map(<[u64]>::to_vec).collect();
            runs.iter_mut().for_each(|run| run.sort_unstable());
            assert_eq!(runs.len(), 3);
            by_runs.add_sorted_runs(&runs);
            at_once.add_entries(batch);
            assert_eq!(by_runs.keys, at_once.keys);
            assert_eq!(by_runs.ends, at_once.ends);
            assert_eq!(by_runs.values, at_once.values);
            assert_eq!(by_runs.delta, at_once.delta);
            assert!(
                by_runs.values.windows(2).any(|w| w[0] > w[1]),
                "runs of several keys"
            );
        }
        assert_eq!(
            by_runs.delta.len(),
            3_000,
            "the last batch went to the delta"
        );
    }

    /// With keys shared by ten entries each, the lists take about 4 bytes per entry (plus
    /// 12 per key), not the 8 of whole entries.
    #[test]
    fn shared_keys_are_stored_once() {
        let mut p = Postings::default();
        let entries: Vec<u64> = (0..200_000u32).map(|i| entry(i / 10, i, 3)).collect();
        p.add_entries(entries);
        assert_eq!(p.len(), 200_000);
        assert_eq!(p.keys.len(), 20_000);
        assert_eq!(p.heap_bytes(), 200_000 * 4 + 20_000 * 12);
    }
}
