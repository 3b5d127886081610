//! ISO/IEC 19794-2 and ANSI 378 records and the ISO card formats: round trips of real templates,
//! byte layout, and refusal of malformed input with a clear error.

use crate::common::{data_dir, fvc};
use biometrics::codec::card::{self, CardFormat};
use biometrics::codec::{CodecError, ansi378, iso19794_2};
use biometrics::extract::extract;
use biometrics::{FingerPosition, Template};
use std::f32::consts::TAU;

fn real_template() -> Template {
    extract(&fvc("fvc2002-db1b", "103_2"), FingerPosition::LeftIndex).unwrap()
}

fn angle_close(a: f32, b: f32, tol: f32) -> bool {
    let d = (a - b).rem_euclid(TAU);
    d.min(TAU - d) <= tol
}

#[test]
fn iso_record_round_trips_a_real_template() {
    let t = real_template();
    assert!(t.minutiae.len() >= 10);
    let bytes = iso19794_2::encode_template(&t).unwrap();
    // Header 24 + view header 4 + 6 per minutia + extended length 2.
    assert_eq!(bytes.len(), 24 + 4 + 6 * t.minutiae.len() + 2);
    assert_eq!(&bytes[..8], b"FMR\0 20\0");
    assert_eq!(
        u32::from_be_bytes(bytes[8..12].try_into().unwrap()) as usize,
        bytes.len()
    );
    assert_eq!(u16::from_be_bytes([bytes[18], bytes[19]]), 197); // 500 ppi in px/cm
    assert_eq!(bytes[24], FingerPosition::LeftIndex.code());
    let back = &iso19794_2::decode_templates(&bytes).unwrap()[0];
    assert_eq!(back.minutiae.len(), t.minutiae.len());
    assert_eq!(
        (back.width, back.height, back.ppi),
        (t.width, t.height, 500)
    );
    for (a, b) in t.minutiae.iter().zip(&back.minutiae) {
        assert_eq!((a.x, a.y, a.kind, a.quality), (b.x, b.y, b.kind, b.quality));
        assert!(angle_close(a.angle, b.angle, TAU / 512.0 + 1e-4));
    }
    // Re-encoding the decoded record is byte-identical.
    assert_eq!(
        iso19794_2::encode(&iso19794_2::decode(&bytes).unwrap()).unwrap(),
        bytes
    );
}

#[test]
fn ansi_record_round_trips_with_two_degree_angles() {
    let t = real_template();
    let bytes = ansi378::encode_template(&t).unwrap();
    assert_eq!(bytes.len(), 26 + 4 + 6 * t.minutiae.len() + 2);
    assert_eq!(
        usize::from(u16::from_be_bytes([bytes[8], bytes[9]])),
        bytes.len()
    );
    let record = ansi378::decode(&bytes).unwrap();
    assert!(record.views[0].minutiae.iter().all(|m| m.angle < 180));
    let back = &ansi378::decode_templates(&bytes).unwrap()[0];
    for (a, b) in t.minutiae.iter().zip(&back.minutiae) {
        assert_eq!((a.x, a.y, a.kind), (b.x, b.y, b.kind));
        assert!(angle_close(a.angle, b.angle, TAU / 360.0 + 1e-4));
    }
    assert_eq!(ansi378::encode(&record).unwrap(), bytes);
}

#[test]
fn ansi_uses_the_long_length_field_above_64k() {
    let t = real_template();
    let mut record = ansi378::decode(&ansi378::encode_template(&t).unwrap()).unwrap();
    // Two views of 40 kB extended data each (one view's block is capped at 65,535 bytes).
    record.views[0].extended = vec![0; 40_000];
    let mut second = record.views[0].clone();
    second.view_number = 1;
    record.views.push(second);
    let bytes = ansi378::encode(&record).unwrap();
    assert_eq!(&bytes[8..10], &[0, 0]);
    assert_eq!(
        u32::from_be_bytes(bytes[10..14].try_into().unwrap()) as usize,
        bytes.len()
    );
    assert_eq!(ansi378::decode(&bytes).unwrap(), record);
}

