//! Matching speed: 1:1 comparisons per second on one core (prepared templates, as the 1:N
//! index and the FVC evaluation use them), descriptor preparation, and 1:N search of a
//! 10-finger probe against synthetic galleries.

use biometrics::matcher::PreparedTemplate;
use biometrics::synthetic::{Distortion, impression, master};
use biometrics::template::FingerPosition;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn bench_one_to_one(c: &mut Criterion) {
    let masters: Vec<_> = (0..16)
        .map(|s| master(s, FingerPosition::RightIndex))
        .collect();
    let a: Vec<_> = masters
        .iter()
        .map(|m| PreparedTemplate::new(&impression(m, 1, &Distortion::TYPICAL)))
        .collect();
    let b: Vec<_> = masters
        .iter()
        .map(|m| PreparedTemplate::new(&impression(m, 2, &Distortion::TYPICAL)))
        .collect();
    c.bench_function("matcher 1:1 genuine (prepared)", |bench| {
        let mut i = 0;
        bench.iter(|| {
            i = (i + 1) % a.len();
            black_box(a[i].compare(&b[i]).score)
        })
    });
    c.bench_function("matcher 1:1 impostor (prepared)", |bench| {
        let mut i = 0;
        bench.iter(|| {
            i = (i + 1) % a.len();
            black_box(a[i].compare(&b[(i + 1) % b.len()]).score)
        })
    });
    let t = impression(&masters[0], 3, &Distortion::TYPICAL);
    c.bench_function("cylinders of one template", |bench| {
        bench.iter(|| black_box(PreparedTemplate::new(black_box(&t)).len()))
    });
}

criterion_group!(benches, bench_one_to_one);
criterion_main!(benches);
