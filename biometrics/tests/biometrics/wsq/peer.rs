//! Cross-checks with NIST NBIS's WSQ codec (PyPI `wsq`, driven by benches/peers/wsq_peer.py).
//!
//! The live tests need the peer venv (scripts/bootstrap makes it); the committed-file test
//! always runs: `tests/data/wsq/` holds files NBIS wrote and NBIS's own decoding of them.

use std::path::Path;
use std::process::Command;

use biometrics::FingerImage;
use biometrics::wsq::{self, EncodeOptions};

use super::common::*;
use crate::common::fvc_all as fvc_images;

fn peer(py: &Path, args: &[&Path]) -> String {
    let out = Command::new(py)
        .arg(peer_script())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "peer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sample_images() -> Vec<(String, FingerImage)> {
    let mut v = Vec::new();
    for set in ["fvc2002-db1b", "fvc2002-db2b"] {
        v.extend(fvc_images(set).into_iter().step_by(8));
    }
    v
}

#[test]
fn nbis_decodes_our_files() {
    let Some(py) = peer_python() else { return };
    let tmp = std::env::temp_dir().join(format!("rekam-wsq-ours-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let (mut worst, mut diff_share, mut psnr_gap) = (0u8, 0.0f64, 0.0f64);
    let images = sample_images();
    for (name, img) in &images {
        let ours = wsq::encode(img, &EncodeOptions::default()).unwrap();
        let wsq_path = tmp.join(format!("{name}.wsq"));
        let pgm_path = tmp.join(format!("{name}.pgm"));
        std::fs::write(&wsq_path, &ours).unwrap();
        let info = peer(&py, &[Path::new("decode"), &wsq_path, &pgm_path]);
        let (w, h, theirs) = read_pgm(&pgm_path);
        assert_eq!((w, h), (img.width(), img.height()), "{name}");
        assert!(
            info.trim().ends_with(&img.ppi().to_string()),
            "{name}: peer read ppi {info}"
        );
        let own = wsq::decode(&ours).unwrap();
        worst = worst.max(max_diff(own.pixels(), &theirs));
        diff_share += differing(own.pixels(), &theirs);
        psnr_gap +=
            (wsq::psnr(img.pixels(), own.pixels()) - wsq::psnr(img.pixels(), &theirs)).abs();
    }
    let n = images.len() as f64;
    eprintln!(
        "NBIS decodes our WSQ ({} images): max |ours−NBIS| {worst}, pixels differing {:.3} %, mean PSNR gap {:.4} dB",
        images.len(),
        100.0 * diff_share / n,
        psnr_gap / n
    );
    // Both decoders compute the same filters in f32: only rounding may differ.
    assert!(worst <= 1, "max difference {worst}");
    std::fs::remove_dir_all(&tmp).ok();
}

#[test]
fn we_decode_nbis_files() {
    let Some(py) = peer_python() else { return };
    let tmp = std::env::temp_dir().join(format!("rekam-wsq-theirs-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let (mut worst, mut diff_share, mut size_ratio) = (0u8, 0.0f64, 0.0f64);
    let (mut psnr_ours, mut psnr_theirs) = (0.0f64, 0.0f64);
    let images = sample_images();
    for (name, img) in &images {
        let src = tmp.join(format!("{name}.pgm"));
        let wsq_path = tmp.join(format!("{name}.wsq"));
        let back = tmp.join(format!("{name}.back.pgm"));
        write_pgm(&src, img);
        peer(&py, &[Path::new("encode"), &src, &wsq_path]);
        peer(&py, &[Path::new("decode"), &wsq_path, &back]);
        let theirs_bytes = std::fs::read(&wsq_path).unwrap();
        let (_, _, theirs) = read_pgm(&back);
        let ours = wsq::decode(&theirs_bytes).unwrap();
        assert_eq!((ours.width(), ours.height()), (img.width(), img.height()));
        worst = worst.max(max_diff(ours.pixels(), &theirs));
        diff_share += differing(ours.pixels(), &theirs);
        let own_bytes = wsq::encode(img, &EncodeOptions::default()).unwrap();
        size_ratio += own_bytes.len() as f64 / theirs_bytes.len() as f64;
        psnr_ours += wsq::psnr(img.pixels(), wsq::decode(&own_bytes).unwrap().pixels());
        psnr_theirs += wsq::psnr(img.pixels(), &theirs);
    }
    let n = images.len() as f64;
    eprintln!(
        "We decode NBIS WSQ ({} images): max |ours−NBIS| {worst}, pixels differing {:.3} %; \
         our file size / NBIS {:.3}; PSNR ours {:.2} dB vs NBIS {:.2} dB",
        images.len(),
        100.0 * diff_share / n,
        size_ratio / n,
        psnr_ours / n,
        psnr_theirs / n
    );
    assert!(worst <= 1, "max difference {worst}");
    std::fs::remove_dir_all(&tmp).ok();
}

/// Runs without the peer: files NBIS wrote (see tests/data/wsq/README.md) decode to what
/// NBIS itself decoded them to.
#[test]
fn committed_nbis_files_decode_like_nbis() {
    let dir = data_dir();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "wsq") {
            continue;
        }
        let reference = path.with_extension("png");
        let ours = wsq::decode(&std::fs::read(&path).unwrap()).unwrap();
        let (w, h, theirs) = read_pgm(&reference);
        assert_eq!((ours.width(), ours.height()), (w, h));
        let worst = max_diff(ours.pixels(), &theirs);
        assert!(worst <= 1, "{}: max difference {worst}", path.display());
        checked += 1;
    }
    assert!(checked >= 2, "reference files missing in {}", dir.display());
}
