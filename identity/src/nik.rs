//! The 16-digit NIK (Nomor Induk Kependudukan): kecamatan code (6), date of birth DDMMYY with
//! 40 added to the day for women (6), SIAK serial (4). There is no check digit, so validation
//! checks the shape, the date and the serial; whether the kecamatan exists is a question for a
//! region table (`fixtures::people::Regions`, the station's registry).

use std::fmt;

use crate::{Date, IdentityError, Sex, days_in_month};

/// A NIK that has passed [`Nik::parse`]. `Debug` shows only the last four digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nik([u8; 16]);

/// What a valid NIK encodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NikInfo {
    /// The six-digit kecamatan code.
    pub region: String,
    pub sex: Sex,
    pub birth_date: Date,
    pub serial: u16,
}

/// The parts of a NIK's digits, before the century of the birth year is known.
struct Fields {
    sex: Sex,
    day: u8,
    month: u8,
    yy: u16,
    serial: u16,
}

impl Nik {
    /// Checks the shape (16 ASCII digits, surrounding spaces ignored), that day and month can
    /// be a date of birth in some century, and that the serial is not 0000.
    pub fn parse(text: &str) -> Result<Nik, IdentityError> {
        let trimmed = text.trim();
        let digits: [u8; 16] = trimmed
            .as_bytes()
            .try_into()
            .map_err(|_| IdentityError::NikShape(trimmed.chars().count()))?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(IdentityError::NikShape(16));
        }
        let nik = Nik(digits);
        let f = nik.fields();
        // 29 February is possible in a leap year of some century; 2000 stands for "leap".
        let year_for_check = if f.month == 2 { 2000 } else { 2001 };
        if f.day == 0 || f.day > days_in_month(year_for_check, f.month) {
            return Err(IdentityError::NikDate(nik.masked()));
        }
        if f.serial == 0 {
            return Err(IdentityError::NikZeroSerial(nik.masked()));
        }
        Ok(nik)
    }

    /// [`Nik::parse`], then reads the date of birth: the two-digit year is the latest year
    /// not after `today`, and the date must exist and not lie after `today`.
    pub fn decode(text: &str, today: Date) -> Result<(Nik, NikInfo), IdentityError> {
        let nik = Nik::parse(text)?;
        let info = nik.info(today)?;
        Ok((nik, info))
    }

    /// What this NIK encodes, reading its two-digit year relative to `today`.
    pub fn info(&self, today: Date) -> Result<NikInfo, IdentityError> {
        let f = self.fields();
        let century = today.year() / 100 * 100;
        let year = if century + f.yy > today.year() {
            century.saturating_sub(100) + f.yy
        } else {
            century + f.yy
        };
        let birth_date =
            Date::new(year, f.month, f.day).map_err(|_| IdentityError::NikDate(self.masked()))?;
        if birth_date > today {
            return Err(IdentityError::NikFutureDate(self.masked()));
        }
        Ok(NikInfo {
            region: self.region().to_owned(),
            sex: f.sex,
            birth_date,
            serial: f.serial,
        })
    }

    /// Builds a NIK from its parts; `None` if `region` is not six digits or `serial` is 0 or
    /// has more than four digits.
    pub fn compose(region: &str, sex: Sex, birth: Date, serial: u16) -> Option<Nik> {
        let day = birth.day() + if sex == Sex::Female { 40 } else { 0 };
        let text = format!(
            "{region}{day:02}{:02}{:02}{serial:04}",
            birth.month(),
            birth.year() % 100
        );
        Nik::parse(&text).ok()
    }

    /// All 16 digits, for the card itself and the registry — never for logs.
    pub fn digits(&self) -> &str {
        // Only ASCII digits are ever stored (checked in `parse`).
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The six-digit kecamatan code.
    pub fn region(&self) -> &str {
        self.digits().get(..6).unwrap_or_default()
    }

    /// `************1234`: what logs, receipts and operator screens may show.
    pub fn masked(&self) -> String {
        mask(self.digits())
    }

    fn fields(&self) -> Fields {
        let num = |from: usize, to: usize| {
            self.0[from..to]
                .iter()
                .fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'))
        };
        let raw_day = num(6, 8);
        let (sex, day) = if raw_day > 40 {
            (Sex::Female, raw_day - 40)
        } else {
            (Sex::Male, raw_day)
        };
        Fields {
            sex,
            day: day as u8,
            month: num(8, 10) as u8,
            yy: num(10, 12),
            serial: num(12, 16),
        }
    }
}

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({})", self.masked())
    }
}

