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
use crate::matcher::set_bits;
use crate::template::FingerPosition;

const CELLS: usize = 1536;
/// Cylinders with fewer set bits than this carry too little structure to index.
const MIN_SET_BITS: usize = 16;
/// Fixed: keys must be the same in every process that reads a persisted gallery.
const SEED: u64 = 0x4D43_432D_4C53_4821;

pub struct MinHasher {
    bands: usize,
    rows: usize,
    /// Each cell's place (0..1536) in each of the `bands × rows` random rankings, cell by
    /// cell: one pass over a cylinder's set cells then keeps every ranking's minimum place in
    /// adjacent lanes. Places fit in `i16`, whose lane-wise minimum every x86-64 has.
    places: Vec<i16>,
    /// The cell at each place, ranking by ranking: turns a minimum place back into its cell.
    cells: Vec<u16>,
}

impl MinHasher {
    pub fn new(bands: usize, rows: usize) -> Self {
        let functions = bands * rows;
        let mut state = SEED ^ 0x5DEE_CE66_D1CE_4E5B;
        let ranks: Vec<u32> = (0..functions * CELLS)
            .map(|_| (splitmix64(&mut state) >> 32) as u32)
            .collect();
        let mut places = vec![0i16; CELLS * functions];
        let mut cells = Vec::with_capacity(functions * CELLS);
        for (f, ranks) in ranks.chunks_exact(CELLS).enumerate() {
            // Equal ranks are ordered by cell, so the lowest set cell wins a tie.
            let mut order: Vec<u16> = (0..CELLS as u16).collect();
            order.sort_by_key(|&cell| (ranks[usize::from(cell)], cell));
            for (place, &cell) in order.iter().enumerate() {
                places[usize::from(cell) * functions + f] = place as i16;
            }
            cells.extend(order);
        }
        Self {
            bands,
            rows,
            places,
            cells,
        }
    }

    pub fn heap_bytes(&self) -> usize {
        self.places.capacity() * 2 + self.cells.capacity() * 2
    }

    /// The cylinder's band signatures: per band, its `rows` min-hash cells packed 11 bits
    /// apart (empty when the cylinder is too sparse to index). They do not depend on the finger
    /// position, so a probe looked up under several positions computes them once.
    fn signatures(&self, c: &Cylinder, minima: &mut Vec<i16>, out: &mut Vec<u64>) {
        out.clear();
        let set_cells: u32 = c.bits.iter().map(|w| w.count_ones()).sum();
        if (set_cells as usize) < MIN_SET_BITS {
            return;
        }
        let functions = self.bands * self.rows;
        minima.clear();
        minima.resize(functions, i16::MAX);
        for cell in set_bits(&c.bits) {
            let places = &self.places[cell * functions..(cell + 1) * functions];
            for (m, &p) in minima.iter_mut().zip(places) {
                *m = (*m).min(p);
            }
        }
        for band in minima.chunks_exact(self.rows) {
            let mut signature = 0u64;
            for (row, &place) in band.iter().enumerate() {
                let f = out.len() * self.rows + row;
                let cell = self.cells[f * CELLS + place as usize];
                signature |= u64::from(cell) << (11 * row);
            }
            out.push(signature);
        }
    }

    /// Keys of each cylinder, one list per cylinder (in cylinder order): every band's
    /// signature under every position `code`.
    fn keys_for(&self, p: &PreparedTemplate, codes: &[u8]) -> Vec<Vec<u32>> {
        let mut minima = Vec::with_capacity(self.bands * self.rows);
        let mut signatures = Vec::with_capacity(self.bands);
        p.cylinders()
            .iter()
            .map(|c| {
                self.signatures(c, &mut minima, &mut signatures);
                let mut out = Vec::with_capacity(signatures.len() * codes.len());
                for &code in codes {
                    out.extend(signatures.iter().enumerate().map(|(band, &signature)| {
                        fold((u64::from(code) << 56) | ((band as u64) << 48) | signature)
                    }));
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
/// Distinct keys may share a folded value; that adds a few stray votes, never a lost one
/// (stray votes for a finger of another position are dropped by `Index::prune`).
fn fold(key: u64) -> u32 {
    let x = (key ^ (key >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let x = (x ^ (x >> 29)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (x ^ (x >> 32)) as u32
}
