//! Matching speed: 1:1 comparisons per second on one core (prepared templates, as the 1:N
//! index and the FVC evaluation use them), descriptor preparation, and 1:N search of a
//! 10-finger probe against galleries of 10k and 100k fingers.
//!
//! Synthetic fingers come from `fixtures::synth`: ground truth from `template_gallery` (the
//! SFinGe orientation model, ~66 minutiae per fingertip), enrolled and probed as two different
//! template-level captures (`template_impression`: placement, plastic distortion, partial
//! contact, extractor noise). Finger `i` belongs to record `i / 10`.

#![allow(clippy::expect_used)]

use biometrics::index::{Index, IndexParams, RecordId};
use biometrics::matcher::PreparedTemplate;
use biometrics::{OrientationField, Template};
use criterion::{Criterion, criterion_group, criterion_main};
use fixtures::synth::{ExtractorNoise, template_gallery, template_impression};
use std::hint::black_box;
use std::time::Instant;

const SEED: u64 = 0x1_2345;
/// Worker threads for building and searching: the two cores of the reference machine.
const THREADS: usize = 2;

fn capture(master: &Template, finger: usize, capture: u32) -> Template {
    template_impression(
        master,
        SEED ^ finger as u64,
        capture,
        &ExtractorNoise::TYPICAL,
    )
}

/// 25×25 cells of 16 px, a border of background, directions turning across the print.
fn turning_flow() -> Option<OrientationField> {
    let codes = (0..25u16)
        .flat_map(|r| (0..25u16).map(move |c| (r, c)))
        .map(|(r, c)| {
            if r < 2 || c < 2 || r > 22 || c > 22 {
                OrientationField::BACKGROUND
            } else {
                ((r * 3 + c * 2) % 128) as u8
            }
        })
        .collect();
    OrientationField::new(16, 25, 25, codes).ok()
}

/// Genuine pairs (`a[i]` with `b[i]`) and impostor pairs (`a[i]` with `b[i + 1]`), one per
/// iteration, as "matcher 1:1 genuine (`label`)" and "matcher 1:1 impostor (`label`)".
fn bench_pairs(c: &mut Criterion, label: &str, a: &[PreparedTemplate], b: &[PreparedTemplate]) {
    for (kind, offset) in [("genuine", 0), ("impostor", 1)] {
        c.bench_function(&format!("matcher 1:1 {kind} ({label})"), |bench| {
            let mut i = 0;
            bench.iter(|| {
                i = (i + 1) % a.len();
                black_box(a[i].compare(&b[(i + offset) % b.len()]).score)
            })
        });
    }
}

fn bench_one_to_one(c: &mut Criterion) {
    // Same position (a right thumb every tenth finger) so impostors are like-for-like.
    let masters: Vec<Template> = template_gallery(SEED, 160)
        .into_iter()
        .step_by(10)
        .collect();
    // Each finger's captures 1 and 2, prepared; with a ridge flow on both sides (as extracted
    // templates carry) or without (as minutiae-only records).
    let prepared = |round: u32, flow: fn() -> Option<OrientationField>| -> Vec<PreparedTemplate> {
        masters
            .iter()
            .enumerate()
            .map(|(i, m)| {
                PreparedTemplate::new(&Template {
                    orientation: flow(),
                    ..capture(m, i, round)
                })
            })
            .collect()
    };
    let none = || None;
    bench_pairs(c, "prepared", &prepared(1, none), &prepared(2, none));
    bench_pairs(
        c,
        "prepared, with ridge flow",
        &prepared(1, turning_flow),
        &prepared(2, turning_flow),
    );
    let t = capture(&masters[0], 0, 3);
    c.bench_function("cylinders of one template", |bench| {
        bench.iter(|| black_box(PreparedTemplate::new(black_box(&t)).len()))
    });
}

/// 1:N: a 10-finger probe (a second capture of an enrolled person) against galleries of 10k
/// and 100k fingers (1k and 10k people) on two threads. The gallery is built once per size;
/// its build time, memory per finger, file size and load time and the probes' mate ranks are
/// printed, not benchmarked repeatedly (building 100k fingers takes about a minute).
fn bench_one_to_many(c: &mut Criterion) {
    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    let params = IndexParams {
        threads: THREADS,
        ..IndexParams::default()
    };
    for fingers in [10_000usize, 100_000] {
        let start = Instant::now();
        let masters = template_gallery(SEED, fingers);
        let enrolled: Vec<(RecordId, Template)> = masters
            .iter()
            .enumerate()
            .map(|(i, m)| ((i / 10) as RecordId, capture(m, i, 1)))
            .collect();
        let generated = start.elapsed();
        let start = Instant::now();
        let mut index = Index::new(params);
        index.add_many(&enrolled).expect("room for 100k fingers");
        let build = start.elapsed();
        drop(enrolled);
        let memory = index.memory();
        eprintln!(
            "index of {} fingers: fixtures generated in {:.1} s; built in {:.1} s on {THREADS} \
             threads; {} B/finger ({memory:?})",
            index.len(),
            generated.as_secs_f64(),
            build.as_secs_f64(),
            memory.total() / index.len().max(1),
        );
        let people = fingers / 10;
        let probe_of = |person: usize| -> Vec<Template> {
            (0..10)
                .map(|f| capture(&masters[person * 10 + f], person * 10 + f, 2))
                .collect()
        };
        let probed: Vec<usize> = (0..20).map(|k| k * 97 % people).collect();
        let probes: Vec<Vec<Template>> = probed.iter().map(|&p| probe_of(p)).collect();
        let (mut first, mut fingers_found) = (0, 0);
        for (probe, &person) in probes.iter().zip(&probed) {
            let r = index.search(probe);
            first += usize::from(r.records.first().map(|c| c.record) == Some(person as u64));
            fingers_found += r
                .per_finger
                .iter()
                .filter(|hits| hits.first().map(|h| h.record) == Some(person as u64))
                .count();
        }
        eprintln!(
            "10-finger probes with the mate ranked first: {first}/{}; probe fingers with the \
             mate first: {fingers_found}/{}",
            probes.len(),
            probes.len() * 10
        );
        group.bench_function(format!("search 10-finger probe, {fingers} fingers"), |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % probes.len();
                black_box(index.search(&probes[i]).records.len())
            })
        });
        // Persisting comes after the search, so the search runs on the gallery as built.
        let start = Instant::now();
        let file = index.to_bytes();
        let written = start.elapsed();
        drop(index);
        let start = Instant::now();
        let loaded = Index::from_bytes(&file, params).expect("a gallery file just written");
        eprintln!(
            "gallery file of {} fingers: {:.1} MB, written in {:.2} s, loaded (cylinders and \
             keys rebuilt) in {:.1} s",
            loaded.len(),
            file.len() as f64 / 1e6,
            written.as_secs_f64(),
            start.elapsed().as_secs_f64(),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_one_to_one, bench_one_to_many);
criterion_main!(benches);
