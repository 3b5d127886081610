//! WSQ (Wavelet Scalar Quantization) gray-scale fingerprint compression, FBI specification
//! IAFIS-IC-0110 v3.1: encoder and decoder for 8-bit images.
//!
//! [`encode`] reads like the algorithm: normalise the pixels, split them into 64 wavelet
//! subbands, measure each subband's variance, choose bin widths for the target bit rate,
//! quantise, Huffman-code three blocks, and write the markers (SOI, COM, DTT, DQT, SOF, DHT,
//! SOB…, EOI). [`decode`] reverses it and checks every length and table reference on the
//! way, so malformed files give a [`WsqError`], never a panic.
//!
//! Tables, tree layout and quantiser follow NIST NBIS (`imgtools/src/lib/wsq`); files written
//! here are read by NBIS and the reverse (see `biometrics/tests/biometrics/wsq` and `benches/peers/`).

mod format;
mod huffman;
mod quant;
mod tree;
mod wavelet;

use thiserror::Error;

use crate::image::{FingerImage, STANDARD_PPI};
use format::{Marker, Writer};
use huffman::{HuffTable, Token};
use quant::QuantTable;
use tree::Trees;
use wavelet::FilterBank;

/// Bit rate the FBI specification recommends for 500 ppi fingerprints (about 15:1).
pub const DEFAULT_BITRATE: f32 = 0.75;

/// Largest image the decoder accepts (pixels): a 1000 ppi rolled slap is well below this,
/// and it bounds what a hostile header can make us allocate.
pub const MAX_PIXELS: usize = 4096 * 4096;

/// Encoder settings.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodeOptions {
    /// Target bits per pixel (0.75 ≈ 15:1, the FBI's setting for 500 ppi).
    pub bitrate: f32,
    /// Extra free text for a second COM segment (the NIST_COM segment is always written).
    pub comment: Option<String>,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        Self {
            bitrate: DEFAULT_BITRATE,
            comment: None,
        }
    }
}

/// Why a WSQ file could not be read or an image could not be written.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum WsqError {
    #[error("data WSQ terpotong pada posisi {offset} (WSQ data truncated at offset {offset})")]
    Truncated { offset: usize },
    #[error("bukan berkas WSQ: tidak ada penanda SOI (not a WSQ file: no SOI marker)")]
    NotWsq,
    #[error("penanda tak terduga 0x{marker:04X} pada posisi {offset} (unexpected marker)")]
    UnexpectedMarker { marker: u16, offset: usize },
    #[error("tabel {0} WSQ tidak ada (WSQ {0} table missing)")]
    MissingTable(&'static str),
    #[error("segmen {segment} WSQ tidak sah: {reason} (invalid WSQ {segment} segment)")]
    InvalidSegment {
        segment: &'static str,
        reason: &'static str,
    },
    #[error("ukuran gambar {width}×{height} tidak didukung (unsupported WSQ image size)")]
    Size { width: usize, height: usize },
    #[error("tabel Huffman {0} belum didefinisikan (Huffman table {0} undefined)")]
    UndefinedHuffmanTable(u8),
    #[error("tabel Huffman WSQ rusak (invalid WSQ Huffman table)")]
    BadHuffmanTable,
    #[error("kode Huffman WSQ rusak (invalid WSQ Huffman code)")]
    BadHuffmanCode,
    #[error("jumlah koefisien WSQ {actual}, seharusnya {expected} (coefficient count mismatch)")]
    CoefficientCount { expected: usize, actual: usize },
    #[error("bit rate WSQ {0} di luar 0.1–8 (WSQ bit rate out of range)")]
    Bitrate(f32),
}

