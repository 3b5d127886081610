//! What the study examples read off an extraction trace, and the traces of a whole FVC folder.
// Each example uses part of this module.
#![allow(dead_code)]

use biometrics::FingerPosition;
use biometrics::eval::FvcId;
use biometrics::extract::{BLOCK, ExtractTrace, extract_traced};
use std::path::PathBuf;

/// Every image of an FVC folder, extracted once.
pub struct FvcTraces {
    pub ids: Vec<FvcId>,
    pub traces: Vec<ExtractTrace>,
    /// The images' resolution as given on the command line (500 unless `--ppi`).
    pub ppi: u16,
}

/// Reads `DIR [--ppi N]` from the command line (`args[1..]`; `usage` is the error when DIR is
/// missing) and extracts every image of that FVC folder once, keeping each trace.
pub fn fvc_traces(
    args: &[String],
    usage: &'static str,
) -> Result<FvcTraces, Box<dyn std::error::Error>> {
    let dir = PathBuf::from(args.get(1).ok_or(usage)?);
    let ppi: u16 = match args.get(2).map(String::as_str) {
        Some("--ppi") => args.get(3).ok_or("--ppi N")?.parse()?,
        _ => 500,
    };
    let set = fixtures::fvc::load_dir(&dir, ppi)?;
    let traces = set
        .images
        .iter()
        .map(|i| extract_traced(&i.image, FingerPosition::Unknown))
        .collect::<Result<_, _>>()?;
    Ok(FvcTraces {
        ids: set.ids(),
        traces,
        ppi,
    })
}

/// Median absolute Gabor response over the foreground: the scale against which a minutia's
/// local ridge amplitude is judged (1 when there is no foreground).
pub fn median_foreground_amp(t: &ExtractTrace) -> f32 {
    let mut v: Vec<f32> = t
        .enhanced
        .indexed_iter()
        .filter(|((y, x), _)| t.mask[[y / BLOCK, x / BLOCK]])
        .map(|(_, e)| e.abs())
        .collect();
    if v.is_empty() {
        return 1.0;
    }
    let mid = v.len() / 2;
    *v.select_nth_unstable_by(mid, f32::total_cmp).1
}
