//! ISO/IEC 19794-2:2005 on-card minutiae formats (clause 8), the minutiae data object of a
//! match-on-card or KTP-el DG3 record: no header, only minutiae, in metric units.
//!
//! - normal size, 5 bytes per minutia: type (2 bits) + x (14 bits), reserved (2 bits) + y
//!   (14 bits), both in 0.01 mm; angle in 360/256° units;
//! - compact size, 3 bytes per minutia: x and y in 0.1 mm (8 bits each), type (2 bits) + angle
//!   (6 bits, 360/64° units).
//!
//! The type codes are the record's (01 ending, 10 bifurcation; 00 "other" is refused because a
//! [`Minutia`] cannot hold it, 11 is reserved). The compact layout agrees with an independent
//! match-on-card converter (SEP7US, `toISOCC`: x and y as `round(mm / 0.1)`, then type bits |
//! angle in 360/64° steps; it truncates the angle where we round). A card application may require
//! the minutiae sorted (its biometric information template says how); sorting is the caller's
//! choice, so minutiae keep the template's order; conversions between pixels and millimetres round to the
//! nearest unit, so a round trip moves a minutia by at most half a unit (0.05 mm compact, about a
//! quarter pixel at 500 ppi).

use super::{CodecError, RecordKind};
use crate::template::{Minutia, MinutiaKind};
use std::f32::consts::TAU;

/// Which card format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardFormat {
    Normal,
    Compact,
}

impl CardFormat {
    pub fn bytes_per_minutia(self) -> usize {
        match self {
            Self::Normal => 5,
            Self::Compact => 3,
        }
    }

    /// Coordinate units per millimetre.
    fn units_per_mm(self) -> f32 {
        match self {
            Self::Normal => 100.0,
            Self::Compact => 10.0,
        }
    }

    fn max_coordinate(self) -> u16 {
        match self {
            Self::Normal => 0x3FFF,
            Self::Compact => 0xFF,
        }
    }
}

fn kind_code(kind: MinutiaKind) -> u8 {
    match kind {
        MinutiaKind::Ending => RecordKind::Ending as u8,
        MinutiaKind::Bifurcation => RecordKind::Bifurcation as u8,
    }
}

fn to_units(px: u16, ppi: u16, format: CardFormat) -> f32 {
    f32::from(px) * 25.4 / f32::from(ppi) * format.units_per_mm()
}

/// Encodes minutiae (pixel coordinates at `ppi`) in a card format.
pub fn encode(minutiae: &[Minutia], ppi: u16, format: CardFormat) -> Result<Vec<u8>, CodecError> {
    if ppi == 0 {
        return Err(CodecError::Unencodable {
            field: "resolution",
            value: 0,
        });
    }
    if minutiae.len() > 255 {
        return Err(CodecError::TooMany {
            what: "minutiae",
            count: minutiae.len(),
        });
    }
    let mut out = Vec::with_capacity(minutiae.len() * format.bytes_per_minutia());
    for (index, m) in minutiae.iter().enumerate() {
        let (x, y) = (
            to_units(m.x, ppi, format).round(),
            to_units(m.y, ppi, format).round(),
        );
        let max = f32::from(format.max_coordinate());
        if x > max || y > max {
            return Err(CodecError::MinutiaOutside {
                index,
                x: m.x,
                y: m.y,
            });
        }
        let (x, y) = (x as u16, y as u16);
        let kind = u16::from(kind_code(m.kind));
        match format {
            CardFormat::Normal => {
                out.extend_from_slice(&(kind << 14 | x).to_be_bytes());
                out.extend_from_slice(&y.to_be_bytes());
                out.push(((m.angle.rem_euclid(TAU) / TAU * 256.0).round() % 256.0) as u8);
            }
            CardFormat::Compact => {
                let angle = ((m.angle.rem_euclid(TAU) / TAU * 64.0).round() % 64.0) as u8;
                out.push(x as u8);
                out.push(y as u8);
                out.push((kind as u8) << 6 | angle);
            }
        }
    }
    Ok(out)
}

