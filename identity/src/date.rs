use std::fmt;

use crate::IdentityError;

/// A calendar date (proleptic Gregorian) between 1900 and 2200, validated on construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

pub fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// Days in `month` of `year`; 0 for a month outside 1..=12.
pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, IdentityError> {
        if !(1900..=2200).contains(&year) || day == 0 || day > days_in_month(year, month) {
            return Err(IdentityError::BadDate(format!(
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

    /// Whole years from `self` (a birth date) to `on`, 0 if `on` is earlier; a 29 February
    /// birthday counts on 1 March in common years.
    pub fn age_on(self, on: Date) -> u16 {
        let years = on.year.saturating_sub(self.year);
        if (on.month, on.day) < (self.month, self.day) {
            years.saturating_sub(1)
        } else {
            years
        }
    }

    /// The same day `years` later (29 February becomes 1 March in a common year).
    pub fn plus_years(self, years: u16) -> Date {
        let year = self.year.saturating_add(years);
        if self.month == 2 && self.day == 29 && !is_leap(year) {
            Date {
                year,
                month: 3,
                day: 1,
            }
        } else {
            Date { year, ..self }
        }
    }

    /// `YYYYMMDD`, the date form of ANSI/NIST-ITL and of the chip's DG1.
    pub fn to_compact(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }
}

/// Printed as on the card: `DD-MM-YYYY`.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}-{:04}", self.day, self.month, self.year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_validate_and_age() {
        assert!(Date::new(2023, 2, 29).is_err());
        assert!(Date::new(2024, 2, 29).is_ok());
        assert!(Date::new(2024, 13, 1).is_err());
        assert!(Date::new(2024, 4, 31).is_err());
        assert!(Date::new(1899, 12, 31).is_err());
        let born = Date::new(2010, 6, 15).unwrap();
        assert_eq!(born.age_on(Date::new(2026, 6, 14).unwrap()), 15);
        assert_eq!(born.age_on(Date::new(2026, 6, 15).unwrap()), 16);
        assert_eq!(born.age_on(Date::new(2001, 1, 1).unwrap()), 0);
        let leap = Date::new(2008, 2, 29).unwrap();
        assert_eq!(leap.plus_years(17), Date::new(2025, 3, 1).unwrap());
        assert_eq!(leap.plus_years(16), Date::new(2024, 2, 29).unwrap());
        assert_eq!(born.to_string(), "15-06-2010");
        assert_eq!(born.to_compact(), "20100615");
    }

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        assert!(is_leap(2000) && is_leap(2024));
        assert!(!is_leap(1900) && !is_leap(2023));
        assert_eq!(days_in_month(2023, 2), 28);
        assert_eq!(days_in_month(2023, 0), 0);
    }
}
