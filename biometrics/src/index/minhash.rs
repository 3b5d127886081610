//! MinHash keys of MCC cylinders for the pruning stage.
//!
//! A cylinder's set bits form a sparse set over 1536 cells; the probability that two sets have
//! the same min-hash under a random ranking equals their Jaccard similarity. A key joins
//! `rows` min-hashes (so a key collision is likely only for very similar cylinders) and each
//! cylinder contributes `bands` keys (so a similar cylinder shares at least one key with high
//! probability). The finger position is part of the key: a right index is only looked up
//! among right indexes.

use crate::matcher::Cylinder;
use crate::matcher::PreparedTemplate;
use crate::template::FingerPosition;

const CELLS: usize = 1536;
/// Cylinders with fewer set bits than this carry too little structure to index.
const MIN_SET_BITS: usize = 16;
/// Fixed: keys must be the same in every process that reads a persisted gallery.
const SEED: u64 = 0x4D43_432D_4C53_4821;

pub struct MinHasher {
    bands: usize,
    rows: usize,
    /// Random rank of each cell under each of the `bands × rows` hash functions.
    ranks: Vec<u32>,
}

impl MinHasher {
    pub fn new(bands: usize, rows: usize) -> Self {
        let mut state = SEED ^ 0x5DEE_CE66_D1CE_4E5B;
        let ranks = (0..bands * rows * CELLS)
            .map(|_| (splitmix64(&mut state) >> 32) as u32)
            .collect();
        Self { bands, rows, ranks }
    }

    pub fn heap_bytes(&self) -> usize {
        self.ranks.capacity() * 4
    }

    fn cylinder_keys(&self, c: &Cylinder, position: u8, set: &mut Vec<u16>, out: &mut Vec<u32>) {
        set.clear();
        for (w, &word) in c.bits.iter().enumerate() {
            let mut word = word;
            while word != 0 {
                set.push((w * 64 + word.trailing_zeros() as usize) as u16);
                word &= word - 1;
            }
        }
        if set.len() < MIN_SET_BITS {
            return;
        }
        for band in 0..self.bands {
            let mut key = (u64::from(position) << 56) | ((band as u64) << 48);
            for row in 0..self.rows {
                let f = band * self.rows + row;
                let ranks = &self.ranks[f * CELLS..(f + 1) * CELLS];
                let best = set
                    .iter()
                    .copied()
                    .min_by_key(|&bit| ranks[usize::from(bit)])
                    .unwrap_or(0);
                key |= u64::from(best) << (11 * row);
            }
            out.push(fold(key));
        }
    }

    /// Keys of each cylinder, one list per cylinder (in cylinder order).
    fn keys_for(&self, p: &PreparedTemplate, codes: &[u8]) -> Vec<Vec<u32>> {
        let mut set = Vec::with_capacity(256);
        p.cylinders()
            .iter()
            .map(|c| {
                let mut out = Vec::with_capacity(self.bands * codes.len());
                for &code in codes {
                    self.cylinder_keys(c, code, &mut set, &mut out);
                }
                out
            })
            .collect()
    }

    /// Keys stored for an enrolled finger, as `(key, cylinder index)`, each pair once.
    pub fn template_keys(&self, p: &PreparedTemplate, position: FingerPosition) -> Vec<(u32, u8)> {
        let mut keys: Vec<(u32, u8)> = self
            .keys_for(p, &[position.code()])
            .into_iter()
            .enumerate()
            .flat_map(|(c, keys)| keys.into_iter().map(move |k| (k, c as u8)))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// Keys a probe finger looks up, per cylinder: its own position and unknown-position
    /// enrollments; an unknown-position probe looks everywhere.
    pub fn probe_keys(&self, p: &PreparedTemplate, position: FingerPosition) -> Vec<Vec<u32>> {
        match position {
            FingerPosition::Unknown => {
                let all: Vec<u8> = (0..=10).collect();
                self.keys_for(p, &all)
            }
            known => self.keys_for(p, &[known.code(), FingerPosition::Unknown.code()]),
        }
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): the cell rankings need only be fixed and
/// well spread, not secret.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Folds the exact key (position, band, min-hash cells) into the 32 bits the postings store.
/// Distinct keys may share a folded value; that adds a few stray votes, never a lost one.
fn fold(key: u64) -> u32 {
    let x = (key ^ (key >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let x = (x ^ (x >> 29)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (x ^ (x >> 32)) as u32
}
