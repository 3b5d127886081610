//! ISO/IEC 19794-5:2005 face image record (`FAC\0`, version `010\0`): 14-byte general header,
//! then per image a 20-byte facial information block, feature points (none written), a 12-byte
//! image information block and the JPEG or JPEG 2000 data.

use super::{Cursor, IsoImageError, put_uint};

const GENERAL_HEADER: usize = 14;
const FACIAL_INFO: usize = 20;
const IMAGE_INFO: usize = 12;
const FEATURE_POINT: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceImageType {
    Basic = 0,
    FullFrontal = 1,
    TokenFrontal = 2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceDataType {
    Jpeg = 0,
    Jpeg2000 = 1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Unspecified = 0,
    Male = 1,
    Female = 2,
    Unknown = 0xFF,
}

/// One face image record (what DG2 of the chip carries inside its biometric template).
#[derive(Clone, PartialEq, Eq)]
pub struct FaceImageIso {
    pub gender: Gender,
    pub image_type: FaceImageType,
    pub data_type: FaceDataType,
    pub width: u16,
    pub height: u16,
    /// Colour space: 1 = 24-bit RGB, 3 = 8-bit grey (table 9).
    pub colour_space: u8,
    /// Source type: 2 = digital still camera (table 10).
    pub source_type: u8,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for FaceImageIso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceImageIso")
            .field("image_type", &self.image_type)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("data", &self.data.len())
            .finish_non_exhaustive()
    }
}

impl FaceImageIso {
    pub fn to_bytes(&self) -> Result<Vec<u8>, IsoImageError> {
        let magic_ok = match self.data_type {
            FaceDataType::Jpeg => self.data.starts_with(&[0xFF, 0xD8]),
            FaceDataType::Jpeg2000 => self.data.len() > 4,
        };
        if !magic_ok {
            return Err(IsoImageError::Invalid("image data does not match its type"));
        }
        let block = FACIAL_INFO + IMAGE_INFO + self.data.len();
        let total = GENERAL_HEADER + block;
        let total32 = u32::try_from(total).map_err(|_| IsoImageError::TooLarge)?;
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(b"FAC\x00010\x00");
        out.extend_from_slice(&total32.to_be_bytes());
        put_uint(&mut out, 1, 2); // one image
        put_uint(&mut out, block as u64, 4);
        put_uint(&mut out, 0, 2); // no feature points
        out.push(self.gender as u8);
        out.push(0); // eye colour unspecified
        out.push(0); // hair colour unspecified
        out.extend_from_slice(&[0, 0, 0]); // feature mask: none specified
        put_uint(&mut out, 1, 2); // expression: neutral
        out.extend_from_slice(&[0, 0, 0]); // pose angles unspecified
        out.extend_from_slice(&[0, 0, 0]); // uncertainty unspecified
        out.push(self.image_type as u8);
        out.push(self.data_type as u8);
        put_uint(&mut out, u64::from(self.width), 2);
        put_uint(&mut out, u64::from(self.height), 2);
        out.push(self.colour_space);
        out.push(self.source_type);
        put_uint(&mut out, 0, 2); // device type unspecified
        put_uint(&mut out, 0, 2); // quality unspecified
        out.extend_from_slice(&self.data);
        Ok(out)
    }

    /// Reads the first face image of a record.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, IsoImageError> {
        let mut c = Cursor::new(bytes);
        if c.take(4)? != b"FAC\0" {
            return Err(IsoImageError::WrongFormat("19794-5"));
        }
        let version = c.take(4)?;
        if version != b"010\0" {
            let mut v = [0u8; 4];
            v.copy_from_slice(version);
            return Err(IsoImageError::Version(v));
        }
        let declared = c.uint(4)?;
        if declared != bytes.len() as u64 {
            return Err(IsoImageError::Length {
                declared,
                actual: bytes.len(),
            });
        }
        if c.u16()? == 0 {
            return Err(IsoImageError::Invalid("number of face images"));
        }
        let block = c.uint(4)? as usize;
        let points = usize::from(c.u16()?);
        let gender = match c.u8()? {
            0 => Gender::Unspecified,
            1 => Gender::Male,
            2 => Gender::Female,
            0xFF => Gender::Unknown,
            _ => return Err(IsoImageError::Invalid("gender")),
        };
        c.take(FACIAL_INFO - 7)?;
        c.take(
            points
                .checked_mul(FEATURE_POINT)
                .ok_or(IsoImageError::TooLarge)?,
        )?;
        let image_type = match c.u8()? {
            0 => FaceImageType::Basic,
            1 => FaceImageType::FullFrontal,
            2 => FaceImageType::TokenFrontal,
            _ => return Err(IsoImageError::Invalid("face image type")),
        };
        let data_type = match c.u8()? {
            0 => FaceDataType::Jpeg,
            1 => FaceDataType::Jpeg2000,
            _ => return Err(IsoImageError::Invalid("image data type")),
        };
        let width = c.u16()?;
        let height = c.u16()?;
        let colour_space = c.u8()?;
        let source_type = c.u8()?;
        c.take(4)?;
        let header = FACIAL_INFO + points * FEATURE_POINT + IMAGE_INFO;
        let len = block
            .checked_sub(header)
            .ok_or(IsoImageError::Invalid("facial record length"))?;
        let data = c.take(len)?.to_vec();
        Ok(Self {
            gender,
            image_type,
            data_type,
            width,
            height,
            colour_space,
            source_type,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> FaceImageIso {
        FaceImageIso {
            gender: Gender::Female,
            image_type: FaceImageType::TokenFrontal,
            data_type: FaceDataType::Jpeg,
            width: 240,
            height: 320,
            colour_space: 1,
            source_type: 2,
            data: vec![0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9],
        }
    }

    #[test]
    fn layout_follows_the_standard() {
        let b = sample().to_bytes().unwrap();
        assert_eq!(b.len(), 14 + 20 + 12 + 7);
        assert_eq!(&b[..8], b"FAC\x00010\x00");
        assert_eq!(&b[8..12], &53u32.to_be_bytes());
        assert_eq!(&b[14..18], &39u32.to_be_bytes());
        assert_eq!(b[20], 2); // female
        assert_eq!(b[34], 2); // token frontal
        assert_eq!(&b[36..38], &240u16.to_be_bytes());
        assert_eq!(FaceImageIso::from_bytes(&b).unwrap(), sample());
    }

    #[test]
    fn damaged_records_are_named() {
        let b = sample().to_bytes().unwrap();
        for cut in 0..b.len() {
            assert!(FaceImageIso::from_bytes(&b[..cut]).is_err());
        }
        let mut bad = sample();
        bad.data = vec![1, 2, 3];
        assert_eq!(
            bad.to_bytes().unwrap_err(),
            IsoImageError::Invalid("image data does not match its type")
        );
    }
}
