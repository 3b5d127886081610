//! ANSI/NIST-ITL 1-2011 transactions (NIST SP 500-290) in the traditional encoding: the
//! enrollment packet the national AFIS receives.
//!
//! An [`EnrollmentTransaction`] holds one applicant: Type-1 transaction information, Type-2
//! descriptive text with the Dukcapil field set (`docs/nist-dukcapil-type2.md`), Type-14
//! fingerprint images (WSQ, with finger position and quality), Type-9 minutiae (the
//! standard's own fields 9.005–9.012), a Type-10 face (JPEG) and a Type-8 signature.
//! [`EnrollmentTransaction::to_bytes`] and [`EnrollmentTransaction::from_bytes`] are pure;
//! the layers are [`encoding`] (separators, LEN, CNT) and [`transaction`] (what fields mean).

pub mod encoding;
pub mod transaction;

use thiserror::Error;

pub use transaction::{
    Address, Applicant, EnrollmentTransaction, FaceRecord, FingerImageRecord, Impression,
    MinutiaeRecord, Sex, SignatureRecord, TransactionInfo,
};

/// Why a transaction could not be written or read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum NistError {
    #[error("transaksi ANSI/NIST rusak pada posisi {offset}: {reason} (malformed transaction)")]
    Syntax { offset: usize, reason: &'static str },
    #[error(
        "record Type-{record} terpotong: perlu {needed} byte, tersedia {available} (truncated record)"
    )]
    Truncated {
        record: u16,
        needed: usize,
        available: usize,
    },
    #[error("record Type-{0} tidak ada (Type-{0} record missing)")]
    MissingRecord(u16),
    #[error("field {record}.{field:03} tidak ada (field missing)")]
    MissingField { record: u16, field: u16 },
    #[error("field {record}.{field:03} tidak sah: {reason} (invalid field)")]
    InvalidField {
        record: u16,
        field: u16,
        reason: &'static str,
    },
    #[error("field {record}.{field:03} berisi karakter terlarang (text not printable ASCII)")]
    InvalidText { record: u16, field: u16 },
    #[error("field {record}.{field:03} muncul dua kali (duplicate field)")]
    DuplicateField { record: u16, field: u16 },
    #[error("data biner harus field terakhir Type-{record} (binary field not last)")]
    BinaryNotLast { record: u16 },
    #[error("record Type-{record} terlalu besar (record too large)")]
    TooLarge { record: u16 },
    #[error("CNT mencatat {listed:?} tetapi ditemukan {found:?} (CNT does not match records)")]
    CntMismatch {
        listed: (u16, u8),
        found: (u16, Option<u8>),
    },
    #[error("{0} byte tersisa setelah record terakhir (trailing bytes)")]
    TrailingBytes(usize),
    #[error("record Type-{record} IDC {idc} tidak dikenal atau ganda (unknown or duplicate IDC)")]
    Idc { record: u16, idc: u8 },
}
