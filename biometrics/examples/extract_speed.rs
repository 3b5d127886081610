//! Times `biometrics::extract::extract` on every image of a folder, single-threaded, and prints
//! one line: `<label> median_ms=<m> mean_ms=<m> images=<n> minutiae_mean=<m>`. Each image is
//! extracted `REPEATS` times (default 3) after one warm-up pass, and its best time counts, the
//! same protocol `benches/peers/mindtct.py` uses for mindtct, so the two can be run side by side
//! (see `benches/peers/extract_side_by_side.sh`). Decoding the image file is not timed.
//!
//! `cargo run --release -p biometrics --example extract_speed -- DIR PPI [REPEATS]`

use biometrics::extract::extract;
use biometrics::{FingerImage, FingerPosition};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, ppi, repeats) = match args.as_slice() {
        [_, dir, ppi] => (dir, ppi.parse::<u16>()?, 3usize),
        [_, dir, ppi, r] => (dir, ppi.parse::<u16>()?, r.parse::<usize>()?.max(1)),
        _ => return Err("usage: extract_speed DIR PPI [REPEATS]".into()),
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "tif" || e == "bmp" || e == "png")
        })
        .collect();
    paths.sort();
    let mut images = Vec::with_capacity(paths.len());
    for path in &paths {
        let grey = image::open(path)?.to_luma8();
        images.push(FingerImage::new(
            grey.width(),
            grey.height(),
            ppi,
            grey.into_raw(),
        )?);
    }
    if images.is_empty() {
        return Err(format!("no images in {dir}").into());
    }
    let mut minutiae = 0usize;
    for img in &images {
        minutiae += extract(img, FingerPosition::Unknown).map_or(0, |t| t.minutiae.len());
    }
    let mut best: Vec<f64> = images
        .iter()
        .map(|img| {
            (0..repeats)
                .map(|_| {
                    let t0 = Instant::now();
                    let r = std::hint::black_box(extract(
                        std::hint::black_box(img),
                        FingerPosition::Unknown,
                    ));
                    let ms = t0.elapsed().as_secs_f64() * 1e3;
                    drop(r);
                    ms
                })
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    best.sort_by(f64::total_cmp);
    let median = if best.len() % 2 == 1 {
        best[best.len() / 2]
    } else {
        0.5 * (best[best.len() / 2 - 1] + best[best.len() / 2])
    };
    let mean = best.iter().sum::<f64>() / best.len() as f64;
    let label = std::path::Path::new(dir)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    println!(
        "{label} median_ms={median:.2} mean_ms={mean:.2} images={} minutiae_mean={:.1}",
        images.len(),
        minutiae as f64 / images.len() as f64
    );
    Ok(())
}
