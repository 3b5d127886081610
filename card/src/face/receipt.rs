//! The *bukti perekaman* receipt (A6, PDF/PNG).
//!
//! The service standards in `seeds/` say when it is issued: after the biometrics are recorded,
//! when the card cannot be printed the same day because the record has not reached the
//! central system yet ("Petugas memberikan bukti perekaman untuk mengambil KTP-el karena data
//! belum dapat dikirim"; "memberikan resi kepada pemohon untuk kembali besok hari"). The
//! applicant brings it back to collect the card, so it carries the registration number as a
//! QR code, who it is for, what was done, where and when to collect, and how to complain.

use std::fmt;

use image::RgbImage;
use qrcode::{Color, EcLevel, QrCode};

use super::fit::TextBox;
use super::fonts::{FontFace, Metrics};
use super::form::{Columns, Form, centered};
use super::images::place_photo;
use super::ktp::text_mark;
use super::model::{Date, Nik, TextField};
use super::page::{BLACK, Mark, Page, RectMm};
use super::{A6_MM, FaceError};

/// How the NIK appears on the receipt. A receipt leaves the office in the applicant's pocket
/// and may be lost, so the default shows only the last four digits; the registration number
/// is what identifies the record at collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NikDisplay {
    #[default]
    Masked,
    Full,
}

/// One way to complain about the service.
#[derive(Debug, Clone)]
pub struct ComplaintChannel {
    pub name: TextField,
    pub how: TextField,
}

/// The complaint channels the service standards in `seeds/` name: the complaints desk in the
/// service room and its published telephone number (seeds 000, 001, 002), the national LAPOR!
/// system (seeds 001, 002), and SMS/website/e-mail/social media channels plus the right to
/// report to the officer's superior (seed 003). Offices replace these with their own numbers.
pub fn standard_complaint_channels() -> Result<Vec<ComplaintChannel>, FaceError> {
    let make = |name: &str, how: &str| -> Result<ComplaintChannel, FaceError> {
        let bad = |_| FaceError::EmptyField { field: "Pengaduan" };
        Ok(ComplaintChannel {
            name: TextField::new(name).map_err(bad)?,
            how: TextField::new(how).map_err(bad)?,
        })
    };
    Ok(vec![
        make(
            "Sekretariat Pengaduan",
            "datang langsung atau telepon ke nomor yang diumumkan di ruang pelayanan",
        )?,
        make("LAPOR!", "www.lapor.go.id atau aplikasi LAPOR! (SP4N)")?,
        make(
            "SMS / website / e-mail / media sosial",
            "kanal pengaduan resmi Dinas Kependudukan dan Pencatatan Sipil",
        )?,
        make(
            "Atasan petugas",
            "laporkan langsung kepada pimpinan petugas pelayanan",
        )?,
    ])
}

/// A registration number: 6–40 characters of A–Z, 0–9 and '-', as printed and QR-encoded.
#[derive(Clone, PartialEq, Eq)]
pub struct RegistrationNo(String);

impl RegistrationNo {
    pub fn parse(s: &str) -> Result<Self, FaceError> {
        let s = s.trim();
        let ok = (6..=40).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(FaceError::BadRegistrationNo(s.chars().take(48).collect()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RegistrationNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegistrationNo({})", self.0)
    }
}

#[derive(Clone)]
pub struct Receipt {
    pub registration_no: RegistrationNo,
    /// The issuing office, e.g. "Dinas Kependudukan dan Pencatatan Sipil Kota Bandung".
    pub office: TextField,
    pub name: TextField,
    pub nik: Nik,
    pub nik_display: NikDisplay,
    /// The service, e.g. "Perekaman KTP-el baru".
    pub service: TextField,
    pub recorded_at: TextField,
    pub recorded_on: Date,
    pub collect_at: TextField,
    pub collect_from: Date,
    pub collect_hours: TextField,
    pub complaint_channels: Vec<ComplaintChannel>,
    pub photo: RgbImage,
}

impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receipt")
            .field("registration_no", &self.registration_no)
            .field("nik", &self.nik)
            .finish_non_exhaustive()
    }
}

const MARGIN: f32 = 6.0;
const PHOTO: RectMm = RectMm::new(MARGIN, 24.0, 24.0, 30.0);
const QR_SIZE: f32 = 30.0;
const BOTTOM: f32 = 143.5;

const COLS: Columns = Columns {
    label_x: MARGIN,
    indent_x: MARGIN + 2.0,
    colon_x: 37.0,
    value_x: 38.8,
    value_right: A6_MM.0 - MARGIN,
    label_pt: 7.0,
    value_pt: 7.5,
    min_value_pt: 6.0,
    row_step: 4.3,
    wrap_step: 3.2,
};