/// Compresses a fingerprint image to WSQ bytes.
pub fn encode(image: &FingerImage, options: &EncodeOptions) -> Result<Vec<u8>, WsqError> {
    if !(0.1..=8.0).contains(&options.bitrate) {
        return Err(WsqError::Bitrate(options.bitrate));
    }
    let (width, height) = (image.width() as usize, image.height() as usize);
    if width > usize::from(u16::MAX) || height > usize::from(u16::MAX) {
        return Err(WsqError::Size { width, height });
    }
    let (mut data, frame) = normalise(image.pixels(), width, height);
    let trees = Trees::new(width, height);
    let bank = FilterBank::standard();
    wavelet::decompose(&mut data, width, &trees, &bank);
    let variances = quant::variances(&data, width, &trees);
    let table = format::as_stored(QuantTable::for_bitrate(&variances, options.bitrate));
    let coeffs = quant::quantize(&data, width, &trees, &table);
    let blocks = split_blocks(&coeffs, table.block_sizes(&trees));
    let tokens: Vec<Vec<Token>> = blocks.iter().map(|b| huffman::tokenize(b)).collect();
    // Block 1 has its own table; blocks 2 and 3 share table 1, as NBIS does.
    let table0 = HuffTable::from_counts(&huffman::count(&[&tokens[0]]));
    let table1 = HuffTable::from_counts(&huffman::count(&[&tokens[1], &tokens[2]]));

    let mut w = Writer::new();
    w.marker(Marker::Soi);
    w.nist_comment(width, height, image.ppi(), options.bitrate);
    if let Some(text) = &options.comment {
        w.comment(text.as_bytes());
    }
    w.transform_table(&bank);
    w.quantization_table(&table);
    w.frame_header(&frame);
    w.huffman_table(0, &table0);
    w.block(0, &huffman::encode_block(&tokens[0], &table0));
    w.huffman_table(1, &table1);
    w.block(1, &huffman::encode_block(&tokens[1], &table1));
    w.block(1, &huffman::encode_block(&tokens[2], &table1));
    w.marker(Marker::Eoi);
    Ok(w.into_bytes())
}

/// Decompresses WSQ bytes. The resolution comes from the NIST_COM comment when it states one
/// in 250–1000 ppi, otherwise it is the 500 ppi WSQ is specified for.
pub fn decode(bytes: &[u8]) -> Result<FingerImage, WsqError> {
    let file = format::parse(bytes)?;
    let (width, height) = (file.frame.width, file.frame.height);
    let trees = Trees::new(width, height);
    let table = file.quant.ok_or(WsqError::MissingTable("DQT"))?;
    let bank = file.transform.ok_or(WsqError::MissingTable("DTT"))?;
    let expected: usize = table.block_sizes(&trees).iter().sum();
    let coeffs = decode_blocks(&file.blocks, &file.huffman, expected)?;
    let mut data = quant::unquantize(&coeffs, width, height, &trees, &table);
    wavelet::reconstruct(&mut data, width, &trees, &bank);
    let pixels = denormalise(&data, &file.frame);
    let ppi = file
        .ppi
        .filter(|p| (250..=1000).contains(p))
        .unwrap_or(STANDARD_PPI);
    FingerImage::new(width as u32, height as u32, ppi, pixels)
        .map_err(|_| WsqError::Size { width, height })
}

/// Frame header values: image size and the shift/scale that map pixels to ±128.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub width: usize,
    pub height: usize,
    pub m_shift: f32,
    pub r_scale: f32,
}

/// Pixels to floats centred on the mean and scaled to ±128. The shift and scale are first
/// rounded to what the SOF segment can store, so the decoder inverts exactly this mapping.
fn normalise(pixels: &[u8], width: usize, height: usize) -> (Vec<f32>, Frame) {
    let n = pixels.len().max(1) as f64;
    let sum: u64 = pixels.iter().map(|&p| u64::from(p)).sum();
    let (lo, hi) = pixels
        .iter()
        .fold((255u8, 0u8), |(lo, hi), &p| (lo.min(p), hi.max(p)));
    let mean = (sum as f64 / n) as f32;
    let m_shift = format::stored_u16(mean);
    let spread = (m_shift - f32::from(lo)).max(f32::from(hi) - m_shift) / 128.0;
    // A flat image has no spread; any positive scale then maps it to zeros.
    let r_scale = format::stored_u16(spread);
    let r_scale = if r_scale > 0.0 { r_scale } else { 1.0 };
    let data = pixels
        .iter()
        .map(|&p| (f32::from(p) - m_shift) / r_scale)
        .collect();
    (
        data,
        Frame {
            width,
            height,
            m_shift,
            r_scale,
        },
    )
}

fn denormalise(data: &[f32], frame: &Frame) -> Vec<u8> {
    data.iter()
        .map(|&v| (v * frame.r_scale + frame.m_shift + 0.5).clamp(0.0, 255.0) as u8)
        .collect()
}

