//! The finger view block, identical in ISO/IEC 19794-2:2005 and ANSI 378-2004 except for the
//! angle unit: position, view/impression, quality, minutiae (6 bytes each), extended data.

use super::iso19794_2::header_image;
use super::reader::Reader;
use super::{AngleUnit, CodecError, FingerView, Impression, Record, RecordKind, RecordMinutia};
use crate::template::FingerPosition;

fn field(field: &'static str, offset: usize, value: impl Into<u64>) -> CodecError {
    CodecError::Field {
        field,
        offset,
        value: value.into(),
    }
}

pub(crate) fn read(
    r: &mut Reader<'_>,
    unit: AngleUnit,
    width: u16,
    height: u16,
) -> Result<FingerView, CodecError> {
    let at = r.offset();
    let code = r.u8()?;
    let position = FingerPosition::from_code(code).ok_or(field("finger position", at, code))?;
    let at = r.offset();
    let vi = r.u8()?;
    let view_number = vi >> 4;
    let impression =
        Impression::from_code(vi & 0x0F).ok_or(field("impression type", at, vi & 0x0F))?;
    let at = r.offset();
    let quality = r.u8()?;
    if quality > 100 {
        return Err(field("finger quality", at, quality));
    }
    let count = usize::from(r.u8()?);
    let mut minutiae = Vec::with_capacity(count.min(r.remaining() / 6));
    for index in 0..count {
        let at = r.offset();
        let xw = r.u16()?;
        let kind = RecordKind::from_code(xw >> 14).ok_or(field("minutia type", at, xw >> 14))?;
        let yw = r.u16()?;
        if yw >> 14 != 0 {
            return Err(field("minutia reserved bits", at + 2, yw >> 14));
        }
        let (x, y) = (xw & 0x3FFF, yw & 0x3FFF);
        if x >= width || y >= height {
            return Err(CodecError::MinutiaOutside { index, x, y });
        }
        let angle_at = r.offset();
        let angle = r.u8()?;
        if unit == AngleUnit::Ansi && angle >= 180 {
            return Err(field("minutia angle", angle_at, angle));
        }
        let q_at = r.offset();
        let quality = r.u8()?;
        if quality > 100 {
            return Err(field("minutia quality", q_at, quality));
        }
        minutiae.push(RecordMinutia {
            kind,
            x,
            y,
            angle,
            quality,
        });
    }
    let ext_len = usize::from(r.u16()?);
    let extended = r.take(ext_len)?.to_vec();
    Ok(FingerView {
        position,
        view_number,
        impression,
        quality,
        minutiae,
        extended,
    })
}

pub(crate) fn encoded_len(v: &FingerView) -> usize {
    4 + 6 * v.minutiae.len() + 2 + v.extended.len()
}

/// The number of finger views, as the one-byte count both record headers carry.
pub(crate) fn view_count(record: &Record) -> Result<u8, CodecError> {
    u8::try_from(record.views.len()).map_err(|_| CodecError::TooMany {
        what: "finger views",
        count: record.views.len(),
    })
}

/// The part ISO/IEC 19794-2 and ANSI 378 records share after their length and equipment
/// fields: image size and resolution, view count, reserved byte, then every view.
pub(crate) fn write_image_and_views(
    out: &mut Vec<u8>,
    record: &Record,
    count: u8,
    unit: AngleUnit,
) -> Result<(), CodecError> {
    for v in [record.width, record.height, record.res_x, record.res_y] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.push(count);
    out.push(0);
    for v in &record.views {
        write(out, v, unit, record.width, record.height)?;
    }
    Ok(())
}

/// [`write_image_and_views`] read back, into the whole record: nothing may follow the last view
/// (`declared` is the record length the header gave, for the error).
pub(crate) fn read_image_and_views(
    r: &mut Reader<'_>,
    unit: AngleUnit,
    declared: u64,
    product_id: u32,
    equipment: u16,
) -> Result<Record, CodecError> {
    let (width, height, res_x, res_y) = header_image(r)?;
    let count = r.u8()?;
    let at = r.offset();
    let reserved = r.u8()?;
    if reserved != 0 {
        return Err(field("reserved byte", at, reserved));
    }
    let mut views = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        views.push(read(r, unit, width, height)?);
    }
    if r.remaining() != 0 {
        return Err(CodecError::Length {
            declared,
            actual: r.offset(),
        });
    }
    Ok(Record {
        product_id,
        equipment,
        width,
        height,
        res_x,
        res_y,
        views,
    })
}

pub(crate) fn write(
    out: &mut Vec<u8>,
    v: &FingerView,
    unit: AngleUnit,
    width: u16,
    height: u16,
) -> Result<(), CodecError> {
    let bad = |field, value: u64| CodecError::Unencodable { field, value };
    if v.view_number > 15 {
        return Err(bad("view number", v.view_number.into()));
    }
    if v.quality > 100 {
        return Err(bad("finger quality", v.quality.into()));
    }
    let count = u8::try_from(v.minutiae.len()).map_err(|_| CodecError::TooMany {
        what: "minutiae",
        count: v.minutiae.len(),
    })?;
    let ext = u16::try_from(v.extended.len()).map_err(|_| CodecError::TooMany {
        what: "extended data bytes",
        count: v.extended.len(),
    })?;
    out.push(v.position.code());
    out.push(v.view_number << 4 | v.impression.code());
    out.push(v.quality);
    out.push(count);
    for (index, m) in v.minutiae.iter().enumerate() {
        if m.x >= width || m.y >= height || m.x > 0x3FFF || m.y > 0x3FFF {
            return Err(CodecError::MinutiaOutside {
                index,
                x: m.x,
                y: m.y,
            });
        }
        if unit == AngleUnit::Ansi && m.angle >= 180 {
            return Err(bad("minutia angle", m.angle.into()));
        }
        if m.quality > 100 {
            return Err(bad("minutia quality", m.quality.into()));
        }
        out.extend_from_slice(&(m.kind.code() << 14 | m.x).to_be_bytes());
        out.extend_from_slice(&m.y.to_be_bytes());
        out.push(m.angle);
        out.push(m.quality);
    }
    out.extend_from_slice(&ext.to_be_bytes());
    out.extend_from_slice(&v.extended);
    Ok(())
}
