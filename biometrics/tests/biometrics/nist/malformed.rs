//! Damaged transactions give typed errors.

use biometrics::nist::{EnrollmentTransaction, NistError};

use super::sample::transaction;

#[test]
fn every_truncation_fails() {
    let bytes = transaction().to_bytes().unwrap();
    for cut in (0..bytes.len()).step_by(97) {
        assert!(
            EnrollmentTransaction::from_bytes(&bytes[..cut]).is_err(),
            "cut {cut}"
        );
    }
}

#[test]
fn trailing_bytes_are_reported() {
    let mut bytes = transaction().to_bytes().unwrap();
    bytes.extend_from_slice(b"junk");
    assert_eq!(
        EnrollmentTransaction::from_bytes(&bytes),
        Err(NistError::TrailingBytes(4))
    );
}

#[test]
fn bad_nik_is_refused_both_ways() {
    let mut t = transaction();
    t.applicant.nik = "31710125".into();
    assert!(matches!(
        t.to_bytes(),
        Err(NistError::InvalidField {
            record: 2,
            field: 10,
            ..
        })
    ));
    let good = transaction().to_bytes().unwrap();
    let text = "3171012501900007".as_bytes();
    let at = good.windows(16).position(|w| w == text).unwrap();
    let mut bad = good.clone();
    bad[at] = b'X';
    assert!(matches!(
        EnrollmentTransaction::from_bytes(&bad),
        Err(NistError::InvalidField {
            record: 2,
            field: 10,
            ..
        })
    ));
}

#[test]
fn cnt_disagreeing_with_records_is_caught() {
    let good = transaction().to_bytes().unwrap();
    // "10\x1f3" → "10\x1f7": the face record is listed with the wrong IDC.
    let at = good.windows(4).position(|w| w == b"10\x1f3").unwrap();
    let mut bad = good.clone();
    bad[at + 3] = b'7';
    assert!(matches!(
        EnrollmentTransaction::from_bytes(&bad),
        Err(NistError::CntMismatch { .. })
    ));
}
