//! Typed records of one enrollment and their mapping to ANSI/NIST-ITL fields.

use std::str::FromStr;

use super::NistError;
use super::encoding::{self, BinaryRecord, DATA_FIELD, Record, TaggedRecord, Value};
use crate::image::FingerImage;
use crate::template::{FingerPosition, Minutia, MinutiaKind, Template};
use crate::wsq::{self, EncodeOptions, WsqError};

/// Version field 1.002 for ANSI/NIST-ITL 1-2011.
pub const VERSION: &str = "0500";
/// Field 2.003: which Type-2 field set the record follows (see docs/nist-dukcapil-type2.md).
pub const TYPE2_PROFILE: &str = "REKAM-DUKCAPIL-1";

// ---------------------------------------------------------------------------------------------
// Field helpers

fn field(r: &TaggedRecord, tag: u16) -> Result<&Value, NistError> {
    r.get(tag).ok_or(NistError::MissingField {
        record: r.kind,
        field: tag,
    })
}

fn text(r: &TaggedRecord, tag: u16) -> Result<String, NistError> {
    field(r, tag)?
        .as_str()
        .map(str::to_string)
        .ok_or(NistError::InvalidField {
            record: r.kind,
            field: tag,
            reason: "expected a single value",
        })
}

fn opt_text(r: &TaggedRecord, tag: u16) -> Result<Option<String>, NistError> {
    r.get(tag).map(|_| text(r, tag)).transpose()
}

fn number<T: FromStr>(r: &TaggedRecord, tag: u16) -> Result<T, NistError> {
    text(r, tag)?.parse().map_err(|_| NistError::InvalidField {
        record: r.kind,
        field: tag,
        reason: "expected a number",
    })
}

fn invalid(record: u16, field: u16, reason: &'static str) -> NistError {
    NistError::InvalidField {
        record,
        field,
        reason,
    }
}

fn items(v: &[&str]) -> Value {
    Value::Text(vec![v.iter().map(|s| s.to_string()).collect()])
}

fn check_date(record: u16, field: u16, d: &str) -> Result<(), NistError> {
    let ok = d.len() == 8
        && d.bytes().all(|b| b.is_ascii_digit())
        && (1..=12).contains(&d[4..6].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&d[6..8].parse::<u8>().unwrap_or(0));
    if ok {
        Ok(())
    } else {
        Err(invalid(record, field, "date is not YYYYMMDD"))
    }
}

// ---------------------------------------------------------------------------------------------
// Type-1

/// Type-1: who sends what to whom, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionInfo {
    /// 1.004 TOT, type of transaction (Rekam uses `ENR`, see docs).
    pub tot: String,
    /// 1.005 DAT, YYYYMMDD.
    pub date: String,
    /// 1.006 PRY, 1 (highest) to 9.
    pub priority: Option<u8>,
    /// 1.007 DAI, destination agency (the national AFIS).
    pub destination: String,
    /// 1.008 ORI, originating agency (the Disdukcapil office or station).
    pub originator: String,
    /// 1.009 TCN, transaction control number (the packet id).
    pub tcn: String,
    /// 1.013 DOM, domain name and version of the user-defined fields.
    pub domain: Option<(String, String)>,
    /// 1.014 GMT, YYYYMMDDhhmmssZ.
    pub gmt: Option<String>,
}

impl TransactionInfo {
    fn to_record(&self) -> Result<TaggedRecord, NistError> {
        check_date(1, 5, &self.date)?;
        let mut r = TaggedRecord::new(1)
            .with(2, Value::text(VERSION))
            .with(4, Value::text(&self.tot))
            .with(5, Value::text(&self.date))
            .with(7, Value::text(&self.destination))
            .with(8, Value::text(&self.originator))
            .with(9, Value::text(&self.tcn))
            // No Type-3…7 images: both resolutions are 00.00 by the standard.
            .with(11, Value::text("00.00"))
            .with(12, Value::text("00.00"));
        if let Some(p) = self.priority {
            if !(1..=9).contains(&p) {
                return Err(invalid(1, 6, "priority outside 1–9"));
            }
            r = r.with(6, Value::text(p.to_string()));
        }
        if let Some((name, version)) = &self.domain {
            r = r.with(13, items(&[name, version]));
        }
        if let Some(g) = &self.gmt {
            r = r.with(14, Value::text(g));
        }
        Ok(r)
    }

