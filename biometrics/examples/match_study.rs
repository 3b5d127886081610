//! Development study of the matcher on an FVC folder (not a benchmark: use `fvc-eval` for
//! figures). Prints the genuine pairs that fail at the EER threshold and the impostors that
//! score highest, with what the matcher saw.
//!
//! `cargo run --release -p biometrics --example match_study -- DIR [--ppi N]
//!  [--oracle IMAGE REF_DIR hits|candidates|reference|recall|demote|recall-demote]`
//!
//! `--oracle` asks how far a better extractor could go on one bad impression (IMAGE, e.g.
//! `109_8`): its template is replaced by only our minutiae that a reference extractor confirms
//! (`hits`: within 10 px / 30° of one of its minutiae, REF_DIR/IMAGE.txt as `minutia_study`
//! reads it), by our candidates before false-minutiae removal that it confirms (`candidates`:
//! what a perfect filter on our skeleton would keep), or by the reference's minutiae
//! (`reference`), or by our template plus the removed candidates it confirms (`recall`: perfect
//! recall on our skeleton with the false minutiae left in), by our template with every
//! unconfirmed minutia rated 1, the lowest (`demote`: a perfect demotion), or both (`recall-demote`). A study bound only; the reference is never part of the extractor.

#[path = "support/reference.rs"]
mod reference;
#[path = "support/trace.rs"]
mod trace;

use biometrics::eval;
use biometrics::matcher::{MatchResult, PreparedTemplate};
use biometrics::{Minutia, Template};
use std::io::Write;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    match run(&mut std::io::stdout().lock()) {
        // Piped into `head`: the reader has all it wanted.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

fn run(out: &mut impl Write) -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let trace::FvcTraces { ids, traces, ppi } =
        trace::fvc_traces(&args, "usage: match_study DIR [--ppi N]")?;
    let mut templates: Vec<Template> = traces.iter().map(|t| t.template.clone()).collect();
    if let Some(i) = args.iter().position(|a| a == "--oracle") {
        let usage = "--oracle IMAGE REF_DIR hits|candidates|reference|recall|demote|recall-demote";
        let (name, refs, mode) = (
            args.get(i + 1).ok_or(usage)?,
            args.get(i + 2).ok_or(usage)?,
            args.get(i + 3).ok_or(usage)?,
        );
        let k = ids
            .iter()
            .position(|id| id.to_string() == *name)
            .ok_or("--oracle: no such image in DIR")?;
        let reference = reference::read(
            &PathBuf::from(refs).join(format!("{name}.txt")),
            500.0 / f32::from(ppi),
        )?;
        let confirmed = |m: &Minutia| {
            reference
                .minutiae
                .iter()
                .any(|r| r.confirms(f32::from(m.x), f32::from(m.y), m.angle))
        };
        let before = templates[k].minutiae.len();
        templates[k].minutiae = match mode.as_str() {
            "hits" => templates[k]
                .minutiae
                .iter()
                .copied()
                .filter(confirmed)
                .collect(),
            "candidates" => traces[k]
                .candidates
                .iter()
                .copied()
                .filter(confirmed)
                .collect(),
            "reference" => reference.to_template(false).minutiae,
            // Perfect recall on the skeleton without better precision (`recall`): our template
            // plus the candidates the rules removed that the reference confirms (quality 0, "not
            // reported", which the matcher counts fully); a perfect demotion instead of a
            // perfect removal (`demote`): every unconfirmed minutia rated 1, the lowest quality
            // (an unpaired one counts 0.44 in the overlap); or both (`recall-demote`).
            "recall" | "demote" | "recall-demote" => {
                let kept = &templates[k].minutiae;
                let demoted = kept
                    .iter()
                    .map(|m| match mode.contains("demote") && !confirmed(m) {
                        true => Minutia { quality: 1, ..*m },
                        false => *m,
                    });
                let removed_confirmed = traces[k].candidates.iter().copied().filter(|c| {
                    mode.contains("recall")
                        && confirmed(c)
                        && !kept
                            .iter()
                            .any(|m| m.x == c.x && m.y == c.y && m.kind == c.kind)
                });
                demoted.chain(removed_confirmed).collect()
            }
            _ => return Err(usage.into()),
        };
        writeln!(
            out,
            "oracle {name} ({mode}): {before} → {} minutiae",
            templates[k].minutiae.len()
        )?;
    }
    let prepared: Vec<PreparedTemplate> = templates.iter().map(PreparedTemplate::new).collect();
    let genuine_pairs = eval::genuine_pairs(&ids);
    let impostor_pairs = eval::impostor_pairs_all(&ids);
    let run = |pairs: &[(usize, usize)]| -> Vec<MatchResult> {
        pairs
            .iter()
            .map(|&(a, b)| prepared[a].compare(&prepared[b]))
            .collect()
    };
    let (genu, imp) = (run(&genuine_pairs), run(&impostor_pairs));
    let gs: Vec<f32> = genu.iter().map(|r| r.score).collect();
    let is: Vec<f32> = imp.iter().map(|r| r.score).collect();
    let rates = eval::error_rates(&gs, &is);
    writeln!(
        out,
        "EER {:.2} FMR100 {:.2} FMR1000 {:.2}",
        rates.eer * 100.0,
        rates.fmr100 * 100.0,
        rates.fmr1000 * 100.0
    )?;
    let thr = eval::threshold_for_fmr(&is, rates.eer);
    writeln!(out, "threshold at FMR≈EER: {thr:.4}")?;
    let describe = |(a, b): (usize, usize), r: &MatchResult| {
        format!(
            "{} vs {}: score {:.4}, minutiae {}/{}, cylinders {}/{}, pairs {}",
            ids[a],
            ids[b],
            r.score,
            templates[a].minutiae.len(),
            templates[b].minutiae.len(),
            prepared[a].len(),
            prepared[b].len(),
            r.pairs.len(),
        )
    };
    writeln!(out, "genuine below threshold:")?;
    let mut low: Vec<usize> = (0..genu.len()).filter(|&i| genu[i].score < thr).collect();
    low.sort_by(|&x, &y| genu[x].score.total_cmp(&genu[y].score));
    for i in low {
        writeln!(out, "  {}", describe(genuine_pairs[i], &genu[i]))?;
    }
    writeln!(out, "top impostors:")?;
    let mut top: Vec<usize> = (0..imp.len()).collect();
    top.sort_by(|&x, &y| imp[y].score.total_cmp(&imp[x].score));
    for &i in top.iter().take(12) {
        writeln!(out, "  {}", describe(impostor_pairs[i], &imp[i]))?;
    }
    Ok(())
}
