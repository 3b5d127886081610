//! The data groups of the open KTP-el profile, modelled on ICAO 9303 part 10:
//! EF.COM (60), DG1 biodata (61), DG2 face (75, ISO/IEC 19794-5 in a CBEFF BIT group),
//! DG3 fingers (63, ISO/IEC 19794-2 card compact format in CBEFF), DG7 signature (67).
//! Tags reuse ICAO DG11 tags where the field matches and private-class DFxx tags otherwise.

use biometrics::{FingerPosition, Minutia, MinutiaKind, Template};
use image::{DynamicImage, GenericImageView, GrayImage, RgbImage};
use thiserror::Error;

use super::tlv::{Tlv, TlvError};

pub const TAG_COM: u32 = 0x60;
pub const TAG_DG1: u32 = 0x61;
pub const TAG_DG2: u32 = 0x75;
pub const TAG_DG3: u32 = 0x63;
pub const TAG_DG7: u32 = 0x67;

/// Card compact format (ISO/IEC 19794-2 §8): 3 bytes per minutia; the card keeps the best 60.
pub const MAX_CARD_MINUTIAE: usize = 60;

#[derive(Debug, Error)]
pub enum DgError {
    #[error(
        "NIK tidak sah (16 angka, tanggal lahir yang mungkin, nomor urut bukan 0000) / Invalid \
         NIK (16 digits, a possible birth date, serial not 0000)"
    )]
    BadNik,
    #[error("kolom {0} kosong / field {0} is empty")]
    EmptyField(&'static str),
    #[error("kurang dari dua sidik jari dengan minutiae / fewer than two fingers with minutiae")]
    NotEnoughFingers,
    #[error(
        "foto/tanda tangan tidak muat di chip walau dikompresi maksimal / image does not fit the chip even at the lowest quality ({need} > {budget} bytes)"
    )]
    DoesNotFit { need: usize, budget: usize },
    #[error("gagal mengompresi gambar / image encoding failed: {0}")]
    Image(String),
    #[error("data grup rusak / malformed data group: {0}")]
    Tlv(#[from] TlvError),
    #[error("data grup rusak / malformed data group: {0}")]
    Malformed(&'static str),
}

/// The KTP-el biodata (Perpres 26/2009 content list).
#[derive(Clone, PartialEq, Eq)]
pub struct Biodata {
    pub nik: String,
    pub name: String,
    pub place_of_birth: String,
    /// YYYYMMDD.
    pub date_of_birth: String,
    /// "L" (laki-laki) or "P" (perempuan).
    pub sex: String,
    pub blood_type: String,
    pub address: String,
    pub rt_rw: String,
    pub kel_desa: String,
    pub kecamatan: String,
    pub kab_kota: String,
    pub province: String,
    pub religion: String,
    pub marital_status: String,
    pub occupation: String,
    pub citizenship: String,
    /// "SEUMUR HIDUP" or YYYYMMDD.
    pub valid_until: String,
}

impl std::fmt::Debug for Biodata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Biodata")
            .field("nik", &identity::mask(&self.nik))
            .finish_non_exhaustive()
    }
}

