//! A generic USB HID report-descriptor parser (HID 1.11, section 6.2.2) and field reader.
//!
//! Only what input reports need: global state (usage page, logical range, report size, count
//! and id, push/pop), local usages (single, extended 32-bit, and min/max ranges), collections
//! and Input/Output/Feature main items. Every length and count is bounded, so a hostile
//! descriptor gives an error, never a panic or a huge allocation.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HidError {
    #[error("report descriptor ends inside an item at byte {0}")]
    Truncated(usize),
    #[error("report size {0} bits is over 32")]
    ReportSize(u32),
    #[error("report count {0} is over 1024")]
    ReportCount(u32),
    #[error("collections do not balance")]
    Collections,
    #[error("pop without push")]
    Pop,
    #[error("descriptor has no pen: missing {0}")]
    NotAPen(&'static str),
    #[error("report of {got} bytes, the pen report needs {need}")]
    ShortReport { need: usize, got: usize },
    #[error("empty report")]
    EmptyReport,
}

pub const PAGE_GENERIC_DESKTOP: u16 = 0x01;
pub const PAGE_DIGITIZER: u16 = 0x0d;

/// A usage: page in the high 16 bits, id in the low 16.
pub const fn usage(page: u16, id: u16) -> u32 {
    ((page as u32) << 16) | id as u32
}

pub const USAGE_X: u32 = usage(PAGE_GENERIC_DESKTOP, 0x30);
pub const USAGE_Y: u32 = usage(PAGE_GENERIC_DESKTOP, 0x31);
pub const USAGE_TIP_PRESSURE: u32 = usage(PAGE_DIGITIZER, 0x30);
pub const USAGE_IN_RANGE: u32 = usage(PAGE_DIGITIZER, 0x32);
pub const USAGE_TIP_SWITCH: u32 = usage(PAGE_DIGITIZER, 0x42);

/// One Input item: `count` values of `size` bits from `bit_offset` in the report (after the
/// report-id byte, if the device uses ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub report_id: u8,
    pub bit_offset: u32,
    pub size: u32,
    pub count: u32,
    pub logical_min: i32,
    pub logical_max: i32,
    pub constant: bool,
    pub variable: bool,
    usages: Vec<u32>,
    usage_range: Option<(u32, u32)>,
}

impl Field {
    /// The usage of value `i`.
    pub fn usage(&self, i: u32) -> Option<u32> {
        if let Some(u) = self.usages.get(i as usize) {
            return Some(*u);
        }
        if let Some((lo, hi)) = self.usage_range {
            let u = lo.checked_add(i)?;
            return (u <= hi).then_some(u);
        }
        // Fewer usages than values: the last one repeats (HID 1.11, 6.2.2.8).
        self.usages.last().copied()
    }

    /// Reads value `i` from a report payload (without the id byte).
    pub fn value(&self, payload: &[u8], i: u32) -> Option<i32> {
        let start = u64::from(self.bit_offset) + u64::from(i) * u64::from(self.size);
        let end = start + u64::from(self.size);
        if end > payload.len() as u64 * 8 || self.size == 0 {
            return None;
        }
        let mut raw: u64 = 0;
        for bit in 0..u64::from(self.size) {
            let b = start + bit;
            let byte = payload[(b / 8) as usize];
            raw |= u64::from((byte >> (b % 8)) & 1) << bit;
        }
        let v = if self.logical_min < 0 && self.size < 64 && raw & (1 << (self.size - 1)) != 0 {
            (raw as i64 - (1i64 << self.size)) as i32
        } else {
            raw as u32 as i32
        };
        Some(v)
    }

    /// Bytes the report payload must have to hold this field.
    pub fn end_byte(&self) -> usize {
        ((u64::from(self.bit_offset) + u64::from(self.size) * u64::from(self.count)).div_ceil(8))
            as usize
    }
}