/// Lays out the receipt.
pub fn layout(r: &Receipt) -> Result<Page, FaceError> {
    if r.collect_from < r.recorded_on {
        return Err(FaceError::CollectBeforeRecording {
            collect: r.collect_from,
            recorded: r.recorded_on,
        });
    }
    let mut page = Page::new(A6_MM);
    header(&mut page, r)?;
    photo_and_qr(&mut page, r)?;
    let y = details(&mut page, r)?;
    let y = collection(&mut page, r, y)?;
    let y = complaints(&mut page, r, y)?;
    footer(&mut page, y)?;
    Ok(page)
}

fn header(page: &mut Page, r: &Receipt) -> Result<(), FaceError> {
    let bold = Metrics::new(FontFace::Bold)?;
    let regular = Metrics::new(FontFace::Regular)?;
    page.push(Mark::Fill {
        rect: RectMm::new(0.0, 0.0, A6_MM.0, 20.5),
        color: [214, 232, 246],
    });
    let center = A6_MM.0 / 2.0;
    let title = TextBox {
        width_mm: A6_MM.0 - 2.0 * MARGIN,
        size_pt: 12.0,
        min_size_pt: 12.0,
        max_lines: 1,
    };
    centered(
        page,
        &bold,
        FontFace::Bold,
        "Judul",
        "BUKTI PEREKAMAN KTP-el",
        center,
        8.0,
        4.0,
        title,
    )?;
    let office = TextBox {
        size_pt: 7.0,
        min_size_pt: 6.0,
        max_lines: 2,
        ..title
    };
    centered(
        page,
        &regular,
        FontFace::Regular,
        "Kantor",
        &r.office.as_str().to_uppercase(),
        center,
        13.0,
        3.0,
        office,
    )?;
    rule(page, 20.5);
    Ok(())
}

fn rule(page: &mut Page, y: f32) {
    page.push(Mark::Fill {
        rect: RectMm::new(MARGIN, y, A6_MM.0 - 2.0 * MARGIN, 0.3),
        color: BLACK,
    });
}

fn photo_and_qr(page: &mut Page, r: &Receipt) -> Result<(), FaceError> {
    page.push(Mark::Picture {
        rect: PHOTO,
        pixels: place_photo(&r.photo, PHOTO, [255, 255, 255])?,
    });
    let qr_x = A6_MM.0 - MARGIN - QR_SIZE;
    qr_marks(
        page,
        r.registration_no.as_str(),
        RectMm::new(qr_x, 22.0, QR_SIZE, QR_SIZE),
    )?;
    // Between photo and QR: what this paper is, in both languages.
    let regular = Metrics::new(FontFace::Regular)?;
    let bold = Metrics::new(FontFace::Bold)?;
    let mid = (PHOTO.x + PHOTO.w + qr_x) / 2.0;
    let bx = TextBox {
        width_mm: qr_x - (PHOTO.x + PHOTO.w) - 3.0,
        size_pt: 6.5,
        min_size_pt: 5.5,
        max_lines: 3,
    };
    let y = centered(
        page,
        &bold,
        FontFace::Bold,
        "Nomor Registrasi",
        "NOMOR REGISTRASI",
        mid,
        29.0,
        3.0,
        bx,
    )?;
    let y = centered(
        page,
        &bold,
        FontFace::Bold,
        "Nomor Registrasi",
        r.registration_no.as_str(),
        mid,
        y + 0.5,
        3.0,
        TextBox { size_pt: 8.0, ..bx },
    )?;
    centered(
        page,
        &regular,
        FontFace::Regular,
        "Keterangan",
        "Tunjukkan kode ini saat mengambil KTP-el / Show this code to collect the card",
        mid,
        y + 2.0,
        2.6,
        TextBox { max_lines: 4, ..bx },
    )?;
    Ok(())
}

/// The registration number as a QR code (ISO/IEC 18004, level M), one filled rectangle per run
/// of dark modules, inside a 4-module quiet zone.
fn qr_marks(page: &mut Page, data: &str, rect: RectMm) -> Result<(), FaceError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| FaceError::Encode(format!("QR: {e}")))?;
    let n = code.width();
    let module = rect.w / (n + 8) as f32;
    let colors = code.to_colors();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors[row * n + col] != Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && colors[row * n + col] == Color::Dark {
                col += 1;
            }
            page.push(Mark::Fill {
                rect: RectMm::new(
                    rect.x + (start + 4) as f32 * module,
                    rect.y + (row + 4) as f32 * module,
                    (col - start) as f32 * module,
                    module,
                ),
                color: BLACK,
            });
        }
    }
    Ok(())
}