/// (tag, field name, accessor): one table drives both encode and decode.
type Field = (u32, &'static str, fn(&mut Biodata) -> &mut String);
const FIELDS: [Field; 17] = [
    (0x5F10, "NIK", |b| &mut b.nik),
    (0x5F0E, "nama", |b| &mut b.name),
    (0x5F11, "tempat lahir", |b| &mut b.place_of_birth),
    (0x5F2B, "tanggal lahir", |b| &mut b.date_of_birth),
    (0x5F35, "jenis kelamin", |b| &mut b.sex),
    (0xDF01, "golongan darah", |b| &mut b.blood_type),
    (0x5F42, "alamat", |b| &mut b.address),
    (0xDF02, "RT/RW", |b| &mut b.rt_rw),
    (0xDF03, "kel/desa", |b| &mut b.kel_desa),
    (0xDF04, "kecamatan", |b| &mut b.kecamatan),
    (0xDF05, "kabupaten/kota", |b| &mut b.kab_kota),
    (0xDF06, "provinsi", |b| &mut b.province),
    (0xDF07, "agama", |b| &mut b.religion),
    (0xDF08, "status perkawinan", |b| &mut b.marital_status),
    (0x5F13, "pekerjaan", |b| &mut b.occupation),
    (0xDF09, "kewarganegaraan", |b| &mut b.citizenship),
    (0xDF0A, "berlaku hingga", |b| &mut b.valid_until),
];

impl Biodata {
    pub fn validate(&self) -> Result<(), DgError> {
        if identity::Nik::parse(&self.nik).is_err() {
            return Err(DgError::BadNik);
        }
        let mut copy = self.clone();
        for (_, name, get) in FIELDS {
            if get(&mut copy).trim().is_empty() && name != "golongan darah" {
                return Err(DgError::EmptyField(name));
            }
        }
        Ok(())
    }
}

pub fn encode_com(groups: &[u32]) -> Vec<u8> {
    let tags: Vec<u8> = groups.iter().map(|t| *t as u8).collect();
    Tlv::constructed(
        TAG_COM,
        vec![
            Tlv::primitive(0x5F01, b"0108".to_vec()),
            Tlv::primitive(0x5F36, b"040000".to_vec()),
            Tlv::primitive(0x5C, tags),
        ],
    )
    .encode()
}

/// The DG tags EF.COM lists.
pub fn decode_com(bytes: &[u8]) -> Result<Vec<u32>, DgError> {
    let com = Tlv::parse(bytes)?;
    if com.tag != TAG_COM {
        return Err(DgError::Malformed("EF.COM tag"));
    }
    Ok(com
        .require(0x5C)?
        .bytes()
        .iter()
        .map(|b| u32::from(*b))
        .collect())
}

pub fn encode_dg1(b: &Biodata) -> Result<Vec<u8>, DgError> {
    b.validate()?;
    let mut copy = b.clone();
    let tag_list: Vec<u8> = FIELDS.iter().flat_map(|(t, _, _)| tag_bytes(*t)).collect();
    let mut children = vec![Tlv::primitive(0x5C, tag_list)];
    for (tag, _, get) in FIELDS {
        children.push(Tlv::primitive(tag, get(&mut copy).as_bytes().to_vec()));
    }
    Ok(Tlv::constructed(TAG_DG1, children).encode())
}

fn tag_bytes(tag: u32) -> Vec<u8> {
    let b = tag.to_be_bytes();
    b[b.iter().position(|x| *x != 0).unwrap_or(3)..].to_vec()
}

pub fn decode_dg1(bytes: &[u8]) -> Result<Biodata, DgError> {
    let dg = Tlv::parse(bytes)?;
    if dg.tag != TAG_DG1 {
        return Err(DgError::Malformed("DG1 tag"));
    }
    let mut b = Biodata {
        nik: String::new(),
        name: String::new(),
        place_of_birth: String::new(),
        date_of_birth: String::new(),
        sex: String::new(),
        blood_type: String::new(),
        address: String::new(),
        rt_rw: String::new(),
        kel_desa: String::new(),
        kecamatan: String::new(),
        kab_kota: String::new(),
        province: String::new(),
        religion: String::new(),
        marital_status: String::new(),
        occupation: String::new(),
        citizenship: String::new(),
        valid_until: String::new(),
    };
    for (tag, _, get) in FIELDS {
        *get(&mut b) = String::from_utf8(dg.require(tag)?.bytes().to_vec())
            .map_err(|_| DgError::Malformed("DG1 text is not UTF-8"))?;
    }
    Ok(b)
}

/// A JPEG, the quality it was encoded at, and its size in pixels.
pub type Compressed = (Vec<u8>, u8, (u32, u32));

/// Below this JPEG quality blocking artefacts make a small portrait or signature hard to
/// recognise; a slightly smaller image at a decent quality reads better.
pub const MIN_GOOD_QUALITY: u8 = 30;

/// JPEG at the highest quality (5–95) whose encoding fits `budget`. While that quality is under
/// [`MIN_GOOD_QUALITY`] the image is scaled to 85 % and searched again, down to `min_width`,
/// where the best fit at any quality is taken (an error only if even quality 5 is too large).
pub fn jpeg_to_fit(
    img: &DynamicImage,
    budget: usize,
    min_width: u32,
) -> Result<Compressed, DgError> {
    let mut current = img.clone();
    loop {
        let (w, h) = current.dimensions();
        let smallest = w * 85 / 100 < min_width;
        match best_quality(&current, budget)? {
            Some((bytes, q)) if q >= MIN_GOOD_QUALITY || smallest => return Ok((bytes, q, (w, h))),
            None if smallest => {
                return Err(DgError::DoesNotFit {
                    need: jpeg(&current, 5)?.len(),
                    budget,
                });
            }
            _ => {}
        }
        current = current.resize(
            w * 85 / 100,
            h * 85 / 100,
            image::imageops::FilterType::Triangle,
        );
    }
}

/// Binary search for the highest quality that fits, `None` if not even quality 5 does.
fn best_quality(img: &DynamicImage, budget: usize) -> Result<Option<(Vec<u8>, u8)>, DgError> {
    let lowest = jpeg(img, 5)?;
    if lowest.len() > budget {
        return Ok(None);
    }
    let (mut lo, mut hi, mut best) = (5u8, 95u8, (lowest, 5u8));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let bytes = jpeg(img, mid)?;
        if bytes.len() <= budget {
            lo = mid;
            best = (bytes, mid);
        } else {
            hi = mid - 1;
        }
    }
    Ok(Some(best))
}

