//! Writes the reference renderings of the sample documents (PNG at 300 dpi, and PDF) into a
//! folder: `cargo run -p card --example render_faces -- docs/faces`.

use std::path::PathBuf;

use card::face::{self, sample};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "docs/faces".into()),
    );
    std::fs::create_dir_all(&out)?;
    let docs = [
        ("ktp-front", face::ktp_front(&sample::ktp()?)?),
        ("kia-front", face::kia_front(&sample::kia()?)?),
        (
            "kia-front-under-five",
            face::kia_front(&sample::kia_under_five()?)?,
        ),
        ("receipt", face::receipt(&sample::receipt()?)?),
    ];
    for (name, doc) in docs {
        std::fs::write(out.join(format!("{name}.png")), doc.png()?)?;
        if std::env::var_os("WITH_PDF").is_some() {
            std::fs::write(out.join(format!("{name}.pdf")), doc.pdf()?)?;
        }
        println!("{}", out.join(name).display());
    }
    Ok(())
}
