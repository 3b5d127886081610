//! ANSI INCITS 378-2004 finger minutiae record ("FMR\0", version " 20\0").
//!
//! Header: magic (4), version (4), record length (2, or 0 followed by 4 when above 65,535),
//! CBEFF product identifier (4), capture equipment (2), image width, height, x and y
//! resolution in pixels/cm (2 each), number of finger views (1), reserved (1); then the views.
//! Angles are in units of 2 degrees (0–179).

use super::reader::Reader;
use super::{AngleUnit, CodecError, Record, view};
use crate::template::Template;

const MAGIC: &[u8; 4] = b"FMR\0";
const VERSION: &[u8; 4] = b" 20\0";

pub fn decode(bytes: &[u8]) -> Result<Record, CodecError> {
    let mut r = Reader::new(bytes);
    if r.take(4)? != MAGIC {
        return Err(CodecError::BadMagic {
            expected: "ANSI INCITS 378",
        });
    }
    let version = r.take(4)?;
    if version != VERSION {
        let mut v = [0u8; 4];
        v.copy_from_slice(version);
        return Err(CodecError::Version(v));
    }
    let short = r.u16()?;
    let declared = if short == 0 {
        let long = u64::from(r.u32()?);
        // The long form is only for records that do not fit the short one.
        if long <= 0xFFFF {
            return Err(CodecError::Field {
                field: "record length (long form for a short record)",
                offset: 10,
                value: long,
            });
        }
        long
    } else {
        u64::from(short)
    };
    if declared != bytes.len() as u64 {
        return Err(CodecError::Length {
            declared,
            actual: bytes.len(),
        });
    }
    let product_id = r.u32()?;
    let equipment = r.u16()?;
    view::read_image_and_views(&mut r, AngleUnit::Ansi, declared, product_id, equipment)
}

pub fn encode(record: &Record) -> Result<Vec<u8>, CodecError> {
    let views_len: usize = record.views.iter().map(view::encoded_len).sum();
    let count = view::view_count(record)?;
    if record.width == 0 || record.height == 0 || record.res_x < 99 || record.res_y < 99 {
        return Err(CodecError::Unencodable {
            field: "image size or resolution",
            value: 0,
        });
    }
    // 26-byte header with the short length field; 30 bytes with the long one.
    let short_total = 26 + views_len;
    let mut out = Vec::with_capacity(short_total + 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(VERSION);
    if let Ok(len) = u16::try_from(short_total) {
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&((short_total + 4) as u32).to_be_bytes());
    }
    out.extend_from_slice(&record.product_id.to_be_bytes());
    out.extend_from_slice(&record.equipment.to_be_bytes());
    view::write_image_and_views(&mut out, record, count, AngleUnit::Ansi)?;
    Ok(out)
}

pub fn encode_template(t: &Template) -> Result<Vec<u8>, CodecError> {
    encode(&Record::from_template(t, AngleUnit::Ansi)?)
}

pub fn decode_templates(bytes: &[u8]) -> Result<Vec<Template>, CodecError> {
    decode(bytes)?.to_templates(AngleUnit::Ansi)
}
