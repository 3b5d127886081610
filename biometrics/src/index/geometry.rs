//! The geometric check of the pruning stage: how much of a finger's colliding cylinder pairs
//! agree on one rigid motion.
//!
//! Votes alone count colliding pairs wherever they lie, so a finger with many chance
//! collisions outranks a true mate whose few colliding pairs all sit where the probe's
//! minutiae are. The check takes each pair in turn as a seed (its two minutiae give a rotation
//! and a translation), and sums the weight of the pairs whose rotation and relative position
//! agree with it; the finger's score is the best seed's sum (after the local-structure
//! consolidation of Cappelli, Ferrara & Maltoni 2010, reduced to one rigid motion, with a
//! tolerance that grows with the distance from the seed for elastic distortion).

/// A cylinder's minutia: `(x, y, angle)` ([`crate::matcher::PreparedTemplate::points`]).
type Point = (f32, f32, f32);

/// One colliding cylinder pair of a probe finger: the enrolled finger's slot, the two
/// cylinders, and the pair's weight in the votes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pair {
    pub slot: u32,
    pub probe: u8,
    pub enrolled: u8,
    pub weight: f32,
}

impl Pair {
    /// The pair in 8 bytes, as the votes record every counted pair (millions per probe finger
    /// in a large gallery): the slot in 24 bits, both cylinders, and the weight without the
    /// lowest 8 bits of its mantissa (a relative error under 2⁻¹⁵).
    pub fn pack(&self) -> u64 {
        (u64::from(self.slot & 0xFF_FFFF) << 40)
            | (u64::from(self.probe) << 32)
            | (u64::from(self.enrolled) << 24)
            | u64::from(self.weight.to_bits() >> 8)
    }

    /// The slot of a packed pair.
    pub fn packed_slot(packed: u64) -> u32 {
        (packed >> 40) as u32
    }

    pub fn unpack(packed: u64) -> Self {
        Self {
            slot: Self::packed_slot(packed),
            probe: (packed >> 32) as u8,
            enrolled: (packed >> 24) as u8,
            weight: f32::from_bits(((packed & 0xFF_FFFF) as u32) << 8),
        }
    }
}

/// Rotation between two pairs' motions that still counts as one motion: 30°, as its cosine.
const ROTATION_COS: f32 = 0.866_025_4;
/// Displacement (px) that still counts as one motion next to the seed...
const DISTANCE: f32 = 15.0;
/// ...plus this share of the distance from the seed (elastic distortion accumulates).
const PER_PX: f32 = 0.15;

/// Pairs placed side by side, so that the check runs on all of them at once.
const LANES: usize = 8;

/// Eight pairs placed for the check, one array per quantity: both minutiae, the rotation from
/// probe to enrolled (as its cosine and sine), and the pair's weight in the score (0 in the
/// padding of a finger's last block).
#[derive(Clone, Copy, Default)]
struct Block {
    probe_x: [f32; LANES],
    probe_y: [f32; LANES],
    enrolled_x: [f32; LANES],
    enrolled_y: [f32; LANES],
    cos: [f32; LANES],
    sin: [f32; LANES],
    weight: [f32; LANES],
}

/// One finger's pairs placed for the check (scratch space, reused across fingers).
#[derive(Default)]
pub struct Placed {
    blocks: Vec<Block>,
    len: usize,
}

/// The largest total weight (each pair's weight squared, as in the votes) of pairs that agree
/// with one seed pair's rigid motion. `pairs` are one finger's; a pair naming a cylinder that
/// does not exist counts for nothing.
pub fn consistent_weight(
    pairs: &[Pair],
    probe: &[Point],
    enrolled: &[Point],
    placed: &mut Placed,
) -> f32 {
    placed.fill(pairs, probe, enrolled);
    (0..placed.len)
        .map(|seed| placed.agreeing_weight(seed))
        .fold(0.0, f32::max)
}

impl Placed {
    fn fill(&mut self, pairs: &[Pair], probe: &[Point], enrolled: &[Point]) {
        self.blocks.clear();
        self.len = 0;
        for p in pairs {
            let (Some(&a), Some(&b)) = (
                probe.get(usize::from(p.probe)),
                enrolled.get(usize::from(p.enrolled)),
            ) else {
                continue;
            };
            let lane = self.len % LANES;
            if lane == 0 {
                self.blocks.push(Block::default());
            }
            let Some(block) = self.blocks.last_mut() else {
                continue;
            };
            let (sin, cos) = (b.2 - a.2).sin_cos();
            block.probe_x[lane] = a.0;
            block.probe_y[lane] = a.1;
            block.enrolled_x[lane] = b.0;
            block.enrolled_y[lane] = b.1;
            block.cos[lane] = cos;
            block.sin[lane] = sin;
            block.weight[lane] = p.weight * p.weight;
            self.len += 1;
        }
    }

