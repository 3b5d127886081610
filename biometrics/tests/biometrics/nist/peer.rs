//! The independent parser/builder `nistitl` 0.6 (PyPI), through benches/peers/nist_peer.py.

use std::path::{Path, PathBuf};
use std::process::Command;

use biometrics::nist::encoding::{RS, Record, US, Value};
use biometrics::nist::{EnrollmentTransaction, Sex};
use biometrics::{FingerPosition, MinutiaKind};

use super::sample::{data_dir, transaction};
use crate::common::peer_reads;

fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The listing nist_peer.py prints, computed from what we wrote (LEN lines left out).
fn expected_listing(records: &[Record]) -> Vec<String> {
    let mut lines = Vec::new();
    for r in records {
        match r {
            Record::Binary(b) => lines.push(format!(
                "{}\t{}\t-\tBIN:{}:{:016x}",
                b.kind,
                b.idc,
                b.body.len(),
                fnv(&b.body)
            )),
            Record::Tagged(t) => {
                let idc = if t.kind == 1 {
                    "-".to_string()
                } else {
                    t.idc().unwrap().to_string()
                };
                let mut fields = t.fields.clone();
                fields.sort_by_key(|f| f.tag);
                for f in fields {
                    let v = match &f.value {
                        Value::Binary(b) => format!("BIN:{}:{:016x}", b.len(), fnv(b)),
                        Value::Text(sf) => {
                            let joined: Vec<Vec<u8>> = sf
                                .iter()
                                .map(|items| items.join(&(US as char).to_string()).into_bytes())
                                .collect();
                            hex(&joined.join(&RS))
                        }
                    };
                    lines.push(format!("{}\t{idc}\t{}\t{v}", t.kind, f.tag));
                }
            }
        }
    }
    lines
}

fn peer_python() -> Option<PathBuf> {
    crate::common::peer_python(
        "nistitl",
        "REKAM_PEER_VENV",
        &["/var/cache/rekam/venv-peers", "/var/cache/rekam/venv-wsq"],
    )
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/peers/nist_peer.py")
}

#[test]
fn nistitl_reads_every_field_as_written() {
    let Some(py) = peer_python() else { return };
    let t = transaction();
    let records = t.to_records().unwrap();
    let bytes = t.to_bytes().unwrap();
    let listing = peer_reads(&py, &script(), "dump", "transaction.an2", &bytes);
    let mut theirs = Vec::new();
    let mut len_sum = 0usize;
    for line in listing.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols[2] == "1" {
            // LEN: nistitl reports it; together they must cover the file.
            len_sum += String::from_utf8(hex_decode(cols[3]))
                .unwrap()
                .parse::<usize>()
                .unwrap();
        } else {
            theirs.push(line.to_string());
        }
    }
    let binary_lens: usize = records
        .iter()
        .filter_map(|r| match r {
            Record::Binary(b) => Some(b.body.len() + 5),
            Record::Tagged(_) => None,
        })
        .sum();
    assert_eq!(
        len_sum + binary_lens,
        bytes.len(),
        "LEN fields do not add up to the file"
    );
    let ours = expected_listing(&records);
    assert_eq!(theirs.len(), ours.len());
    for (a, b) in theirs.iter().zip(&ours) {
        assert_eq!(a, b);
    }
    eprintln!(
        "nistitl read {} fields of {} records exactly as written",
        ours.len(),
        records.len()
    );
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Runs without the peer: `tests/data/nist/nistitl-built.an2` was written by nistitl alone
/// (`nist_peer.py build`, see the README there).
#[test]
fn we_read_a_transaction_nistitl_built() {
    let bytes = std::fs::read(data_dir().join("nistitl-built.an2")).unwrap();
    check_peer_built(&bytes);
}

#[test]
fn we_read_a_fresh_nistitl_build() {
    let Some(py) = peer_python() else { return };
    let dir = std::env::temp_dir().join(format!("rekam-nist-peer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("peer.an2");
    let wsq =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/wsq/fvc2002-db1b_101_1.nbis.wsq");
    let jpeg = dir.join("face.jpg");
    std::fs::write(&jpeg, super::sample::jpeg_face()).unwrap();
    let st = Command::new(&py)
        .arg(script())
        .arg("build")
        .args([&out, &wsq, &jpeg])
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    check_peer_built(&std::fs::read(&out).unwrap());
    std::fs::remove_dir_all(&dir).ok();
}

fn check_peer_built(bytes: &[u8]) {
    let t = EnrollmentTransaction::from_bytes(bytes).unwrap();
    assert_eq!(t.info.tot, "ENR");
    assert_eq!(t.info.destination, "AFIS-PUSAT");
    assert_eq!(t.info.tcn, "PEER-0001");
    assert_eq!(t.info.priority, Some(2));
    assert_eq!(t.info.domain, Some(("REKAM".into(), "1".into())));
    let a = &t.applicant;
    assert_eq!(a.nik, "3171012501900007");
    assert_eq!(a.name, "SITI NURHALIZA");
    assert_eq!(a.sex, Sex::Female);
    assert_eq!(a.address.kabupaten, "JAKARTA PUSAT");
    assert_eq!(a.station, None);
    assert_eq!(t.fingers.len(), 1);
    let f = &t.fingers[0];
    assert_eq!(
        (f.position, f.width, f.height, f.ppi, f.quality),
        (FingerPosition::RightIndex, 388, 374, 500, Some(77))
    );
    let img = f.image().unwrap();
    assert_eq!((img.width(), img.height()), (388, 374));
    let m = &t.minutiae[0].template;
    assert_eq!(t.minutiae[0].system, "PEER-EXTRACTOR");
    assert_eq!(m.minutiae.len(), 2);
    // 0625 × 0.01 mm at 500 ppi = 123 px; y 1270 → 250 px from the bottom.
    assert_eq!(
        (m.minutiae[0].x, m.minutiae[0].y, m.minutiae[0].kind),
        (123, 373 - 250, MinutiaKind::Ending)
    );
    assert!((m.minutiae[0].angle.to_degrees() - 45.0).abs() < 1e-3);
    assert_eq!(m.minutiae[1].kind, MinutiaKind::Bifurcation);
    let face = t.face.as_ref().unwrap();
    assert_eq!((face.width, face.height, face.grey), (48, 64, false));
    assert!(face.jpeg.starts_with(&[0xFF, 0xD8]));
    let s = t.signature.as_ref().unwrap();
    assert_eq!((s.width(), s.height()), (16, 2));
    assert!(s.ink(0, 0) && !s.ink(4, 0) && s.ink(4, 1) && !s.ink(0, 1));
}
