//! # Card faces and the receipt
//!
//! A document (KTP-el front, KIA front, *bukti perekaman* receipt) is first laid out into a
//! [`Page`]: a list of [`Mark`]s placed in millimetres. The page is then drawn twice from that
//! same list: rasterised at 300 dpi to PNG ([`raster`]) and written as a PDF page of the exact
//! physical size with an embedded font subset ([`pdf`]). Because both come from one display
//! list, the printed PDF and the PNG preview the technician approves cannot drift apart.
//!
//! ```text
//! holder data ─► normalise text ─► fit each field (shrink, then wrap, else error) ─► Page
//!                                                               Page ─► PNG (300 dpi)
//!                                                               Page ─► PDF (CR-80 / A6)
//! ```
//!
//! Anything that cannot be placed without clipping is a [`FaceError`] the technician sees
//! before printing, in Bahasa Indonesia and English.

pub mod fit;
pub mod fonts;
pub mod form;
pub mod images;
pub mod kia;
pub mod ktp;
pub mod model;
pub mod page;
pub mod pdf;
pub mod raster;
pub mod receipt;
pub mod sample;

use thiserror::Error;

pub use model::{
    BloodType, Citizenship, Date, IdentityError, MaritalStatus, Nik, Religion, Sex, TextField,
};
pub use page::{Mark, Page};

/// Dots per inch of every raster this module produces (card printers print at 300 dpi).
pub const DPI: f32 = 300.0;

/// ISO/IEC 7810 ID-1 (CR-80) card size in millimetres.
pub const CR80_MM: (f32, f32) = (85.60, 53.98);

/// A6 receipt size in millimetres (ISO 216).
pub const A6_MM: (f32, f32) = (105.0, 148.0);

/// Why a card face or receipt cannot be produced. Each message is Bahasa Indonesia first, then
/// English, because the technician reads it at the station.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum FaceError {
    #[error(
        "Isian '{field}' terlalu panjang untuk kartu (perlu {needed} baris, maksimal {max}); \
         singkat sesuai aturan penyingkatan / Field '{field}' is too long for the card \
         (needs {needed} lines, at most {max}); abbreviate it"
    )]
    FieldTooLong {
        field: &'static str,
        needed: usize,
        max: usize,
    },
    #[error(
        "Kata '{word}' pada isian '{field}' lebih lebar dari kotaknya bahkan pada ukuran huruf \
         terkecil / The word '{word}' in field '{field}' is wider than its box even at the \
         smallest type size"
    )]
    WordTooWide { field: &'static str, word: String },
    #[error(
        "Isian '{field}' memuat karakter yang tidak dapat dicetak: {ch:?} (U+{code:04X}) / \
         Field '{field}' contains a character the card font cannot print: {ch:?} (U+{code:04X})"
    )]
    UnsupportedCharacter {
        field: &'static str,
        ch: char,
        code: u32,
    },
    #[error("Isian '{field}' wajib diisi / Field '{field}' must not be empty")]
    EmptyField { field: &'static str },
    #[error(
        "Isi kartu melebihi tinggi kartu ({needed_mm:.1} mm dari {available_mm:.1} mm); \
         singkat alamat atau nama / The card content is taller than the card \
         ({needed_mm:.1} mm of {available_mm:.1} mm); abbreviate the address or name"
    )]
    PageOverflow { needed_mm: f32, available_mm: f32 },
    #[error(
        "Foto wajib untuk KIA anak usia 5–17 tahun (umur {age} tahun) / A photo is required on \
         a KIA for a child aged 5–17 (age {age})"
    )]
    KiaPhotoRequired { age: u32 },
    #[error(
        "KIA anak di bawah 5 tahun dicetak tanpa foto (umur {age} tahun) / A KIA for a child \
         under 5 is printed without a photo (age {age})"
    )]
    KiaPhotoNotAllowed { age: u32 },
    #[error(
        "KIA hanya untuk anak di bawah 17 tahun (umur {age} tahun); terbitkan KTP-el / A KIA is \
         only for children under 17 (age {age}); issue a KTP-el"
    )]
    KiaTooOld { age: u32 },
    #[error(
        "Tanggal terbit {issued} sebelum tanggal lahir {born} / Issue date {issued} is before \
         the birth date {born}"
    )]
    IssuedBeforeBirth { issued: Date, born: Date },
    #[error(
        "Tanggal pengambilan {collect} sebelum tanggal perekaman {recorded} / Collection date \
         {collect} is before the recording date {recorded}"
    )]
    CollectBeforeRecording { collect: Date, recorded: Date },
    #[error(
        "Nomor registrasi tidak sah (6–40 huruf besar, angka, '-') / Invalid registration \
         number (6–40 capital letters, digits, '-'): {0}"
    )]
    BadRegistrationNo(String),
    #[error("Gambar {what} kosong atau rusak / The {what} image is empty or damaged: {detail}")]
    BadImage { what: &'static str, detail: String },
    #[error("Huruf bawaan tidak dapat dibaca / The built-in font cannot be read: {0}")]
    Font(String),
    #[error("Gagal menyimpan gambar / Could not encode the image: {0}")]
    Encode(String),
}