    fn from_record(r: &TaggedRecord) -> Result<Self, NistError> {
        let version = text(r, 2)?;
        if !version.starts_with("05") {
            return Err(invalid(
                1,
                2,
                "not an ANSI/NIST-ITL 1-2011 (05xx) transaction",
            ));
        }
        let date = text(r, 5)?;
        check_date(1, 5, &date)?;
        let domain = match r.get(13) {
            None => None,
            Some(v) => match v.subfields() {
                [sf] if sf.len() == 2 => Some((sf[0].clone(), sf[1].clone())),
                _ => return Err(invalid(1, 13, "DOM is not (name, version)")),
            },
        };
        Ok(Self {
            tot: text(r, 4)?,
            date,
            priority: r.get(6).map(|_| number(r, 6)).transpose()?,
            destination: text(r, 7)?,
            originator: text(r, 8)?,
            tcn: text(r, 9)?,
            domain,
            gmt: opt_text(r, 14)?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Type-2, Dukcapil field set

/// Field 2.024 holds SIAK's one-letter code (`L` / `P`).
pub use identity::Sex;

/// Address as on the KTP-el: street, RT, RW, kelurahan/desa, kecamatan, kabupaten/kota,
/// provinsi (field 2.030, one subfield of seven items).
#[derive(Clone, PartialEq, Eq)]
pub struct Address {
    pub street: String,
    pub rt: String,
    pub rw: String,
    pub kelurahan: String,
    pub kecamatan: String,
    pub kabupaten: String,
    pub provinsi: String,
}

/// The applicant's descriptive data (Type-2, profile `REKAM-DUKCAPIL-1`).
#[derive(Clone, PartialEq, Eq)]
pub struct Applicant {
    /// 2.010 NIK, 16 digits.
    pub nik: String,
    /// 2.011 No. KK (family card), 16 digits.
    pub family_card: Option<String>,
    /// 2.018 name as on the KTP-el.
    pub name: String,
    /// 2.020 place of birth.
    pub place_of_birth: String,
    /// 2.022 date of birth, YYYYMMDD.
    pub date_of_birth: String,
    /// 2.024 `L` or `P`.
    pub sex: Sex,
    /// 2.025 blood type (A, B, AB, O, or `-`).
    pub blood_type: Option<String>,
    /// 2.030.
    pub address: Address,
    /// 2.035 agama.
    pub religion: String,
    /// 2.036 status perkawinan.
    pub marital_status: String,
    /// 2.037 pekerjaan.
    pub occupation: String,
    /// 2.038 kewarganegaraan (`WNI` / `WNA`).
    pub citizenship: String,
    /// 2.040 service (e.g. `KTP-EL-BARU`).
    pub service: Option<String>,
    /// 2.041 enrollment station id.
    pub station: Option<String>,
}

/// Personal data stays out of logs: only the last four NIK digits are shown.
impl std::fmt::Debug for Applicant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tail = self
            .nik
            .get(self.nik.len().saturating_sub(4)..)
            .unwrap_or("");
        f.debug_struct("Applicant")
            .field("nik", &format_args!("************{tail}"))
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Address { .. }")
    }
}

fn check_nik(field: u16, v: &str) -> Result<(), NistError> {
    if v.len() == 16 && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(invalid(2, field, "not 16 digits"))
    }
}

impl Applicant {
    fn to_record(&self, idc: u8) -> Result<TaggedRecord, NistError> {
        check_nik(10, &self.nik)?;
        check_date(2, 22, &self.date_of_birth)?;
        let a = &self.address;
        let mut r = TaggedRecord::new(2)
            .with(2, Value::text(idc.to_string()))
            .with(3, Value::text(TYPE2_PROFILE))
            .with(10, Value::text(&self.nik))
            .with(18, Value::text(&self.name))
            .with(20, Value::text(&self.place_of_birth))
            .with(22, Value::text(&self.date_of_birth))
            .with(24, Value::text(self.sex.code()))
            .with(
                30,
                items(&[
                    &a.street,
                    &a.rt,
                    &a.rw,
                    &a.kelurahan,
                    &a.kecamatan,
                    &a.kabupaten,
                    &a.provinsi,
                ]),
            )
            .with(35, Value::text(&self.religion))
            .with(36, Value::text(&self.marital_status))
            .with(37, Value::text(&self.occupation))
            .with(38, Value::text(&self.citizenship));
        if let Some(kk) = &self.family_card {
            check_nik(11, kk)?;
            r = r.with(11, Value::text(kk));
        }
        for (tag, v) in [
            (25, &self.blood_type),
            (40, &self.service),
            (41, &self.station),
        ] {
            if let Some(v) = v {
                r = r.with(tag, Value::text(v));
            }
        }
        Ok(r)
    }

