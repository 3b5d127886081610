//! The persisted gallery: a compact binary file with a versioned, checksummed header.
//!
//! Layout (little-endian):
//! ```text
//! offset size  field
//!      0    8  magic "REKAMIDX"
//!      8    2  format version (2; version 1 files, without ridge flow, still load)
//!     10    2  reserved, 0
//!     12    4  number of fingers
//!     16    8  body length in bytes
//!     24    4  CRC-32 (IEEE) of the body
//!     28    4  CRC-32 (IEEE) of bytes 0..28
//!     32    …  body: per finger
//!              record u64, position u8, quality u8, width u16, height u16, ppi u16,
//!              minutiae count u16, then per minutia
//!              x u16, y u16, angle u16 (units of 2π/65536), kind u8 (1 ending, 2 bifurcation),
//!              quality u8,
//!              then (version 2) the ridge flow: flag u8 (0 none, 1 present), and if present
//!              cell u16, cols u16, rows u16, cols·rows codes u8 (`OrientationField`)
//! ```
//! A version 1 file loads with no ridge flow on any finger: its fingers compare on minutiae
//! alone (the matcher's score without the flow factor) until they are enrolled again.
//! Minutiae and ridge flow are stored; the pruning keys are derived again on load, so a file never
//! disagrees with the code that reads it. Every field is validated: corrupt or hostile input
//! gives an [`IndexFileError`], never a panic or an unbounded allocation.

use super::RecordId;
use crate::template::{FingerPosition, Minutia, MinutiaKind, OrientationField, Template};
use std::f32::consts::TAU;
use thiserror::Error;

const MAGIC: &[u8; 8] = b"REKAMIDX";
const VERSION: u16 = 2;
/// The first version, without the ridge-flow section.
const VERSION_MINUTIAE_ONLY: u16 = 1;
const HEADER: usize = 32;
const FINGER_HEADER: usize = 18;
const MINUTIA: usize = 8;

/// Why bytes could not be loaded as a gallery. Messages: Bahasa Indonesia, then English.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IndexFileError {
    #[error("berkas indeks terlalu pendek ({0} byte) / index file too short ({0} bytes)")]
    TooShort(usize),
    #[error("bukan berkas indeks Rekam / not a Rekam index file (bad magic)")]
    BadMagic,
    #[error("versi berkas indeks {0} tidak didukung / unsupported index file version {0}")]
    UnsupportedVersion(u16),
    #[error("header berkas indeks rusak / index file header checksum mismatch")]
    HeaderChecksum,
    #[error(
        "panjang isi berkas indeks tidak cocok: header {declared}, berkas {actual} / \
         index body length mismatch: header says {declared}, file has {actual}"
    )]
    BodyLength { declared: u64, actual: u64 },
    #[error("isi berkas indeks rusak / index file body checksum mismatch")]
    BodyChecksum,
    #[error("entri {entry} rusak: {reason} / entry {entry} is malformed")]
    Entry { entry: u32, reason: &'static str },
    #[error("data tersisa setelah entri terakhir / trailing bytes after the last entry")]
    TrailingBytes,
    #[error(transparent)]
    Full(#[from] super::IndexFull),
}

/// Writes the file for `fingers`.
pub fn encode<'a>(fingers: impl Iterator<Item = (RecordId, &'a Template)>) -> Vec<u8> {
    let mut body = Vec::new();
    let mut count = 0u32;
    for (record, t) in fingers {
        count += 1;
        // The format holds up to 65535 minutiae; the matcher uses at most 255 anyway.
        let minutiae = &t.minutiae[..t.minutiae.len().min(usize::from(u16::MAX))];
        body.extend_from_slice(&record.to_le_bytes());
        body.push(t.position.code());
        body.push(t.quality);
        for v in [t.width, t.height, t.ppi, minutiae.len() as u16] {
            body.extend_from_slice(&v.to_le_bytes());
        }
        for m in minutiae {
            let angle = ((m.angle / TAU) * 65536.0).round() as u32 as u16;
            for v in [m.x, m.y, angle] {
                body.extend_from_slice(&v.to_le_bytes());
            }
            body.push(match m.kind {
                MinutiaKind::Ending => 1,
                MinutiaKind::Bifurcation => 2,
            });
            body.push(m.quality);
        }
        write_flow(&mut body, t.orientation.as_ref());
    }
    let mut head = Vec::with_capacity(16);
    head.extend_from_slice(MAGIC);
    head.extend_from_slice(&VERSION.to_le_bytes());
    head.extend_from_slice(&0u16.to_le_bytes());
    head.extend_from_slice(&count.to_le_bytes());
    seal(&head, &body)
}

