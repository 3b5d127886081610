//! Dumps every step of the extraction pipeline as PNGs, for looking at what went wrong.
//!
//! `cargo run -p biometrics --example extract_debug -- IMAGE PPI OUTDIR`
//! writes OUTDIR/{0_input,1_normalized,2_mask,3_orientation,4_period,5_enhanced,6_binary,
//! 7_skeleton,8_minutiae}.png.

use biometrics::extract::{BLOCK, extract_traced};
use biometrics::{FingerImage, FingerPosition, MinutiaKind};
use image::{GrayImage, Luma, Rgb, RgbImage};
use ndarray::Array2;
use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, ppi, out] = args.as_slice() else {
        return Err("usage: extract_debug IMAGE PPI OUTDIR".into());
    };
    let grey = image::open(input)?.to_luma8();
    let finger = FingerImage::new(grey.width(), grey.height(), ppi.parse()?, grey.into_raw())?;
    let trace = extract_traced(&finger, FingerPosition::Unknown)?;
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    let (w, h) = (trace.image.width(), trace.image.height());
    let base = GrayImage::from_raw(w, h, trace.image.pixels().to_vec()).ok_or("size")?;
    base.save(out.join("0_input.png"))?;
    scaled(&trace.normalized, 3.0).save(out.join("1_normalized.png"))?;
    let mask = GrayImage::from_fn(w, h, |x, y| {
        let m = trace.mask[[y as usize / BLOCK, x as usize / BLOCK]];
        let p = base.get_pixel(x, y)[0];
        Luma([if m { p } else { p / 3 }])
    });
    mask.save(out.join("2_mask.png"))?;
    orientation_lines(&base, &trace.orientation, &trace.coherence)
        .save(out.join("3_orientation.png"))?;
    let period = GrayImage::from_fn(w, h, |x, y| {
        let p = trace.period[[y as usize / BLOCK, x as usize / BLOCK]];
        Luma([(p * 15.0).clamp(0.0, 255.0) as u8])
    });
    period.save(out.join("4_period.png"))?;
    scaled(&trace.enhanced, 1.5).save(out.join("5_enhanced.png"))?;
    bits(&trace.binary).save(out.join("6_binary.png"))?;
    bits(&trace.skeleton).save(out.join("7_skeleton.png"))?;
    minutiae_overlay(&trace).save(out.join("8_minutiae.png"))?;
    println!(
        "{} candidates, {} minutiae, quality {} → {}",
        trace.candidates.len(),
        trace.template.minutiae.len(),
        trace.template.quality,
        Path::new(&out).display()
    );
    Ok(())
}

fn scaled(a: &Array2<f32>, range: f32) -> GrayImage {
    let (h, w) = a.dim();
    GrayImage::from_fn(w as u32, h as u32, |x, y| {
        let v = a[[y as usize, x as usize]] / range;
        Luma([(255.0 - (v * 0.5 + 0.5) * 255.0).clamp(0.0, 255.0) as u8])
    })
}

fn bits(a: &Array2<bool>) -> GrayImage {
    let (h, w) = a.dim();
    GrayImage::from_fn(w as u32, h as u32, |x, y| {
        Luma([if a[[y as usize, x as usize]] { 0 } else { 255 }])
    })
}

fn orientation_lines(base: &GrayImage, o: &Array2<f32>, coh: &Array2<f32>) -> RgbImage {
    let mut img = RgbImage::from_fn(base.width(), base.height(), |x, y| {
        let p = base.get_pixel(x, y)[0] / 2 + 127;
        Rgb([p, p, p])
    });
    for ((by, bx), &t) in o.indexed_iter() {
        let (cx, cy) = (
            (bx * BLOCK + BLOCK / 2) as f32,
            (by * BLOCK + BLOCK / 2) as f32,
        );
        let c = coh[[by, bx]];
        let colour = Rgb([(255.0 * (1.0 - c)) as u8, (255.0 * c) as u8, 0]);
        for s in -6..=6 {
            let (x, y) = (cx + s as f32 * t.cos(), cy + s as f32 * t.sin());
            if x >= 0.0 && y >= 0.0 && (x as u32) < img.width() && (y as u32) < img.height() {
                img.put_pixel(x as u32, y as u32, colour);
            }
        }
    }
    img
}

fn minutiae_overlay(trace: &biometrics::extract::ExtractTrace) -> RgbImage {
    let sk = &trace.skeleton;
    let (h, w) = sk.dim();
    let mut img = RgbImage::from_fn(w as u32, h as u32, |x, y| {
        let p = trace.image.pixels()[y as usize * w + x as usize] / 2 + 127;
        if sk[[y as usize, x as usize]] {
            Rgb([60, 60, 200])
        } else {
            Rgb([p, p, p])
        }
    });
    let mut put = |x: f32, y: f32, c: Rgb<u8>| {
        if x >= 0.0 && y >= 0.0 && (x as usize) < w && (y as usize) < h {
            img.put_pixel(x as u32, y as u32, c);
        }
    };
    for m in &trace.candidates {
        put(f32::from(m.x), f32::from(m.y), Rgb([255, 200, 0]));
    }
    for m in &trace.template.minutiae {
        let colour = match m.kind {
            MinutiaKind::Ending => Rgb([255, 0, 0]),
            MinutiaKind::Bifurcation => Rgb([0, 170, 0]),
        };
        let (x, y) = (f32::from(m.x), f32::from(m.y));
        for a in 0..24 {
            let t = a as f32 * std::f32::consts::TAU / 24.0;
            put(x + 4.0 * t.cos(), y + 4.0 * t.sin(), colour);
        }
        for s in 0..12 {
            // Template angles are counter-clockwise with y up.
            put(
                x + s as f32 * m.angle.cos(),
                y - s as f32 * m.angle.sin(),
                colour,
            );
        }
    }
    img
}
