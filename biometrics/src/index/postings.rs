//! Posting lists of the pruning stage, stored flat: each entry is `key << 32 | slot` in one
//! sorted `Vec<u64>` (8 bytes per entry, no per-bucket allocation), plus a small sorted
//! delta for incremental additions that is merged in when it grows.

#[derive(Default)]
pub struct Postings {
    main: Vec<u64>,
    delta: Vec<u64>,
}

/// The delta is merged once it exceeds this many entries or an eighth of the main list.
const DELTA_LIMIT: usize = 1 << 16;

impl Postings {
    pub fn len(&self) -> usize {
        self.main.len() + self.delta.len()
    }

    pub fn heap_bytes(&self) -> usize {
        (self.main.capacity() + self.delta.capacity()) * 8
    }

    /// Adds entries made by [`entry`] (any order).
    pub fn add_entries(&mut self, mut entries: Vec<u64>) {
        entries.sort_unstable();
        if entries.len() > DELTA_LIMIT {
            self.main = merge(&self.main, &entries);
            return;
        }
        self.delta = merge(&self.delta, &entries);
        if self.delta.len() > DELTA_LIMIT.max(self.main.len() / 8) {
            self.main = merge(&self.main, &self.delta);
            self.delta = Vec::new();
        }
    }

    /// Entries posted under `key` (read the slot with [`slot`]); two runs, main and delta.
    pub fn get(&self, key: u32) -> Posted<'_> {
        Posted {
            main: range(&self.main, key),
            delta: range(&self.delta, key),
        }
    }

    /// Keeps only the entries whose slot satisfies `keep`.
    pub fn retain(&mut self, keep: impl Fn(u32) -> bool) {
        self.main = merge(&self.main, &self.delta);
        self.delta = Vec::new();
        self.main.retain(|&e| keep(slot(e)));
        self.main.shrink_to_fit();
    }
}

/// Slots must fit in 24 bits: the low 8 bits of an entry name the cylinder.
pub const MAX_SLOTS: u32 = 1 << 24;

/// One posting entry: `key` in the high half (the sort order), then the finger's `slot`
/// (24 bits) and the index of its cylinder that produced the key (8 bits).
pub fn entry(key: u32, slot: u32, cylinder: u8) -> u64 {
    (u64::from(key) << 32) | u64::from(slot << 8) | u64::from(cylinder)
}

/// `slot << 8 | cylinder`: identifies one enrolled cylinder.
pub fn slot_cylinder(entry: u64) -> u32 {
    entry as u32
}

/// The slot of an entry.
pub fn slot(entry: u64) -> u32 {
    (entry as u32) >> 8
}

/// The entries under one key.
pub struct Posted<'a> {
    main: &'a [u64],
    delta: &'a [u64],
}

impl<'a> IntoIterator for Posted<'a> {
    type Item = &'a u64;
    type IntoIter = std::iter::Chain<std::slice::Iter<'a, u64>, std::slice::Iter<'a, u64>>;
    fn into_iter(self) -> Self::IntoIter {
        self.main.iter().chain(self.delta.iter())
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
    let end = start + list[start..].partition_point(|&e| (e >> 32) as u32 == key);
    &list[start..end]
}

fn merge(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_slots_by_key_across_merges_and_retains() {
        let mut p = Postings::default();
        for slot in 0..20_000u32 {
            p.add_entries(vec![entry(slot % 7, slot, 0), entry(1000 + slot, slot, 0)]);
        }
        p.add_entries((20_000..100_000).map(|s| entry(1000 + s, s, 0)).collect());
        assert_eq!(
            p.get(1000 + 99_999)
                .into_iter()
                .map(|&e| slot(e))
                .collect::<Vec<_>>(),
            vec![99_999]
        );
        let mut sevens: Vec<u32> = p.get(3).into_iter().map(|&e| slot(e)).collect();
        sevens.sort_unstable();
        assert_eq!(sevens.len(), 2857);
        assert!(sevens.iter().all(|s| s % 7 == 3));
        assert_eq!(
            p.get(1000 + 12_345)
                .into_iter()
                .map(|&e| slot(e))
                .collect::<Vec<_>>(),
            vec![12_345]
        );
        p.retain(|s| s.is_multiple_of(2));
        assert!(p.get(3).into_iter().all(|&e| slot(e).is_multiple_of(2)));
        assert_eq!(p.get(1000 + 12_345).len(), 0);
    }
}
