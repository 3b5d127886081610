//! ISO/IEC 19794-4:2005 finger image record (`FIR\0`, version `010\0`): a 32-byte general
//! header, then per image a 14-byte finger header and the (here WSQ or raw) image data.

use super::{Cursor, IsoImageError, put_uint};
use crate::template::FingerPosition;

const GENERAL_HEADER: usize = 32;
const FINGER_HEADER: usize = 14;

/// Image compression algorithm codes (table 3 of the standard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Uncompressed, one byte per pixel.
    Raw = 0,
    Wsq = 2,
    Jpeg = 3,
    Jpeg2000 = 4,
    Png = 5,
}

impl Compression {
    fn from_code(c: u8) -> Result<Self, IsoImageError> {
        Ok(match c {
            0 => Self::Raw,
            2 => Self::Wsq,
            3 => Self::Jpeg,
            4 => Self::Jpeg2000,
            5 => Self::Png,
            _ => return Err(IsoImageError::Invalid("compression algorithm")),
        })
    }
}

/// One finger image record.
#[derive(Clone, PartialEq, Eq)]
pub struct FingerImageIso {
    pub position: FingerPosition,
    /// 0–100 (254: not computed is not used here).
    pub quality: u8,
    /// Impression type: 0 live-scan plain, 1 live-scan rolled.
    pub impression: u8,
    /// Image acquisition level (FBI/ISO setting; 31 = 500 ppi, 8-bit grey).
    pub acquisition_level: u16,
    pub ppi: u16,
    pub width: u16,
    pub height: u16,
    pub compression: Compression,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for FingerImageIso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FingerImageIso")
            .field("position", &self.position)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("compression", &self.compression)
            .field("data", &self.data.len())
            .finish_non_exhaustive()
    }
}

impl FingerImageIso {
    pub fn to_bytes(&self) -> Result<Vec<u8>, IsoImageError> {
        if self.compression == Compression::Raw
            && self.data.len() != usize::from(self.width) * usize::from(self.height)
        {
            return Err(IsoImageError::Invalid("raw image size"));
        }
        let total = GENERAL_HEADER + FINGER_HEADER + self.data.len();
        if total as u64 >= 1 << 48 {
            return Err(IsoImageError::TooLarge);
        }
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(b"FIR\x00010\x00");
        put_uint(&mut out, total as u64, 6);
        out.extend_from_slice(&[0, 0]); // capture device: unspecified
        put_uint(&mut out, u64::from(self.acquisition_level), 2);
        out.push(1); // one finger
        out.push(1); // scale units: pixels per inch
        for _ in 0..4 {
            put_uint(&mut out, u64::from(self.ppi), 2);
        }
        out.push(8); // pixel depth
        out.push(self.compression as u8);
        out.extend_from_slice(&[0, 0]);
        put_uint(&mut out, (FINGER_HEADER + self.data.len()) as u64, 4);
        out.push(self.position.code());
        out.push(1); // count of views
        out.push(1); // view number
        out.push(self.quality.min(100));
        out.push(self.impression);
        put_uint(&mut out, u64::from(self.width), 2);
        put_uint(&mut out, u64::from(self.height), 2);
        out.push(0);
        out.extend_from_slice(&self.data);
        Ok(out)
    }

    /// Reads the first finger image of a record.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, IsoImageError> {
        let mut c = Cursor::new(bytes);
        if c.take(4)? != b"FIR\0" {
            return Err(IsoImageError::WrongFormat("19794-4"));
        }
        let version = c.take(4)?;
        if version != b"010\0" {
            let mut v = [0u8; 4];
            v.copy_from_slice(version);
            return Err(IsoImageError::Version(v));
        }
        let declared = c.uint(6)?;
        if declared != bytes.len() as u64 {
            return Err(IsoImageError::Length {
                declared,
                actual: bytes.len(),
            });
        }
        let _device = c.u16()?;
        let acquisition_level = c.u16()?;
        if c.u8()? == 0 {
            return Err(IsoImageError::Invalid("number of fingers"));
        }
        if c.u8()? != 1 {
            return Err(IsoImageError::Invalid("scale units (only ppi is read)"));
        }
        let _scan_h = c.u16()?;
        let _scan_v = c.u16()?;
        let ppi = c.u16()?;
        let _img_v = c.u16()?;
        if c.u8()? != 8 {
            return Err(IsoImageError::Invalid("pixel depth (only 8 bits is read)"));
        }
        let compression = Compression::from_code(c.u8()?)?;
        c.take(2)?;
        let block = c.uint(4)? as usize;
        if block < FINGER_HEADER || block > bytes.len() - GENERAL_HEADER {
            return Err(IsoImageError::Invalid("finger data block length"));
        }
        let position =
            FingerPosition::from_code(c.u8()?).ok_or(IsoImageError::Invalid("finger position"))?;
        let _views = c.u8()?;
        let _view = c.u8()?;
        let quality = c.u8()?;
        let impression = c.u8()?;
        let width = c.u16()?;
        let height = c.u16()?;
        c.take(1)?;
        let data = c.take(block - FINGER_HEADER)?.to_vec();
        if compression == Compression::Raw && data.len() != usize::from(width) * usize::from(height)
        {
            return Err(IsoImageError::Invalid("raw image size"));
        }
        Ok(Self {
            position,
            quality,
            impression,
            acquisition_level,
            ppi,
            width,
            height,
            compression,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> FingerImageIso {
        FingerImageIso {
            position: FingerPosition::LeftIndex,
            quality: 71,
            impression: 0,
            acquisition_level: 31,
            ppi: 500,
            width: 4,
            height: 3,
            compression: Compression::Raw,
            data: (0..12).collect(),
        }
    }

    #[test]
    fn layout_follows_the_standard() {
        let b = sample().to_bytes().unwrap();
        assert_eq!(b.len(), 32 + 14 + 12);
        assert_eq!(&b[..8], b"FIR\x00010\x00");
        assert_eq!(&b[8..14], &[0, 0, 0, 0, 0, 58]);
        assert_eq!(b[18], 1); // fingers
        assert_eq!(&b[24..26], &500u16.to_be_bytes());
        assert_eq!(b[29], 0); // raw
        assert_eq!(&b[32..36], &26u32.to_be_bytes());
        assert_eq!(b[36], 7); // left index
        assert_eq!(b[39], 71);
        assert_eq!(FingerImageIso::from_bytes(&b).unwrap(), sample());
    }

    #[test]
    fn damaged_records_are_named() {
        let b = sample().to_bytes().unwrap();
        assert_eq!(
            FingerImageIso::from_bytes(&b[..40]).unwrap_err(),
            IsoImageError::Length {
                declared: 58,
                actual: 40
            }
        );
        let mut v = b.clone();
        v[4..8].copy_from_slice(b"020\0");
        assert!(matches!(
            FingerImageIso::from_bytes(&v),
            Err(IsoImageError::Version(_))
        ));
        for cut in 0..b.len() {
            assert!(FingerImageIso::from_bytes(&b[..cut]).is_err());
        }
    }
}
