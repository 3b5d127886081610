//! A magnified view of one region of an impression: binary ridges (light grey), skeleton (dark
//! blue), our minutiae (red endings / green bifurcations, with direction), the candidates the
//! filters removed (orange dots) and, optionally, a reference extractor's minutiae (blue squares).
//! For looking at false minutiae up close; the reference is never part of the extractor.
//!
//! `cargo run --release -p biometrics --example minutia_zoom -- IMAGE PPI OUT.png [REF.txt]
//!  [--crop X Y W H] [--scale S] [--grey]` (crop in 500 ppi pixels; REF as `minutia_study` reads it).

#[path = "support/reference.rs"]
mod reference;

use biometrics::extract::extract_traced;
use biometrics::{FingerImage, FingerPosition, MinutiaKind};
use image::{Rgb, RgbImage};
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: minutia_zoom IMAGE PPI OUT.png [REF.txt] [--crop X Y W H] [--scale S]";
    let (input, ppi, out) = (
        args.get(1).ok_or(usage)?,
        args.get(2).ok_or(usage)?.parse::<f32>()?,
        args.get(3).ok_or(usage)?,
    );
    let reference_file = args.get(4).filter(|a| !a.starts_with("--"));
    let flag = |name: &str, n: usize| -> Option<Vec<usize>> {
        let i = args.iter().position(|a| a == name)?;
        args.get(i + 1..i + 1 + n)?
            .iter()
            .map(|v| v.parse().ok())
            .collect()
    };
    let grey_view = args.iter().any(|a| a == "--grey");
    let scale = flag("--scale", 1).map_or(4, |v| v[0]);
    let grey = image::open(input)?.to_luma8();
    let finger = FingerImage::new(grey.width(), grey.height(), ppi as u16, grey.into_raw())?;
    let trace = extract_traced(&finger, FingerPosition::Unknown)?;
    let (h, w) = trace.skeleton.dim();
    let crop = flag("--crop", 4).unwrap_or(vec![0, 0, w, h]);
    let (x0, y0) = (crop[0].min(w), crop[1].min(h));
    let (cw, ch) = (crop[2].min(w - x0), crop[3].min(h - y0));
    let mut img = RgbImage::from_fn((cw * scale) as u32, (ch * scale) as u32, |x, y| {
        let (px, py) = (x0 + x as usize / scale, y0 + y as usize / scale);
        if trace.skeleton[[py, px]] {
            Rgb([30, 30, 160])
        } else if grey_view {
            let g = trace.image.pixels()[py * w + px];
            Rgb([g, g, g])
        } else if trace.binary[[py, px]] {
            Rgb([200, 200, 200])
        } else {
            Rgb([255, 255, 255])
        }
    });
    let mut put = |x: f32, y: f32, c: Rgb<u8>| {
        let (sx, sy) = (
            (x - x0 as f32) * scale as f32,
            (y - y0 as f32) * scale as f32,
        );
        if sx >= 0.0 && sy >= 0.0 && (sx as u32) < img.width() && (sy as u32) < img.height() {
            img.put_pixel(sx as u32, sy as u32, c);
        }
    };
    let s = 1.0 / scale as f32;
    for m in &trace.candidates {
        for dy in 0..scale {
            for dx in 0..scale {
                let (x, y) = (f32::from(m.x), f32::from(m.y));
                put(x + dx as f32 * s, y + dy as f32 * s, Rgb([255, 160, 0]));
            }
        }
    }
    for m in &trace.template.minutiae {
        let colour = match m.kind {
            MinutiaKind::Ending => Rgb([230, 0, 0]),
            MinutiaKind::Bifurcation => Rgb([0, 160, 0]),
        };
        let (x, y) = (f32::from(m.x) + 0.5, f32::from(m.y) + 0.5);
        for a in 0..96 {
            let t = a as f32 * std::f32::consts::TAU / 96.0;
            put(x + 3.0 * t.cos(), y + 3.0 * t.sin(), colour);
        }
        for k in 0..(10 * scale) {
            let d = k as f32 * s;
            put(x + d * m.angle.cos(), y - d * m.angle.sin(), colour);
        }
    }
    if let Some(path) = reference_file {
        for m in reference::read(Path::new(path), 500.0 / ppi)?.minutiae {
            let (x, y) = (m.x + 0.5, m.y + 0.5);
            for t in 0..(8 * scale) {
                let d = -2.0 + t as f32 * s / 2.0;
                for (a, b) in [(d, -2.0), (d, 2.0), (-2.0, d), (2.0, d)] {
                    put(x + a, y + b, Rgb([0, 90, 255]));
                }
            }
        }
    }
    img.save(out)?;
    println!(
        "{} candidates, {} minutiae",
        trace.candidates.len(),
        trace.template.minutiae.len()
    );
    Ok(())
}
