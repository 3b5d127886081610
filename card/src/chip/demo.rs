//! A demo applicant for the technician CLI, the tests and the benchmark: fictional biodata, a
//! drawn portrait, a drawn signature and synthetic minutiae for all ten fingers (deterministic, so
//! runs are comparable). Not a real person.

use biometrics::{FingerPosition, Minutia, MinutiaKind, Template};
use image::{GrayImage, Luma, Rgb, RgbImage};

use super::dg::Biodata;
use super::profile::Applicant;

pub fn biodata() -> Biodata {
    Biodata {
        nik: "3273014509900002".into(),
        name: "SITI NURHALIZA PUTRI".into(),
        place_of_birth: "BANDUNG".into(),
        date_of_birth: "19900905".into(),
        sex: "P".into(),
        blood_type: "O".into(),
        address: "JL. MERDEKA NO. 17".into(),
        rt_rw: "003/007".into(),
        kel_desa: "BABAKAN CIAMIS".into(),
        kecamatan: "SUMUR BANDUNG".into(),
        kab_kota: "KOTA BANDUNG".into(),
        province: "JAWA BARAT".into(),
        religion: "ISLAM".into(),
        marital_status: "BELUM KAWIN".into(),
        occupation: "KARYAWAN SWASTA".into(),
        citizenship: "WNI".into(),
        valid_until: "SEUMUR HIDUP".into(),
    }
}

/// A 240×320 portrait: blue background, shaded face oval, hair, eyes, mouth and a little texture
/// so the JPEG encoder has real detail to spend bytes on.
pub fn face() -> RgbImage {
    let (w, h) = (240u32, 320u32);
    RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 - 120.0, y as f32 - 165.0);
        let face = (fx / 70.0).powi(2) + (fy / 95.0).powi(2) < 1.0;
        let hair = (fx / 80.0).powi(2) + ((fy + 40.0) / 85.0).powi(2) < 1.0 && y < 130;
        let eye = ((fx.abs() - 28.0) / 10.0).powi(2) + ((fy + 20.0) / 5.0).powi(2) < 1.0;
        let mouth = (fx / 25.0).powi(2) + ((fy - 45.0) / 6.0).powi(2) < 1.0;
        let body = y > 255 && fx.abs() < 110.0 - (320.0 - y as f32) * 0.2;
        let grain = ((x * 7 + y * 13) % 11) as u8;
        let px = if eye {
            [30, 25, 20]
        } else if mouth {
            [150, 60, 60]
        } else if hair {
            [35, 28, 22]
        } else if face {
            let shade = (fx / 70.0 * 25.0) as i32;
            [
                (214 - shade) as u8,
                (170 - shade) as u8,
                (140 - shade) as u8,
            ]
        } else if body {
            [240, 240, 240]
        } else {
            [40, 90, 200]
        };
        Rgb([
            px[0].saturating_add(grain),
            px[1].saturating_add(grain),
            px[2].saturating_add(grain),
        ])
    })
}

/// A 300×100 signature: a few cursive loops in black ink on white.
pub fn signature() -> GrayImage {
    let mut img = GrayImage::from_pixel(300, 100, Luma([255]));
    for i in 0..1200 {
        let t = i as f32 / 1200.0;
        let x = 20.0 + t * 260.0 + 12.0 * (t * 40.0).cos();
        let y = 50.0 + 25.0 * (t * 9.0).sin() * (1.0 - t * 0.5) + 10.0 * (t * 40.0).sin();
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let (px, py) = (x as u32 + dx, y as u32 + dy);
            if px < 300 && py < 100 {
                img.put_pixel(px, py, Luma([20]));
            }
        }
    }
    img
}

/// Synthetic minutiae for one finger: a small linear-congruential generator seeded by position.
pub fn finger(position: FingerPosition, count: usize) -> Template {
    let mut state = 0x9E37_79B9u32.wrapping_mul(u32::from(position.code()) + 1);
    let mut next = move || {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        state >> 8
    };
    let minutiae = (0..count)
        .map(|_| {
            let kind = if next() % 2 == 0 {
                MinutiaKind::Ending
            } else {
                MinutiaKind::Bifurcation
            };
            Minutia::new(
                (30 + next() % 330) as u16,
                (30 + next() % 320) as u16,
                (next() % 6283) as f32 / 1000.0,
                kind,
                (40 + next() % 60) as u8,
            )
        })
        .collect();
    Template {
        width: 388,
        height: 374,
        ppi: 500,
        position,
        quality: 60 + position.code() * 3,
        minutiae,
        orientation: None,
    }
}

pub fn applicant() -> Applicant {
    Applicant {
        biodata: biodata(),
        face: face(),
        signature: signature(),
        fingers: FingerPosition::ALL.iter().map(|p| finger(*p, 45)).collect(),
    }
}