    fn from_record(r: &TaggedRecord) -> Result<Self, NistError> {
        if text(r, 3)? != TYPE2_PROFILE {
            return Err(invalid(2, 3, "unknown Type-2 profile"));
        }
        let nik = text(r, 10)?;
        check_nik(10, &nik)?;
        let family_card = opt_text(r, 11)?;
        if let Some(kk) = &family_card {
            check_nik(11, kk)?;
        }
        let date_of_birth = text(r, 22)?;
        check_date(2, 22, &date_of_birth)?;
        let sex =
            Sex::from_code(&text(r, 24)?).ok_or_else(|| invalid(2, 24, "sex is not L or P"))?;
        let address = match field(r, 30)?.subfields() {
            [sf] if sf.len() == 7 => Address {
                street: sf[0].clone(),
                rt: sf[1].clone(),
                rw: sf[2].clone(),
                kelurahan: sf[3].clone(),
                kecamatan: sf[4].clone(),
                kabupaten: sf[5].clone(),
                provinsi: sf[6].clone(),
            },
            _ => return Err(invalid(2, 30, "address is not seven items")),
        };
        Ok(Self {
            nik,
            family_card,
            name: text(r, 18)?,
            place_of_birth: text(r, 20)?,
            date_of_birth,
            sex,
            blood_type: opt_text(r, 25)?,
            address,
            religion: text(r, 35)?,
            marital_status: text(r, 36)?,
            occupation: text(r, 37)?,
            citizenship: text(r, 38)?,
            service: opt_text(r, 40)?,
            station: opt_text(r, 41)?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Type-14

/// Impression type (IMP), table 7 of the standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impression {
    LiveScanPlain = 0,
    LiveScanRolled = 1,
    NonLiveScanPlain = 2,
    NonLiveScanRolled = 3,
}

impl Impression {
    fn from_code(record: u16, field: u16, c: u8) -> Result<Self, NistError> {
        Ok(match c {
            0 => Self::LiveScanPlain,
            1 => Self::LiveScanRolled,
            2 => Self::NonLiveScanPlain,
            3 => Self::NonLiveScanRolled,
            _ => return Err(invalid(record, field, "impression type not supported")),
        })
    }
}

/// One finger image (Type-14), WSQ-compressed.
#[derive(Clone, PartialEq, Eq)]
pub struct FingerImageRecord {
    /// 14.013 FGP.
    pub position: FingerPosition,
    /// 14.003 IMP.
    pub impression: Impression,
    /// 14.004 SRC, the capturing agency.
    pub source_agency: String,
    /// 14.005 FCD, YYYYMMDD.
    pub capture_date: String,
    /// 14.006 HLL / 14.007 VLL.
    pub width: u16,
    pub height: u16,
    /// 14.009/14.010 pixels per inch (SLC 1).
    pub ppi: u16,
    /// 0–100, written as 14.024 FQM and mapped to NFIQ 1–5 in 14.022 NQM.
    pub quality: Option<u8>,
    /// 14.999 the WSQ file.
    pub wsq: Vec<u8>,
}

impl std::fmt::Debug for FingerImageRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FingerImageRecord")
            .field("position", &self.position)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("quality", &self.quality)
            .field("wsq", &self.wsq.len())
            .finish_non_exhaustive()
    }
}

/// NFIQ class (1 best … 5 worst) for a 0–100 quality score.
pub fn nfiq_class(quality: u8) -> u8 {
    5 - (quality.min(99) / 20)
}

impl FingerImageRecord {
    /// Compresses a captured image into a record.
    pub fn from_image(
        image: &FingerImage,
        position: FingerPosition,
        quality: Option<u8>,
        source_agency: &str,
        capture_date: &str,
        options: &EncodeOptions,
    ) -> Result<Self, WsqError> {
        Ok(Self {
            position,
            impression: Impression::LiveScanPlain,
            source_agency: source_agency.to_string(),
            capture_date: capture_date.to_string(),
            width: image.width() as u16,
            height: image.height() as u16,
            ppi: image.ppi(),
            quality: quality.map(|q| q.min(100)),
            wsq: wsq::encode(image, options)?,
        })
    }

