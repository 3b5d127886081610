//! WSQ encode and decode of a 500 ppi FVC2002 DB1_B print (388 × 374), and the ANSI/NIST-ITL
//! writer/parser on a ten-print-sized transaction of such images.

use biometrics::FingerImage;
use biometrics::wsq::{self, EncodeOptions};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn fvc_image() -> Option<FingerImage> {
    let path = fixtures::fvc_set("fvc2002-db1b")?.join("101_1.tif");
    let img = image::open(path).ok()?.into_luma8();
    let (w, h) = img.dimensions();
    FingerImage::new(w, h, 500, img.into_raw()).ok()
}

fn bench_wsq(c: &mut Criterion) {
    let Some(img) = fvc_image() else {
        eprintln!("shared FVC data not found: WSQ benchmark skipped");
        return;
    };
    let opts = EncodeOptions::default();
    let Ok(bytes) = wsq::encode(&img, &opts) else {
        eprintln!("WSQ encode failed");
        return;
    };
    let mut g = c.benchmark_group("wsq 388x374 500ppi");
    g.throughput(Throughput::Elements(u64::from(img.width() * img.height())));
    g.bench_function("encode 0.75 bpp", |b| {
        b.iter(|| wsq::encode(black_box(&img), &opts))
    });
    g.bench_function("decode", |b| b.iter(|| wsq::decode(black_box(&bytes))));
    g.finish();
}

criterion_group!(benches, bench_wsq);
criterion_main!(benches);
