//! Deterministic sample documents: a synthetic portrait and signature (drawn, not of anyone)
//! and sample holders. Tests, the benchmark and the reference renderings in `docs/` use them.

use image::{GrayImage, Luma, Rgb, RgbImage};

use super::FaceError;
use super::kia::KiaCard;
use super::ktp::{KtpCard, Region, RegionKind};
use super::model::{BloodType, Citizenship, Date, MaritalStatus, Nik, Religion, Sex, TextField};
use super::receipt::{NikDisplay, Receipt, RegistrationNo, standard_complaint_channels};

/// A 3:4 head-and-shoulders drawing on a plain background (the size of an ICAO token crop).
pub fn portrait(width: u32, height: u32, background: [u8; 3], skin: [u8; 3]) -> RgbImage {
    let (w, h) = (width as f32, height as f32);
    RgbImage::from_fn(width, height, |x, y| {
        let (px, py) = (x as f32 / w, y as f32 / h);
        let in_ellipse = |cx: f32, cy: f32, rx: f32, ry: f32| {
            ((px - cx) / rx).powi(2) + ((py - cy) / ry).powi(2) <= 1.0
        };
        let color = if in_ellipse(0.5, 1.05, 0.48, 0.3) {
            [30, 36, 60] // shoulders, dark clothes
        } else if in_ellipse(0.5, 0.34, 0.25, 0.24) && py < 0.3 {
            [25, 20, 18] // hair
        } else if (in_ellipse(0.39, 0.43, 0.035, 0.018) || in_ellipse(0.61, 0.43, 0.035, 0.018))
            && py > 0.41
        {
            [35, 30, 30] // eyes
        } else if in_ellipse(0.5, 0.62, 0.07, 0.015) {
            [150, 70, 70] // mouth
        } else if in_ellipse(0.5, 0.45, 0.21, 0.26) || (in_ellipse(0.5, 0.75, 0.09, 0.12)) {
            skin
        } else {
            background
        };
        Rgb(color)
    })
}

/// A signature: dark strokes on off-white paper, a few loops and an underline.
pub fn signature(width: u32, height: u32) -> GrayImage {
    let mut img = GrayImage::from_pixel(width, height, Luma([238]));
    let (w, h) = (width as f32, height as f32);
    let mut stamp = |cx: f32, cy: f32| {
        let r = (h / 40.0).max(1.5);
        for dy in -(r as i32)..=(r as i32) {
            for dx in -(r as i32)..=(r as i32) {
                let (x, y) = (cx as i32 + dx, cy as i32 + dy);
                if (dx * dx + dy * dy) as f32 <= r * r
                    && x >= 0
                    && y >= 0
                    && (x as u32) < width
                    && (y as u32) < height
                {
                    img.put_pixel(x as u32, y as u32, Luma([25]));
                }
            }
        }
    };
    for i in 0..4000 {
        let t = i as f32 / 4000.0;
        let x = w * (0.08 + 0.8 * t) + (t * 40.0).sin() * w * 0.03;
        let y = h * (0.5 + 0.25 * (t * 18.0).cos() * (1.0 - t)) - h * 0.1 * t;
        stamp(x, y);
    }
    for i in 0..1000 {
        let t = i as f32 / 1000.0;
        stamp(w * (0.15 + 0.75 * t), h * (0.82 - 0.06 * t));
    }
    img
}

fn tf(s: &str) -> Result<TextField, FaceError> {
    TextField::new(s).map_err(|_| FaceError::EmptyField { field: "sample" })
}

fn date(y: u16, m: u8, d: u8) -> Result<Date, FaceError> {
    Date::new(y, m, d).map_err(|_| FaceError::EmptyField {
        field: "sample date",
    })
}

fn nik(s: &str) -> Result<Nik, FaceError> {
    Nik::parse(s).map_err(|_| FaceError::EmptyField {
        field: "sample NIK",
    })
}

