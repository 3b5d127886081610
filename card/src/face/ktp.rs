//! The KTP-el front (the back carries no personal print, so a KTP-el is one face).
//!
//! Field order follows the card as issued (see `notes/domain.md` §3.2): the province and
//! kabupaten/kota header, NIK, then the biodata rows on the left, and on the right the photo,
//! the issuing kabupaten/kota with the issue date, and the holder's signature.

use std::fmt;

use image::{GrayImage, RgbImage};

use super::fit::TextBox;
use super::fonts::{FontFace, Metrics};
use super::form::{Columns, Form, Palette, background_mark, burn_ink, card_background, centered};
use super::images::{place_photo, place_signature};
use super::model::{BloodType, Citizenship, Date, MaritalStatus, Nik, Religion, Sex, TextField};
use super::page::{BLACK, Mark, Page, RectMm};
use super::{CR80_MM, FaceError};

/// Kabupaten (regency) or kota (city): the header's second line starts with the word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionKind {
    Kabupaten,
    Kota,
}

#[derive(Clone, Debug)]
pub struct Region {
    pub province: TextField,
    pub kind: RegionKind,
    pub name: TextField,
}

impl Region {
    pub fn header_lines(&self) -> (String, String) {
        let kind = match self.kind {
            RegionKind::Kabupaten => "KABUPATEN",
            RegionKind::Kota => "KOTA",
        };
        (
            format!("PROVINSI {}", self.province.upper()),
            format!("{kind} {}", self.name.upper()),
        )
    }
}

/// Everything printed on a KTP-el front.
#[derive(Clone)]
pub struct KtpCard {
    pub region: Region,
    pub nik: Nik,
    pub name: TextField,
    pub birth_place: TextField,
    pub birth_date: Date,
    pub sex: Sex,
    pub blood: BloodType,
    pub address: TextField,
    pub rt: u16,
    pub rw: u16,
    pub village: TextField,
    pub district: TextField,
    pub religion: Religion,
    pub marital: MaritalStatus,
    pub occupation: TextField,
    pub citizenship: Citizenship,
    /// Issuing kabupaten/kota name as printed above the signature, and the issue date.
    pub issued_in: TextField,
    pub issued_on: Date,
    pub photo: RgbImage,
    pub signature: GrayImage,
}

impl fmt::Debug for KtpCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KtpCard")
            .field("nik", &self.nik)
            .finish_non_exhaustive()
    }
}

/// Where things go on the front, in millimetres.
pub(crate) const COLUMNS: Columns = Columns {
    label_x: 3.0,
    indent_x: 5.0,
    colon_x: 21.0,
    value_x: 22.2,
    value_right: 61.5,
    label_pt: 5.5,
    value_pt: 5.5,
    min_value_pt: 4.5,
    row_step: 2.6,
    wrap_step: 2.15,
};
pub(crate) const PHOTO: RectMm = RectMm::new(63.5, 10.5, 19.5, 24.4);
const SIGNATURE: RectMm = RectMm::new(63.0, 42.0, 20.5, 8.5);
const RIGHT_CENTER: f32 = 73.25;
const BOTTOM: f32 = 52.2;
pub(crate) const PHOTO_BACKGROUND: [u8; 3] = [196, 40, 40];

/// Lays out the KTP-el front.
pub fn layout(card: &KtpCard) -> Result<Page, FaceError> {
    let mut page = Page::new(CR80_MM);
    let mut background = card_background(Palette::Ktp);
    let signature = place_signature(&card.signature, SIGNATURE)?;
    burn_ink(&mut background, SIGNATURE, &signature, [20, 20, 60]);
    page.push(background_mark(CR80_MM, background));
    header(&mut page, &card.region)?;
    nik_line(&mut page, &card.nik)?;
    biodata(&mut page, card)?;
    photo_and_issue(&mut page, card)?;
    Ok(page)
}

