#![no_main]
//! Any bytes as a gallery file must load or give an error, never panic. The bytes are tried
//! twice: as a whole file (header checks), and as the body of a file with a valid header and
//! checksums (version and finger count from the first bytes), so that the checksums do not keep
//! the fuzzer away from the entry parser (minutiae and ridge-flow sections). Whatever loads must
//! save and load again to the same fingers.
use biometrics::index::{Index, IndexParams};
use libfuzzer_sys::fuzz_target;

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { 0xEDB8_8320 ^ (crc >> 1) } else { crc >> 1 };
        }
    }
    !crc
}

fn sealed(version: u16, count: u32, body: &[u8]) -> Vec<u8> {
    let mut file = b"REKAMIDX".to_vec();
    file.extend_from_slice(&version.to_le_bytes());
    file.extend_from_slice(&0u16.to_le_bytes());
    file.extend_from_slice(&count.to_le_bytes());
    file.extend_from_slice(&(body.len() as u64).to_le_bytes());
    file.extend_from_slice(&crc32(body).to_le_bytes());
    let header_crc = crc32(&file);
    file.extend_from_slice(&header_crc.to_le_bytes());
    file.extend_from_slice(body);
    file
}

fn check(file: &[u8]) {
    let params = IndexParams {
        threads: 1,
        ..IndexParams::default()
    };
    if let Ok(index) = Index::from_bytes(file, params) {
        let again = Index::from_bytes(&index.to_bytes(), params)
            .map(|i| i.to_bytes())
            .ok();
        assert_eq!(again, Some(index.to_bytes()));
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    if let [v, n, body @ ..] = data {
        check(&sealed(1 + u16::from(v & 1), u32::from(n % 4), body));
    }
});
