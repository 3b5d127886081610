//! The WSQ two-channel filter bank: the symmetric 9/7 biorthogonal pair of the specification,
//! whole-sample symmetric extension at the edges, applied along rows then columns of each
//! rectangle of the wavelet tree.
//!
//! Written as extend → filter → decimate (and upsample → filter → sum) rather than NBIS's
//! pointer walk, which does the same arithmetic: a line is first mirrored at both ends
//! (`x[-j] = x[j]`, `x[n-1+j] = x[n-1-j]`), so every output sample is one plain dot product.

use super::tree::{Trees, WNode};

/// Analysis low-pass taps of the specification (9 taps, symmetric, sum √2).
#[allow(clippy::excessive_precision)] // the specification's digits
pub const LO_9: [f32; 9] = [
    0.037_828_455,
    -0.023_849_465,
    -0.110_624_404,
    0.377_402_856,
    0.852_698_679,
    0.377_402_856,
    -0.110_624_404,
    -0.023_849_465,
    0.037_828_455,
];

/// Analysis high-pass taps of the specification (7 taps, symmetric, sum 0).
#[allow(clippy::excessive_precision)]
pub const HI_7: [f32; 7] = [
    0.064_538_883,
    -0.040_689_418,
    -0.418_092_273,
    0.788_485_616,
    -0.418_092_273,
    -0.040_689_418,
    0.064_538_883,
];

/// An odd-length symmetric analysis filter pair, as carried by the DTT segment.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterBank {
    lo: Vec<f32>,
    hi: Vec<f32>,
}

impl FilterBank {
    /// The specification's 9/7 pair.
    pub fn standard() -> Self {
        Self {
            lo: LO_9.to_vec(),
            hi: HI_7.to_vec(),
        }
    }

    /// Builds a bank from the right halves (centre tap first) stored in a DTT segment.
    /// Returns `None` unless both filters have odd length ≥ 1 — the only kind the WSQ
    /// decoder defines a boundary rule for.
    pub fn from_halves(
        lo_half: &[f32],
        hi_half: &[f32],
        lo_len: usize,
        hi_len: usize,
    ) -> Option<Self> {
        let full = |half: &[f32], len: usize| -> Option<Vec<f32>> {
            if len.is_multiple_of(2) || half.len() != len.div_ceil(2) {
                return None;
            }
            let mut v: Vec<f32> = half.iter().rev().copied().collect();
            v.extend(half.iter().skip(1).copied());
            Some(v)
        };
        Some(Self {
            lo: full(lo_half, lo_len)?,
            hi: full(hi_half, hi_len)?,
        })
    }

    pub fn lo(&self) -> &[f32] {
        &self.lo
    }

    pub fn hi(&self) -> &[f32] {
        &self.hi
    }

    fn pad(&self) -> usize {
        self.lo.len().max(self.hi.len()) / 2 + 2
    }
}

/// Mirror index `j` into `0..n` (whole-sample symmetric, repeated as often as needed so that
/// even a one-sample line is well defined).
fn reflect(j: isize, n: usize) -> usize {
    if n <= 1 {
        return 0;
    }
    let period = 2 * (n as isize - 1);
    let j = j.rem_euclid(period);
    if j < n as isize {
        j as usize
    } else {
        (period - j) as usize
    }
}

/// Scratch buffers reused for every line of one transform.
struct Lines {
    line: Vec<f32>,
    ext: Vec<f32>,
    out: Vec<f32>,
}

impl Lines {
    fn new() -> Self {
        Self {
            line: Vec::new(),
            ext: Vec::new(),
            out: Vec::new(),
        }
    }
}

/// Splits `line` into low-pass then high-pass halves (high first when `inv`).
fn analyse_line(bank: &FilterBank, s: &mut Lines, inv: bool) {
    let n = s.line.len();
    if n <= 1 {
        // Nothing to split: a lone sample stays as it is (and an empty line stays empty).
        s.out.clone_from(&s.line);
        return;
    }
    let pad = bank.pad();
    s.ext.clear();
    s.ext
        .extend((-(pad as isize)..(n + pad) as isize).map(|j| s.line[reflect(j, n)]));
    let llen = n.div_ceil(2);
    let hlen = n / 2;
    let (lc, hc) = (bank.lo.len() / 2, bank.hi.len() / 2);
    s.out.clear();
    s.out.resize(n, 0.0);
    let (lo_off, hi_off) = if inv { (hlen, 0) } else { (0, llen) };
    for k in 0..llen {
        let start = 2 * k + pad - lc;
        s.out[lo_off + k] = dot(&bank.lo, &s.ext[start..start + bank.lo.len()]);
    }
    for k in 0..hlen {
        let start = 2 * k + 1 + pad - hc;
        s.out[hi_off + k] = dot(&bank.hi, &s.ext[start..start + bank.hi.len()]);
    }
}

