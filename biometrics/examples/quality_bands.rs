//! Does our quality score predict matching? For one FVC-style folder: assess and extract every
//! image, compare all genuine pairs and all impostor pairs, and print the genuine scores by
//! quality band (pair quality = the worse image's score; bands of equal size), with FNMR at the
//! FMR 1/1000 threshold read off the impostor scores.
//!
//! `cargo run -p biometrics --example quality_bands -- DIR [--ppi N] [--bands K] [--csv FILE]`
//! `--csv` writes one line per image with every measure, and `FILE.pairs.csv` the genuine scores
//! by image index (for fitting the score mapping).

use biometrics::FingerPosition;
use biometrics::eval::{self, FvcId};
use biometrics::matcher::PreparedTemplate;
use biometrics::quality::bands::{self, GenuinePair};
use biometrics::quality::{QualityReport, assess_and_extract};
use fixtures::fvc::FvcImage;
use std::io::Write;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut ppi, mut n_bands, mut csv) = (None, 500u16, 4usize, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--ppi" => ppi = args.next().ok_or("--ppi N")?.parse()?,
            "--bands" => n_bands = args.next().ok_or("--bands K")?.parse()?,
            "--csv" => csv = Some(PathBuf::from(args.next().ok_or("--csv FILE")?)),
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let dir = dir.ok_or("usage: quality_bands DIR [--ppi N] [--bands K] [--csv FILE]")?;

    let set = fixtures::fvc::load_dir(&dir, ppi)?;
    let images = &set.images;
    let ids: Vec<FvcId> = set.ids();
    let mut reports = Vec::new();
    let mut prepared = Vec::new();
    for img in images {
        let (report, template) = assess_and_extract(&img.image, FingerPosition::Unknown);
        prepared.push(template.ok().map(|t| PreparedTemplate::new(&t)));
        reports.push(report);
    }
    let compare = |a: usize, b: usize| match (&prepared[a], &prepared[b]) {
        (Some(x), Some(y)) => x.compare(y).score,
        _ => 0.0,
    };
    let impostor: Vec<f32> = eval::impostor_pairs_all(&ids)
        .into_iter()
        .map(|(a, b)| compare(a, b))
        .collect();
    let threshold = eval::threshold_for_fmr(&impostor, 0.001);
    let genuine: Vec<GenuinePair> = eval::genuine_pairs(&ids)
        .into_iter()
        .map(|(a, b)| GenuinePair {
            quality: (reports[a].score, reports[b].score),
            score: compare(a, b),
        })
        .collect();

    let scores: Vec<u8> = reports.iter().map(|r| r.score).collect();
    println!(
        "set {}: {} images, quality min {} / median {} / max {}; {} genuine, {} impostor pairs; FMR1000 threshold {threshold:.4}",
        dir.display(),
        images.len(),
        scores.iter().min().unwrap_or(&0),
        median(&scores),
        scores.iter().max().unwrap_or(&0),
        genuine.len(),
        impostor.len()
    );
    println!(
        "Spearman ρ(pair quality, genuine score) = {:.3}",
        bands::rank_correlation(&genuine)
    );
    println!("| band | pair quality | pairs | mean genuine score | median | FNMR @ FMR1000 |");
    println!("|---|---|---:|---:|---:|---:|");
    for (i, b) in bands::by_quantile(&genuine, n_bands, threshold)
        .iter()
        .enumerate()
    {
        println!(
            "| {} | {}–{} | {} | {:.3} | {:.3} | {:.1} % |",
            i + 1,
            b.quality.0,
            b.quality.1,
            b.pairs,
            b.mean_score,
            b.median_score,
            100.0 * b.fnmr
        );
    }
    if let Some(path) = csv {
        write_csv(&path, images, &reports)?;
        let mut f = std::fs::File::create(path.with_extension("pairs.csv"))?;
        writeln!(f, "a,b,score")?;
        for ((a, b), p) in eval::genuine_pairs(&ids).into_iter().zip(&genuine) {
            writeln!(f, "{a},{b},{}", p.score)?;
        }
    }
    Ok(())
}

fn median(v: &[u8]) -> u8 {
    let mut s = v.to_vec();
    s.sort_unstable();
    s.get(s.len() / 2).copied().unwrap_or(0)
}

fn write_csv(
    path: &PathBuf,
    images: &[FvcImage],
    reports: &[QualityReport],
) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    writeln!(
        f,
        "finger,impression,score,mu,mmb,roi_mean,roi_std,foreground_px,ocl,lcs,fda,rvu,rvu_std,of,minutiae,minutiae_centre"
    )?;
    for (img, r) in images.iter().zip(reports) {
        let id = img.id;
        let m = &r.measures;
        writeln!(
            f,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            id.finger,
            id.impression,
            r.score,
            m.mu,
            m.mmb,
            m.roi_mean,
            m.roi_std,
            m.foreground_px,
            m.ocl.mean,
            m.lcs.mean,
            m.fda.mean,
            m.rvu.mean,
            m.rvu.std,
            m.of.mean,
            m.minutiae,
            m.minutiae_centre
        )?;
    }
    Ok(())
}
