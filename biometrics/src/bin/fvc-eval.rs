//! `fvc-eval DIR [--ppi N] [--scores FILE] [--no-restore | --restore | --restore-all]`: extracts every `N_M.tif|bmp|png` image of an
//! FVC-style folder, compares all genuine pairs and all impostor pairs with
//! `biometrics::matcher`, and prints the error rates. The last line is one JSON object (for scripts); the lines before it are for
//! people. Genuine: every pair of impressions of one finger. Impostor: every pair of
//! impressions of different fingers (`eer`, `fmr100`, …); `eer_fvc` uses the FVC-official
//! impostor subset (first impressions only). `--scores FILE` also writes every compared pair's
//! score, in the score-file form `fvc-compare` reads (`biometrics::eval::paired`). By default the
//! extractor restores the ridges of refiltered prints with a dry contact
//! (`extract::Restoration`); `--no-restore` never restores (the reading before round 17),
//! `--restore` restores every refiltered print, wet ones too, and `--restore-all` every print
//! (studies).
//!
//! The library stays I/O free: this binary does the reading and decoding.

mod common;

use biometrics::eval::paired::ScoreTable;
use biometrics::eval::{self, FvcId};
use biometrics::extract::{Restoration, extract_with};
use biometrics::matcher::PreparedTemplate;
use biometrics::{FingerImage, FingerPosition, Template};
use common::{emit, json_escape};
use std::path::{Path, PathBuf};
use std::time::Instant;

struct Args {
    dir: PathBuf,
    ppi: u16,
    scores: Option<PathBuf>,
    restoration: Restoration,
}

fn parse_args() -> Result<Args, String> {
    let mut dir = None;
    let mut ppi = 500u16;
    let mut scores = None;
    let mut restoration = Restoration::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--ppi" => {
                let v = args.next().ok_or("--ppi needs a value")?;
                ppi = v.parse().map_err(|_| format!("--ppi: not a number: {v}"))?;
            }
            "--scores" => scores = Some(PathBuf::from(args.next().ok_or("--scores needs a file")?)),
            "--no-restore" => restoration = Restoration::Off,
            "--restore" => restoration = Restoration::Refiltered,
            "--restore-all" => restoration = Restoration::Always,
            "-h" | "--help" => return Err(String::new()),
            _ if dir.is_none() => dir = Some(PathBuf::from(a)),
            _ => return Err(format!("unexpected argument: {a}")),
        }
    }
    Ok(Args {
        dir: dir.ok_or("missing DIR")?,
        ppi,
        scores,
        restoration,
    })
}

fn main() {
    common::main(
        "fvc-eval",
        "fvc-eval DIR [--ppi N] [--scores FILE] [--no-restore | --restore | --restore-all]",
        parse_args,
        run,
    );
}

