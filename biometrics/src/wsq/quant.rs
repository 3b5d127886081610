//! Scalar quantisation of the subbands (FBI WSQ spec v3.1, §A.3 and Annex B): per-subband
//! variances, bin widths chosen for a target bit rate, dead-zone uniform quantisation, and the
//! decoder's inverse with the bin centre `C`.

use super::tree::{NUM_SUBBANDS, Q_TREE_LEN, QNode, START_BLOCK_2, START_BLOCK_3, Trees};

/// Subbands whose variance is below this carry no data (spec Annex B).
const VARIANCE_THRESH: f32 = 1.01;
/// Reconstruction point inside a bin, as a fraction of the bin width (NBIS writes 0.44).
pub const BIN_CENTER: f32 = 0.44;
/// First subband of the "region 2" relative size (1/256 of the image).
const START_SIZE_REGION_2: usize = 4;
/// First subband of the "region 3" relative size (1/16 of the image).
const START_SIZE_REGION_3: usize = 51;

/// The quantiser of every subband: bin width `q` (0 = not coded) and zero-bin width `z`.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantTable {
    pub bin_center: f32,
    pub q: [f32; Q_TREE_LEN],
    pub z: [f32; Q_TREE_LEN],
}

/// Variance of a subband's central region (or all of it for low-energy images), as the
/// specification prescribes: the central 3/4 × 7/16 avoids the border effects of extension.
pub fn variances(data: &[f32], width: usize, trees: &Trees) -> [f32; NUM_SUBBANDS] {
    let central = |n: &QNode| QNode {
        x: n.x + n.lenx / 8,
        y: n.y + (9 * n.leny) / 32,
        lenx: (3 * n.lenx) / 4,
        leny: (7 * n.leny) / 16,
    };
    let mut var = [0.0f32; NUM_SUBBANDS];
    let mut low_sum = 0.0;
    for (v, n) in var.iter_mut().zip(&trees.q).take(START_SIZE_REGION_2) {
        *v = region_variance(data, width, &central(n));
        low_sum += *v;
    }
    // NBIS: a low-energy image (sum of the four lowest variances < 20000) uses whole
    // subbands for all variances instead of central regions.
    let whole = low_sum < 20000.0;
    for (i, (v, n)) in var.iter_mut().zip(&trees.q).enumerate() {
        if whole {
            *v = region_variance(data, width, n);
        } else if i >= START_SIZE_REGION_2 {
            *v = region_variance(data, width, &central(n));
        }
    }
    var
}

fn region_variance(data: &[f32], width: usize, r: &QNode) -> f32 {
    let count = r.area();
    if count < 2 {
        return 0.0;
    }
    let (mut sum, mut ssq) = (0.0f64, 0.0f64);
    for y in r.y..r.y + r.leny {
        for &v in &data[y * width + r.x..y * width + r.x + r.lenx] {
            sum += f64::from(v);
            ssq += f64::from(v) * f64::from(v);
        }
    }
    let n = count as f64;
    ((ssq - sum * sum / n) / (n - 1.0)) as f32
}

impl QuantTable {
    /// Bin widths for a target bit rate `r` (bits per pixel), by the iterative allocation of
    /// the specification: drop subbands whose rate would be non-positive, recompute the
    /// proportionality constant `q` over the rest, until stable.
    pub fn for_bitrate(var: &[f32; NUM_SUBBANDS], r: f32) -> Self {
        let mut a = [1.0f32; NUM_SUBBANDS];
        a[52..60].copy_from_slice(&[1.32, 1.08, 1.42, 1.08, 1.32, 1.42, 1.08, 1.08]);
        // Reciprocal of the spec's m: the share of the image each subband covers.
        let m = |k: usize| -> f64 {
            if k < START_SIZE_REGION_2 {
                1.0 / 1024.0
            } else if k < START_SIZE_REGION_3 {
                1.0 / 256.0
            } else {
                1.0 / 16.0
            }
        };
        let mut q1 = [0.0f64; NUM_SUBBANDS];
        let mut sigma = [0.0f64; NUM_SUBBANDS];
        let coded: Vec<usize> = (0..NUM_SUBBANDS)
            .filter(|&k| var[k] >= VARIANCE_THRESH)
            .collect();
        for &k in &coded {
            q1[k] = if k < START_SIZE_REGION_2 {
                1.0
            } else {
                10.0 / (f64::from(a[k]) * f64::from(var[k]).ln())
            };
            sigma[k] = f64::from(var[k]).sqrt();
        }
        let mut set = coded.clone();
        let mut q = 1.0f64;
        // Each round removes at least one subband or stops, so this ends within 60 rounds.
        while !set.is_empty() {
            let s: f64 = set.iter().map(|&k| m(k)).sum();
            let p: f64 = set.iter().map(|&k| (sigma[k] / q1[k]).powf(m(k))).product();
            q = (2f64.powf(f64::from(r) / s - 1.0) / 2.5) / p.powf(1.0 / s);
            let before = set.len();
            set.retain(|&k| q1[k] / q < 5.0 * sigma[k]);
            if set.len() == before {
                break;
            }
        }
        // As NBIS does, every initially coded subband keeps a bin width Q'/q.
        let mut table = Self {
            bin_center: BIN_CENTER,
            q: [0.0; Q_TREE_LEN],
            z: [0.0; Q_TREE_LEN],
        };
        for &k in &coded {
            let qk = (q1[k] / q) as f32;
            if qk.is_finite() && qk > 0.0 {
                table.q[k] = qk;
                table.z[k] = 1.2 * qk;
            }
        }
        table
    }