    /// Decompresses the image.
    pub fn image(&self) -> Result<FingerImage, WsqError> {
        wsq::decode(&self.wsq)
    }

    fn to_record(&self, idc: u8) -> Result<TaggedRecord, NistError> {
        check_date(14, 5, &self.capture_date)?;
        let fgp = self.position.code().to_string();
        let mut r = TaggedRecord::new(14)
            .with(2, Value::text(idc.to_string()))
            .with(3, Value::text((self.impression as u8).to_string()))
            .with(4, Value::text(&self.source_agency))
            .with(5, Value::text(&self.capture_date))
            .with(6, Value::text(self.width.to_string()))
            .with(7, Value::text(self.height.to_string()))
            .with(8, Value::text("1"))
            .with(9, Value::text(self.ppi.to_string()))
            .with(10, Value::text(self.ppi.to_string()))
            .with(11, Value::text("WSQ20"))
            .with(12, Value::text("8"))
            .with(13, Value::text(&fgp));
        if let Some(q) = self.quality {
            let q = q.min(100);
            r = r
                .with(22, items(&[&fgp, &nfiq_class(q).to_string()]))
                // FQM: position, score, vendor 0000 (unregistered), algorithm 1.
                .with(24, items(&[&fgp, &q.to_string(), "0000", "1"]));
        }
        Ok(r.with(DATA_FIELD, Value::Binary(self.wsq.clone())))
    }