fn jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, DgError> {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    img.write_with_encoder(enc)
        .map_err(|e| DgError::Image(e.to_string()))?;
    Ok(out)
}

/// CBEFF biometric header template (ICAO 9303 part 10, table 37).
fn bht(bio_type: u8, subtype: Option<u8>, format_type: u16) -> Tlv {
    let mut h = vec![
        Tlv::primitive(0x80, vec![1, 1]),
        Tlv::primitive(0x81, vec![bio_type]),
    ];
    if let Some(s) = subtype {
        h.push(Tlv::primitive(0x82, vec![s]));
    }
    h.push(Tlv::primitive(0x87, vec![0x01, 0x01])); // format owner: ISO/IEC JTC 1/SC 37
    h.push(Tlv::primitive(0x88, format_type.to_be_bytes().to_vec()));
    Tlv::constructed(0xA1, h)
}

/// ISO/IEC 19794-5:2005 face record with one JPEG full-frontal image.
pub fn face_record(jpeg: &[u8], width: u32, height: u32) -> Vec<u8> {
    let facial_len = 20 + 12 + jpeg.len();
    let total = 14 + facial_len;
    let mut r = Vec::with_capacity(total);
    r.extend(b"FAC\x00010\x00");
    r.extend((total as u32).to_be_bytes());
    r.extend(1u16.to_be_bytes()); // number of facial images
    r.extend((facial_len as u32).to_be_bytes());
    r.extend(0u16.to_be_bytes()); // feature points
    r.extend([0, 0, 0]); // gender, eye colour, hair colour: unspecified
    r.extend([0, 0, 0]); // feature mask
    r.extend(0u16.to_be_bytes()); // expression
    r.extend([0, 0, 0, 0, 0, 0]); // pose angles and uncertainties
    r.push(0x01); // face image type: full frontal
    r.push(0x00); // image data type: JPEG
    r.extend((width as u16).to_be_bytes());
    r.extend((height as u16).to_be_bytes());
    r.extend([0x01, 0x02]); // colour space sRGB; source: digital still camera
    r.extend(0u16.to_be_bytes()); // device type
    r.extend(0u16.to_be_bytes()); // quality
    r.extend_from_slice(jpeg);
    r
}

/// The JPEG inside a DG2 (to show or compare the portrait read from a card).
pub fn face_jpeg(dg2: &[u8]) -> Result<Vec<u8>, DgError> {
    let dg = Tlv::parse(dg2)?;
    let record = dg
        .require(0x7F61)?
        .require(0x7F60)?
        .require(0x5F2E)?
        .bytes();
    record
        .get(46..)
        .map(<[u8]>::to_vec)
        .filter(|j| j.starts_with(&[0xFF, 0xD8]))
        .ok_or(DgError::Malformed("face record"))
}

pub fn encode_dg2(face_record: Vec<u8>) -> Vec<u8> {
    let bit = Tlv::constructed(
        0x7F60,
        vec![bht(0x02, None, 0x0008), Tlv::primitive(0x5F2E, face_record)],
    );
    Tlv::constructed(
        TAG_DG2,
        vec![Tlv::constructed(
            0x7F61,
            vec![Tlv::primitive(0x02, vec![1]), bit],
        )],
    )
    .encode()
}

pub fn encode_dg7(jpeg: Vec<u8>) -> Vec<u8> {
    Tlv::constructed(
        TAG_DG7,
        vec![Tlv::primitive(0x02, vec![1]), Tlv::primitive(0x5F43, jpeg)],
    )
    .encode()
}

/// CBEFF finger subtype (right 01 / left 02 | thumb 04, index 08, middle 0C, ring 10, little 14).
fn finger_subtype(p: FingerPosition) -> u8 {
    let code = p.code();
    let (side, finger) = if code > 5 {
        (0x02, code - 5)
    } else {
        (0x01, code)
    };
    if code == 0 { 0 } else { side | (finger * 4) }
}

fn finger_from_subtype(s: u8) -> FingerPosition {
    let finger = s / 4;
    let code = if s & 0x03 == 0x02 { finger + 5 } else { finger };
    FingerPosition::from_code(if finger == 0 { 0 } else { code }).unwrap_or(FingerPosition::Unknown)
}

