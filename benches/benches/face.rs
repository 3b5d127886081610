// A bench is a test harness: a failure to build the sample documents should stop it loudly.
#![allow(clippy::expect_used)]

//! Rendering one card face: layout (text fitting, photo/signature resize), PNG at 300 dpi,
//! and PDF with the embedded font subset — the work done before each card is printed.

use std::hint::black_box;

use card::face::{self, sample};
use criterion::{Criterion, criterion_group, criterion_main};

fn face(c: &mut Criterion) {
    let ktp = sample::ktp().expect("sample KTP-el");
    let receipt = sample::receipt().expect("sample receipt");
    let mut g = c.benchmark_group("face");
    g.sample_size(20);
    g.bench_function("ktp_layout", |b| {
        b.iter(|| face::ktp_front(black_box(&ktp)).expect("layout"))
    });
    g.bench_function("ktp_layout_png_pdf", |b| {
        b.iter(|| {
            let doc = face::ktp_front(black_box(&ktp)).expect("layout");
            (doc.png().expect("png"), doc.pdf().expect("pdf"))
        })
    });
    let doc = face::ktp_front(&ktp).expect("layout");
    g.bench_function("ktp_png_only", |b| b.iter(|| doc.png().expect("png")));
    g.bench_function("ktp_pdf_only", |b| b.iter(|| doc.pdf().expect("pdf")));
    g.bench_function("receipt_layout_png_pdf", |b| {
        b.iter(|| {
            let doc = face::receipt(black_box(&receipt)).expect("layout");
            (doc.png().expect("png"), doc.pdf().expect("pdf"))
        })
    });
    g.finish();
}

criterion_group!(benches, face);
criterion_main!(benches);
