//! Minutiae extraction per image, one thread (but the ridge restoration shares each layer's
//! channels over the cores), on the two shared FVC2002 B sets (DB1 at
//! 500 ppi; DB2 at 569 ppi, so its figure includes resampling). Compare with mindtct via
//! `benches/peers/mindtct.py`, run side by side. The dry, dotted print DB2_B 109_8 is also read
//! with and without the ridge restoration of dry refiltered prints (`extract::Restoration`), to
//! price it.

use biometrics::extract::{Restoration, extract, extract_with};
use biometrics::{FingerImage, FingerPosition};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::{Path, PathBuf};

fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("REKAM_DATA") {
        return Some(PathBuf::from(dir));
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/data"))
        .find(|p| p.is_dir())
}

fn load_set(set: &str, ppi: u16) -> Vec<FingerImage> {
    let Some(dir) = data_dir().map(|d| d.join("fingerprints").join(set)) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    paths.iter().filter_map(|p| decode(p, ppi)).collect()
}

/// A grey image file as a print of `ppi`; `None` if it does not decode.
fn decode(path: &Path, ppi: u16) -> Option<FingerImage> {
    let grey = image::open(path).ok()?.to_luma8();
    FingerImage::new(grey.width(), grey.height(), ppi, grey.into_raw()).ok()
}

fn bench_extract(c: &mut Criterion) {
    for (set, ppi) in [("fvc2002-db1b", 500), ("fvc2002-db2b", 569)] {
        let images = load_set(set, ppi);
        if images.is_empty() {
            eprintln!("{set}: no images found (set REKAM_DATA)");
            continue;
        }
        let mut i = 0;
        c.bench_function(&format!("extract per image {set}"), |b| {
            b.iter(|| {
                // Cycle through the whole set so the figure is a set-wide average.
                let img = &images[i % images.len()];
                i += 1;
                black_box(extract(black_box(img), FingerPosition::Unknown).ok())
            })
        });
    }
}

fn load_one(set: &str, name: &str, ppi: u16) -> Option<FingerImage> {
    decode(&data_dir()?.join("fingerprints").join(set).join(name), ppi)
}

fn bench_restoration(c: &mut Criterion) {
    let Some(dotted) = load_one("fvc2002-db2b", "109_8.tif", 569) else {
        eprintln!("fvc2002-db2b/109_8.tif not found (set REKAM_DATA)");
        return;
    };
    for (label, restoration) in [
        ("without", Restoration::Off),
        ("with", Restoration::DryRefiltered),
    ] {
        c.bench_function(
            &format!("extract 109_8 (dotted) {label} restoration"),
            |b| {
                b.iter(|| {
                    black_box(
                        extract_with(black_box(&dotted), FingerPosition::Unknown, restoration).ok(),
                    )
                })
            },
        );
    }
}

criterion_group!(benches, bench_extract, bench_restoration);
criterion_main!(benches);