/// ISO/IEC 19794-2 card compact format: X, Y in 0.1 mm, then 2-bit type and 6-bit angle
/// (5.625° units). The best [`MAX_CARD_MINUTIAE`] by quality, then sorted by Y then X as the
/// card formats require for on-card comparison.
pub fn card_compact(t: &Template) -> Vec<u8> {
    let mut ms: Vec<&Minutia> = t.minutiae.iter().collect();
    ms.sort_by_key(|m| std::cmp::Reverse(m.quality));
    ms.truncate(MAX_CARD_MINUTIAE);
    let ppi = u32::from(t.ppi.max(1));
    let mut out: Vec<[u8; 3]> = ms
        .iter()
        .map(|m| {
            let to_units = |px: u16| (u32::from(px) * 254 / ppi).min(255) as u8;
            let kind = match m.kind {
                MinutiaKind::Ending => 0b01,
                MinutiaKind::Bifurcation => 0b10,
            };
            let angle =
                ((m.angle / std::f32::consts::TAU * 64.0).round() as i32).rem_euclid(64) as u8;
            [to_units(m.x), to_units(m.y), (kind << 6) | angle]
        })
        .collect();
    out.sort_by_key(|m| (m[1], m[0]));
    out.concat()
}

/// Back from card compact format to minutiae at 500 ppi (for matching a live finger on read).
pub fn from_card_compact(bytes: &[u8], position: FingerPosition) -> Result<Template, DgError> {
    if !bytes.len().is_multiple_of(3) {
        return Err(DgError::Malformed("card minutiae length"));
    }
    let to_px = |u: u8| (u32::from(u) * 500 / 254) as u16;
    let minutiae = bytes
        .chunks_exact(3)
        .map(|m| {
            let kind = if m[2] >> 6 == 0b10 {
                MinutiaKind::Bifurcation
            } else {
                MinutiaKind::Ending
            };
            let angle = f32::from(m[2] & 0x3F) * std::f32::consts::TAU / 64.0;
            Minutia::new(to_px(m[0]), to_px(m[1]), angle, kind, 0)
        })
        .collect();
    Ok(Template {
        width: 0,
        height: 0,
        ppi: 500,
        position,
        quality: 0,
        minutiae,
        orientation: None,
    })
}

/// The chip holds the right and left index fingers; when one is missing or has no minutiae the
/// best-quality other fingers take their place (KTP-el "best two fingers" rule).
pub fn choose_fingers(fingers: &[Template]) -> Result<([&Template; 2], bool), DgError> {
    let usable: Vec<&Template> = fingers.iter().filter(|t| !t.minutiae.is_empty()).collect();
    let mut chosen: Vec<&Template> = [FingerPosition::RightIndex, FingerPosition::LeftIndex]
        .iter()
        .filter_map(|p| usable.iter().find(|t| t.position == *p).copied())
        .collect();
    let fallback = chosen.len() < 2;
    let mut rest: Vec<&Template> = usable
        .iter()
        .filter(|t| !chosen.iter().any(|c| c.position == t.position))
        .copied()
        .collect();
    rest.sort_by_key(|t| std::cmp::Reverse(t.quality));
    chosen.extend(rest.into_iter().take(2 - chosen.len()));
    match chosen[..] {
        [a, b] => Ok(([a, b], fallback)),
        _ => Err(DgError::NotEnoughFingers),
    }
}

pub fn encode_dg3(fingers: [&Template; 2]) -> Vec<u8> {
    let mut group = vec![Tlv::primitive(0x02, vec![2])];
    for t in fingers {
        group.push(Tlv::constructed(
            0x7F60,
            vec![
                bht(0x08, Some(finger_subtype(t.position)), 0x0006),
                Tlv::primitive(0x5F2E, card_compact(t)),
            ],
        ));
    }
    Tlv::constructed(TAG_DG3, vec![Tlv::constructed(0x7F61, group)]).encode()
}

pub fn decode_dg3(bytes: &[u8]) -> Result<Vec<Template>, DgError> {
    let dg = Tlv::parse(bytes)?;
    let group = dg.require(0x7F61)?;
    group
        .children()
        .iter()
        .filter(|c| c.tag == 0x7F60)
        .map(|bit| {
            let subtype = bit
                .require(0xA1)?
                .require(0x82)?
                .bytes()
                .first()
                .copied()
                .unwrap_or(0);
            from_card_compact(bit.require(0x5F2E)?.bytes(), finger_from_subtype(subtype))
        })
        .collect()
}

