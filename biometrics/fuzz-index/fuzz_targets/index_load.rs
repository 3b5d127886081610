//! The 1:N gallery loader must turn any bytes into a gallery or a clear error, never a panic
//! or an unbounded allocation. Inputs that pass the checksums are rare from random bytes, so
//! half the runs re-checksum the input first to reach the field validation behind them (as a
//! version 1 file, minutiae only, or version 2, with the ridge-flow section, by the next bit).
#![no_main]

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

fuzz_target!(|data: &[u8]| {
    let params = IndexParams {
        threads: 1,
        ..IndexParams::default()
    };
    let _ = Index::from_bytes(data, params);
    if data.len() >= 33 && data[0] & 1 == 1 {
        // A well-formed header around a fuzzed body.
        let body = &data[1..];
        let mut file = b"REKAMIDX".to_vec();
        file.extend_from_slice(&(1 + u16::from((data[0] >> 1) & 1)).to_le_bytes());
        file.extend_from_slice(&0u16.to_le_bytes());
        file.extend_from_slice(&u32::from(data[0] >> 2).to_le_bytes());
        file.extend_from_slice(&(body.len() as u64).to_le_bytes());
        file.extend_from_slice(&crc32(body).to_le_bytes());
        let header_crc = crc32(&file);
        file.extend_from_slice(&header_crc.to_le_bytes());
        file.extend_from_slice(body);
        if let Ok(index) = Index::from_bytes(&file, params) {
            // Whatever loads must save and load back to the same gallery.
            let again = Index::from_bytes(&index.to_bytes(), params);
            assert_eq!(again.map(|i| i.len()).ok(), Some(index.len()));
        }
    }
});
