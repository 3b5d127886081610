//! Quality measures against NIST's NFIQ 2 values on NIST's example images, and feedback.

use crate::common::{data_dir, fvc, load};
use biometrics::FingerImage;
use biometrics::quality::{Feedback, assess};
use std::collections::HashMap;

fn nist_example(i: usize) -> (FingerImage, HashMap<String, f32>) {
    let base = data_dir()
        .join("nfiq2-examples")
        .join(format!("SFinGe_Test0{i}"));
    let img = load(&base.with_extension("pgm"), 500);
    let values = std::fs::read_to_string(format!("{}_output.txt", base.display()))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(": "))
        .filter_map(|(k, v)| v.trim().parse().ok().map(|v| (k.to_owned(), v)))
        .collect();
    (img, values)
}

#[test]
fn orientation_certainty_frequency_and_minutiae_agree_with_nfiq2() {
    for i in 1..=5 {
        let (img, nist) = nist_example(i);
        let m = assess(&img).measures;
        let ocl = nist["OCL_Bin10_Mean"];
        assert!(
            (m.ocl.mean - ocl).abs() < 0.05,
            "Test0{i}: OCL {} vs NIST {ocl}",
            m.ocl.mean
        );
        let fda = nist["FDA_Bin10_Mean"];
        assert!(
            (m.fda.mean - fda).abs() < 0.04,
            "Test0{i}: FDA {} vs NIST {fda}",
            m.fda.mean
        );
        let count = nist["FingerJetFX_MinutiaeCount"];
        assert!(
            (m.minutiae as f32 - count).abs() <= 0.15 * count,
            "Test0{i}: {} minutiae vs FingerJetFX {count}",
            m.minutiae
        );
    }
}

#[test]
fn darkened_image_scores_lower_and_says_too_dark() {
    let img = fvc("fvc2002-db1b", "104_1");
    let good = assess(&img);
    assert!(good.score >= 40, "clean print scored {}", good.score);
    assert!(!good.feedback.contains(&Feedback::TooDark));
    // Over-pressed finger: everything pushed towards black, contrast squashed.
    let dark: Vec<u8> = img.pixels().iter().map(|&p| p / 5).collect();
    let dark = FingerImage::new(img.width(), img.height(), 500, dark).unwrap();
    let report = assess(&dark);
    assert!(
        report.feedback.contains(&Feedback::TooDark),
        "{:?}",
        report.feedback
    );
    assert!(
        report.feedback.contains(&Feedback::LowContrast),
        "{:?}",
        report.feedback
    );
}

#[test]
fn partial_finger_is_reported_too_small() {
    let img = fvc("fvc2002-db1b", "104_1");
    let (w, h) = (img.width() as usize, img.height() as usize);
    // Keep only a 120×120 px patch of the print; the rest is sensor background.
    let (cx, cy) = (w / 2, h / 2);
    let px: Vec<u8> = (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            if x.abs_diff(cx) < 60 && y.abs_diff(cy) < 60 {
                img.pixels()[i]
            } else {
                235
            }
        })
        .collect();
    let report = assess(&FingerImage::new(w as u32, h as u32, 500, px).unwrap());
    assert!(
        report.feedback.contains(&Feedback::TooSmall),
        "{:?}",
        report.feedback
    );
    assert!(report.score < assess(&img).score);
}

#[test]
fn blank_image_scores_zero_with_feedback() {
    let blank = FingerImage::new(300, 300, 500, vec![250; 90_000]).unwrap();
    let r = assess(&blank);
    assert_eq!(r.score, 0);
    assert!(!r.feedback.is_empty());
    assert!(r.feedback[0].message().contains('/'));
}