fn bandung() -> Result<Region, FaceError> {
    Ok(Region {
        province: tf("Jawa Barat")?,
        kind: RegionKind::Kota,
        name: tf("Bandung")?,
    })
}

/// A KTP-el holder with an apostrophe in her name and a long address.
pub fn ktp() -> Result<KtpCard, FaceError> {
    Ok(KtpCard {
        region: bandung()?,
        nik: nik("3273015708900003")?,
        name: tf("Siti Nur'aini Rahmawati")?,
        birth_place: tf("Bandung")?,
        birth_date: date(1990, 8, 17)?,
        sex: Sex::Female,
        blood: BloodType::O,
        address: tf("Jl. Cihampelas Gg. Sukaasih II No. 12B")?,
        rt: 3,
        rw: 11,
        village: tf("Cipaganti")?,
        district: tf("Coblong")?,
        religion: Religion::Islam,
        marital: MaritalStatus::Kawin,
        occupation: tf("Karyawan Swasta")?,
        citizenship: Citizenship::Wni,
        issued_in: tf("Kota Bandung")?,
        issued_on: date(2026, 11, 26)?,
        photo: portrait(360, 480, [190, 30, 35], [224, 182, 150]),
        signature: signature(600, 220),
    })
}

/// A KIA holder aged 10 (photo) whose name has an accent.
pub fn kia() -> Result<KiaCard, FaceError> {
    Ok(KiaCard {
        region: Region {
            province: tf("Daerah Istimewa Yogyakarta")?,
            kind: RegionKind::Kabupaten,
            name: tf("Sleman")?,
        },
        nik: nik("3404010503160002")?,
        name: tf("Raffa Andrés Pradipta")?,
        birth_place: tf("Sleman")?,
        birth_date: date(2016, 3, 5)?,
        sex: Sex::Male,
        family_card_no: tf("3404011203150007")?,
        head_of_family: tf("Bambang Pradipta")?,
        birth_certificate_no: tf("3404-LT-12032016-0042")?,
        religion: Religion::Islam,
        citizenship: Citizenship::Wni,
        address: tf("Perum Griya Asri Blok C-7, Jl. Kaliurang Km 9")?,
        rt: 5,
        rw: 2,
        village: tf("Sardonoharjo")?,
        district: tf("Ngaglik")?,
        issued_in: tf("Kab. Sleman")?,
        issued_on: date(2026, 11, 26)?,
        photo: Some(portrait(360, 480, [30, 60, 170], [210, 165, 130])),
    })
}

/// A KIA holder under five: no photo.
pub fn kia_under_five() -> Result<KiaCard, FaceError> {
    let mut card = kia()?;
    card.nik = nik("3404016001230001")?;
    card.name = tf("Ayu Kinanti Putri")?;
    card.sex = Sex::Female;
    card.birth_date = date(2023, 1, 20)?;
    card.birth_certificate_no = tf("3404-LT-25012023-0007")?;
    card.photo = None;
    Ok(card)
}

/// The receipt for the KTP-el sample holder.
pub fn receipt() -> Result<Receipt, FaceError> {
    let holder = ktp()?;
    Ok(Receipt {
        registration_no: RegistrationNo::parse("REG-3273-20261126-000123")?,
        office: tf("Dinas Kependudukan dan Pencatatan Sipil Kota Bandung")?,
        name: holder.name,
        nik: holder.nik,
        nik_display: NikDisplay::Masked,
        service: tf("Perekaman KTP-el baru")?,
        recorded_at: tf("Kecamatan Coblong, Jl. Sangkuriang No. 2")?,
        recorded_on: date(2026, 11, 26)?,
        collect_at: tf("Loket Pengambilan Kecamatan Coblong")?,
        collect_from: date(2026, 11, 27)?,
        collect_hours: tf("Senin–Jumat 08.00–15.00 WIB")?,
        complaint_channels: standard_complaint_channels()?,
        photo: holder.photo,
    })
}