/// The parsed input side of a descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportDescriptor {
    pub fields: Vec<Field>,
    pub uses_report_ids: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Globals {
    usage_page: u16,
    logical_min: i32,
    logical_max_raw: u32,
    logical_max_size: usize,
    report_size: u32,
    report_count: u32,
    report_id: u8,
}

fn signed(raw: u32, size: usize) -> i32 {
    match size {
        1 => raw as u8 as i8 as i32,
        2 => raw as u16 as i16 as i32,
        _ => raw as i32,
    }
}

/// Parses a report descriptor.
pub fn parse_descriptor(desc: &[u8]) -> Result<ReportDescriptor, HidError> {
    let mut g = Globals::default();
    let mut stack: Vec<Globals> = Vec::new();
    let (mut usages, mut umin, mut umax): (Vec<u32>, Option<u32>, Option<u32>) =
        (Vec::new(), None, None);
    let mut depth: i32 = 0;
    let mut offsets: std::collections::HashMap<(u8, u8), u32> = Default::default();
    let mut out = ReportDescriptor::default();
    let mut i = 0usize;
    while i < desc.len() {
        let prefix = desc[i];
        if prefix == 0xfe {
            // Long item: skip (none are defined for use).
            let size = usize::from(*desc.get(i + 1).ok_or(HidError::Truncated(i))?);
            i += 3 + size;
            if i > desc.len() {
                return Err(HidError::Truncated(desc.len()));
            }
            continue;
        }
        let size = [0usize, 1, 2, 4][usize::from(prefix & 3)];
        let data = desc
            .get(i + 1..i + 1 + size)
            .ok_or(HidError::Truncated(i))?;
        let raw = data
            .iter()
            .rev()
            .fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
        let (kind, tag) = ((prefix >> 2) & 3, prefix >> 4);
        let full_usage = |raw: u32, g: &Globals| {
            if size == 4 {
                raw
            } else {
                usage(g.usage_page, raw as u16)
            }
        };
        match (kind, tag) {
            // Main items
            (0, 0x8) | (0, 0x9) | (0, 0xb) => {
                let bits = g
                    .report_size
                    .checked_mul(g.report_count)
                    .ok_or(HidError::ReportCount(g.report_count))?;
                let slot = offsets.entry((g.report_id, tag)).or_insert(0);
                if tag == 0x8 {
                    let logical_max = if g.logical_min < 0 {
                        signed(g.logical_max_raw, g.logical_max_size)
                    } else {
                        g.logical_max_raw as i32
                    };
                    out.fields.push(Field {
                        report_id: g.report_id,
                        bit_offset: *slot,
                        size: g.report_size,
                        count: g.report_count,
                        logical_min: g.logical_min,
                        logical_max,
                        constant: raw & 1 != 0,
                        variable: raw & 2 != 0,
                        usages: std::mem::take(&mut usages),
                        usage_range: umin.zip(umax),
                    });
                }
                *slot = slot.saturating_add(bits);
                usages.clear();
                (umin, umax) = (None, None);
            }
            (0, 0xa) => {
                depth += 1;
                usages.clear();
                (umin, umax) = (None, None);
            }
            (0, 0xc) => {
                depth -= 1;
                if depth < 0 {
                    return Err(HidError::Collections);
                }
            }
            // Global items
            (1, 0x0) => g.usage_page = raw as u16,
            (1, 0x1) => g.logical_min = signed(raw, size),
            (1, 0x2) => {
                g.logical_max_raw = raw;
                g.logical_max_size = size;
            }
            (1, 0x7) => {
                if raw > 32 {
                    return Err(HidError::ReportSize(raw));
                }
                g.report_size = raw;
            }
            (1, 0x8) => {
                g.report_id = raw as u8;
                out.uses_report_ids = true;
            }
            (1, 0x9) => {
                if raw > 1024 {
                    return Err(HidError::ReportCount(raw));
                }
                g.report_count = raw;
            }
            (1, 0xa) => {
                if stack.len() >= 16 {
                    return Err(HidError::Collections);
                }
                stack.push(g);
            }
            (1, 0xb) => g = stack.pop().ok_or(HidError::Pop)?,
            // Local items
            (2, 0x0) if usages.len() < 1024 => usages.push(full_usage(raw, &g)),
            (2, 0x1) => umin = Some(full_usage(raw, &g)),
            (2, 0x2) => umax = Some(full_usage(raw, &g)),
            _ => {} // physical range, units, strings, designators: not needed
        }
        i += 1 + size;
    }
    if depth != 0 {
        return Err(HidError::Collections);
    }
    Ok(out)
}