/// Masks all but the last four characters of a NIK-like string with `*`, for text that may
/// not be a valid NIK (a rejected input, a field read from a card).
pub fn mask(s: &str) -> String {
    let n = s.chars().count();
    s.chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n { '*' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::new(2025, 6, 1).unwrap()
    }

    #[test]
    fn parse_checks_length_digits_day_month_and_serial() {
        assert!(Nik::parse("3273015708900003").is_ok()); // woman born 17-08-90
        assert!(Nik::parse(" 3273011708900003 ").is_ok());
        assert_eq!(
            Nik::parse("327301170890000"),
            Err(IdentityError::NikShape(15))
        );
        assert!(Nik::parse("3273013208900003").is_err()); // day 32
        assert!(Nik::parse("3273017208900003").is_err()); // day 72 (woman, 32)
        assert!(Nik::parse("3273013102900003").is_err()); // 31 February
        assert!(Nik::parse("3273011713900003").is_err()); // month 13
        assert!(Nik::parse("32730117089000x3").is_err());
        assert!(Nik::parse("3273011708900000").is_err()); // serial 0000
        assert!(Nik::parse("3273012902000001").is_ok()); // 29 Feb (2000 was leap)
    }

    #[test]
    fn decode_reads_region_sex_date_and_serial() {
        let (_, info) = Nik::decode("3273015508050012", today()).unwrap();
        assert_eq!(info.region, "327301");
        assert_eq!(info.sex, Sex::Female);
        assert_eq!(info.birth_date, Date::new(2005, 8, 15).unwrap());
        assert_eq!(info.serial, 12);
        let (_, info) = Nik::decode("3273011508790001", today()).unwrap();
        assert_eq!((info.sex, info.birth_date.year()), (Sex::Male, 1979));
    }

    #[test]
    fn decode_rejects_impossible_and_future_dates() {
        let t = today();
        // 29 Feb exists in 2024, not in 2023.
        assert!(Nik::decode("3273012902240001", t).is_ok());
        assert!(matches!(
            Nik::decode("3273012902230001", t),
            Err(IdentityError::NikDate(_))
        ));
        // Born 2 June 2025 is after "today" (read as 2025, not 1925).
        assert!(matches!(
            Nik::decode("3273010206250001", t),
            Err(IdentityError::NikFutureDate(_))
        ));
    }

    #[test]
    fn compose_round_trips() {
        let birth = Date::new(2008, 1, 9).unwrap();
        let nik = Nik::compose("110101", Sex::Female, birth, 7).unwrap();
        assert_eq!(nik.digits(), "1101014901080007");
        assert_eq!(nik.region(), "110101");
        let info = nik.info(today()).unwrap();
        assert_eq!(
            (info.sex, info.birth_date, info.serial),
            (Sex::Female, birth, 7)
        );
        assert!(Nik::compose("11010", Sex::Male, birth, 7).is_none());
        assert!(Nik::compose("110101", Sex::Male, birth, 0).is_none());
        assert!(Nik::compose("110101", Sex::Male, birth, 10_000).is_none());
    }

    #[test]
    fn debug_and_errors_hide_all_but_last_four() {
        let nik = Nik::parse("3273011708900003").unwrap();
        assert_eq!(format!("{nik:?}"), "Nik(************0003)");
        let err = Nik::parse("3273013208900003").unwrap_err().to_string();
        assert!(!err.contains("32730132"), "{err}");
        assert!(err.contains("0003"), "{err}");
        assert_eq!(mask("12345"), "*2345");
        assert_eq!(mask("123"), "123");
    }
}
