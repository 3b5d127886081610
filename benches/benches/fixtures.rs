//! Synthetic fingerprint generation: the template-only gallery path (for 100k-finger 1:N
//! galleries), one master (Gabor ridge growth + ground truth), and rendering one impression
//! from an existing master.

use criterion::{Criterion, criterion_group, criterion_main};
use fixtures::synth::{MasterFinger, template_gallery, template_only};
use std::hint::black_box;

fn bench_fixtures(c: &mut Criterion) {
    let mut g = c.benchmark_group("fixtures");
    g.sample_size(10);
    g.bench_function("template_only 1 finger", |b| {
        let mut seed = 0u64;
        b.iter(|| {
            seed += 1;
            black_box(template_only(seed, biometrics::FingerPosition::RightIndex))
        })
    });
    g.bench_function("template_gallery 10k fingers", |b| {
        b.iter(|| black_box(template_gallery(black_box(7), 10_000)))
    });
    g.bench_function("master finger (grow + ground truth)", |b| {
        let mut seed = 0u64;
        b.iter(|| {
            seed += 1;
            black_box(MasterFinger::generate(seed))
        })
    });
    let master = MasterFinger::generate(42);
    g.bench_function("render one impression 352x448", |b| {
        let mut k = 0u32;
        b.iter(|| {
            k += 1;
            black_box(master.impression(k))
        })
    });
    g.finish();
}

criterion_group!(benches, bench_fixtures);
criterion_main!(benches);
