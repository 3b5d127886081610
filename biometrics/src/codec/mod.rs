//! Minutiae template interchange formats: ISO/IEC 19794-2:2005 (record, and the compact and
//! normal card formats used on the KTP-el chip) and ANSI INCITS 378-2004.
//!
//! Both record formats share one object model, [`Record`]: a header describing the image and one
//! or more finger views, each with its minutiae in the record's own units (pixels, angle units).
//! Decoders validate every field and report the first violation with its byte offset; nothing in
//! here panics on outside bytes (fuzzed in `biometrics/fuzz`).

pub mod ansi378;
pub mod card;
pub mod iso19794_2;
mod reader;
mod view;

use crate::template::{FingerPosition, Minutia, MinutiaKind, Template};
use std::f32::consts::TAU;
use thiserror::Error;

/// Why bytes are not a valid template, or a value cannot be encoded.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CodecError {
    #[error("templat terpotong pada byte {offset} / template truncated at byte {offset}")]
    Truncated { offset: usize },
    #[error("bukan templat {expected} (penanda salah) / not a {expected} template (bad magic)")]
    BadMagic { expected: &'static str },
    #[error("versi templat tidak didukung / unsupported template version {0:?}")]
    Version([u8; 4]),
    #[error(
        "panjang rekaman {declared} tidak sesuai dengan {actual} byte / record length {declared} does not match {actual} bytes"
    )]
    Length { declared: u64, actual: usize },
    #[error(
        "medan {field} tidak sah pada byte {offset}: {value} / invalid {field} at byte {offset}: {value}"
    )]
    Field {
        field: &'static str,
        offset: usize,
        value: u64,
    },
    #[error(
        "minusi {index} di luar gambar ({x}, {y}) / minutia {index} outside the image ({x}, {y})"
    )]
    MinutiaOutside { index: usize, x: u16, y: u16 },
    #[error("terlalu banyak {what} ({count}) / too many {what} ({count})")]
    TooMany { what: &'static str, count: usize },
    #[error("jenis minusi 'lain' tidak didukung / minutia type 'other' is not supported here")]
    OtherMinutiaType,
    #[error("nilai {field} tidak bisa dikodekan: {value} / cannot encode {field}: {value}")]
    Unencodable { field: &'static str, value: u64 },
}

/// Minutia type codes shared by both standards (2 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Other,
    Ending,
    Bifurcation,
}

impl RecordKind {
    fn code(self) -> u16 {
        match self {
            Self::Other => 0,
            Self::Ending => 1,
            Self::Bifurcation => 2,
        }
    }

    fn from_code(code: u16) -> Option<Self> {
        match code {
            0 => Some(Self::Other),
            1 => Some(Self::Ending),
            2 => Some(Self::Bifurcation),
            _ => None,
        }
    }
}

/// One minutia in record units: pixels and the format's angle unit.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RecordMinutia {
    pub kind: RecordKind,
    pub x: u16,
    pub y: u16,
    /// ISO: 1.40625° units (0–255); ANSI: 2° units (0–179).
    pub angle: u8,
    pub quality: u8,
}

/// Impression types (ISO/IEC 19794-2 and ANSI 378 table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impression {
    LivePlain,
    LiveRolled,
    NonLivePlain,
    NonLiveRolled,
    Swipe,
}

impl Impression {
    fn code(self) -> u8 {
        match self {
            Self::LivePlain => 0,
            Self::LiveRolled => 1,
            Self::NonLivePlain => 2,
            Self::NonLiveRolled => 3,
            Self::Swipe => 8,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::LivePlain),
            1 => Some(Self::LiveRolled),
            2 => Some(Self::NonLivePlain),
            3 => Some(Self::NonLiveRolled),
            8 => Some(Self::Swipe),
            _ => None,
        }
    }
}

/// One finger view of a record.
#[derive(Clone, PartialEq, Eq)]
pub struct FingerView {
    pub position: FingerPosition,
    /// 0–15.
    pub view_number: u8,
    pub impression: Impression,
    /// 0–100.
    pub quality: u8,
    pub minutiae: Vec<RecordMinutia>,
    /// Extended data blocks, kept as bytes (ridge counts, core/delta, vendor data).
    pub extended: Vec<u8>,
}

