//! `fvc-compare A.scores B.scores [--rounds N] [--seed S]`: is engine A's EER lower than engine
//! B's on the same set, beyond what one finger decides? Reads two score files over the same
//! pairs (`fvc-eval --scores`, or the peer harnesses' `--scores` in `benches/peers/`) and runs
//! the paired subsets bootstrap of `biometrics::eval::paired`: the fingers drawn again with
//! replacement `N` times (default 2000), both engines scored on each draw; then each finger left
//! out in turn. The last line is one JSON object; the lines before it are for people.

mod common;

use biometrics::eval::paired::{Interval, PairedEer, ScoreTable, paired_eer};
use common::{emit, json_escape};
use std::path::{Path, PathBuf};

struct Args {
    a: PathBuf,
    b: PathBuf,
    rounds: u32,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut files = Vec::new();
    let (mut rounds, mut seed) = (2000u32, 1u64);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rounds" => {
                let v = args.next().ok_or("--rounds needs a value")?;
                rounds = v
                    .parse()
                    .map_err(|_| format!("--rounds: not a number: {v}"))?;
            }
            "--seed" => {
                let v = args.next().ok_or("--seed needs a value")?;
                seed = v
                    .parse()
                    .map_err(|_| format!("--seed: not a number: {v}"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            _ => files.push(PathBuf::from(a)),
        }
    }
    if rounds == 0 {
        return Err("--rounds must be at least 1".into());
    }
    let [a, b]: [PathBuf; 2] = files
        .try_into()
        .map_err(|_| "expected two score files".to_string())?;
    Ok(Args { a, b, rounds, seed })
}

fn main() {
    common::main(
        "fvc-compare",
        "fvc-compare A.scores B.scores [--rounds N] [--seed S]",
        parse_args,
        run,
    );
}

fn run(args: &Args) -> Result<(), String> {
    let a = read_table(&args.a)?;
    let b = read_table(&args.b)?;
    let p = paired_eer(&a, &b, args.rounds, args.seed).map_err(|e| e.to_string())?;
    emit(&format!("{}\n{}", for_people(args, &p), json(args, &p)))
}

fn read_table(path: &Path) -> Result<ScoreTable, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    ScoreTable::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn for_people(args: &Args, p: &PairedEer) -> String {
    let pct = |x: f64| format!("{:.2} %", 100.0 * x);
    let span = |i: Interval| format!("[{}, {}]", pct(i.low), pct(i.high));
    let mut lines = vec![
        format!("A: {}\nB: {}", args.a.display(), args.b.display()),
        format!(
            "EER A {} (90 % {}), B {} (90 % {})",
            pct(p.eer_a),
            span(p.interval_a),
            pct(p.eer_b),
            span(p.interval_b)
        ),
        format!(
            "EER A − B: 90 % {}; over {} resamples of the fingers A is lower in {:.1} %, tied in {:.1} %, higher in {:.1} %",
            span(p.difference),
            p.rounds,
            100.0 * p.a_lower,
            100.0 * p.tied,
            100.0 * p.a_higher
        ),
    ];
    for w in &p.without_each_finger {
        lines.push(format!(
            "without finger {}: A {}, B {}",
            w.finger,
            pct(w.eer_a),
            pct(w.eer_b)
        ));
    }
    lines.join("\n")
}

fn json(args: &Args, p: &PairedEer) -> String {
    let span = |i: Interval| format!("[{:.5},{:.5}]", i.low, i.high);
    let without: Vec<String> = p
        .without_each_finger
        .iter()
        .map(|w| {
            format!(
                "{{\"finger\":{},\"eer_a\":{:.5},\"eer_b\":{:.5}}}",
                w.finger, w.eer_a, w.eer_b
            )
        })
        .collect();
    format!(
        "{{\"a\":\"{}\",\"b\":\"{}\",\"eer_a\":{:.5},\"eer_b\":{:.5},\"eer_a_90\":{},\"eer_b_90\":{},\"difference_90\":{},\"a_lower\":{:.4},\"tied\":{:.4},\"a_higher\":{:.4},\"rounds\":{},\"seed\":{},\"without_finger\":[{}]}}",
        json_escape(&args.a.display().to_string()),
        json_escape(&args.b.display().to_string()),
        p.eer_a,
        p.eer_b,
        span(p.interval_a),
        span(p.interval_b),
        span(p.difference),
        p.a_lower,
        p.tied,
        p.a_higher,
        p.rounds,
        args.seed,
        without.join(",")
    )
}
