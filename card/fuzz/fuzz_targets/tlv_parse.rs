//! BER-TLV and the data-group decoders on arbitrary bytes: errors, never panics, and anything
//! that parses re-encodes to bytes that parse to the same tree.
#![no_main]

use card::chip::{dg, sod, tlv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = tlv::Tlv::parse(data) {
        let again = tlv::Tlv::parse(&t.encode()).expect("re-encoded TLV parses");
        assert_eq!(again, t);
    }
    let _ = tlv::parse_all(data);
    let _ = tlv::peek_header(data);
    let _ = dg::decode_com(data);
    let _ = dg::decode_dg1(data);
    let _ = dg::decode_dg3(data);
    let _ = dg::face_jpeg(data);
    let _ = card::chip::scp::InitUpdate::parse(data);
    let _ = card::chip::virtual_chip::lifecycle_from_fci(data);
    let _ = sod::verify(data, &[(1, b"x")], &fixed_cert());
});

fn fixed_cert() -> x509_cert::Certificate {
    use std::sync::OnceLock;
    static CERT: OnceLock<x509_cert::Certificate> = OnceLock::new();
    CERT.get_or_init(|| sod::Signer::new_csca("CN=Fuzz,C=ID", 1).expect("csca").cert).clone()
}