/// Inverse of [`analyse_line`]: upsample both halves (mirrored so the result is the mirrored
/// signal), filter with the synthesis pair `g0(d) = (-1)^d hi(d)`, `g1(d) = (-1)^d lo(d)`, sum.
fn synthesise_line(bank: &FilterBank, s: &mut Lines, inv: bool) {
    let n = s.line.len();
    if n <= 1 {
        s.out.clone_from(&s.line);
        return;
    }
    let pad = bank.pad();
    let llen = n.div_ceil(2);
    let hlen = n / 2;
    let (lo_off, hi_off) = if inv { (hlen, 0) } else { (0, llen) };
    // The mirrored signal-domain line: low-band samples sit at even positions, high-band
    // samples at odd ones (mirroring keeps parity, so the bands never mix).
    s.ext.clear();
    for j in -(pad as isize)..(n + pad) as isize {
        let p = reflect(j, n);
        s.ext.push(if p.is_multiple_of(2) {
            s.line[lo_off + p / 2]
        } else {
            s.line[hi_off + (p - 1) / 2]
        });
    }
    let (lc, hc) = (bank.lo.len() / 2, bank.hi.len() / 2);
    s.out.clear();
    for m in 0..n {
        let c = m + pad;
        // Only taps landing on the right band contribute (the upsampled zeros are skipped):
        // g0 taps i with m − (i − hc) even, g1 taps with m − (i − lc) odd. The sign (−1)^d of
        // the synthesis filters is then (−1)^m for every g0 tap and −(−1)^m for every g1 tap.
        let sign = if m % 2 == 0 { 1.0f32 } else { -1.0 };
        let mut low = 0.0f32;
        for i in ((m + hc) % 2..bank.hi.len()).step_by(2) {
            low += bank.hi[i] * s.ext[c + hc - i];
        }
        let mut high = 0.0f32;
        for i in ((m + lc + 1) % 2..bank.lo.len()).step_by(2) {
            high += bank.lo[i] * s.ext[c + lc - i];
        }
        s.out.push(sign * (low - high));
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Rows of a rectangle, then its columns: one split of the wavelet tree.
fn for_each_line(
    data: &mut [f32],
    width: usize,
    node: &WNode,
    rows: bool,
    s: &mut Lines,
    mut f: impl FnMut(&mut Lines),
) {
    let (count, len) = if rows {
        (node.leny, node.lenx)
    } else {
        (node.lenx, node.leny)
    };
    for i in 0..count {
        let (base, step) = if rows {
            ((node.y + i) * width + node.x, 1)
        } else {
            (node.y * width + node.x + i, width)
        };
        s.line.clear();
        s.line.extend((0..len).map(|k| data[base + k * step]));
        f(s);
        for (k, &v) in s.out.iter().enumerate() {
            data[base + k * step] = v;
        }
    }
}

/// In-place 64-subband decomposition of a `width`-wide float image.
pub fn decompose(data: &mut [f32], width: usize, trees: &Trees, bank: &FilterBank) {
    let mut s = Lines::new();
    for node in &trees.w {
        for_each_line(data, width, node, true, &mut s, |s| {
            analyse_line(bank, s, node.inv_rw)
        });
        for_each_line(data, width, node, false, &mut s, |s| {
            analyse_line(bank, s, node.inv_cl)
        });
    }
}

/// In-place reconstruction, the exact reverse of [`decompose`].
pub fn reconstruct(data: &mut [f32], width: usize, trees: &Trees, bank: &FilterBank) {
    let mut s = Lines::new();
    for node in trees.w.iter().rev() {
        for_each_line(data, width, node, false, &mut s, |s| {
            synthesise_line(bank, s, node.inv_cl)
        });
        for_each_line(data, width, node, true, &mut s, |s| {
            synthesise_line(bank, s, node.inv_rw)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random(n: usize, seed: u32) -> Vec<f32> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (x >> 8) as f32 / (1u32 << 24) as f32 * 255.0 - 128.0
            })
            .collect()
    }

    #[test]
    fn filters_have_the_specified_gains() {
        let lo: f32 = LO_9.iter().sum();
        let hi: f32 = HI_7.iter().sum();
        assert!((lo - std::f32::consts::SQRT_2).abs() < 1e-6, "{lo}");
        assert!(hi.abs() < 1e-6, "{hi}");
    }

    /// Analysis followed by synthesis gives the line back, for every length and both orders.
    #[test]
    fn one_line_reconstructs_perfectly() {
        let bank = FilterBank::standard();
        for n in 1..40 {
            for inv in [false, true] {
                let x = pseudo_random(n, n as u32);
                let mut s = Lines::new();
                s.line = x.clone();
                analyse_line(&bank, &mut s, inv);
                s.line = s.out.clone();
                synthesise_line(&bank, &mut s, inv);
                for (a, b) in x.iter().zip(&s.out) {
                    assert!((a - b).abs() < 1e-3, "n={n} inv={inv}: {a} vs {b}");
                }
            }
        }
    }

    /// A constant line has no high-pass energy away from nothing: the high band is zero.
    #[test]
    fn constant_line_has_empty_high_band() {
        let bank = FilterBank::standard();
        let mut s = Lines::new();
        s.line = vec![10.0; 17];
        analyse_line(&bank, &mut s, false);
        for h in &s.out[9..] {
            assert!(h.abs() < 1e-4, "{h}");
        }
        for l in &s.out[..9] {
            assert!((l - 10.0 * std::f32::consts::SQRT_2).abs() < 1e-3, "{l}");
        }
    }

    #[test]
    fn whole_image_reconstructs_perfectly() {
        let bank = FilterBank::standard();
        for (w, h) in [(97, 131), (128, 128)] {
            let trees = Trees::new(w, h);
            let orig = pseudo_random(w * h, 7);
            let mut data = orig.clone();
            decompose(&mut data, w, &trees, &bank);
            assert!(orig.iter().zip(&data).any(|(a, b)| (a - b).abs() > 1.0));
            reconstruct(&mut data, w, &trees, &bank);
            let err = orig
                .iter()
                .zip(&data)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(err < 1e-2, "{w}×{h}: max error {err}");
        }
    }

    #[test]
    fn halves_rebuild_the_symmetric_filters() {
        let bank = FilterBank::from_halves(&LO_9[4..], &HI_7[3..], 9, 7).unwrap();
        assert_eq!(bank, FilterBank::standard());
        assert!(FilterBank::from_halves(&LO_9[4..], &HI_7[3..], 10, 7).is_none());
    }
}
