//! The values printed on a card, as types that only hold printable, valid values.

use std::fmt;

use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

/// A calendar date (proleptic Gregorian), validated on construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum TextFieldError {
    #[error("Tanggal tidak sah / Invalid date: {0}")]
    BadDate(String),
    #[error(
        "NIK harus 16 angka dengan tanggal lahir yang sah / A NIK is 16 digits with a valid \
         birth date: {0}"
    )]
    BadNik(String),
    #[error("Isian kosong / Empty field")]
    Empty,
    #[error(
        "Isian memuat karakter kendali U+{0:04X} / The field contains control character \
         U+{0:04X}"
    )]
    ControlCharacter(u32),
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl Date {
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, TextFieldError> {
        if !(1900..=2200).contains(&year) || day == 0 || day > days_in_month(year, month) {
            return Err(TextFieldError::BadDate(format!(
                "{day:02}-{month:02}-{year:04}"
            )));
        }
        Ok(Self { year, month, day })
    }

    pub fn year(self) -> u16 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// Whole years from `self` (a birth date) to `on`; a 29 February birthday counts on 1 March
    /// in common years.
    pub fn age_on(self, on: Date) -> u32 {
        let mut age = i32::from(on.year) - i32::from(self.year);
        if (on.month, on.day) < (self.month, self.day) {
            age -= 1;
        }
        age.max(0) as u32
    }

    /// The same day `years` later (29 February becomes 1 March in a common year).
    pub fn plus_years(self, years: u16) -> Date {
        let year = self.year.saturating_add(years);
        if self.month == 2 && self.day == 29 && days_in_month(year, 2) == 28 {
            Date {
                year,
                month: 3,
                day: 1,
            }
        } else {
            Date { year, ..self }
        }
    }
}

/// Printed as on the card: `DD-MM-YYYY`.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}-{:04}", self.day, self.month, self.year)
    }
}

/// A Nomor Induk Kependudukan: 16 digits, region (6), DDMMYY of birth (women +40 on the day),
/// sequence (4). Debug and [`Nik::masked`] hide all but the last 4 digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nik([u8; 16]);

impl Nik {
    pub fn parse(s: &str) -> Result<Self, TextFieldError> {
        let bad = || TextFieldError::BadNik(mask_str(s));
        let bytes = s.trim().as_bytes();
        let digits: [u8; 16] = bytes.try_into().map_err(|_| bad())?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        let two = |i: usize| (digits[i] - b'0') * 10 + (digits[i + 1] - b'0');
        let day = two(6);
        let month = two(8);
        let day_ok = (1..=31).contains(&day) || (41..=71).contains(&day);
        if !day_ok || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Self(digits))
    }

    /// All 16 digits, for the card face itself.
    pub fn digits(&self) -> &str {
        // The bytes were checked to be ASCII digits in `parse`.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// `************1234`: what logs and receipts may show.
    pub fn masked(&self) -> String {
        mask_str(self.digits())
    }
}

fn mask_str(s: &str) -> String {
    let n = s.chars().count();
    s.chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n { '*' } else { c })
        .collect()
}

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({})", self.masked())
    }
}

/// Free text printed on a card: Unicode NFC (so "e" + combining acute prints as one "é"),
/// whitespace runs collapsed, no control characters, not empty.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TextField(String);

impl TextField {
    pub fn new(s: &str) -> Result<Self, TextFieldError> {
        if let Some(c) = s.chars().find(|c| c.is_control() && !c.is_whitespace()) {
            return Err(TextFieldError::ControlCharacter(c as u32));
        }
        let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let normal: String = collapsed.nfc().collect();
        if normal.is_empty() {
            return Err(TextFieldError::Empty);
        }
        Ok(Self(normal))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Card values are printed in capitals (Unicode-aware: "é" → "É").
    pub fn upper(&self) -> String {
        self.0.to_uppercase()
    }
}

impl fmt::Debug for TextField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Card text is personal data: show its length, not its content.
        write!(f, "TextField({} chars)", self.0.chars().count())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    LakiLaki,
    Perempuan,
}