/// Where the pen's values sit in its input report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PenLayout {
    pub report_id: Option<u8>,
    x: (Field, u32),
    y: (Field, u32),
    tip: (Field, u32),
    in_range: Option<(Field, u32)>,
    pressure: Option<(Field, u32)>,
    payload_len: usize,
}

/// One pen report, normalised: x, y and pressure in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PenSample {
    pub x: f32,
    pub y: f32,
    pub pressure: f32,
    pub tip: bool,
    pub in_range: bool,
}

fn find(desc: &ReportDescriptor, wanted: u32, report_id: Option<u8>) -> Option<(Field, u32)> {
    desc.fields
        .iter()
        .filter(|f| !f.constant && report_id.is_none_or(|id| f.report_id == id))
        .find_map(|f| {
            (0..f.count)
                .find(|&i| f.usage(i) == Some(wanted))
                .map(|i| (f.clone(), i))
        })
}

impl PenLayout {
    /// Finds X, Y and tip switch (required), in-range and tip pressure (optional) in the same
    /// report.
    pub fn from_descriptor(desc: &ReportDescriptor) -> Result<Self, HidError> {
        let x = find(desc, USAGE_X, None).ok_or(HidError::NotAPen("X"))?;
        let id = x.0.report_id;
        let y = find(desc, USAGE_Y, Some(id)).ok_or(HidError::NotAPen("Y"))?;
        let tip = find(desc, USAGE_TIP_SWITCH, Some(id)).ok_or(HidError::NotAPen("tip switch"))?;
        let in_range = find(desc, USAGE_IN_RANGE, Some(id));
        let pressure = find(desc, USAGE_TIP_PRESSURE, Some(id));
        let payload_len = desc
            .fields
            .iter()
            .filter(|f| f.report_id == id)
            .map(Field::end_byte)
            .max()
            .unwrap_or(0);
        Ok(Self {
            report_id: desc.uses_report_ids.then_some(id),
            x,
            y,
            tip,
            in_range,
            pressure,
            payload_len,
        })
    }

    /// Bytes of a whole pen report, including the id byte.
    pub fn report_len(&self) -> usize {
        self.payload_len + usize::from(self.report_id.is_some())
    }

    /// Decodes one input report. `Ok(None)` for reports of other collections (other ids).
    pub fn parse_report(&self, report: &[u8]) -> Result<Option<PenSample>, HidError> {
        let payload = match self.report_id {
            Some(id) => {
                let (&first, rest) = report.split_first().ok_or(HidError::EmptyReport)?;
                if first != id {
                    return Ok(None);
                }
                rest
            }
            None => report,
        };
        if payload.len() < self.payload_len {
            return Err(HidError::ShortReport {
                need: self.report_len(),
                got: report.len(),
            });
        }
        let norm = |(f, i): &(Field, u32)| -> f32 {
            let v = f.value(payload, *i).unwrap_or(f.logical_min);
            let span = (i64::from(f.logical_max) - i64::from(f.logical_min)).max(1) as f32;
            ((i64::from(v) - i64::from(f.logical_min)) as f32 / span).clamp(0.0, 1.0)
        };
        let flag = |(f, i): &(Field, u32)| f.value(payload, *i).is_some_and(|v| v != 0);
        let tip = flag(&self.tip);
        Ok(Some(PenSample {
            x: norm(&self.x),
            y: norm(&self.y),
            pressure: self
                .pressure
                .as_ref()
                .map_or(if tip { 1.0 } else { 0.0 }, norm),
            tip,
            in_range: self.in_range.as_ref().is_none_or(flag),
        }))
    }

