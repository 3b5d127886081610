use std::path::{Path, PathBuf};

use biometrics::FingerImage;

/// Resolution of each shared FVC set (DB2 was scanned at 569 ppi).
pub fn set_ppi(set: &str) -> u16 {
    if set.contains("db2") { 569 } else { 500 }
}

/// All images of one shared FVC set, sorted by name.
pub fn fvc_images(set: &str) -> Vec<(String, FingerImage)> {
    let dir = fixtures::fvc_set(set).expect("shared FVC data beside the workspace");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tif"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, load(p, set_ppi(set)))
        })
        .collect()
}

pub fn load(path: &Path, ppi: u16) -> FingerImage {
    let img = image::open(path).unwrap().into_luma8();
    let (w, h) = img.dimensions();
    FingerImage::new(w, h, ppi, img.into_raw()).unwrap()
}

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

/// The peers' Python, if a venv with them exists: `$REKAM_PEER_VENV`, else the one
/// `scripts/bootstrap` makes, else the one used while developing this module.
pub fn peer_python() -> Option<PathBuf> {
    let candidates = std::env::var_os("REKAM_PEER_VENV")
        .map(PathBuf::from)
        .into_iter()
        .chain(["/var/cache/rekam/venv-peers", "/var/cache/rekam/venv-wsq"].map(PathBuf::from));
    for venv in candidates {
        let py = venv.join("bin/python");
        let has_wsq = std::process::Command::new(&py)
            .args(["-c", "import _wsq"])
            .output()
            .is_ok_and(|o| o.status.success());
        if has_wsq {
            return Some(py);
        }
    }
    eprintln!("peer venv with the `wsq` package not found: live peer comparison skipped");
    None
}

pub fn peer_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/peers/wsq_peer.py")
}