#[test]
fn card_formats_round_trip_within_their_resolution() {
    let t = real_template();
    for (format, size, tol_px, tol_angle) in [
        (CardFormat::Normal, 5, 0.5, TAU / 512.0),
        (CardFormat::Compact, 3, 2.0, TAU / 128.0),
    ] {
        let bytes = card::encode(&t.minutiae, 500, format).unwrap();
        assert_eq!(bytes.len(), size * t.minutiae.len());
        let back = card::decode(&bytes, 500, format).unwrap();
        for (a, b) in t.minutiae.iter().zip(&back) {
            assert!(
                f32::from(a.x.abs_diff(b.x)) <= tol_px && f32::from(a.y.abs_diff(b.y)) <= tol_px
            );
            assert_eq!(a.kind, b.kind);
            assert!(
                angle_close(a.angle, b.angle, tol_angle + 1e-4),
                "{format:?}"
            );
        }
    }
}

#[test]
fn compact_card_refuses_minutiae_beyond_25_mm() {
    let far = biometrics::Minutia::new(600, 10, 0.0, biometrics::MinutiaKind::Ending, 50);
    assert!(matches!(
        card::encode(&[far], 500, CardFormat::Compact),
        Err(CodecError::MinutiaOutside { index: 0, .. })
    ));
    assert!(card::encode(&[far], 500, CardFormat::Normal).is_ok());
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let t = real_template();
    let iso = iso19794_2::encode_template(&t).unwrap();
    let ansi = ansi378::encode_template(&t).unwrap();
    for n in 0..iso.len() {
        assert!(iso19794_2::decode(&iso[..n]).is_err(), "iso prefix {n}");
    }
    for n in 0..ansi.len() {
        assert!(ansi378::decode(&ansi[..n]).is_err(), "ansi prefix {n}");
    }
    assert!(card::decode(&[1, 2, 3, 4], 500, CardFormat::Compact).is_err());
}

#[test]
fn malformed_fields_are_named() {
    let t = real_template();
    let good = iso19794_2::encode_template(&t).unwrap();

    let mut bad = good.clone();
    bad[0] = b'X';
    assert!(matches!(
        iso19794_2::decode(&bad),
        Err(CodecError::BadMagic { .. })
    ));

    let mut bad = good.clone();
    bad[24] = 11; // finger position
    assert_eq!(
        iso19794_2::decode(&bad),
        Err(CodecError::Field {
            field: "finger position",
            offset: 24,
            value: 11
        })
    );

    let mut bad = good.clone();
    bad[25] = 0x05; // impression type 5 is not defined
    assert!(matches!(
        iso19794_2::decode(&bad),
        Err(CodecError::Field {
            field: "impression type",
            ..
        })
    ));

    let mut bad = good.clone();
    bad[26] = 101; // finger quality
    assert!(matches!(
        iso19794_2::decode(&bad),
        Err(CodecError::Field {
            field: "finger quality",
            ..
        })
    ));

    let mut bad = good.clone();
    bad[28] = 0xFF; // first minutia: type 11 and x beyond the image
    assert!(iso19794_2::decode(&bad).is_err());

    let mut bad = good.clone();
    bad[28] = 0x7F; // type 01, x = 0x3Fxx: outside a 388 px wide image
    assert!(matches!(
        iso19794_2::decode(&bad),
        Err(CodecError::MinutiaOutside { index: 0, .. })
    ));

    let mut bad = good.clone();
    bad.push(0);
    assert!(matches!(
        iso19794_2::decode(&bad),
        Err(CodecError::Length { .. })
    ));

    let mut ansi = ansi378::encode_template(&t).unwrap();
    ansi[30 + 4] = 180; // first minutia angle (header 26 + view header 4 + x,y 4)
    assert!(matches!(
        ansi378::decode(&ansi),
        Err(CodecError::Field {
            field: "minutia angle",
            ..
        })
    ));
}

#[test]
fn nbis_py_iso_output_is_refused_because_it_lacks_header_bytes() {
    // nbis-py 0.1.3 (NIST mindtct) writes an "ISO 19794-2:2005" record for FVC2002 DB1 101_1 that
    // omits the finger-view count, the reserved byte and the extended-data length, and states a
    // resolution of 0. A strict decoder must say so rather than misread it.
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/nbis_fvc2002-db1b_101_1.iso"),
    )
    .unwrap();
    let _ = data_dir();
    assert!(matches!(
        iso19794_2::decode(&bytes),
        Err(CodecError::Field {
            field: "x resolution",
            offset: 18,
            value: 0
        })
    ));
}