    /// Encodes a sample as this device would report it (for the simulated pad).
    pub fn encode(&self, s: &PenSample) -> Vec<u8> {
        let mut payload = vec![0u8; self.payload_len];
        let scale = |(f, _): &(Field, u32), v: f32| {
            let span = (i64::from(f.logical_max) - i64::from(f.logical_min)) as f32;
            (i64::from(f.logical_min) + (v.clamp(0.0, 1.0) * span).round() as i64) as i32
        };
        let mut put = |(f, i): &(Field, u32), v: i32| {
            let start = f.bit_offset as usize + *i as usize * f.size as usize;
            for bit in 0..f.size as usize {
                let b = start + bit;
                if let Some(byte) = payload.get_mut(b / 8)
                    && (v >> bit) & 1 != 0
                {
                    *byte |= 1 << (b % 8);
                }
            }
        };
        put(&self.x, scale(&self.x, s.x));
        put(&self.y, scale(&self.y, s.y));
        put(&self.tip, i32::from(s.tip));
        if let Some(r) = &self.in_range {
            put(r, i32::from(s.in_range));
        }
        if let Some(p) = &self.pressure {
            put(p, scale(p, s.pressure));
        }
        let mut report = Vec::with_capacity(self.report_len());
        report.extend(self.report_id);
        report.extend(payload);
        report
    }
}

