//! Our NFIQ 2-style measures next to NIST's own values for NIST's example images.
//! `cargo run -p biometrics --example quality_vs_nfiq2 -- ../shared/data/nfiq2-examples`

use biometrics::FingerImage;
use biometrics::quality::assess;
use std::collections::HashMap;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: quality_vs_nfiq2 DIR")?;
    println!(
        "| image | NFIQ2 / ours score | Mu | MMB | OCL mean | LCS mean | FDA mean | RVU mean | OF mean | minutiae | centre 200×200 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for i in 1..=5 {
        let base = Path::new(&dir).join(format!("SFinGe_Test0{i}"));
        let grey = image::open(base.with_extension("pgm"))?.to_luma8();
        let img = FingerImage::new(grey.width(), grey.height(), 500, grey.into_raw())?;
        let nist: HashMap<String, f32> =
            std::fs::read_to_string(format!("{}_output.txt", base.display()))?
                .lines()
                .filter_map(|l| l.split_once(": "))
                .filter_map(|(k, v)| v.trim().parse().ok().map(|v| (k.to_owned(), v)))
                .collect();
        let r = assess(&img);
        let m = &r.measures;
        let n = |k: &str| nist.get(k).copied().unwrap_or(f32::NAN);
        println!(
            "| Test0{i} | {} / {} | {:.1} / {:.1} | {:.1} / {:.1} | {:.3} / {:.3} | {:.3} / {:.3} | {:.3} / {:.3} | {:.3} / {:.3} | {:.3} / {:.3} | {} / {} | {} / {} |",
            n("UnifiedQualityScore"),
            r.score,
            n("Mu"),
            m.mu,
            n("MMB"),
            m.mmb,
            n("OCL_Bin10_Mean"),
            m.ocl.mean,
            n("LCS_Bin10_Mean"),
            m.lcs.mean,
            n("FDA_Bin10_Mean"),
            m.fda.mean,
            n("RVUP_Bin10_Mean"),
            m.rvu.mean,
            n("OF_Bin10_Mean"),
            m.of.mean,
            n("FingerJetFX_MinutiaeCount"),
            m.minutiae,
            n("FingerJetFX_MinCount_COMMinRect200x200"),
            m.minutiae_centre,
        );
    }
    Ok(())
}