pub(crate) fn header(page: &mut Page, region: &Region) -> Result<(), FaceError> {
    let bold = Metrics::new(FontFace::Bold)?;
    let (province, regency) = region.header_lines();
    let bx = TextBox {
        width_mm: 78.0,
        size_pt: 7.5,
        min_size_pt: 5.5,
        max_lines: 1,
    };
    let center = CR80_MM.0 / 2.0;
    centered(
        page,
        &bold,
        FontFace::Bold,
        "Provinsi",
        &province,
        center,
        4.4,
        3.0,
        bx,
    )?;
    centered(
        page,
        &bold,
        FontFace::Bold,
        "Kabupaten/Kota",
        &regency,
        center,
        7.7,
        3.0,
        bx,
    )?;
    Ok(())
}

pub(crate) fn nik_line(page: &mut Page, nik: &Nik) -> Result<(), FaceError> {
    for (x, size, text) in [(3.0, 8.0, "NIK"), (COLUMNS.colon_x, 8.0, ":")] {
        page.push(text_mark(x, 12.2, size, FontFace::Bold, text));
    }
    page.push(text_mark(
        COLUMNS.value_x + 1.0,
        12.2,
        8.5,
        FontFace::Bold,
        nik.digits(),
    ));
    Ok(())
}

fn biodata(page: &mut Page, c: &KtpCard) -> Result<(), FaceError> {
    let mut form = Form::new(page, COLUMNS, 16.0, BOTTOM)?;
    form.row("Nama", &c.name.upper(), 2)?;
    let born = format!("{}, {}", c.birth_place.upper(), c.birth_date);
    form.row("Tempat/Tgl Lahir", &born, 1)?;
    form.row_in("Jenis Kelamin", false, c.sex.printed(), 1, 38.0)?;
    form.inline_pair(39.5, "Gol. Darah", c.blood.printed(), 22.0)?;
    form.row("Alamat", &c.address.upper(), 2)?;
    form.sub_row("RT/RW", &format!("{:03}/{:03}", c.rt, c.rw))?;
    form.sub_row("Kel/Desa", &c.village.upper())?;
    form.sub_row("Kecamatan", &c.district.upper())?;
    form.row("Agama", c.religion.printed(), 1)?;
    form.row("Status Perkawinan", c.marital.printed(), 1)?;
    form.row("Pekerjaan", &c.occupation.upper(), 1)?;
    form.row("Kewarganegaraan", c.citizenship.printed(), 1)?;
    form.row("Berlaku Hingga", &c.citizenship.valid_until(), 1)?;
    Ok(())
}

fn photo_and_issue(page: &mut Page, c: &KtpCard) -> Result<(), FaceError> {
    page.push(Mark::Picture {
        rect: PHOTO,
        pixels: place_photo(&c.photo, PHOTO, PHOTO_BACKGROUND)?,
    });
    // The signature is already in the background picture (see `layout`).
    issue_place_and_date(page, &c.issued_in, c.issued_on, 38.0)?;
    Ok(())
}

pub(crate) fn issue_place_and_date(
    page: &mut Page,
    place: &TextField,
    on: Date,
    baseline: f32,
) -> Result<(), FaceError> {
    let regular = Metrics::new(FontFace::Regular)?;
    let bx = TextBox {
        width_mm: 21.5,
        size_pt: 5.0,
        min_size_pt: 4.0,
        max_lines: 1,
    };
    let y = centered(
        page,
        &regular,
        FontFace::Regular,
        "Tempat terbit",
        &place.upper(),
        RIGHT_CENTER,
        baseline,
        2.2,
        bx,
    )?;
    centered(
        page,
        &regular,
        FontFace::Regular,
        "Tanggal terbit",
        &on.to_string(),
        RIGHT_CENTER,
        y,
        2.2,
        bx,
    )?;
    Ok(())
}

pub(crate) fn text_mark(x: f32, baseline: f32, size_pt: f32, face: FontFace, text: &str) -> Mark {
    Mark::Text {
        x,
        baseline,
        size_pt,
        face,
        color: BLACK,
        text: text.to_owned(),
    }
}