    /// Number of coefficients stored in each of the three Huffman blocks.
    pub fn block_sizes(&self, trees: &Trees) -> [usize; 3] {
        let mut sizes = [0usize; 3];
        for k in 0..NUM_SUBBANDS {
            if self.q[k] != 0.0 {
                sizes[block_of(k)] += trees.q[k].area();
            }
        }
        sizes
    }
}

/// Huffman block (0, 1 or 2) a subband belongs to.
pub fn block_of(subband: usize) -> usize {
    if subband < START_BLOCK_2 {
        0
    } else if subband < START_BLOCK_3 {
        1
    } else {
        2
    }
}

/// Dead-zone quantisation of every coded subband, in subband then raster order.
pub fn quantize(data: &[f32], width: usize, trees: &Trees, t: &QuantTable) -> Vec<i32> {
    let mut out = Vec::with_capacity(data.len());
    for (k, n) in trees.q.iter().enumerate().take(NUM_SUBBANDS) {
        let q = t.q[k];
        if q == 0.0 {
            continue;
        }
        let half_z = t.z[k] / 2.0;
        for y in n.y..n.y + n.leny {
            for &v in &data[y * width + n.x..y * width + n.x + n.lenx] {
                let c = if (-half_z..=half_z).contains(&v) {
                    0
                } else if v > 0.0 {
                    ((v - half_z) / q + 1.0) as i32
                } else {
                    ((v + half_z) / q - 1.0) as i32
                };
                // The 16-bit escape codes bound what a file can carry.
                out.push(c.clamp(-65535, 65535));
            }
        }
    }
    out
}

/// Inverse quantisation into a zeroed float image; `coeffs` must hold exactly the coded
/// subbands' coefficients (the caller checks the count).
pub fn unquantize(
    coeffs: &[i32],
    width: usize,
    height: usize,
    trees: &Trees,
    t: &QuantTable,
) -> Vec<f32> {
    let mut data = vec![0.0f32; width * height];
    let mut it = coeffs.iter();
    for (k, n) in trees.q.iter().enumerate().take(NUM_SUBBANDS) {
        let q = t.q[k];
        if q == 0.0 {
            continue;
        }
        let half_z = t.z[k] / 2.0;
        for y in n.y..n.y + n.leny {
            for px in &mut data[y * width + n.x..y * width + n.x + n.lenx] {
                let c = it.next().copied().unwrap_or(0);
                *px = match c {
                    0 => 0.0,
                    c if c > 0 => q * (c as f32 - t.bin_center) + half_z,
                    c => q * (c as f32 + t.bin_center) - half_z,
                };
            }
        }
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_bitrate_gives_finer_bins() {
        let mut var = [0.0f32; NUM_SUBBANDS];
        for (k, v) in var.iter_mut().enumerate() {
            *v = 5000.0 / (1.0 + k as f32);
        }
        let coarse = QuantTable::for_bitrate(&var, 0.75);
        let fine = QuantTable::for_bitrate(&var, 2.25);
        for k in 0..NUM_SUBBANDS {
            assert!(fine.q[k] < coarse.q[k], "subband {k}");
            assert!((coarse.z[k] - 1.2 * coarse.q[k]).abs() < 1e-4);
        }
    }

    #[test]
    fn quiet_subbands_are_not_coded() {
        let mut var = [100.0f32; NUM_SUBBANDS];
        var[10] = 0.5;
        let t = QuantTable::for_bitrate(&var, 0.75);
        assert_eq!(t.q[10], 0.0);
        assert!(t.q[11] > 0.0);
        assert!(t.q[60..].iter().all(|&q| q == 0.0));
    }

    #[test]
    fn quantize_then_unquantize_stays_within_a_bin() {
        let trees = Trees::new(64, 64);
        let data: Vec<f32> = (0..64 * 64)
            .map(|i| ((i * 37) % 200) as f32 - 100.0)
            .collect();
        let mut t = QuantTable {
            bin_center: BIN_CENTER,
            q: [0.0; Q_TREE_LEN],
            z: [0.0; Q_TREE_LEN],
        };
        for k in 0..NUM_SUBBANDS {
            t.q[k] = 4.0;
            t.z[k] = 4.8;
        }
        let c = quantize(&data, 64, &trees, &t);
        let back = unquantize(&c, 64, 64, &trees, &t);
        let covered: usize = trees.q[..NUM_SUBBANDS].iter().map(QNode::area).sum();
        assert_eq!(c.len(), covered);
        for k in 0..NUM_SUBBANDS {
            let n = trees.q[k];
            for y in n.y..n.y + n.leny {
                for x in n.x..n.x + n.lenx {
                    let (a, b) = (data[y * 64 + x], back[y * 64 + x]);
                    assert!((a - b).abs() <= 4.0, "({x},{y}) {a} → {b}");
                }
            }
        }
    }
}