fn run(args: &Args) -> Result<(), String> {
    let images = load_folder(&args.dir, args.ppi)?;
    let ids: Vec<FvcId> = images.iter().map(|(id, _)| *id).collect();
    let (templates, extract_ms) = extract_all(&images, args.restoration)?;
    let (prepared, prepare_us) = prepare_all(&templates);
    let genuine_pairs = eval::genuine_pairs(&ids);
    let impostor_pairs = eval::impostor_pairs_all(&ids);
    let fvc_pairs = eval::impostor_pairs_fvc(&ids);
    let (genuine, t_gen) = score(&prepared, &genuine_pairs);
    let (impostor, t_imp) = score(&prepared, &impostor_pairs);
    let (impostor_fvc, _) = score(&prepared, &fvc_pairs);
    if let Some(path) = &args.scores {
        let scored =
            (genuine_pairs.iter().zip(&genuine)).chain(impostor_pairs.iter().zip(&impostor));
        write_scores(path, &ids, scored)?;
    }
    let rates = eval::error_rates(&genuine, &impostor);
    let eer_fvc = eval::eer(&genuine, &impostor_fvc);
    let compares = (genuine.len() + impostor.len()).max(1) as f64;
    let compare_us_mean = (t_gen + t_imp) * 1e6 / compares;
    let minutiae_mean = templates.iter().map(|t| t.minutiae.len()).sum::<usize>() as f64
        / templates.len().max(1) as f64;
    let thr100 = eval::threshold_for_fmr(&impostor, 0.01);
    let thr1000 = eval::threshold_for_fmr(&impostor, 0.001);
    let report = [
        format!("set: {}", args.dir.display()),
        format!(
            "images {}, genuine {}, impostor {} (FVC subset {})",
            ids.len(),
            genuine.len(),
            impostor.len(),
            impostor_fvc.len()
        ),
        format!(
            "EER {:.2} %, FMR100 {:.2} %, FMR1000 {:.2} %, ZeroFMR {:.2} %, EER(FVC impostors) {:.2} %",
            rates.eer * 100.0,
            rates.fmr100 * 100.0,
            rates.fmr1000 * 100.0,
            rates.zero_fmr * 100.0,
            eer_fvc * 100.0
        ),
        format!(
            "extract median {:.1} ms, prepare mean {:.1} µs, compare mean {:.1} µs, {:.1} minutiae/template",
            median(&extract_ms),
            prepare_us,
            compare_us_mean,
            minutiae_mean
        ),
        format!(
            "{{\"set\":\"{}\",\"images\":{},\"genuine\":{},\"impostor\":{},\"impostor_fvc\":{},\"eer\":{:.5},\"fmr100\":{:.5},\"fmr1000\":{:.5},\"zero_fmr\":{:.5},\"eer_fvc\":{:.5},\"threshold_fmr100\":{:.4},\"threshold_fmr1000\":{:.4},\"extract_ms_median\":{:.2},\"prepare_us_mean\":{:.1},\"compare_us_mean\":{:.2},\"minutiae_mean\":{:.1}}}",
            json_escape(&args.dir.display().to_string()),
            ids.len(),
            genuine.len(),
            impostor.len(),
            impostor_fvc.len(),
            rates.eer,
            rates.fmr100,
            rates.fmr1000,
            rates.zero_fmr,
            eer_fvc,
            thr100,
            thr1000,
            median(&extract_ms),
            prepare_us,
            compare_us_mean,
            minutiae_mean
        ),
    ];
    emit(&report.join("\n"))
}

fn load_folder(dir: &Path, ppi: u16) -> Result<Vec<(FvcId, FingerImage)>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !matches!(ext.as_str(), "tif" | "tiff" | "bmp" | "png") {
            continue;
        }
        let Some(id) = eval::parse_fvc_name(name) else {
            continue;
        };
        let grey = image::open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .into_luma8();
        let (w, h) = grey.dimensions();
        let img = FingerImage::new(w, h, ppi, grey.into_raw())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        out.push((id, img));
    }
    if out.is_empty() {
        return Err(format!("{}: no N_M.tif|bmp|png images", dir.display()));
    }
    out.sort_by_key(|(id, _)| *id);
    Ok(out)
}

fn extract_all(
    images: &[(FvcId, FingerImage)],
    restoration: Restoration,
) -> Result<(Vec<Template>, Vec<f64>), String> {
    let mut templates = Vec::with_capacity(images.len());
    let mut ms = Vec::with_capacity(images.len());
    for (id, img) in images {
        let start = Instant::now();
        let t = extract_with(img, FingerPosition::Unknown, restoration)
            .map_err(|e| format!("{id}: {e}"))?;
        ms.push(start.elapsed().as_secs_f64() * 1e3);
        templates.push(t);
    }
    Ok((templates, ms))
}

fn prepare_all(templates: &[Template]) -> (Vec<PreparedTemplate>, f64) {
    let start = Instant::now();
    let prepared: Vec<PreparedTemplate> = templates.iter().map(PreparedTemplate::new).collect();
    let us = start.elapsed().as_secs_f64() * 1e6 / templates.len().max(1) as f64;
    (prepared, us)
}

/// Scores of `pairs` and the seconds they took (one thread).
fn score(prepared: &[PreparedTemplate], pairs: &[(usize, usize)]) -> (Vec<f32>, f64) {
    let start = Instant::now();
    let scores = pairs
        .iter()
        .map(|&(a, b)| prepared[a].compare(&prepared[b]).score)
        .collect();
    (scores, start.elapsed().as_secs_f64())
}

/// Writes every scored pair (the FVC impostor subset is part of the all-pairs impostors).
fn write_scores<'a>(
    path: &Path,
    ids: &[FvcId],
    scored: impl Iterator<Item = (&'a (usize, usize), &'a f32)>,
) -> Result<(), String> {
    let rows = scored.map(|(&(a, b), &s)| (ids[a], ids[b], s));
    let table = ScoreTable::from_scores(rows).map_err(|e| e.to_string())?;
    std::fs::write(path, table.to_text()).map_err(|e| format!("{}: {e}", path.display()))
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(0.0)
}