/// The file: the header's first 16 bytes (`head`: magic, version, reserved, count), the body's
/// length and checksum, the header's checksum, then the body.
fn seal(head: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(head);
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32(body).to_le_bytes());
    let header_crc = crc32(&out);
    out.extend_from_slice(&header_crc.to_le_bytes());
    out.extend_from_slice(body);
    out
}

fn write_flow(body: &mut Vec<u8>, flow: Option<&OrientationField>) {
    match flow {
        None => body.push(0),
        Some(f) => {
            body.push(1);
            for v in [f.cell(), f.cols(), f.rows()] {
                body.extend_from_slice(&v.to_le_bytes());
            }
            body.extend_from_slice(f.codes());
        }
    }
}

/// Reads and validates a file written by [`encode`] (or by the first version of the format).
pub fn decode(bytes: &[u8]) -> Result<Vec<(RecordId, Template)>, IndexFileError> {
    let (version, count, body) = check_header(bytes)?;
    // Each finger takes at least FINGER_HEADER bytes: bound the allocation by the body size.
    if (count as usize).saturating_mul(FINGER_HEADER) > body.len() {
        return Err(IndexFileError::Entry {
            entry: 0,
            reason: "more fingers declared than the body can hold",
        });
    }
    let mut reader = Reader { bytes: body };
    let mut out = Vec::with_capacity(count as usize);
    for entry in 0..count {
        out.push(
            read_finger(&mut reader, version)
                .map_err(|reason| IndexFileError::Entry { entry, reason })?,
        );
    }
    if !reader.bytes.is_empty() {
        return Err(IndexFileError::TrailingBytes);
    }
    Ok(out)
}

fn check_header(bytes: &[u8]) -> Result<(u16, u32, &[u8]), IndexFileError> {
    let header = bytes
        .get(..HEADER)
        .ok_or(IndexFileError::TooShort(bytes.len()))?;
    if &header[..8] != MAGIC {
        return Err(IndexFileError::BadMagic);
    }
    let u16_at = |i: usize| u16::from_le_bytes([header[i], header[i + 1]]);
    let u32_at =
        |i: usize| u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let version = u16_at(8);
    if version != VERSION && version != VERSION_MINUTIAE_ONLY {
        return Err(IndexFileError::UnsupportedVersion(version));
    }
    if u32_at(28) != crc32(&header[..28]) {
        return Err(IndexFileError::HeaderChecksum);
    }
    let count = u32_at(12);
    let declared = u64::from(u32_at(16)) | (u64::from(u32_at(20)) << 32);
    let body = &bytes[HEADER..];
    if declared != body.len() as u64 {
        return Err(IndexFileError::BodyLength {
            declared,
            actual: body.len() as u64,
        });
    }
    if u32_at(24) != crc32(body) {
        return Err(IndexFileError::BodyChecksum);
    }
    Ok((version, count, body))
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], &'static str> {
        if self.bytes.len() < n {
            return Err("truncated");
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, &'static str> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, &'static str> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u64(&mut self) -> Result<u64, &'static str> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
}