/// Decodes card minutiae into pixel coordinates at `ppi` (quality is not stored on cards: 0).
pub fn decode(bytes: &[u8], ppi: u16, format: CardFormat) -> Result<Vec<Minutia>, CodecError> {
    let size = format.bytes_per_minutia();
    if !bytes.len().is_multiple_of(size) {
        return Err(CodecError::Truncated {
            offset: bytes.len() - bytes.len() % size,
        });
    }
    if !(250..=1000).contains(&ppi) {
        return Err(CodecError::Field {
            field: "resolution",
            offset: 0,
            value: ppi.into(),
        });
    }
    // The same limit as the encoder: a card's minutiae count is one byte.
    let count = bytes.len() / size;
    if count > 255 {
        return Err(CodecError::TooMany {
            what: "minutiae",
            count,
        });
    }
    let px_per_unit = f32::from(ppi) / 25.4 / format.units_per_mm();
    bytes
        .chunks_exact(size)
        .enumerate()
        .map(|(index, c)| {
            let offset = index * size;
            let (kind, x, y, angle) = match format {
                CardFormat::Normal => {
                    let xw = u16::from_be_bytes([c[0], c[1]]);
                    let yw = u16::from_be_bytes([c[2], c[3]]);
                    if yw >> 14 != 0 {
                        return Err(CodecError::Field {
                            field: "minutia reserved bits",
                            offset: offset + 2,
                            value: (yw >> 14).into(),
                        });
                    }
                    (xw >> 14, xw & 0x3FFF, yw, f32::from(c[4]) / 256.0 * TAU)
                }
                CardFormat::Compact => (
                    u16::from(c[2] >> 6),
                    u16::from(c[0]),
                    u16::from(c[1]),
                    f32::from(c[2] & 0x3F) / 64.0 * TAU,
                ),
            };
            let kind = match RecordKind::from_code(kind) {
                Some(RecordKind::Ending) => MinutiaKind::Ending,
                Some(RecordKind::Bifurcation) => MinutiaKind::Bifurcation,
                Some(RecordKind::Other) => return Err(CodecError::OtherMinutiaType),
                None => {
                    return Err(CodecError::Field {
                        field: "minutia type",
                        offset,
                        value: kind.into(),
                    });
                }
            };
            let to_px = |u: u16| (f32::from(u) * px_per_unit).round().min(16383.0) as u16;
            Ok(Minutia::new(to_px(x), to_px(y), angle, kind, 0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f32::consts::FRAC_PI_2;

    /// One ending at (100, 200) px at 500 ppi = (5.08, 10.16) mm, pointing at 90°, and one
    /// bifurcation at the origin pointing at 0°, laid out byte by byte as clause 8 lays them.
    fn two() -> Vec<Minutia> {
        vec![
            Minutia::new(100, 200, FRAC_PI_2, MinutiaKind::Ending, 50),
            Minutia::new(0, 0, 0.0, MinutiaKind::Bifurcation, 50),
        ]
    }

    #[test]
    fn compact_layout_is_x_y_then_type_and_angle_in_64ths() {
        let bytes = encode(&two(), 500, CardFormat::Compact).unwrap();
        // 5.08 mm → 51 × 0.1 mm; 10.16 mm → 102; 90° → 16/64; type 01 in the top bits.
        assert_eq!(bytes, [51, 102, 0b01 << 6 | 16, 0, 0, 0b10 << 6]);
    }

    #[test]
    fn normal_layout_is_type_and_x_then_y_then_angle_in_256ths() {
        let bytes = encode(&two(), 500, CardFormat::Normal).unwrap();
        // 5.08 mm → 508 × 0.01 mm = 0x01FC; 10.16 mm → 1016 = 0x03F8; 90° → 64/256.
        assert_eq!(
            bytes,
            [0x41, 0xFC, 0x03, 0xF8, 64, 0x80, 0x00, 0x00, 0x00, 0x00]
        );
    }

    #[test]
    fn malformed_card_bytes_give_the_offending_field() {
        // Type 11 is reserved.
        assert!(matches!(
            decode(&[0, 0, 0xC0], 500, CardFormat::Compact),
            Err(CodecError::Field {
                field: "minutia type",
                offset: 0,
                value: 3
            })
        ));
        // Normal format: the 2 bits above y are reserved and must be 0.
        assert!(matches!(
            decode(&[0x40, 0, 0x40, 0, 0], 500, CardFormat::Normal),
            Err(CodecError::Field {
                field: "minutia reserved bits",
                offset: 2,
                value: 1
            })
        ));
        assert_eq!(
            decode(&[0x40, 0, 0, 0], 500, CardFormat::Normal),
            Err(CodecError::Truncated { offset: 0 })
        );
        assert_eq!(
            decode(&[0x00, 0, 0], 500, CardFormat::Compact),
            Err(CodecError::OtherMinutiaType)
        );
        assert!(decode(&[1, 2, 0x40], 100, CardFormat::Compact).is_err());
    }

    /// Regression (cargo-fuzz `card`, 2026-11-27): 261 compact minutiae decoded, but the encoder
    /// refuses more than 255, so what we read could not be written back.
    #[test]
    fn more_minutiae_than_a_card_can_count_are_refused_on_decode_too() {
        let bytes: Vec<u8> = std::iter::repeat_n([0x53, 0x5D, 0x40], 261)
            .flatten()
            .collect();
        assert_eq!(
            decode(&bytes, 500, CardFormat::Compact),
            Err(CodecError::TooMany {
                what: "minutiae",
                count: 261
            })
        );
        let max = &bytes[..255 * 3];
        let minutiae = decode(max, 500, CardFormat::Compact).unwrap();
        assert_eq!(encode(&minutiae, 500, CardFormat::Compact).unwrap(), max);
    }
}