    fn from_record(r: &TaggedRecord) -> Result<Self, NistError> {
        if text(r, 11)? != "WSQ20" {
            return Err(invalid(14, 11, "only WSQ20 compression is read"));
        }
        if text(r, 8)? != "1" {
            return Err(invalid(14, 8, "scale units are not pixels per inch"));
        }
        let position = FingerPosition::from_code(number(r, 13)?).ok_or(invalid(
            14,
            13,
            "finger position outside 0–10",
        ))?;
        let quality = match r.get(24) {
            None => None,
            Some(v) => match v.subfields() {
                [sf] if sf.len() == 4 => Some(
                    sf[1]
                        .parse::<u8>()
                        .ok()
                        .filter(|q| *q <= 100)
                        .ok_or(invalid(14, 24, "quality outside 0–100"))?,
                ),
                _ => return Err(invalid(14, 24, "FQM is not (FGP, QVU, QAV, QAP)")),
            },
        };
        let wsq = match field(r, DATA_FIELD)? {
            Value::Binary(b) => b.clone(),
            Value::Text(_) => return Err(invalid(14, DATA_FIELD, "image data is not binary")),
        };
        let capture_date = text(r, 5)?;
        check_date(14, 5, &capture_date)?;
        Ok(Self {
            position,
            impression: Impression::from_code(14, 3, number(r, 3)?)?,
            source_agency: text(r, 4)?,
            capture_date,
            width: number(r, 6)?,
            height: number(r, 7)?,
            ppi: number(r, 9)?,
            quality,
            wsq,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Type-10

/// The face photograph (Type-10), JPEG baseline.
#[derive(Clone, PartialEq, Eq)]
pub struct FaceRecord {
    /// 10.004 SRC.
    pub source_agency: String,
    /// 10.005 PHD, YYYYMMDD.
    pub capture_date: String,
    pub width: u16,
    pub height: u16,
    /// 10.012 CSP: `GRAY` when true, else `YCC` (JPEG colour).
    pub grey: bool,
    /// 10.999 the JPEG file.
    pub jpeg: Vec<u8>,
}

impl std::fmt::Debug for FaceRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceRecord")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("jpeg", &self.jpeg.len())
            .finish_non_exhaustive()
    }
}

impl FaceRecord {
    fn to_record(&self, idc: u8) -> Result<TaggedRecord, NistError> {
        check_date(10, 5, &self.capture_date)?;
        if !self.jpeg.starts_with(&[0xFF, 0xD8]) {
            return Err(invalid(10, DATA_FIELD, "face image is not a JPEG"));
        }
        Ok(TaggedRecord::new(10)
            .with(2, Value::text(idc.to_string()))
            .with(3, Value::text("FACE"))
            .with(4, Value::text(&self.source_agency))
            .with(5, Value::text(&self.capture_date))
            .with(6, Value::text(self.width.to_string()))
            .with(7, Value::text(self.height.to_string()))
            // SLC 0: no absolute scale, square pixels (THPS = TVPS = 1).
            .with(8, Value::text("0"))
            .with(9, Value::text("1"))
            .with(10, Value::text("1"))
            .with(11, Value::text("JPEGB"))
            .with(12, Value::text(if self.grey { "GRAY" } else { "YCC" }))
            .with(20, Value::text("F"))
            .with(DATA_FIELD, Value::Binary(self.jpeg.clone())))
    }

    fn from_record(r: &TaggedRecord) -> Result<Self, NistError> {
        if text(r, 3)? != "FACE" {
            return Err(invalid(10, 3, "not a face image"));
        }
        if text(r, 11)? != "JPEGB" {
            return Err(invalid(10, 11, "only JPEGB compression is read"));
        }
        let jpeg = match field(r, DATA_FIELD)? {
            Value::Binary(b) if b.starts_with(&[0xFF, 0xD8]) => b.clone(),
            _ => return Err(invalid(10, DATA_FIELD, "face image is not a JPEG")),
        };
        let grey = match text(r, 12)?.as_str() {
            "GRAY" => true,
            "YCC" | "RGB" | "SRGB" => false,
            _ => return Err(invalid(10, 12, "unknown colour space")),
        };
        Ok(Self {
            source_agency: text(r, 4)?,
            capture_date: text(r, 5)?,
            width: number(r, 6)?,
            height: number(r, 7)?,
            grey,
            jpeg,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Type-8

/// The signature (Type-8): an uncompressed bi-level scan, one bit per pixel, rows padded to
/// whole bytes, 1 = ink.
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureRecord {
    width: u16,
    height: u16,
    bits: Vec<u8>,
}

impl std::fmt::Debug for SignatureRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignatureRecord")
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

impl SignatureRecord {
    fn row_bytes(width: u16) -> usize {
        usize::from(width).div_ceil(8)
    }

    /// Binarises a grey rendering (pixels darker than `threshold` are ink).
    pub fn from_grey(width: u16, height: u16, pixels: &[u8], threshold: u8) -> Option<Self> {
        let (w, h) = (usize::from(width), usize::from(height));
        if w == 0 || h == 0 || pixels.len() != w * h {
            return None;
        }
        let rb = Self::row_bytes(width);
        let mut bits = vec![0u8; rb * h];
        for y in 0..h {
            for x in 0..w {
                if pixels[y * w + x] < threshold {
                    bits[y * rb + x / 8] |= 0x80 >> (x % 8);
                }
            }
        }
        Some(Self {
            width,
            height,
            bits,
        })
    }

    pub fn width(&self) -> u16 {
        self.width
    }

    pub fn height(&self) -> u16 {
        self.height
    }

    /// Ink at (x, y)?
    pub fn ink(&self, x: u16, y: u16) -> bool {
        let rb = Self::row_bytes(self.width);
        x < self.width
            && y < self.height
            && self
                .bits
                .get(usize::from(y) * rb + usize::from(x) / 8)
                .is_some_and(|b| b & (0x80 >> (x % 8)) != 0)
    }

    fn to_record(&self, idc: u8) -> BinaryRecord {
        // SIG 0 (the subject's), SRT 0 (scanned, uncompressed), ISR 0 (native 19.69 ppmm).
        let mut body = vec![0, 0, 0];
        body.extend_from_slice(&self.width.to_be_bytes());
        body.extend_from_slice(&self.height.to_be_bytes());
        body.extend_from_slice(&self.bits);
        BinaryRecord { kind: 8, idc, body }
    }

    fn from_record(r: &BinaryRecord) -> Result<Self, NistError> {
        let b = &r.body;
        if b.len() < 7 {
            return Err(NistError::Truncated {
                record: 8,
                needed: 12,
                available: b.len() + 5,
            });
        }
        if b[1] != 0 {
            return Err(invalid(
                8,
                4,
                "only uncompressed scanned signatures are read",
            ));
        }
        let width = u16::from_be_bytes([b[3], b[4]]);
        let height = u16::from_be_bytes([b[5], b[6]]);
        let bits = b[7..].to_vec();
        if width == 0 || height == 0 || bits.len() != Self::row_bytes(width) * usize::from(height) {
            return Err(invalid(8, 8, "image size does not match HLL × VLL"));
        }
        Ok(Self {
            width,
            height,
            bits,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Type-9

/// Minutiae of one finger (Type-9, standard fields 9.005–9.012), linked by IDC to the
/// Type-14 image they were extracted from.
#[derive(Debug, Clone, PartialEq)]
pub struct MinutiaeRecord {
    /// 9.005 OFR: name of the extraction system.
    pub system: String,
    pub template: Template,
}

/// 0.01 mm per pixel.
fn units_per_pixel(ppi: u16) -> f64 {
    2540.0 / f64::from(ppi.max(1))
}

impl MinutiaeRecord {
    fn to_record(&self, idc: u8, impression: Impression) -> Result<TaggedRecord, NistError> {
        let t = &self.template;
        let k = units_per_pixel(t.ppi);
        let mut mrc = Vec::with_capacity(t.minutiae.len());
        for (i, m) in t.minutiae.iter().enumerate() {
            // Origin at the lower-left corner, y up, units of 0.01 mm (ANSI/NIST 9.012).
            let x = (f64::from(m.x) * k).round() as u32;
            let y = (f64::from(t.height.saturating_sub(1).saturating_sub(m.y)) * k).round() as u32;
            let theta = (f64::from(m.angle).to_degrees().round() as u32) % 360;
            if x > 9999 || y > 9999 {
                return Err(invalid(9, 12, "minutia beyond 99.99 mm"));
            }
            // QMS 2 (lowest) … 63 (highest); 0 and 1 mean manual / no quality.
            let qms = 2 + u32::from(m.quality.min(100)) * 61 / 100;
            let kind = match m.kind {
                MinutiaKind::Ending => "A",
                MinutiaKind::Bifurcation => "B",
            };
            mrc.push(vec![
                (i + 1).to_string(),
                format!("{x:04}{y:04}{theta:03}"),
                qms.to_string(),
                kind.to_string(),
            ]);
        }
        let mut r = TaggedRecord::new(9)
            .with(2, Value::text(idc.to_string()))
            .with(3, Value::text((impression as u8).to_string()))
            .with(4, Value::text("S"))
            .with(5, items(&[&self.system, "A"]))
            .with(6, Value::text(t.position.code().to_string()))
            .with(7, items(&["T", "UC"]))
            .with(10, Value::text(t.minutiae.len().to_string()))
            .with(11, Value::text("0"));
        if !mrc.is_empty() {
            r = r.with(12, Value::Text(mrc));
        }
        Ok(r)
    }

    /// Reads a Type-9 record; the image record with the same IDC gives size and resolution.
    fn from_record(r: &TaggedRecord, image: &FingerImageRecord) -> Result<Self, NistError> {
        if text(r, 4)? != "S" {
            return Err(invalid(9, 4, "only the standard minutiae format is read"));
        }
        let system = match field(r, 5)?.subfields() {
            [sf] if !sf.is_empty() => sf[0].clone(),
            _ => return Err(invalid(9, 5, "OFR has no system name")),
        };
        let position = FingerPosition::from_code(number(r, 6)?).ok_or(invalid(
            9,
            6,
            "finger position outside 0–10",
        ))?;
        let count: usize = number(r, 10)?;
        let k = units_per_pixel(image.ppi);
        let mut minutiae = Vec::with_capacity(count.min(1000));
        for sf in r.get(12).map(Value::subfields).unwrap_or(&[]) {
            let bad = || invalid(9, 12, "minutia is not (index, XXXXYYYYTTT, quality, type)");
            let [_, pos, qms, kind, ..] = sf.as_slice() else {
                return Err(bad());
            };
            if pos.len() != 11 || !pos.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let xu: u32 = pos[0..4].parse().map_err(|_| bad())?;
            let yu: u32 = pos[4..8].parse().map_err(|_| bad())?;
            let theta: u32 = pos[8..11].parse().map_err(|_| bad())?;
            let qms: u32 = qms.parse().map_err(|_| bad())?;
            let kind = match kind.as_str() {
                "A" => MinutiaKind::Ending,
                "B" => MinutiaKind::Bifurcation,
                _ => return Err(invalid(9, 12, "minutia type other than A or B")),
            };
            let x = (f64::from(xu) / k).round().min(f64::from(u16::MAX)) as u16;
            let from_bottom = (f64::from(yu) / k).round() as u16;
            let y = image.height.saturating_sub(1).saturating_sub(from_bottom);
            let quality = if qms < 2 {
                0
            } else {
                ((qms.min(63) - 2) * 100).div_ceil(61) as u8
            };
            minutiae.push(Minutia::new(
                x,
                y,
                (theta as f32).to_radians(),
                kind,
                quality,
            ));
        }
        if minutiae.len() != count {
            return Err(invalid(9, 10, "MIN does not match the minutiae listed"));
        }
        Ok(Self {
            system,
            template: Template {
                width: image.width,
                height: image.height,
                ppi: image.ppi,
                position,
                quality: image.quality.unwrap_or(0),
                minutiae,
                orientation: None,
            },
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The transaction

/// One applicant's enrollment, as sent to the AFIS.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrollmentTransaction {
    pub info: TransactionInfo,
    pub applicant: Applicant,
    pub fingers: Vec<FingerImageRecord>,
    /// Each refers to the finger image of the same position.
    pub minutiae: Vec<MinutiaeRecord>,
    pub face: Option<FaceRecord>,
    pub signature: Option<SignatureRecord>,
}

impl EnrollmentTransaction {
    /// Encodes the transaction: Type-1, Type-2 (IDC 0), Type-8, Type-9, Type-10, Type-14 in
    /// ascending type order. Finger images get IDC 1…n in order, the face n+1, the signature
    /// n+2; each Type-9 takes the IDC of its finger's image.
    pub fn to_bytes(&self) -> Result<Vec<u8>, NistError> {
        encoding::encode_transaction(&self.to_records()?)
    }

    /// The records [`Self::to_bytes`] writes, Type-1 CNT included (LEN is added on writing).
    pub fn to_records(&self) -> Result<Vec<Record>, NistError> {
        let n = self.fingers.len();
        if n + 2 > 99 {
            return Err(NistError::TooLarge { record: 14 });
        }
        let finger_idc = |p: FingerPosition| {
            self.fingers
                .iter()
                .position(|f| f.position == p)
                .map(|i| (i + 1) as u8)
        };
        let mut records = vec![
            Record::Tagged(self.info.to_record()?),
            Record::Tagged(self.applicant.to_record(0)?),
        ];
        if let Some(s) = &self.signature {
            records.push(Record::Binary(s.to_record((n + 2) as u8)));
        }
        for m in &self.minutiae {
            let idc =
                finger_idc(m.template.position).ok_or(NistError::Idc { record: 9, idc: 0 })?;
            let impression = self.fingers[usize::from(idc) - 1].impression;
            records.push(Record::Tagged(m.to_record(idc, impression)?));
        }
        if let Some(f) = &self.face {
            records.push(Record::Tagged(f.to_record((n + 1) as u8)?));
        }
        for (i, f) in self.fingers.iter().enumerate() {
            records.push(Record::Tagged(f.to_record((i + 1) as u8)?));
        }
        encoding::fill_cnt(&mut records)?;
        Ok(records)
    }

    /// Parses a transaction. Records of other types are skipped.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, NistError> {
        let records = encoding::decode_transaction(bytes)?;
        let mut info = None;
        let mut applicant = None;
        let mut fingers: Vec<(u8, FingerImageRecord)> = Vec::new();
        let mut type9 = Vec::new();
        let mut face = None;
        let mut signature = None;
        for r in &records {
            match r {
                Record::Tagged(t) if t.kind == 1 => info = Some(TransactionInfo::from_record(t)?),
                Record::Tagged(t) if t.kind == 2 => {
                    if applicant.is_some() {
                        return Err(NistError::Idc {
                            record: 2,
                            idc: t.idc().unwrap_or(0),
                        });
                    }
                    applicant = Some(Applicant::from_record(t)?);
                }
                Record::Tagged(t) if t.kind == 14 => {
                    let idc = t.idc().ok_or(NistError::MissingField {
                        record: 14,
                        field: 2,
                    })?;
                    if fingers.iter().any(|(i, _)| *i == idc) {
                        return Err(NistError::Idc { record: 14, idc });
                    }
                    fingers.push((idc, FingerImageRecord::from_record(t)?));
                }
                Record::Tagged(t) if t.kind == 9 => type9.push(t),
                Record::Tagged(t) if t.kind == 10 => face = Some(FaceRecord::from_record(t)?),
                Record::Binary(b) if b.kind == 8 => {
                    signature = Some(SignatureRecord::from_record(b)?)
                }
                _ => {}
            }
        }
        let mut minutiae = Vec::new();
        for t in type9 {
            let idc = t.idc().ok_or(NistError::MissingField {
                record: 9,
                field: 2,
            })?;
            let (_, image) = fingers
                .iter()
                .find(|(i, _)| *i == idc)
                .ok_or(NistError::Idc { record: 9, idc })?;
            minutiae.push(MinutiaeRecord::from_record(t, image)?);
        }
        Ok(Self {
            info: info.ok_or(NistError::MissingRecord(1))?,
            applicant: applicant.ok_or(NistError::MissingRecord(2))?,
            fingers: fingers.into_iter().map(|(_, f)| f).collect(),
            minutiae,
            face,
            signature,
        })
    }
}