/// A pen descriptor shaped like a Wacom / Windows-pen digitizer: report id 2; tip switch,
/// barrel switch, invert, eraser, in range (1 bit each, 3 padding bits); 16-bit X 0..32767
/// and Y 0..20479 with physical size and units; 12-bit tip pressure 0..4095 (+4 padding).
pub const WACOM_LIKE_PEN_DESCRIPTOR: &[u8] = &[
    0x05, 0x0d, // Usage Page (Digitizer)
    0x09, 0x02, // Usage (Pen)
    0xa1, 0x01, // Collection (Application)
    0x85, 0x02, //   Report ID (2)
    0x09, 0x20, //   Usage (Stylus)
    0xa1, 0x00, //   Collection (Physical)
    0x09, 0x42, //     Usage (Tip Switch)
    0x09, 0x44, //     Usage (Barrel Switch)
    0x09, 0x3c, //     Usage (Invert)
    0x09, 0x45, //     Usage (Eraser)
    0x09, 0x32, //     Usage (In Range)
    0x15, 0x00, //     Logical Minimum (0)
    0x25, 0x01, //     Logical Maximum (1)
    0x75, 0x01, //     Report Size (1)
    0x95, 0x05, //     Report Count (5)
    0x81, 0x02, //     Input (Data, Var, Abs)
    0x95, 0x03, //     Report Count (3)
    0x81, 0x03, //     Input (Const, Var, Abs) — padding
    0x05, 0x01, //     Usage Page (Generic Desktop)
    0x09, 0x30, //     Usage (X)
    0x75, 0x10, //     Report Size (16)
    0x95, 0x01, //     Report Count (1)
    0xa4, //           Push
    0x55, 0x0d, //     Unit Exponent (-3)
    0x65, 0x11, //     Unit (cm)
    0x35, 0x00, //     Physical Minimum (0)
    0x46, 0x40, 0x1f, // Physical Maximum (8000)
    0x26, 0xff, 0x7f, // Logical Maximum (32767)
    0x81, 0x02, //     Input (Data, Var, Abs)
    0x09, 0x31, //     Usage (Y)
    0x46, 0x00, 0x14, // Physical Maximum (5120)
    0x26, 0xff, 0x4f, // Logical Maximum (20479)
    0x81, 0x02, //     Input (Data, Var, Abs)
    0xb4, //           Pop
    0x05, 0x0d, //     Usage Page (Digitizer)
    0x09, 0x30, //     Usage (Tip Pressure)
    0x26, 0xff, 0x0f, // Logical Maximum (4095)
    0x75, 0x0c, //     Report Size (12)
    0x81, 0x02, //     Input (Data, Var, Abs)
    0x75, 0x04, //     Report Size (4)
    0x81, 0x03, //     Input (Const) — padding
    0xc0, //         End Collection
    0xc0, //       End Collection
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_wacom_like_pen_and_reads_a_report() {
        let d = parse_descriptor(WACOM_LIKE_PEN_DESCRIPTOR).unwrap();
        assert!(d.uses_report_ids);
        let pen = PenLayout::from_descriptor(&d).unwrap();
        assert_eq!(pen.report_len(), 1 + 1 + 2 + 2 + 2);
        // id 2; tip + in range; X = 16384; Y = 10240; pressure 2048.
        let report = [0x02, 0b0001_0001, 0x00, 0x40, 0x00, 0x28, 0x00, 0x08];
        let s = pen.parse_report(&report).unwrap().unwrap();
        assert!(s.tip && s.in_range);
        assert!((s.x - 16384.0 / 32767.0).abs() < 1e-6);
        assert!((s.y - 10240.0 / 20479.0).abs() < 1e-6);
        assert!((s.pressure - 2048.0 / 4095.0).abs() < 1e-6);
        // Other report ids are not pen reports; truncated and empty ones are errors.
        assert_eq!(pen.parse_report(&[0x03, 0, 0]).unwrap(), None);
        assert_eq!(
            pen.parse_report(&report[..5]),
            Err(HidError::ShortReport { need: 8, got: 5 })
        );
        assert_eq!(pen.parse_report(&[]), Err(HidError::EmptyReport));
        // Encoding is the inverse of parsing.
        assert_eq!(pen.encode(&s), report.to_vec());
    }

    #[test]
    fn malformed_descriptors_are_errors() {
        let d = WACOM_LIKE_PEN_DESCRIPTOR;
        // Once the application collection is open (byte 6 on), every truncation is an
        // error: inside an item, or with the collection left open.
        for cut in 6..d.len() {
            assert!(parse_descriptor(&d[..cut]).is_err(), "cut at {cut}");
        }
        assert_eq!(parse_descriptor(&d[..3]), Err(HidError::Truncated(2)));
        assert_eq!(
            parse_descriptor(&[0x75, 0x40]),
            Err(HidError::ReportSize(64))
        );
        assert_eq!(
            parse_descriptor(&[0x96, 0x00, 0x10]),
            Err(HidError::ReportCount(4096))
        );
        assert_eq!(parse_descriptor(&[0xc0]), Err(HidError::Collections));
        assert_eq!(parse_descriptor(&[0xb4]), Err(HidError::Pop));
        assert_eq!(
            parse_descriptor(&[0xfe, 0x05, 0x00]),
            Err(HidError::Truncated(3))
        );
        // A keyboard-like descriptor has no pen.
        let kbd = [
            0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0x05, 0x07, 0x19, 0xe0, 0x29, 0xe7, 0x15, 0x00,
            0x25, 0x01, 0x75, 0x01, 0x95, 0x08, 0x81, 0x02, 0xc0,
        ];
        let k = parse_descriptor(&kbd).unwrap();
        assert_eq!(PenLayout::from_descriptor(&k), Err(HidError::NotAPen("X")));
        assert_eq!(k.fields[0].usage(3), Some(usage(0x07, 0xe3)));
    }

    #[test]
    fn signed_fields_sign_extend() {
        // Logical range -127..127, 8-bit X/Y (mouse-like) without report ids.
        let desc = [
            0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x02,
            0x81, 0x06,
        ];
        let d = parse_descriptor(&desc).unwrap();
        assert_eq!(d.fields[0].value(&[0xff, 0x05], 0), Some(-1));
        assert_eq!(d.fields[0].value(&[0xff, 0x05], 1), Some(5));
        assert_eq!(d.fields[0].value(&[0xff], 1), None);
    }
}