/// A laid-out document, ready to preview (PNG) or print (PDF).
#[derive(Debug)]
pub struct Document {
    pub page: Page,
    /// Document title written into the PDF (no personal data: the kind of document).
    pub title: &'static str,
}

impl Document {
    /// The page at 300 dpi as PNG bytes.
    pub fn png(&self) -> Result<Vec<u8>, FaceError> {
        raster::render_png(&self.page)
    }

    /// The page as a PDF of its exact physical size.
    pub fn pdf(&self) -> Result<Vec<u8>, FaceError> {
        pdf::write_pdf(&self.page, self.title)
    }
}

/// Lays out a KTP-el front: fit every field or say which one does not fit.
pub fn ktp_front(card: &ktp::KtpCard) -> Result<Document, FaceError> {
    Ok(Document {
        page: ktp::layout(card)?,
        title: "KTP-el",
    })
}

/// Lays out a KIA front (photo only for ages 5–17).
pub fn kia_front(card: &kia::KiaCard) -> Result<Document, FaceError> {
    Ok(Document {
        page: kia::layout(card)?,
        title: "KIA",
    })
}

/// Lays out the bukti perekaman receipt (A6).
pub fn receipt(r: &receipt::Receipt) -> Result<Document, FaceError> {
    Ok(Document {
        page: receipt::layout(r)?,
        title: "Bukti Perekaman",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_png_is_cr80_at_300_dpi_and_pdf_page_is_exact() {
        let doc = ktp_front(&sample::ktp().unwrap()).unwrap();
        let png = image::load_from_memory(&doc.png().unwrap()).unwrap();
        assert_eq!((png.width(), png.height()), (1011, 638));
        let pdf = doc.pdf().unwrap();
        let text = String::from_utf8_lossy(&pdf);
        // 85.60 mm = 242.6457 pt, 53.98 mm = 153.0142 pt.
        let media = text
            .split("/MediaBox [")
            .nth(1)
            .and_then(|r| r.split(']').next())
            .unwrap();
        let v: Vec<f64> = media.split(' ').map(|n| n.parse().unwrap()).collect();
        assert_eq!(&v[..2], &[0.0, 0.0]);
        assert!((v[2] - 85.60 / 25.4 * 72.0).abs() < 1e-3, "{media}");
        assert!((v[3] - 53.98 / 25.4 * 72.0).abs() < 1e-3, "{media}");
        assert!(text.contains("/FontFile2") && text.contains("/ToUnicode"));
    }

    #[test]
    fn odd_holder_text_is_printed_or_refused_never_clipped() {
        let base = sample::ktp().unwrap();
        let long_word = "A".repeat(300);
        let many_words = "KATA ".repeat(60);
        let with_name = |name: &str| {
            let mut card = base.clone();
            card.name = TextField::new(name).unwrap();
            ktp_front(&card)
        };
        for ok in ["O'NEIL D'ALMEIDA", "Jose\u{301} Ñoño Łukasz Đặng Nur’aini"] {
            let doc = with_name(ok).unwrap();
            let upper = TextField::new(ok).unwrap().upper();
            assert!(doc.page.text_lines().contains(&upper.as_str()), "{upper}");
        }
        // Right-to-left scripts would come out reversed without shaping: refused, not garbled.
        for (bad, ch) in [("\u{5d0}\u{5d1}", '\u{5d0}'), ("SITI 🙂", '🙂')] {
            assert!(matches!(
                with_name(bad),
                Err(FaceError::UnsupportedCharacter { field: "Nama", ch: c, .. }) if c == ch
            ));
        }
        assert!(matches!(
            with_name(&long_word),
            Err(FaceError::WordTooWide { .. })
        ));
        let err = with_name(&many_words).unwrap_err();
        assert!(
            matches!(err, FaceError::FieldTooLong { field: "Nama", .. }),
            "{err}"
        );
        assert!(err.to_string().contains(" / "), "bilingual: {err}");
    }
}
