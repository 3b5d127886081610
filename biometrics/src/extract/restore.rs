//! Step 3b: ridge restoration of the prints the second Gabor pass refilters and whose contact is
//! dry (module `contact`), by small convolutional networks trained on synthetic prints only.
//!
//! Why a network: on a dry print whose ridges are rows of contact dots, every hand-made
//! orientation and filter step reads the dots instead of the ridges (rounds 5–9 in
//! BENCHMARKS.md). The network has learned, from synthetic impressions with a known clean ridge
//! map (`fixtures::synth::restoration`), to draw the ridges the dots lie on.
//!
//! Each network is five 'same'-padded convolutions (5×5 at dilations 1, 2, 3, 2, then 3×3; 16
//! channels; ReLU between; 35 px receptive field) giving a ridge probability per pixel. Three
//! of them, trained alike from different seeds, are averaged: one network's reading of a print
//! varies from one training to the next (round 16), their mean less. Where the mean is sure
//! (mean |2p − 1| over 17×17 px), it replaces the image; where it is not (smudges, background),
//! the image stays as it was. The weights come from `biometrics/train/restore.py` (seeds 16, 17
//! and 18) and are embedded in the binary.

use super::segment::IntegralImage;
use crate::threads::{cores, on_threads, share_len};
use ndarray::Array2;
use std::sync::OnceLock;

/// (input channels, output channels, kernel side, dilation) of each layer.
const LAYERS: [(usize, usize, usize, usize); 5] = [
    (1, 16, 5, 1),
    (16, 16, 5, 2),
    (16, 16, 5, 3),
    (16, 16, 5, 2),
    (16, 1, 3, 1),
];

/// The trained weights, little-endian f32: one or more networks back to back (an ensemble whose
/// ridge probabilities are averaged), each layer by layer: weight `[out][in][ky][kx]`, bias.
static WEIGHTS: &[u8] = include_bytes!("restore.bin");

/// Side of the window over which the network's confidence is averaged, pixels.
const CONFIDENCE_WINDOW: usize = 17;
/// Confidence below which the image is kept, and above which the network's ridges replace it.
const CONFIDENCE_KEEP: f32 = 0.4;
const CONFIDENCE_REPLACE: f32 = 0.8;
/// The blend is clipped to this many standard deviations before it is normalized again, as an
/// 8-bit image of it would be.
const CLIP: f32 = 3.2;

struct Layer {
    inputs: usize,
    outputs: usize,
    side: usize,
    dilation: usize,
    /// `[out][in][ky][kx]`, as PyTorch stores them.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl Layer {
    /// How far the kernel reaches from its centre, pixels.
    fn reach(&self) -> usize {
        self.dilation * (self.side / 2)
    }
}

/// The networks, parsed once from the embedded weights; `None` if they do not fit [`LAYERS`]
/// (a build with a wrong weights file then extracts without restoration).
fn networks() -> Option<&'static [Vec<Layer>]> {
    static NETWORKS: OnceLock<Option<Vec<Vec<Layer>>>> = OnceLock::new();
    NETWORKS.get_or_init(|| parse(WEIGHTS)).as_deref()
}

/// Values of one network, weights and biases.
fn network_len() -> usize {
    LAYERS
        .iter()
        .map(|&(inputs, outputs, side, _)| inputs * outputs * side * side + outputs)
        .sum()
}

fn parse(bytes: &[u8]) -> Option<Vec<Vec<Layer>>> {
    let per_network = 4 * network_len();
    if bytes.is_empty() || !bytes.len().is_multiple_of(per_network) {
        return None;
    }
    bytes.chunks_exact(per_network).map(parse_one).collect()
}

/// The little-endian f32 values of `bytes`.
fn floats(bytes: &[u8]) -> impl Iterator<Item = f32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn parse_one(bytes: &[u8]) -> Option<Vec<Layer>> {
    let mut values = floats(bytes);
    let mut take = |n: usize| -> Option<Vec<f32>> {
        let v: Vec<f32> = values.by_ref().take(n).collect();
        (v.len() == n && v.iter().all(|w| w.is_finite())).then_some(v)
    };
    LAYERS
        .iter()
        .map(|&(inputs, outputs, side, dilation)| {
            Some(Layer {
                inputs,
                outputs,
                side,
                dilation,
                weights: take(inputs * outputs * side * side)?,
                bias: take(outputs)?,
            })
        })
        .collect()
}

/// The restored image: zero mean, unit variance, ridges positive, like `normalized`. `None` when
/// the networks are unavailable (see [`networks`]).
pub(crate) fn restore(normalized: &Array2<f32>) -> Option<Array2<f32>> {
    let ridge = ridge_probability(normalized)?;
    let weight = replacement_weight(&ridge);
    Some(blend(normalized, &ridge, &weight))
}

/// The embedded networks' mean ridge probability per pixel.
fn ridge_probability(normalized: &Array2<f32>) -> Option<Array2<f32>> {
    mean_probability(networks()?, normalized)
}

