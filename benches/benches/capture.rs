//! Capture: live preview downscale, face checks per preview frame, fingerprint quality.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use capture::camera::SimulatedCamera;
use capture::camera::sim::SceneVariation;
use capture::face::FaceAnalyser;
use capture::fingerprint::sim::ridge_pattern;
use capture::gates::fingerprint::interim_quality;
use capture::imaging::resize_rgb;
use criterion::{Criterion, criterion_group, criterion_main};
use fast_image_resize::Resizer;

fn portrait() -> image::RgbImage {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../capture/tests/data/astronaut.png"
    );
    image::open(path).unwrap().to_rgb8()
}

fn preview(c: &mut Criterion) {
    let mut cam = SimulatedCamera::new(&portrait(), 1920, 1080, SceneVariation::default()).unwrap();
    let frame = cam.render(0);
    let mut resizer = Resizer::new();
    c.bench_function("capture/preview 1920x1080 -> 640x360", |b| {
        b.iter(|| resize_rgb(&frame, 640, 360, &mut resizer).unwrap())
    });
}

fn face_checks(c: &mut Criterion) {
    let analyser = FaceAnalyser::from_default_location().expect("opencv-data cascades");
    let mut cam = SimulatedCamera::new(&portrait(), 640, 360, SceneVariation::default()).unwrap();
    let frame = cam.render(3);
    // At 640x360 the detector also fires on part of the backdrop (2 faces), so the checks
    // stop after "exactly one face": this figure covers detection, not every check.
    assert!(
        !analyser.analyse(&frame).faces.is_empty(),
        "the bench frame must hold a face"
    );
    c.bench_function("capture/face checks per 640x360 preview frame", |b| {
        b.iter(|| analyser.analyse(&frame))
    });
}

fn fingerprint_quality(c: &mut Criterion) {
    let img = ridge_pattern(384, 290, 0.9, 0.2, 1);
    c.bench_function("capture/interim fingerprint quality 384x290", |b| {
        b.iter(|| interim_quality(&img))
    });
}

criterion_group!(benches, preview, face_checks, fingerprint_quality);
criterion_main!(benches);
