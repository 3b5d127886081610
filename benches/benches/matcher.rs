//! Matching speed: 1:1 comparisons per second on one core (prepared templates, as the 1:N
//! index and the FVC evaluation use them), descriptor preparation, and 1:N search of a
//! 10-finger probe against synthetic galleries.

use biometrics::Template;
use biometrics::index::{Index, IndexParams, RecordId};
use biometrics::matcher::PreparedTemplate;
use biometrics::synthetic::{Distortion, impression, master};
use biometrics::template::FingerPosition;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Instant;

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

/// The ten fingers of synthetic person `p`, capture `c`.
fn person(p: u64, c: u64) -> Vec<Template> {
    FingerPosition::ALL
        .iter()
        .map(|&pos| {
            let m = master(p * 16 + u64::from(pos.code()), pos);
            impression(&m, c, &Distortion::TYPICAL)
        })
        .collect()
}

fn gallery(people: u64) -> Vec<(RecordId, Template)> {
    (0..people)
        .flat_map(|p| person(p, 1).into_iter().map(move |t| (p, t)))
        .collect()
}

/// 1:N: a 10-finger probe (a second capture of an enrolled person) against galleries of 10k
/// and 100k fingers (1k and 10k people), on all cores. Building the 100k gallery once takes
/// about a minute; its build time and memory are printed, not benchmarked repeatedly.
fn bench_one_to_many(c: &mut Criterion) {
    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    for people in [1_000u64, 10_000] {
        let fingers = gallery(people);
        let start = Instant::now();
        let mut index = Index::new(IndexParams::default());
        index.add_many(&fingers);
        let build = start.elapsed();
        drop(fingers);
        eprintln!(
            "index of {} fingers: built in {:.1} s on all cores, {} bytes/finger",
            index.len(),
            build.as_secs_f64(),
            index.memory_bytes() / index.len().max(1)
        );
        let probes: Vec<Vec<Template>> = (0..5).map(|p| person(p * 97 % people, 2)).collect();
        let mut hits = 0;
        for (i, probe) in probes.iter().enumerate() {
            let r = index.search(probe);
            hits +=
                usize::from(r.records.first().map(|c| c.record) == Some(i as u64 * 97 % people));
        }
        eprintln!("10-finger probes ranked first: {hits}/5");
        group.bench_function(
            format!("search 10-finger probe, {} fingers", index.len()),
            |b| {
                let mut i = 0;
                b.iter(|| {
                    i = (i + 1) % probes.len();
                    black_box(index.search(&probes[i]).records.len())
                })
            },
        );
        if people == 1_000 {
            group.bench_function("build 10k-finger index", |b| {
                let fingers = gallery(people);
                b.iter(|| {
                    let mut index = Index::new(IndexParams::default());
                    index.add_many(&fingers);
                    black_box(index.len())
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_one_to_one, bench_one_to_many);
criterion_main!(benches);