fn details(page: &mut Page, r: &Receipt) -> Result<f32, FaceError> {
    let mut form = Form::new(page, COLS, 61.0, BOTTOM)?;
    let nik = match r.nik_display {
        NikDisplay::Masked => r.nik.masked(),
        NikDisplay::Full => r.nik.digits().to_owned(),
    };
    form.row("Nama", &r.name.upper(), 2)?;
    form.row("NIK", &nik, 1)?;
    form.row("Layanan", r.service.as_str(), 2)?;
    form.row("Tanggal Perekaman", &r.recorded_on.to_string(), 1)?;
    form.row("Tempat Perekaman", r.recorded_at.as_str(), 2)?;
    Ok(form.y)
}

fn section(page: &mut Page, y: f32, title: &str) -> f32 {
    rule(page, y - 2.2);
    page.push(text_mark(MARGIN, y + 1.6, 7.5, FontFace::Bold, title));
    y + 6.0
}

fn collection(page: &mut Page, r: &Receipt, y: f32) -> Result<f32, FaceError> {
    let y = section(page, y, "PENGAMBILAN KTP-el / CARD COLLECTION");
    let mut form = Form::new(page, COLS, y, BOTTOM)?;
    form.row("Tempat", r.collect_at.as_str(), 2)?;
    form.row("Mulai Tanggal", &r.collect_from.to_string(), 1)?;
    form.row("Jam Layanan", r.collect_hours.as_str(), 1)?;
    Ok(form.y)
}

fn complaints(page: &mut Page, r: &Receipt, y: f32) -> Result<f32, FaceError> {
    let mut y = section(page, y, "PENGADUAN / COMPLAINTS");
    let regular = Metrics::new(FontFace::Regular)?;
    let width = A6_MM.0 - 2.0 * MARGIN - 3.0;
    for ch in &r.complaint_channels {
        let line = format!("{}: {}", ch.name.as_str(), ch.how.as_str());
        let bx = TextBox {
            width_mm: width,
            size_pt: 6.5,
            min_size_pt: 5.5,
            max_lines: 3,
        };
        let fitted = super::fit::fit("Pengaduan", &line, bx, &regular)?;
        page.push(text_mark(MARGIN, y, fitted.size_pt, FontFace::Regular, "•"));
        for l in &fitted.lines {
            if y > BOTTOM {
                return Err(FaceError::PageOverflow {
                    needed_mm: y,
                    available_mm: BOTTOM,
                });
            }
            page.push(text_mark(
                MARGIN + 3.0,
                y,
                fitted.size_pt,
                FontFace::Regular,
                l,
            ));
            y += 2.9;
        }
        y += 0.8;
    }
    Ok(y + 1.0)
}

fn footer(page: &mut Page, y: f32) -> Result<(), FaceError> {
    let regular = Metrics::new(FontFace::Regular)?;
    rule(page, y - 1.5);
    let bx = TextBox {
        width_mm: A6_MM.0 - 2.0 * MARGIN,
        size_pt: 6.0,
        min_size_pt: 5.5,
        max_lines: 3,
    };
    let end = centered(
        page,
        &regular,
        FontFace::Regular,
        "Catatan",
        "Simpan bukti ini dan bawa saat mengambil KTP-el. Layanan tidak dipungut biaya. / Keep this receipt and bring it to collect the card. The service is free of charge.",
        A6_MM.0 / 2.0,
        y + 2.0,
        2.7,
        bx,
    )?;
    if end - 2.7 > BOTTOM + 2.0 {
        return Err(FaceError::PageOverflow {
            needed_mm: end,
            available_mm: BOTTOM,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::sample;

    fn text_of(r: &Receipt) -> String {
        layout(r).unwrap().text_lines().join("\n")
    }

    #[test]
    fn receipt_masks_the_nik_unless_asked_and_names_the_complaint_channels() {
        let mut r = sample::receipt().unwrap();
        let masked = text_of(&r);
        assert!(masked.contains("************0003") && !masked.contains("3273015708900003"));
        assert!(masked.contains("LAPOR!") && masked.contains("Sekretariat Pengaduan"));
        assert!(masked.contains("REG-3273-20261126-000123"));
        r.nik_display = NikDisplay::Full;
        assert!(text_of(&r).contains("3273015708900003"));
    }

    #[test]
    fn qr_code_is_drawn_as_dark_modules() {
        let page = layout(&sample::receipt().unwrap()).unwrap();
        let black_fills = page
            .marks
            .iter()
            .filter(|m| matches!(m, Mark::Fill { color, rect } if *color == BLACK && rect.h < 1.5))
            .count();
        // A version-2+ QR code has well over 100 runs of dark modules.
        assert!(black_fills > 100, "{black_fills}");
    }

    #[test]
    fn bad_receipts_are_refused_with_reasons() {
        assert!(matches!(
            RegistrationNo::parse("reg 1"),
            Err(FaceError::BadRegistrationNo(_))
        ));
        let mut r = sample::receipt().unwrap();
        r.collect_from = Date::new(2026, 11, 25).unwrap();
        assert!(matches!(
            layout(&r),
            Err(FaceError::CollectBeforeRecording { .. })
        ));
    }
}