fn split_blocks(coeffs: &[i32], sizes: [usize; 3]) -> [&[i32]; 3] {
    let (b0, rest) = coeffs.split_at(sizes[0].min(coeffs.len()));
    let (b1, b2) = rest.split_at(sizes[1].min(rest.len()));
    [b0, b1, b2]
}

fn decode_blocks(
    blocks: &[format::Block],
    tables: &[Option<HuffTable>; 8],
    expected: usize,
) -> Result<Vec<i32>, WsqError> {
    let mut coeffs = Vec::with_capacity(expected);
    for block in blocks {
        let table = tables
            .get(usize::from(block.table))
            .and_then(Option::as_ref)
            .ok_or(WsqError::UndefinedHuffmanTable(block.table))?;
        let dec = huffman::Decoder::new(table)?;
        huffman::decode_block(&huffman::unstuff(&block.data), &dec, &mut coeffs, expected)?;
    }
    if coeffs.len() != expected {
        return Err(WsqError::CoefficientCount {
            expected,
            actual: coeffs.len(),
        });
    }
    Ok(coeffs)
}

/// Mean squared error → PSNR in dB between two equally sized grey images (∞ when equal).
pub fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let n = a.len().min(b.len()).max(1) as f64;
    let mse: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / n;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ridges(w: u32, h: u32) -> FingerImage {
        let px = (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as f32, (i / w) as f32);
                let r = ((x - 100.0).powi(2) + (y - 120.0).powi(2)).sqrt();
                (128.0
                    + 90.0 * (r / 9.0 * std::f32::consts::TAU / 1.0).sin() * (-(r / 250.0)).exp())
                    as u8
            })
            .collect();
        FingerImage::new(w, h, 500, px).unwrap()
    }

    #[test]
    fn encode_decode_keeps_size_and_most_detail() {
        let img = ridges(203, 257);
        let bytes = encode(&img, &EncodeOptions::default()).unwrap();
        assert_eq!(&bytes[..2], &[0xFF, 0xA0]);
        assert_eq!(&bytes[bytes.len() - 2..], &[0xFF, 0xA1]);
        let back = decode(&bytes).unwrap();
        assert_eq!((back.width(), back.height(), back.ppi()), (203, 257, 500));
        let p = psnr(img.pixels(), back.pixels());
        assert!(p > 25.0, "PSNR {p:.1} dB");
        assert!(
            bytes.len() < img.pixels().len() / 4,
            "{} bytes",
            bytes.len()
        );
    }

    #[test]
    fn higher_bitrate_means_bigger_and_closer() {
        let img = ridges(160, 160);
        let small = encode(
            &img,
            &EncodeOptions {
                bitrate: 0.5,
                comment: None,
            },
        )
        .unwrap();
        let big = encode(
            &img,
            &EncodeOptions {
                bitrate: 2.0,
                comment: None,
            },
        )
        .unwrap();
        assert!(big.len() > small.len());
        let ps = psnr(img.pixels(), decode(&small).unwrap().pixels());
        let pb = psnr(img.pixels(), decode(&big).unwrap().pixels());
        assert!(pb > ps, "{pb} vs {ps}");
    }

    #[test]
    fn flat_and_tiny_images_encode() {
        for (w, h, v) in [(1, 1, 7u8), (3, 50, 200), (64, 64, 0)] {
            let img = FingerImage::new(w, h, 500, vec![v; (w * h) as usize]).unwrap();
            let back = decode(&encode(&img, &EncodeOptions::default()).unwrap()).unwrap();
            assert_eq!(back.pixels(), img.pixels(), "{w}×{h}");
        }
    }

    #[test]
    fn bad_bitrate_is_refused() {
        let img = ridges(64, 64);
        let err = encode(
            &img,
            &EncodeOptions {
                bitrate: 0.0,
                comment: None,
            },
        )
        .unwrap_err();
        assert_eq!(err, WsqError::Bitrate(0.0));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let bytes = encode(&ridges(96, 80), &EncodeOptions::default()).unwrap();
        for cut in (0..bytes.len() - 1).step_by(7) {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn resolution_comes_from_the_comment() {
        let px = ridges(80, 80).pixels().to_vec();
        let img = FingerImage::new(80, 80, 1000, px).unwrap();
        let back = decode(&encode(&img, &EncodeOptions::default()).unwrap()).unwrap();
        assert_eq!(back.ppi(), 1000);
    }
}
