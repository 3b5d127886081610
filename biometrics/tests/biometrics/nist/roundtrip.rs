//! Our writer, our parser.

use biometrics::nist::EnrollmentTransaction;
use biometrics::nist::encoding::{self, FS, GS, Record};

use super::sample::transaction;

#[test]
fn transaction_reads_back_as_written() {
    let t = transaction();
    let bytes = t.to_bytes().unwrap();
    let back = EnrollmentTransaction::from_bytes(&bytes).unwrap();
    assert_eq!(back.info, t.info);
    assert_eq!(back.applicant, t.applicant);
    assert_eq!(back.fingers, t.fingers);
    assert_eq!(back.face, t.face);
    assert_eq!(back.signature, t.signature);
    assert_eq!(back.minutiae.len(), 2);
    for (a, b) in back.minutiae.iter().zip(&t.minutiae) {
        assert_eq!(a.system, b.system);
        assert_eq!(a.template.position, b.template.position);
        assert_eq!(a.template.minutiae.len(), b.template.minutiae.len());
        for (m, n) in a.template.minutiae.iter().zip(&b.template.minutiae) {
            assert_eq!((m.x, m.y, m.kind), (n.x, n.y, n.kind));
            assert!(
                (m.angle - n.angle).abs() < 1e-4,
                "{} vs {}",
                m.angle,
                n.angle
            );
            // QMS has 62 steps for our 101: within 2 points.
            assert!(
                m.quality.abs_diff(n.quality) <= 2,
                "{} vs {}",
                m.quality,
                n.quality
            );
        }
    }
    // The WSQ inside is a real image.
    let img = back.fingers[0].image().unwrap();
    assert_eq!((img.width(), img.height()), (388, 374));
}

#[test]
fn record_lengths_and_cnt_are_consistent() {
    let t = transaction();
    let bytes = t.to_bytes().unwrap();
    let records = encoding::decode_transaction(&bytes).unwrap();
    let kinds: Vec<(u16, Option<u8>)> = records.iter().map(|r| (r.kind(), r.idc())).collect();
    assert_eq!(
        kinds,
        vec![
            (1, None),
            (2, Some(0)),
            (8, Some(4)),
            (9, Some(1)),
            (9, Some(2)),
            (10, Some(3)),
            (14, Some(1)),
            (14, Some(2))
        ]
    );
    // Walk the bytes by LEN alone: each tagged record ends with FS exactly where LEN says.
    let mut offset = 0;
    for r in &records {
        let len = match r {
            Record::Binary(_) => {
                u32::from_be_bytes(bytes[offset..offset + 4].try_into().unwrap()) as usize
            }
            Record::Tagged(_) => {
                let text = &bytes[offset..];
                let colon = text.iter().position(|&b| b == b':').unwrap();
                let gs = text.iter().position(|&b| b == GS).unwrap();
                let len: usize = std::str::from_utf8(&text[colon + 1..gs])
                    .unwrap()
                    .parse()
                    .unwrap();
                assert_eq!(bytes[offset + len - 1], FS);
                len
            }
        };
        offset += len;
    }
    assert_eq!(offset, bytes.len());
}

#[test]
fn applicant_debug_masks_the_nik() {
    let t = transaction();
    let shown = format!("{:?}", t);
    assert!(!shown.contains("3171012501900007"), "{shown}");
    assert!(shown.contains("0007"));
    assert!(!shown.contains("NURHALIZA"));
}
