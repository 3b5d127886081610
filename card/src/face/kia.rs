//! The KIA (Kartu Identitas Anak) front, for children under 17 (Permendagri 2/2016).
//!
//! The KIA for a child under 5 carries no photo; from 5 to 17 it does. That rule is checked
//! here, before layout, so a technician cannot print the wrong variant. It is valid until the
//! day the child turns 17, when the KTP-el takes over.

use std::fmt;

use image::RgbImage;

use super::fit::TextBox;
use super::fonts::{FontFace, Metrics};
use super::form::{Columns, Form, Palette, background_mark, card_background, centered};
use super::images::place_photo;
use super::ktp::{
    COLUMNS, PHOTO, PHOTO_BACKGROUND, Region, header, issue_place_and_date, nik_line,
};
use super::model::{Citizenship, Date, Nik, Religion, Sex, TextField};
use super::page::{Mark, Page};
use super::{CR80_MM, FaceError};

#[derive(Clone)]
pub struct KiaCard {
    pub region: Region,
    pub nik: Nik,
    pub name: TextField,
    pub birth_place: TextField,
    pub birth_date: Date,
    pub sex: Sex,
    /// Nomor Kartu Keluarga and the head of the family.
    pub family_card_no: TextField,
    pub head_of_family: TextField,
    pub birth_certificate_no: TextField,
    pub religion: Religion,
    pub citizenship: Citizenship,
    pub address: TextField,
    pub rt: u16,
    pub rw: u16,
    pub village: TextField,
    pub district: TextField,
    pub issued_in: TextField,
    pub issued_on: Date,
    /// Required from age 5, absent below it.
    pub photo: Option<RgbImage>,
}

impl fmt::Debug for KiaCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KiaCard")
            .field("nik", &self.nik)
            .field("has_photo", &self.photo.is_some())
            .finish_non_exhaustive()
    }
}

/// Which KIA the child gets on the issue date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KiaVariant {
    /// 0–4 years: no photo.
    UnderFive,
    /// 5–16 years: with photo.
    FiveToSeventeen,
}

impl KiaCard {
    pub fn age_at_issue(&self) -> u32 {
        u32::from(self.birth_date.age_on(self.issued_on))
    }

    /// The last day the card is valid: the 17th birthday.
    pub fn valid_until(&self) -> Date {
        self.birth_date.plus_years(17)
    }

    /// Checks age and photo against each other.
    pub fn variant(&self) -> Result<KiaVariant, FaceError> {
        if self.issued_on < self.birth_date {
            return Err(FaceError::IssuedBeforeBirth {
                issued: self.issued_on,
                born: self.birth_date,
            });
        }
        let age = self.age_at_issue();
        match (age, self.photo.is_some()) {
            (17.., _) => Err(FaceError::KiaTooOld { age }),
            (0..5, false) => Ok(KiaVariant::UnderFive),
            (0..5, true) => Err(FaceError::KiaPhotoNotAllowed { age }),
            (_, true) => Ok(KiaVariant::FiveToSeventeen),
            (_, false) => Err(FaceError::KiaPhotoRequired { age }),
        }
    }
}

const BOTTOM: f32 = 52.2;

/// Lays out the KIA front.
pub fn layout(card: &KiaCard) -> Result<Page, FaceError> {
    let variant = card.variant()?;
    let mut page = Page::new(CR80_MM);
    page.push(background_mark(CR80_MM, card_background(Palette::Kia)));
    header(&mut page, &card.region)?;
    title(&mut page)?;
    // Without a photo the values may use the whole width.
    let cols = match variant {
        KiaVariant::UnderFive => Columns {
            value_right: 82.5,
            ..COLUMNS
        },
        KiaVariant::FiveToSeventeen => COLUMNS,
    };
    nik_line_below_title(&mut page, &card.nik)?;
    biodata(&mut page, card, cols)?;
    if let Some(photo) = card.photo.as_ref() {
        page.push(Mark::Picture {
            rect: PHOTO,
            pixels: place_photo(photo, PHOTO, PHOTO_BACKGROUND)?,
        });
        issue_place_and_date(&mut page, &card.issued_in, card.issued_on, 38.0)?;
    } else {
        issue_place_and_date(&mut page, &card.issued_in, card.issued_on, 47.5)?;
    }
    Ok(page)
}

fn title(page: &mut Page) -> Result<(), FaceError> {
    let bold = Metrics::new(FontFace::Bold)?;
    let bx = TextBox {
        width_mm: 60.0,
        size_pt: 6.5,
        min_size_pt: 6.5,
        max_lines: 1,
    };
    centered(
        page,
        &bold,
        FontFace::Bold,
        "Judul",
        "KARTU IDENTITAS ANAK",
        CR80_MM.0 / 2.0,
        10.6,
        2.5,
        bx,
    )?;
    Ok(())
}

fn nik_line_below_title(page: &mut Page, nik: &Nik) -> Result<(), FaceError> {
    // Same line as the KTP-el, 1.4 mm lower to clear the title.
    let before = page.marks.len();
    nik_line(page, nik)?;
    for m in &mut page.marks[before..] {
        if let Mark::Text { baseline, .. } = m {
            *baseline += 1.6;
        }
    }
    Ok(())
}

fn biodata(page: &mut Page, c: &KiaCard, cols: Columns) -> Result<(), FaceError> {
    let cols = Columns {
        row_step: 2.45,
        ..cols
    };
    let mut form = Form::new(page, cols, 17.0, BOTTOM)?;
    form.row("Nama", &c.name.upper(), 2)?;
    let born = format!("{}, {}", c.birth_place.upper(), c.birth_date);
    form.row("Tempat/Tgl Lahir", &born, 1)?;
    form.row("Jenis Kelamin", c.sex.printed(), 1)?;
    form.row("No. KK", &c.family_card_no.upper(), 1)?;
    form.row("Kepala Keluarga", &c.head_of_family.upper(), 1)?;
    form.row("No. Akta Lahir", &c.birth_certificate_no.upper(), 1)?;
    form.row("Agama", c.religion.printed(), 1)?;
    form.row("Kewarganegaraan", c.citizenship.printed(), 1)?;
    form.row("Alamat", &c.address.upper(), 2)?;
    form.sub_row("RT/RW", &format!("{:03}/{:03}", c.rt, c.rw))?;
    form.sub_row("Kel/Desa", &c.village.upper())?;
    form.sub_row("Kecamatan", &c.district.upper())?;
    form.row("Berlaku Hingga", &c.valid_until().to_string(), 1)?;
    Ok(())
}
