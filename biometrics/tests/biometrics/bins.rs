//! The evaluation binaries as a user runs them.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Two score files over the same pairs of 3 fingers × 2 impressions: A separates every pair,
/// B scores finger 2's genuine pair like an impostor.
fn score_files(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("rekam-bins-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ids: Vec<(u32, u32)> = (1..=3).flat_map(|f| [(f, 1), (f, 2)]).collect();
    let (mut a, mut b) = (String::new(), String::new());
    for (i, &(f1, m1)) in ids.iter().enumerate() {
        for &(f2, m2) in &ids[i + 1..] {
            let genuine = f1 == f2;
            let score_a = if genuine { 0.9 } else { 0.1 };
            let score_b = if genuine && f1 != 2 { 0.9 } else { 0.1 };
            a += &format!("{f1}_{m1} {f2}_{m2} {score_a}\n");
            b += &format!("{f1}_{m1} {f2}_{m2} {score_b}\n");
        }
    }
    let (path_a, path_b) = (dir.join("a.scores"), dir.join("b.scores"));
    std::fs::write(&path_a, a).unwrap();
    std::fs::write(&path_b, b).unwrap();
    (dir, path_a, path_b)
}

fn fvc_compare(a: &PathBuf, b: &PathBuf, stdout: Stdio) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fvc-compare"))
        .args([a, b])
        .args(["--rounds", "50"])
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
        .wait_with_output()
        .unwrap()
}

#[test]
fn fvc_compare_prints_the_paired_bootstrap_as_its_last_line() {
    let (dir, a, b) = score_files("json");
    let out = fvc_compare(&a, &b, Stdio::piped());
    std::fs::remove_dir_all(dir).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with('{') && last.ends_with('}'), "{last}");
    assert!(last.contains("\"eer_a\":0.00000"), "{last}");
    assert!(!last.contains("\"eer_b\":0.00000,\"eer_a_90\""), "{last}");
    assert!(last.contains("\"a_higher\":0.0000"), "{last}");
    assert!(
        stdout.contains("without finger 2: A 0.00 %, B 0.00 %"),
        "{stdout}"
    );
}

/// `fvc-compare … | head -1` must not end in a panic: the reader went away, nothing failed.
#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let (dir, a, b) = score_files("pipe");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = fvc_compare(&a, &b, writer.into());
    std::fs::remove_dir_all(dir).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
