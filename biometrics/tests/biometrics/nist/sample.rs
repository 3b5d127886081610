//! One realistic enrollment: two FVC fingers (WSQ), their minutiae, a JPEG face, a signature.

use std::path::{Path, PathBuf};

use biometrics::nist::*;
use biometrics::wsq::EncodeOptions;
use biometrics::{FingerImage, FingerPosition, Minutia, MinutiaKind, Template};

pub fn fvc(name: &str) -> FingerImage {
    let path = fixtures::fvc_set("fvc2002-db1b")
        .unwrap()
        .join(format!("{name}.tif"));
    let img = image::open(path).unwrap().into_luma8();
    let (w, h) = img.dimensions();
    FingerImage::new(w, h, 500, img.into_raw()).unwrap()
}

pub fn jpeg_face() -> Vec<u8> {
    let img = image::RgbImage::from_fn(120, 160, |x, y| {
        let inside = (x as i32 - 60).pow(2) * 4 + (y as i32 - 75).pow(2) * 2 < 60 * 60 * 2;
        if inside {
            image::Rgb([190, 140, 110])
        } else {
            image::Rgb([235, 235, 240])
        }
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .unwrap();
    out
}

pub fn template(position: FingerPosition, img: &FingerImage) -> Template {
    // Whole-degree angles and integer pixels: what the Type-9 units can carry exactly.
    let minutiae = (0..12u16)
        .map(|i| {
            Minutia::new(
                30 + i * 25,
                40 + (i * 37) % 300,
                (f32::from(i * 29 % 360)).to_radians(),
                if i % 3 == 0 {
                    MinutiaKind::Bifurcation
                } else {
                    MinutiaKind::Ending
                },
                40 + (i * 5) as u8,
            )
        })
        .collect();
    Template {
        width: img.width() as u16,
        height: img.height() as u16,
        ppi: img.ppi(),
        position,
        quality: 77,
        minutiae,
        orientation: None,
    }
}

pub fn transaction() -> EnrollmentTransaction {
    let right = fvc("101_1");
    let left = fvc("102_1");
    let opts = EncodeOptions::default();
    let fingers = vec![
        FingerImageRecord::from_image(
            &right,
            FingerPosition::RightIndex,
            Some(77),
            "DISDUKCAPIL-3171",
            "20261126",
            &opts,
        )
        .unwrap(),
        FingerImageRecord::from_image(
            &left,
            FingerPosition::LeftIndex,
            Some(64),
            "DISDUKCAPIL-3171",
            "20261126",
            &opts,
        )
        .unwrap(),
    ];
    let minutiae = vec![
        MinutiaeRecord {
            system: "REKAM".into(),
            template: template(FingerPosition::RightIndex, &right),
        },
        MinutiaeRecord {
            system: "REKAM".into(),
            template: template(FingerPosition::LeftIndex, &left),
        },
    ];
    let sig_px: Vec<u8> = (0..200 * 60)
        .map(|i| {
            let (x, y) = (i % 200, i / 200);
            if (y - 30 - ((x as f32 / 15.0).sin() * 15.0) as i32).abs() < 2 {
                0
            } else {
                255
            }
        })
        .collect();
    EnrollmentTransaction {
        info: TransactionInfo {
            tot: "ENR".into(),
            date: "20261126".into(),
            priority: Some(4),
            destination: "AFIS-PUSAT".into(),
            originator: "DISDUKCAPIL-3171".into(),
            tcn: "3171-20261126-000042".into(),
            domain: Some(("REKAM".into(), "1".into())),
            gmt: Some("20261126140501Z".into()),
        },
        applicant: Applicant {
            nik: "3171012501900007".into(),
            family_card: Some("3171010101080012".into()),
            name: "SITI NURHALIZA".into(),
            place_of_birth: "BANDUNG".into(),
            date_of_birth: "19900125".into(),
            sex: Sex::Female,
            blood_type: Some("O".into()),
            address: Address {
                street: "JL. MERDEKA NO. 17".into(),
                rt: "003".into(),
                rw: "005".into(),
                kelurahan: "GAMBIR".into(),
                kecamatan: "GAMBIR".into(),
                kabupaten: "JAKARTA PUSAT".into(),
                provinsi: "DKI JAKARTA".into(),
            },
            religion: "ISLAM".into(),
            marital_status: "KAWIN".into(),
            occupation: "KARYAWAN SWASTA".into(),
            citizenship: "WNI".into(),
            service: Some("KTP-EL-BARU".into()),
            station: Some("3171-ST01".into()),
        },
        fingers,
        minutiae,
        face: Some(FaceRecord {
            source_agency: "DISDUKCAPIL-3171".into(),
            capture_date: "20261126".into(),
            width: 120,
            height: 160,
            grey: false,
            jpeg: jpeg_face(),
        }),
        signature: SignatureRecord::from_grey(200, 60, &sig_px, 128),
    }
}

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nist")
}
