use std::path::{Path, PathBuf};

use biometrics::FingerImage;

pub fn write_pgm(path: &Path, img: &FingerImage) {
    let mut out = format!("P5\n{} {}\n255\n", img.width(), img.height()).into_bytes();
    out.extend_from_slice(img.pixels());
    std::fs::write(path, out).unwrap();
}

pub fn read_pgm(path: &Path) -> (u32, u32, Vec<u8>) {
    let img = image::open(path).unwrap().into_luma8();
    let (w, h) = img.dimensions();
    (w, h, img.into_raw())
}

/// Largest absolute pixel difference.
pub fn max_diff(a: &[u8], b: &[u8]) -> u8 {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.abs_diff(*y))
        .max()
        .unwrap_or(0)
}

/// Share of pixels that differ at all.
pub fn differing(a: &[u8], b: &[u8]) -> f64 {
    a.iter().zip(b).filter(|(x, y)| x != y).count() as f64 / a.len().max(1) as f64
}

/// The committed reference files made by the NBIS peer.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/wsq")
}

/// The peers' Python with NBIS's WSQ codec (`scripts/bootstrap` makes the venv).
pub fn peer_python() -> Option<PathBuf> {
    crate::common::peer_python(
        "_wsq",
        "REKAM_PEER_VENV",
        &["/var/cache/rekam/venv-peers", "/var/cache/rekam/venv-wsq"],
    )
}

pub fn peer_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/peers/wsq_peer.py")
}
