//! ISO/IEC 19794-2:2005 finger minutiae record ("FMR\0", version " 20\0").
//!
//! Header (24 bytes): magic (4), version (4), record length (4), capture equipment (2: 4 bits
//! compliance + 12 bits id), image width (2), height (2), x and y resolution in pixels/cm (2+2),
//! number of finger views (1), reserved (1); then the views (see `view`). Angles are in units of
//! 360/256 degrees.

use super::reader::Reader;
use super::{AngleUnit, CodecError, Record, view};
use crate::template::Template;

const MAGIC: &[u8; 4] = b"FMR\0";
const VERSION: &[u8; 4] = b" 20\0";
const HEADER_LEN: usize = 24;
/// 250 ppi in pixels/cm: lower resolutions are not fingerprint images.
const MIN_RESOLUTION: u16 = 99;

pub fn decode(bytes: &[u8]) -> Result<Record, CodecError> {
    let mut r = Reader::new(bytes);
    if r.take(4)? != MAGIC {
        return Err(CodecError::BadMagic {
            expected: "ISO/IEC 19794-2",
        });
    }
    let version = r.take(4)?;
    if version != VERSION {
        let mut v = [0u8; 4];
        v.copy_from_slice(version);
        return Err(CodecError::Version(v));
    }
    let declared = r.u32()?;
    if u64::from(declared) != bytes.len() as u64 {
        return Err(CodecError::Length {
            declared: declared.into(),
            actual: bytes.len(),
        });
    }
    let at = r.offset();
    let equipment = r.u16()?;
    if equipment & 0x7000 != 0 {
        return Err(CodecError::Field {
            field: "capture equipment compliance",
            offset: at,
            value: (equipment >> 12).into(),
        });
    }
    view::read_image_and_views(&mut r, AngleUnit::Iso, declared.into(), 0, equipment)
}

/// Width, height and resolutions, each checked.
pub(crate) fn header_image(r: &mut Reader<'_>) -> Result<(u16, u16, u16, u16), CodecError> {
    let mut next = |name: &'static str, min: u16| -> Result<u16, CodecError> {
        let at = r.offset();
        let v = r.u16()?;
        if v < min {
            return Err(CodecError::Field {
                field: name,
                offset: at,
                value: v.into(),
            });
        }
        Ok(v)
    };
    Ok((
        next("image width", 1)?,
        next("image height", 1)?,
        next("x resolution", MIN_RESOLUTION)?,
        next("y resolution", MIN_RESOLUTION)?,
    ))
}

pub fn encode(record: &Record) -> Result<Vec<u8>, CodecError> {
    let views_len: usize = record.views.iter().map(view::encoded_len).sum();
    let total = HEADER_LEN + views_len;
    let count = view::view_count(record)?;
    if record.width == 0 || record.height == 0 {
        return Err(CodecError::Unencodable {
            field: "image size",
            value: 0,
        });
    }
    if record.res_x < MIN_RESOLUTION || record.res_y < MIN_RESOLUTION {
        return Err(CodecError::Unencodable {
            field: "resolution",
            value: record.res_x.min(record.res_y).into(),
        });
    }
    if record.equipment & 0x7000 != 0 {
        return Err(CodecError::Unencodable {
            field: "capture equipment compliance",
            value: (record.equipment >> 12).into(),
        });
    }
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(VERSION);
    out.extend_from_slice(&(total as u32).to_be_bytes());
    out.extend_from_slice(&record.equipment.to_be_bytes());
    view::write_image_and_views(&mut out, record, count, AngleUnit::Iso)?;
    Ok(out)
}

/// A one-view ISO record for a template.
pub fn encode_template(t: &Template) -> Result<Vec<u8>, CodecError> {
    encode(&Record::from_template(t, AngleUnit::Iso)?)
}

/// The templates of every view of an ISO record.
pub fn decode_templates(bytes: &[u8]) -> Result<Vec<Template>, CodecError> {
    decode(bytes)?.to_templates(AngleUnit::Iso)
}
