//! ISO/IEC 19794 image records for the chip and the packet: finger images (19794-4:2005,
//! version `010`, the format ICAO Doc 9303 names for DG3) and face images (19794-5:2005,
//! version `010`, DG2). One image per record; all numbers big-endian.

pub mod face;
pub mod finger;

use thiserror::Error;

/// Why an ISO/IEC 19794 record could not be written or read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum IsoImageError {
    #[error("bukan record {0} (not an ISO/IEC 19794 {0} record)")]
    WrongFormat(&'static str),
    #[error("versi record {0:?} tidak didukung (unsupported record version)")]
    Version([u8; 4]),
    #[error("record terpotong: perlu {needed} byte, tersedia {available} (truncated record)")]
    Truncated { needed: usize, available: usize },
    #[error("panjang record {declared} tidak sama dengan {actual} (record length mismatch)")]
    Length { declared: u64, actual: usize },
    #[error("nilai {0} tidak sah (invalid value)")]
    Invalid(&'static str),
    #[error("record terlalu besar (record too large)")]
    TooLarge,
}

/// Big-endian cursor over a record.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], IsoImageError> {
        let end = self.pos.checked_add(n).ok_or(IsoImageError::TooLarge)?;
        let s = self
            .data
            .get(self.pos..end)
            .ok_or(IsoImageError::Truncated {
                needed: end,
                available: self.data.len(),
            })?;
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, IsoImageError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, IsoImageError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn uint(&mut self, n: usize) -> Result<u64, IsoImageError> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |v, &b| (v << 8) | u64::from(b)))
    }
}

fn put_uint(out: &mut Vec<u8>, v: u64, n: usize) {
    out.extend_from_slice(&v.to_be_bytes()[8 - n..]);
}