/// The mean of the members' ridge probabilities per pixel.
fn mean_probability(members: &[Vec<Layer>], normalized: &Array2<f32>) -> Option<Array2<f32>> {
    if members.is_empty() {
        return None;
    }
    let mut sum = Array2::<f32>::zeros(normalized.dim());
    for layers in members {
        sum += &member_probability(layers, normalized)?;
    }
    Some(sum / members.len() as f32)
}

/// One network's ridge probability per pixel.
fn member_probability(layers: &[Layer], normalized: &Array2<f32>) -> Option<Array2<f32>> {
    let (h, w) = normalized.dim();
    let mut planes = vec![normalized.iter().copied().collect::<Vec<f32>>()];
    for (i, layer) in layers.iter().enumerate() {
        let last = i + 1 == layers.len();
        planes = convolve(layer, &planes, w, h, !last);
    }
    let logits = planes.into_iter().next()?;
    let p = logits
        .into_iter()
        .map(|z| 1.0 / (1.0 + (-z).exp()))
        .collect();
    Array2::from_shape_vec((h, w), p).ok()
}

/// One 'same' convolution with zero padding, then ReLU unless it is the last layer.
fn convolve(layer: &Layer, input: &[Vec<f32>], w: usize, h: usize, relu: bool) -> Vec<Vec<f32>> {
    let r = layer.reach();
    let pw = w + 2 * r;
    let padded: Vec<Vec<f32>> = input
        .iter()
        .map(|plane| {
            let mut p = vec![0f32; pw * (h + 2 * r)];
            for (y, row) in plane.chunks_exact(w).enumerate() {
                p[(y + r) * pw + r..][..w].copy_from_slice(row);
            }
            p
        })
        .collect();
    let mut output = vec![vec![0f32; w * h]; layer.outputs];
    for_each_plane(&mut output, |o, out_plane| {
        output_plane(layer, &padded, o, out_plane, w, relu);
    });
    output
}

/// Output channel `o` of `layer` from the zero-padded input planes. Each row is accumulated tap
/// by tap, so the inner loop is a contiguous multiply-add the compiler vectorises.
fn output_plane(
    layer: &Layer,
    padded: &[Vec<f32>],
    o: usize,
    out_plane: &mut [f32],
    w: usize,
    relu: bool,
) {
    let k = layer.side;
    let pw = w + 2 * layer.reach();
    for (y, out_row) in out_plane.chunks_exact_mut(w).enumerate() {
        out_row.fill(layer.bias[o]);
        for (i, plane) in padded.iter().enumerate() {
            let taps = &layer.weights[(o * layer.inputs + i) * k * k..][..k * k];
            for ky in 0..k {
                let row = &plane[(y + ky * layer.dilation) * pw..][..pw];
                for kx in 0..k {
                    let tap = taps[ky * k + kx];
                    let src = &row[kx * layer.dilation..][..w];
                    for (acc, &s) in out_row.iter_mut().zip(src) {
                        *acc += tap * s;
                    }
                }
            }
        }
        if relu {
            out_row.iter_mut().for_each(|v| *v = v.max(0.0));
        }
    }
}

/// Runs `fill(channel, plane)` for every output plane, the planes shared out among the cores:
/// a restored print is read while an operator waits, and the channels are independent.
fn for_each_plane(planes: &mut [Vec<f32>], fill: impl Fn(usize, &mut [f32]) + Sync) {
    let per_thread = share_len(planes.len(), cores());
    let shares: Vec<_> = planes.chunks_mut(per_thread).enumerate().collect();
    on_threads(shares, |(t, chunk)| {
        for (j, plane) in chunk.iter_mut().enumerate() {
            fill(t * per_thread + j, plane);
        }
    });
}

/// How much of the network's output replaces the image at each pixel: 0 where the network is
/// unsure (mean |2p − 1| over the window below [`CONFIDENCE_KEEP`]), 1 where it is sure.
fn replacement_weight(ridge: &Array2<f32>) -> Array2<f32> {
    let confidence = IntegralImage::new(&ridge.mapv(|p| (2.0 * p - 1.0).abs()));
    Array2::from_shape_fn(ridge.dim(), |(y, x)| {
        let c = confidence.mean_around(y, x, CONFIDENCE_WINDOW / 2);
        smoothstep(CONFIDENCE_KEEP, CONFIDENCE_REPLACE, c)
    })
}

/// `weight` × the network's ridges (standardised) + (1 − `weight`) × the image, clipped and
/// standardised again.
fn blend(normalized: &Array2<f32>, ridge: &Array2<f32>, weight: &Array2<f32>) -> Array2<f32> {
    let ridge = standardize(ridge);
    let mixed = ndarray::Zip::from(normalized)
        .and(&ridge)
        .and(weight)
        .map_collect(|&z, &e, &w| (w * e + (1.0 - w) * z).clamp(-CLIP, CLIP));
    standardize(&mixed)
}

