//! Damaged files give typed errors.

use biometrics::wsq::{self, EncodeOptions, WsqError};

use crate::common::fvc_all as fvc_images;

fn sample() -> Vec<u8> {
    let (_, img) = fvc_images("fvc2002-db1b").swap_remove(0);
    wsq::encode(&img, &EncodeOptions::default()).unwrap()
}

#[test]
fn not_wsq_is_named() {
    assert_eq!(wsq::decode(b"\x89PNG\r\n"), Err(WsqError::NotWsq));
    assert_eq!(wsq::decode(b""), Err(WsqError::NotWsq));
}

#[test]
fn flipped_bytes_never_panic_and_mostly_fail() {
    let good = sample();
    let mut failures = 0;
    let mut tries = 0;
    for i in (0..good.len()).step_by(53) {
        let mut bad = good.clone();
        bad[i] ^= 0x5A;
        tries += 1;
        if wsq::decode(&bad).is_err() {
            failures += 1;
        }
    }
    // Flips inside entropy-coded data can still decode (to a different image); flips in the
    // headers and tables must not pass silently in most cases.
    assert!(failures > 0, "{failures}/{tries}");
}

#[test]
fn missing_table_is_reported() {
    let good = sample();
    // Cut the DTT segment out (it follows the NIST comment).
    let dtt = good.windows(2).position(|w| w == [0xFF, 0xA4]).unwrap();
    let len = usize::from(u16::from_be_bytes([good[dtt + 2], good[dtt + 3]]));
    let mut bad = good[..dtt].to_vec();
    bad.extend_from_slice(&good[dtt + 2 + len..]);
    assert_eq!(wsq::decode(&bad), Err(WsqError::MissingTable("DTT")));
}

#[test]
fn oversized_frame_is_refused_before_allocating() {
    let mut bad = sample();
    let sof = bad.windows(2).position(|w| w == [0xFF, 0xA2]).unwrap();
    // height and width at +6..+10
    bad[sof + 6..sof + 10].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    assert!(matches!(wsq::decode(&bad), Err(WsqError::Size { .. })));
}