impl Sex {
    pub fn printed(self) -> &'static str {
        match self {
            Sex::LakiLaki => "LAKI-LAKI",
            Sex::Perempuan => "PEREMPUAN",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BloodType {
    A,
    B,
    Ab,
    O,
    /// Not known: printed as "-".
    Unknown,
}

impl BloodType {
    pub fn printed(self) -> &'static str {
        match self {
            BloodType::A => "A",
            BloodType::B => "B",
            BloodType::Ab => "AB",
            BloodType::O => "O",
            BloodType::Unknown => "-",
        }
    }
}

/// The religions SIAK records, plus belief in God (UU 24/2013 and MK decision 97/PUU-XIV/2016).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Religion {
    Islam,
    Kristen,
    Katolik,
    Hindu,
    Buddha,
    Khonghucu,
    Kepercayaan,
}

impl Religion {
    pub fn printed(self) -> &'static str {
        match self {
            Religion::Islam => "ISLAM",
            Religion::Kristen => "KRISTEN",
            Religion::Katolik => "KATOLIK",
            Religion::Hindu => "HINDU",
            Religion::Buddha => "BUDDHA",
            Religion::Khonghucu => "KHONGHUCU",
            Religion::Kepercayaan => "KEPERCAYAAN TERHADAP TUHAN YME",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaritalStatus {
    BelumKawin,
    Kawin,
    CeraiHidup,
    CeraiMati,
}

impl MaritalStatus {
    pub fn printed(self) -> &'static str {
        match self {
            MaritalStatus::BelumKawin => "BELUM KAWIN",
            MaritalStatus::Kawin => "KAWIN",
            MaritalStatus::CeraiHidup => "CERAI HIDUP",
            MaritalStatus::CeraiMati => "CERAI MATI",
        }
    }
}

/// Citizenship decides the validity line: a citizen's KTP-el is valid for life (UU 24/2013),
/// a resident foreigner's until their permit ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Citizenship {
    Wni,
    Wna { valid_until: Date },
}

impl Citizenship {
    pub fn printed(self) -> &'static str {
        match self {
            Citizenship::Wni => "WNI",
            Citizenship::Wna { .. } => "WNA",
        }
    }

    pub fn valid_until(self) -> String {
        match self {
            Citizenship::Wni => "SEUMUR HIDUP".into(),
            Citizenship::Wna { valid_until } => valid_until.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nik_checks_length_digits_and_birth_date() {
        assert!(Nik::parse("3273015708900003").is_ok()); // woman born 17-08-90
        assert!(Nik::parse("3273011708900003").is_ok());
        assert!(Nik::parse("327301170890000").is_err()); // 15 digits
        assert!(Nik::parse("3273013208900003").is_err()); // day 32
        assert!(Nik::parse("3273011713900003").is_err()); // month 13
        assert!(Nik::parse("32730117089000x3").is_err());
    }

    #[test]
    fn nik_debug_and_errors_hide_all_but_last_four() {
        let nik = Nik::parse("3273011708900003").unwrap();
        assert_eq!(format!("{nik:?}"), "Nik(************0003)");
        let err = Nik::parse("3273013208900003").unwrap_err().to_string();
        assert!(!err.contains("32730132"), "{err}");
        assert!(err.contains("0003"), "{err}");
    }

    #[test]
    fn text_is_nfc_with_collapsed_spaces() {
        let t = TextField::new("  Jose\u{301}   d'Almeida ").unwrap();
        assert_eq!(t.as_str(), "José d'Almeida");
        assert_eq!(t.upper(), "JOSÉ D'ALMEIDA");
        assert!(TextField::new("   ").is_err());
        assert!(TextField::new("a\u{7}b").is_err());
    }

    #[test]
    fn dates_validate_and_age() {
        assert!(Date::new(2023, 2, 29).is_err());
        assert!(Date::new(2024, 2, 29).is_ok());
        let born = Date::new(2010, 6, 15).unwrap();
        assert_eq!(born.age_on(Date::new(2026, 6, 14).unwrap()), 15);
        assert_eq!(born.age_on(Date::new(2026, 6, 15).unwrap()), 16);
        let leap = Date::new(2008, 2, 29).unwrap();
        assert_eq!(leap.plus_years(17), Date::new(2025, 3, 1).unwrap());
        assert_eq!(born.to_string(), "15-06-2010");
    }
}