    /// The weight of the pairs (the seed included) whose rotation is within [`ROTATION_COS`]
    /// of the seed's and whose enrolled minutia lies where the seed's motion carries its
    /// probe minutia. Branch-free over fixed blocks, so that it vectorises.
    fn agreeing_weight(&self, seed: usize) -> f32 {
        let (b, l) = (&self.blocks[seed / LANES], seed % LANES);
        let (c, s) = (b.cos[l], b.sin[l]);
        let (px, py) = (b.probe_x[l], b.probe_y[l]);
        let (ex, ey) = (b.enrolled_x[l], b.enrolled_y[l]);
        let mut total = [0f32; LANES];
        for b in &self.blocks {
            total = std::array::from_fn(|i| {
                let turn = c * b.cos[i] + s * b.sin[i];
                let (dx, dy) = (b.probe_x[i] - px, b.probe_y[i] - py);
                let miss_x = c * dx - s * dy - (b.enrolled_x[i] - ex);
                let miss_y = s * dx + c * dy - (b.enrolled_y[i] - ey);
                let reach = DISTANCE + PER_PX * (dx * dx + dy * dy).sqrt();
                let miss = miss_x * miss_x + miss_y * miss_y;
                let agrees = (turn >= ROTATION_COS) & (miss <= reach * reach);
                total[i] + f32::from(u8::from(agrees)) * b.weight[i]
            });
        }
        total.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(probe: u8, enrolled: u8) -> Pair {
        Pair {
            slot: 0,
            probe,
            enrolled,
            weight: 1.0,
        }
    }

    /// Probe minutiae, and the same minutiae moved by a rotation of 40° and a translation.
    fn scene() -> (Vec<Point>, Vec<Point>) {
        let points = [
            (10.0, 20.0, 0.3),
            (80.0, -40.0, 1.9),
            (150.0, 60.0, 4.0),
            (60.0, 130.0, 2.5),
        ];
        let (sin, cos) = 40f32.to_radians().sin_cos();
        let probe = points.to_vec();
        let enrolled = points
            .iter()
            .map(|&(x, y, a)| {
                (
                    cos * x - sin * y + 300.0,
                    sin * x + cos * y - 50.0,
                    a + 40f32.to_radians(),
                )
            })
            .collect();
        (probe, enrolled)
    }

    #[test]
    fn packing_keeps_slot_cylinders_and_weight() {
        let pair = Pair {
            slot: 0xAB_CDEF,
            probe: 200,
            enrolled: 7,
            weight: 9.876_543,
        };
        let back = Pair::unpack(pair.pack());
        assert_eq!((back.slot, back.probe, back.enrolled), (0xAB_CDEF, 200, 7));
        assert!((back.weight - pair.weight).abs() < pair.weight / 32_768.0);
        assert_eq!(Pair::packed_slot(pair.pack()), 0xAB_CDEF);
    }

    #[test]
    fn pairs_of_one_motion_add_up() {
        let (probe, enrolled) = scene();
        let pairs: Vec<Pair> = (0..4).map(|i| pair(i, i)).collect();
        let score = consistent_weight(&pairs, &probe, &enrolled, &mut Placed::default());
        assert!((score - 4.0).abs() < 1e-4, "{score}");
    }

    #[test]
    fn pairs_of_different_motions_do_not() {
        let (probe, enrolled) = scene();
        // Every probe minutia paired with another enrolled one: no two pairs share a motion.
        let pairs: Vec<Pair> = (0..4).map(|i| pair(i, (i + 1) % 4)).collect();
        let score = consistent_weight(&pairs, &probe, &enrolled, &mut Placed::default());
        assert!((score - 1.0).abs() < 1e-4, "{score}");
    }

    #[test]
    fn weights_count_squared_and_missing_cylinders_count_nothing() {
        let (probe, enrolled) = scene();
        let mut pairs: Vec<Pair> = (0..3).map(|i| pair(i, i)).collect();
        pairs[0].weight = 3.0;
        pairs.push(pair(9, 9));
        let score = consistent_weight(&pairs, &probe, &enrolled, &mut Placed::default());
        assert!((score - 11.0).abs() < 1e-4, "{score}");
    }
}
