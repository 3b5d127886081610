//! Matching speed: 1:1 comparisons per second on one core (prepared templates, as the 1:N
//! index and the FVC evaluation use them), descriptor preparation, and 1:N search of a
//! 10-finger probe against galleries of 10k and 100k fingers (ten-prints), and of a 2-finger
//! probe against 200k fingers (both index fingers of 100k people: 100k fingers per position,
//! where the pruning stage's shortlist grows, `IndexParams::sized_for`).
//!
//! Synthetic fingers come from `fixtures::synth`: ground truth from `template_gallery` (the
//! SFinGe orientation model, ~66 minutiae per fingertip), enrolled and probed as two different
//! template-level captures (`template_impression`: placement, plastic distortion, partial
//! contact, extractor noise). Finger `i` belongs to record `i / 10` (`i / 2` for two-finger
//! records).

#![allow(clippy::expect_used)]

use biometrics::index::{Index, IndexParams, RecordId};
use biometrics::matcher::PreparedTemplate;
use biometrics::{FingerPosition, OrientationField, Template};
use criterion::{Criterion, criterion_group, criterion_main};
use fixtures::synth::{ExtractorNoise, template_gallery, template_impression, template_only};
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

/// The ground truth of a gallery's fingers: ten-prints, or both index fingers of each person.
fn masters(fingers: usize, per_person: usize) -> Vec<Template> {
    if per_person == 10 {
        return template_gallery(SEED, fingers);
    }
    let positions = [FingerPosition::RightIndex, FingerPosition::LeftIndex];
    (0..fingers)
        .map(|i| {
            let seed = SEED ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            template_only(seed, positions[i % positions.len()])
        })
        .collect()
}

/// 1:N: a probe of every finger of an enrolled person (a second capture) against galleries of
/// 10k and 100k fingers of ten-prints (1k and 10k people) and 200k index fingers (100k
/// people), on two threads. The gallery is built once per size; its build time, memory per
/// finger, file size and load time and the probes' mate ranks are printed, not benchmarked
/// repeatedly (building 100k fingers takes about a minute).
fn bench_one_to_many(c: &mut Criterion) {
    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    let params = IndexParams {
        threads: THREADS,
        ..IndexParams::default()
    };
    for (fingers, per_person) in [(10_000usize, 10usize), (100_000, 10), (200_000, 2)] {
        let start = Instant::now();
        let masters = masters(fingers, per_person);
        let enrolled: Vec<(RecordId, Template)> = masters
            .iter()
            .enumerate()
            .map(|(i, m)| ((i / per_person) as RecordId, capture(m, i, 1)))
            .collect();
        let generated = start.elapsed();
        let start = Instant::now();
        let mut index = Index::new(params);
        index.add_many(&enrolled).expect("room for 200k fingers");
        let build = start.elapsed();
        drop(enrolled);
        let memory = index.memory();
        eprintln!(
            "index of {} fingers: fixtures generated in {:.1} s; built in {:.1} s on {THREADS} \
             threads; {} B/finger ({memory:?}); shortlist {} of {} fingers per position",
            index.len(),
            generated.as_secs_f64(),
            build.as_secs_f64(),
            memory.total() / index.len().max(1),
            index.shortlist_len(masters[0].position),
            index.compatible_fingers(masters[0].position),
        );
        let people = fingers / per_person;
        let probe_of = |person: usize| -> Vec<Template> {
            (person * per_person..(person + 1) * per_person)
                .map(|f| capture(&masters[f], f, 2))
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
            "{per_person}-finger probes with the mate ranked first: {first}/{}; probe fingers \
             with the mate first: {fingers_found}/{}",
            probes.len(),
            probes.len() * per_person
        );
        let name = format!("search {per_person}-finger probe, {fingers} fingers");
        group.bench_function(name, |b| {
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