fn read_finger(r: &mut Reader<'_>, version: u16) -> Result<(RecordId, Template), &'static str> {
    let record = r.u64()?;
    let position = FingerPosition::from_code(r.u8()?).ok_or("unknown finger position")?;
    let quality = r.u8()?;
    if quality > 100 {
        return Err("quality above 100");
    }
    let (width, height, ppi) = (r.u16()?, r.u16()?, r.u16()?);
    if width == 0 || height == 0 {
        return Err("zero image size");
    }
    if !(250..=1000).contains(&ppi) {
        return Err("resolution outside 250–1000 ppi");
    }
    let n = usize::from(r.u16()?);
    if r.bytes.len() < n * MINUTIA {
        return Err("truncated minutiae");
    }
    let mut minutiae = Vec::with_capacity(n);
    for _ in 0..n {
        let (x, y, angle) = (r.u16()?, r.u16()?, r.u16()?);
        if x >= width || y >= height {
            return Err("minutia outside the image");
        }
        let kind = match r.u8()? {
            1 => MinutiaKind::Ending,
            2 => MinutiaKind::Bifurcation,
            _ => return Err("unknown minutia kind"),
        };
        let q = r.u8()?;
        if q > 100 {
            return Err("minutia quality above 100");
        }
        minutiae.push(Minutia::new(
            x,
            y,
            f32::from(angle) * TAU / 65536.0,
            kind,
            q,
        ));
    }
    let orientation = if version == VERSION_MINUTIAE_ONLY {
        None
    } else {
        read_flow(r)?
    };
    Ok((
        record,
        Template {
            width,
            height,
            ppi,
            position,
            quality,
            minutiae,
            orientation,
        },
    ))
}

fn read_flow(r: &mut Reader<'_>) -> Result<Option<OrientationField>, &'static str> {
    match r.u8()? {
        0 => Ok(None),
        1 => {
            let (cell, cols, rows) = (r.u16()?, r.u16()?, r.u16()?);
            // `take` checks the length against what is left before anything is allocated.
            let codes = r.take(usize::from(cols) * usize::from(rows))?.to_vec();
            OrientationField::new(cell, cols, rows, codes)
                .map(Some)
                .map_err(|_| "invalid ridge flow")
        }
        _ => Err("unknown ridge flow flag"),
    }
}

/// CRC-32 (IEEE 802.3, reflected, as in zlib and PNG).
pub fn crc32(bytes: &[u8]) -> u32 {
    static TABLE: [u32; 256] = crc_table();
    let mut crc = !0u32;
    for &b in bytes {
        crc = TABLE[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small template with varied fields (positions, angles over the whole turn, both kinds).
    fn master(seed: u16, position: FingerPosition) -> Template {
        let minutiae = (0..40u16)
            .map(|i| {
                let k = i.wrapping_mul(37).wrapping_add(seed * 11);
                let kind = if k % 3 == 0 {
                    MinutiaKind::Bifurcation
                } else {
                    MinutiaKind::Ending
                };
                Minutia::new(
                    20 + k % 300,
                    15 + (k * 7) % 330,
                    f32::from(k % 360).to_radians(),
                    kind,
                    (k % 101) as u8,
                )
            })
            .collect();
        Template {
            width: 388,
            height: 374,
            ppi: 500,
            position,
            quality: 70,
            minutiae,
            orientation: Some(flow(seed)),
        }
    }

    /// A 25×24 field of 16 px cells with a background border.
    fn flow(seed: u16) -> OrientationField {
        let (cols, rows) = (25u16, 24u16);
        let codes = (0..rows)
            .flat_map(|r| (0..cols).map(move |c| (r, c)))
            .map(|(r, c)| {
                if r == 0 || c == 0 || r == rows - 1 || c == cols - 1 {
                    OrientationField::BACKGROUND
                } else {
                    ((r * 5 + c * 3 + seed) % 128) as u8
                }
            })
            .collect();
        OrientationField::new(16, cols, rows, codes).unwrap()
    }

    /// The first version of the format, as it was written before the ridge flow existed.
    fn encode_version_1(fingers: &[(RecordId, &Template)]) -> Vec<u8> {
        let stripped: Vec<(RecordId, Template)> = fingers
            .iter()
            .map(|&(r, t)| {
                (
                    r,
                    Template {
                        orientation: None,
                        ..t.clone()
                    },
                )
            })
            .collect();
        let file = encode(stripped.iter().map(|(r, t)| (*r, t)));
        // Version 2 with "no flow" is version 1 plus one 0 byte after each finger's minutiae.
        let mut body = Vec::new();
        let mut rest = &file[HEADER..];
        for (_, t) in &stripped {
            let len = FINGER_HEADER + MINUTIA * t.minutiae.len();
            body.extend_from_slice(&rest[..len]);
            assert_eq!(rest[len], 0);
            rest = &rest[len + 1..];
        }
        let mut head = file[..8].to_vec();
        head.extend_from_slice(&1u16.to_le_bytes());
        head.extend_from_slice(&file[10..16]);
        seal(&head, &body)
    }

    #[test]
    fn the_ridge_flow_round_trips_and_a_template_without_one_stays_without() {
        let with = master(3, FingerPosition::RightRing);
        let without = Template {
            orientation: None,
            ..master(4, FingerPosition::RightLittle)
        };
        let back = decode(&encode([(1u64, &with), (2u64, &without)].into_iter())).unwrap();
        assert_eq!(back[0].1.orientation, with.orientation);
        assert_eq!(back[1].1.orientation, None);
    }

    #[test]
    fn a_version_1_file_loads_without_ridge_flow() {
        let t1 = master(1, FingerPosition::RightIndex);
        let t2 = master(2, FingerPosition::LeftThumb);
        let old = encode_version_1(&[(10, &t1), (11, &t2)]);
        assert_eq!(u16::from_le_bytes([old[8], old[9]]), 1);
        let back = decode(&old).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[1].0, 11);
        assert_eq!(back[1].1.minutiae.len(), t2.minutiae.len());
        assert!(back.iter().all(|(_, t)| t.orientation.is_none()));
    }

    #[test]
    fn a_bad_ridge_flow_is_rejected() {
        let t = master(1, FingerPosition::RightIndex);
        let good = encode([(10u64, &t)].into_iter());
        let flow_at = HEADER + FINGER_HEADER + MINUTIA * t.minutiae.len();
        let body = good[HEADER..].to_vec();
        let flow = flow_at - HEADER;
        let cases = [
            (flow, 7, "unknown ridge flow flag"),
            // A code that is neither a direction nor background.
            (flow + 7 + 30, 200, "invalid ridge flow"),
            // More cells declared than bytes follow.
            (flow + 3, 0xFF, "truncated"),
        ];
        for (at, value, reason) in cases {
            let mut bad = body.clone();
            bad[at] = value;
            assert_eq!(
                decode(&seal(&good[..16], &bad)),
                Err(IndexFileError::Entry { entry: 0, reason }),
                "byte {at} = {value}"
            );
        }
    }

    fn sample() -> Vec<u8> {
        let t1 = master(1, FingerPosition::RightIndex);
        let t2 = master(2, FingerPosition::LeftThumb);
        encode([(10u64, &t1), (11u64, &t2)].into_iter())
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn round_trips_templates() {
        let t = master(1, FingerPosition::RightIndex);
        let back = decode(&sample()).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].0, 10);
        assert_eq!(back[0].1.minutiae.len(), t.minutiae.len());
        for (a, b) in back[0].1.minutiae.iter().zip(&t.minutiae) {
            assert_eq!((a.x, a.y, a.kind, a.quality), (b.x, b.y, b.kind, b.quality));
            assert!((a.angle - b.angle).abs() < 1e-3 || (a.angle - b.angle).abs() > TAU - 1e-3);
        }
        assert_eq!(back[1].1.position, FingerPosition::LeftThumb);
    }

    #[test]
    fn every_kind_of_damage_is_named() {
        let good = sample();
        assert_eq!(decode(&good[..10]), Err(IndexFileError::TooShort(10)));
        let mut bad = good.clone();
        bad[0] = b'X';
        assert_eq!(decode(&bad), Err(IndexFileError::BadMagic));
        let mut bad = good.clone();
        bad[8] = 9;
        assert_eq!(decode(&bad), Err(IndexFileError::UnsupportedVersion(9)));
        let mut bad = good.clone();
        bad[12] ^= 1;
        assert_eq!(decode(&bad), Err(IndexFileError::HeaderChecksum));
        let mut bad = good.clone();
        bad.pop();
        assert!(matches!(
            decode(&bad),
            Err(IndexFileError::BodyLength { .. })
        ));
        let mut bad = good.clone();
        let last = bad.len() - 3;
        bad[last] ^= 0x40;
        assert_eq!(decode(&bad), Err(IndexFileError::BodyChecksum));
    }

    #[test]
    fn invalid_fields_behind_valid_checksums_are_rejected() {
        // Re-encode a body with a bad position code and correct checksums.
        let good = sample();
        let mut body = good[HEADER..].to_vec();
        body[8] = 42;
        assert_eq!(
            decode(&seal(&good[..16], &body)),
            Err(IndexFileError::Entry {
                entry: 0,
                reason: "unknown finger position"
            })
        );
        assert!(IndexFileError::BodyChecksum.to_string().contains("rusak"));
    }
}