/// A finger minutiae record (header + views).
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    /// ANSI 378 only: CBEFF product identifier (owner << 16 | type).
    pub product_id: u32,
    /// Capture equipment: compliance (4 bits) and id (12 bits).
    pub equipment: u16,
    pub width: u16,
    pub height: u16,
    /// Pixels per centimetre.
    pub res_x: u16,
    pub res_y: u16,
    pub views: Vec<FingerView>,
}

/// Records are biometric data: the debug form shows the header and counts only.
impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("res_x", &self.res_x)
            .field("views", &self.views)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for FingerView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FingerView")
            .field("position", &self.position)
            .field("quality", &self.quality)
            .field("minutiae", &self.minutiae.len())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for RecordMinutia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordMinutia { .. }")
    }
}

/// Pixels per centimetre for a resolution in pixels per inch (500 ppi → 197).
pub fn ppi_to_ppcm(ppi: u16) -> u16 {
    (f32::from(ppi) / 2.54).round() as u16
}

/// Pixels per inch for pixels per centimetre (197 → 500).
pub fn ppcm_to_ppi(ppcm: u16) -> u16 {
    (f32::from(ppcm) * 2.54).round() as u16
}

/// Angle units of a format: how many make a full turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AngleUnit {
    /// ISO/IEC 19794-2: 256 per turn.
    Iso,
    /// ANSI 378: 2° units, 180 per turn.
    Ansi,
}

impl AngleUnit {
    fn per_turn(self) -> f32 {
        match self {
            Self::Iso => 256.0,
            Self::Ansi => 180.0,
        }
    }

    pub(crate) fn encode(self, radians: f32) -> u8 {
        let n = self.per_turn();
        ((radians.rem_euclid(TAU) / TAU * n).round() % n) as u8
    }

    pub(crate) fn decode(self, units: u8) -> f32 {
        f32::from(units) / self.per_turn() * TAU
    }
}

impl Record {
    /// A one-view record holding a template (live-scan plain impression).
    pub(crate) fn from_template(t: &Template, unit: AngleUnit) -> Result<Self, CodecError> {
        if t.minutiae.len() > 255 {
            return Err(CodecError::TooMany {
                what: "minutiae",
                count: t.minutiae.len(),
            });
        }
        let minutiae = t
            .minutiae
            .iter()
            .map(|m| RecordMinutia {
                kind: match m.kind {
                    MinutiaKind::Ending => RecordKind::Ending,
                    MinutiaKind::Bifurcation => RecordKind::Bifurcation,
                },
                x: m.x,
                y: m.y,
                angle: unit.encode(m.angle),
                quality: m.quality.min(100),
            })
            .collect();
        let ppcm = ppi_to_ppcm(t.ppi);
        Ok(Self {
            product_id: 0,
            equipment: 0,
            width: t.width,
            height: t.height,
            res_x: ppcm,
            res_y: ppcm,
            views: vec![FingerView {
                position: t.position,
                view_number: 0,
                impression: Impression::LivePlain,
                quality: t.quality.min(100),
                minutiae,
                extended: Vec::new(),
            }],
        })
    }

    /// The templates of every view.
    pub(crate) fn to_templates(&self, unit: AngleUnit) -> Result<Vec<Template>, CodecError> {
        self.views
            .iter()
            .map(|v| {
                let minutiae = v
                    .minutiae
                    .iter()
                    .map(|m| {
                        let kind = match m.kind {
                            RecordKind::Ending => MinutiaKind::Ending,
                            RecordKind::Bifurcation => MinutiaKind::Bifurcation,
                            RecordKind::Other => return Err(CodecError::OtherMinutiaType),
                        };
                        Ok(Minutia::new(
                            m.x,
                            m.y,
                            unit.decode(m.angle),
                            kind,
                            m.quality,
                        ))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Template {
                    width: self.width,
                    height: self.height,
                    ppi: ppcm_to_ppi(self.res_x),
                    position: v.position,
                    quality: v.quality,
                    minutiae,
                    orientation: None,
                })
            })
            .collect()
    }
}
