//! A resident's civil-registration values as SIAK records them and a KTP-el prints them, as
//! types that only hold valid values: [`Nik`], [`Date`], [`Sex`], [`Religion`],
//! [`MaritalStatus`], [`BloodType`], [`Citizenship`] and card text ([`TextField`]).
//!
//! One definition serves the card face and chip (`card`), the synthetic applicants
//! (`fixtures`) and the ANSI/NIST-ITL Type-2 record (`biometrics::nist`). No I/O.
//! A NIK is personal data: its `Debug` form and every error show only its last four digits.

mod date;
mod nik;
mod text;
mod values;

pub use date::{Date, days_in_month, is_leap};
pub use nik::{Nik, NikInfo, mask};
pub use text::TextField;
pub use values::{BloodType, Citizenship, MaritalStatus, Religion, Sex};

use thiserror::Error;

/// Why a value is not a valid civil-registration value. Messages are Bahasa Indonesia / English
/// and never contain a whole NIK.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum IdentityError {
    #[error("Tanggal tidak sah / Invalid date: {0}")]
    BadDate(String),
    #[error("NIK harus 16 digit angka / A NIK is 16 digits (got {0} characters)")]
    NikShape(usize),
    #[error("Tanggal lahir pada NIK {0} tidak sah / Invalid date of birth in NIK {0}")]
    NikDate(String),
    #[error(
        "Tanggal lahir pada NIK {0} di masa depan / The date of birth in NIK {0} lies in the future"
    )]
    NikFutureDate(String),
    #[error("Nomor urut NIK 0000 tidak sah / NIK serial 0000 is invalid ({0})")]
    NikZeroSerial(String),
    #[error("Isian kosong / Empty field")]
    Empty,
    #[error(
        "Isian memuat karakter kendali U+{0:04X} / The field contains control character \
         U+{0:04X}"
    )]
    ControlCharacter(u32),
}
