//! Capture: live preview downscale, face checks per preview frame, fingerprint quality.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use capture::camera::SimulatedCamera;
use capture::camera::sim::SceneVariation;
use capture::face::FaceAnalyser;
use capture::imaging::resize_rgb;
use capture::preview::PreviewScaler;
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
    let mut scaler = PreviewScaler::new(640, 360);
    let mut out = image::RgbImage::new(640, 360);
    c.bench_function("capture/preview 1920x1080 -> 640x360", |b| {
        b.iter(|| scaler.scale_into(&frame, &mut out).unwrap())
    });
    // Round 1's method (new image per frame, bilinear convolution), for the ratio.
    let mut resizer = Resizer::new();
    c.bench_function(
        "capture/preview 1920x1080 -> 640x360 bilinear (round 1)",
        |b| b.iter(|| resize_rgb(&frame, 640, 360, &mut resizer).unwrap()),
    );
}

fn face_checks(c: &mut Criterion) {
    let analyser = FaceAnalyser::from_default_location().expect("opencv-data cascades");
    let mut cam = SimulatedCamera::new(&portrait(), 640, 360, SceneVariation::default()).unwrap();
    let frame = cam.render(3);
    // One face with both eyes, so the figure covers every check and the token crop.
    let report = analyser.analyse(&frame);
    assert!(
        report.faces.len() == 1 && report.eyes.is_some(),
        "the bench frame must hold one face with eyes: {report:?}"
    );
    c.bench_function("capture/face checks per 640x360 preview frame", |b| {
        b.iter(|| analyser.analyse(&frame))
    });
}

fn fingerprint_quality(c: &mut Criterion) {
    let dir = fixtures::fvc_set("fvc2002-db1b").expect("shared FVC 2002 DB1 B data");
    let img = fixtures::fvc::load_file(&dir.join("101_1.tif"), 500).unwrap();
    c.bench_function(
        "capture/fingerprint quality (biometrics::quality::assess) 388x374",
        |b| b.iter(|| biometrics::quality::assess(&img)),
    );
}

criterion_group!(benches, preview, face_checks, fingerprint_quality);
criterion_main!(benches);