/// Greyscale signature or RGB portrait, as the applicant record provides them.
pub fn face_image(img: &RgbImage) -> DynamicImage {
    DynamicImage::ImageRgb8(img.clone())
}

pub fn signature_image(img: &GrayImage) -> DynamicImage {
    DynamicImage::ImageLuma8(img.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn finger(position: FingerPosition, quality: u8, n: usize) -> Template {
        let minutiae = (0..n)
            .map(|i| {
                Minutia::new(
                    20 + (i as u16 * 37) % 300,
                    30 + (i as u16 * 53) % 350,
                    i as f32 * 0.7,
                    if i % 2 == 0 {
                        MinutiaKind::Ending
                    } else {
                        MinutiaKind::Bifurcation
                    },
                    (i % 100) as u8,
                )
            })
            .collect();
        Template {
            width: 388,
            height: 374,
            ppi: 500,
            position,
            quality,
            minutiae,
            orientation: None,
        }
    }

    #[test]
    fn index_fingers_are_chosen_and_best_two_replace_a_missing_one() {
        let all = vec![
            finger(FingerPosition::RightThumb, 90, 30),
            finger(FingerPosition::RightIndex, 50, 30),
            finger(FingerPosition::LeftIndex, 40, 30),
            finger(FingerPosition::LeftMiddle, 80, 30),
        ];
        let ([a, b], fb) = choose_fingers(&all).unwrap();
        assert_eq!(
            (a.position, b.position, fb),
            (FingerPosition::RightIndex, FingerPosition::LeftIndex, false)
        );
        let no_left = vec![
            all[0].clone(),
            all[1].clone(),
            all[3].clone(),
            finger(FingerPosition::LeftIndex, 99, 0),
        ];
        let ([a, b], fb) = choose_fingers(&no_left).unwrap();
        assert_eq!(
            (a.position, b.position, fb),
            (FingerPosition::RightIndex, FingerPosition::RightThumb, true)
        );
        assert!(matches!(
            choose_fingers(&all[..1]),
            Err(DgError::NotEnoughFingers)
        ));
    }

    #[test]
    fn card_compact_keeps_position_angle_and_kind_within_quantisation() {
        let t = finger(FingerPosition::LeftIndex, 70, 80);
        let dg3 = encode_dg3([&t, &t]);
        let back = decode_dg3(&dg3).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].position, FingerPosition::LeftIndex);
        assert_eq!(back[0].minutiae.len(), MAX_CARD_MINUTIAE);
        // Every decoded minutia is within one 0.1 mm step (≈2 px) and one angle step of a source.
        for m in &back[0].minutiae {
            assert!(t.minutiae.iter().any(|s| s.x.abs_diff(m.x) <= 2
                && s.y.abs_diff(m.y) <= 2
                && s.kind == m.kind
                && {
                    let d = (s.angle - m.angle).abs();
                    d.min(std::f32::consts::TAU - d) <= 0.1
                }));
        }
    }

    #[test]
    fn biodata_round_trips_and_bad_nik_is_refused() {
        let b = crate::chip::demo::applicant().biodata;
        let dg1 = encode_dg1(&b).unwrap();
        assert_eq!(decode_dg1(&dg1).unwrap(), b);
        assert!(
            !format!("{b:?}").contains(&b.nik[..12]),
            "Debug masks the NIK"
        );
        let mut bad = b.clone();
        bad.nik = "12345".into();
        assert!(matches!(encode_dg1(&bad), Err(DgError::BadNik)));
        assert_eq!(
            decode_com(&encode_com(&[TAG_DG1, TAG_DG2])).unwrap(),
            vec![0x61, 0x75]
        );
    }

    #[test]
    fn jpeg_search_picks_the_best_quality_that_fits() {
        let img = face_image(&crate::chip::demo::applicant().face);
        let (bytes, q, dims) = jpeg_to_fit(&img, 4000, 48).unwrap();
        assert!(bytes.len() <= 4000 && q >= MIN_GOOD_QUALITY);
        if q < 95 && dims == img.dimensions() {
            assert!(
                jpeg(&img, q + 1).unwrap().len() > 4000,
                "quality {q}+1 would still have fit"
            );
        }
        let (small, q2, dims) = jpeg_to_fit(&img, 900, 32).unwrap();
        assert!(small.len() <= 900 && (q2 < q || dims.0 < img.width()));
        assert!(matches!(
            jpeg_to_fit(&img, 50, 100),
            Err(DgError::DoesNotFit { .. })
        ));
        let dg2 = encode_dg2(face_record(&bytes, 10, 10));
        assert_eq!(face_jpeg(&dg2).unwrap(), bytes);
    }
}
