//! Extracts every image of a folder and writes one ISO/IEC 19794-2:2005 record per image, plus a
//! CSV line (name, minutiae, quality) on stdout. Used by `benches/peers/mindtct.py` to compare
//! minutiae counts with mindtct and to check that NBIS reads our records.
//!
//! `cargo run --release -p biometrics --example extract_set -- DIR PPI OUTDIR`

use biometrics::codec::iso19794_2;
use biometrics::extract::extract;
use biometrics::{FingerImage, FingerPosition};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, ppi, out] = args.as_slice() else {
        return Err("usage: extract_set DIR PPI OUTDIR".into());
    };
    let ppi: u16 = ppi.parse()?;
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "tif" || e == "pgm" || e == "png")
        })
        .collect();
    paths.sort();
    println!("name,minutiae,quality");
    for path in paths {
        let grey = image::open(&path)?.to_luma8();
        let img = FingerImage::new(grey.width(), grey.height(), ppi, grey.into_raw())?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match extract(&img, FingerPosition::Unknown) {
            Ok(t) => {
                std::fs::write(
                    out.join(format!("{name}.iso")),
                    iso19794_2::encode_template(&t)?,
                )?;
                println!("{name},{},{}", t.minutiae.len(), t.quality);
            }
            Err(e) => println!("{name},error,{e}"),
        }
    }
    Ok(())
}