fn standardize(a: &Array2<f32>) -> Array2<f32> {
    let (mean, var) = super::normalize::mean_and_variance(a.iter().map(|&v| f64::from(v)));
    let (mean, inv) = (mean as f32, (1.0 / var.sqrt().max(1e-6)) as f32);
    a.mapv(|v| (v - mean) * inv)
}

fn smoothstep(lo: f32, hi: f32, v: f32) -> f32 {
    let t = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crop of a synthetic dotted print (z-scored) and the trained network's ridge
    /// probability on it, as PyTorch computed them when the weights were exported.
    static PARITY: &[u8] = include_bytes!("restore_parity.bin");
    const PARITY_SHAPE: (usize, usize) = (48, 40);

    #[test]
    fn inference_reproduces_the_trained_network() {
        let values: Vec<f32> = floats(PARITY).collect();
        let n = PARITY_SHAPE.0 * PARITY_SHAPE.1;
        assert_eq!(values.len(), 2 * n);
        let input = Array2::from_shape_vec(PARITY_SHAPE, values[..n].to_vec()).unwrap();
        let first = &networks().expect("the embedded networks parse")[0];
        let ours = member_probability(first, &input).expect("one plane out");
        let worst = ours
            .iter()
            .zip(&values[n..])
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(worst < 1e-4, "largest difference from PyTorch {worst}");
        // Not a constant map: the crop has ridges and valleys.
        assert!(ours.iter().any(|&p| p > 0.9) && ours.iter().any(|&p| p < 0.1));
    }

    #[test]
    fn weights_of_the_wrong_size_or_not_finite_are_refused() {
        assert!(parse(WEIGHTS).is_some());
        assert!(parse(&[]).is_none(), "no network");
        assert!(
            parse(&WEIGHTS[..WEIGHTS.len() - 4]).is_none(),
            "one value short"
        );
        let mut longer = WEIGHTS.to_vec();
        longer.extend_from_slice(&0f32.to_le_bytes());
        assert!(parse(&longer).is_none(), "one value over");
        let mut nan = WEIGHTS.to_vec();
        nan[..4].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(parse(&nan).is_none(), "a NaN weight");
        let mut infinite_in_second = [WEIGHTS, WEIGHTS].concat();
        let at = WEIGHTS.len() + 8;
        infinite_in_second[at..at + 4].copy_from_slice(&f32::INFINITY.to_le_bytes());
        assert!(
            parse(&infinite_in_second).is_none(),
            "a bad weight in a later member"
        );
    }

    /// The ensemble's probability is the mean of its members': here the first embedded network
    /// and a copy whose last bias shifts every logit up.
    #[test]
    fn an_ensemble_averages_its_members() {
        let one = &parse(&WEIGHTS[..4 * network_len()]).expect("parses")[0];
        let input = Array2::from_shape_fn((30, 30), |(y, x)| ((x + 2 * y) as f32 * 0.9).sin());
        let p = member_probability(one, &input).expect("one plane out");
        let mut shifted = WEIGHTS[..4 * network_len()].to_vec();
        let last = shifted.len() - 4;
        let bias = floats(&shifted[last..]).next().expect("four bytes");
        shifted[last..].copy_from_slice(&(bias + 2.0).to_le_bytes());
        let two = parse(&[&WEIGHTS[..4 * network_len()], &shifted[..]].concat()).expect("parses");
        assert_eq!(two.len(), 2);
        let q = member_probability(&two[1], &input).expect("one plane out");
        assert!(
            q.iter().zip(&p).all(|(q, p)| q > p),
            "a higher bias, higher probabilities"
        );
        let mean = mean_probability(&two, &input).expect("one plane out");
        let expected = (&p + &q) / 2.0;
        assert!(
            mean.iter()
                .zip(&expected)
                .all(|(a, b)| (a - b).abs() < 1e-6)
        );
    }

    /// Where the network cannot tell ridge from valley, the image is kept as it was; where it is
    /// sure, its ridges replace the image.
    #[test]
    fn the_network_replaces_the_image_only_where_it_is_sure() {
        let image = Array2::from_shape_fn((40, 40), |(y, x)| ((x + 3 * y) as f32 * 0.7).sin());
        let image = standardize(&image);
        let unsure = Array2::from_elem((40, 40), 0.5f32);
        let kept = blend(&image, &unsure, &replacement_weight(&unsure));
        assert!(kept.iter().zip(&image).all(|(a, b)| (a - b).abs() < 1e-4));

        let sure = Array2::from_shape_fn((40, 40), |(_, x)| if x % 8 < 4 { 0.99 } else { 0.01 });
        let weight = replacement_weight(&sure);
        assert!(weight.iter().all(|&w| w > 0.99));
        let replaced = blend(&image, &sure, &weight);
        let expected = standardize(&sure);
        assert!(
            replaced
                .iter()
                .zip(&expected)
                .all(|(a, b)| (a - b).abs() < 1e-3)
        );
    }
}
