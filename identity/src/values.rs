//! The enumerated biodata values, each with the label a KTP-el prints.

use crate::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Laki-laki.
    Male,
    /// Perempuan.
    Female,
}

impl Sex {
    pub fn printed(self) -> &'static str {
        match self {
            Sex::Male => "LAKI-LAKI",
            Sex::Female => "PEREMPUAN",
        }
    }

    /// `L` / `P`, the one-letter code of SIAK, the chip's DG1 and the Type-2 record.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "L",
            Sex::Female => "P",
        }
    }

    pub fn from_code(code: &str) -> Option<Sex> {
        match code {
            "L" => Some(Sex::Male),
            "P" => Some(Sex::Female),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BloodType {
    A,
    B,
    AB,
    O,
    /// Not known at enrollment (common): printed as "-".
    Unknown,
}

impl BloodType {
    pub fn printed(self) -> &'static str {
        match self {
            BloodType::A => "A",
            BloodType::B => "B",
            BloodType::AB => "AB",
            BloodType::O => "O",
            BloodType::Unknown => "-",
        }
    }
}

/// The religions SIAK records, plus belief in God (UU 24/2013 and MK decision 97/PUU-XIV/2016).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

    /// The card's "Berlaku Hingga" line.
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
    fn sex_codes_round_trip() {
        for s in [Sex::Male, Sex::Female] {
            assert_eq!(Sex::from_code(s.code()), Some(s));
        }
        assert_eq!(Sex::from_code("X"), None);
        assert_eq!(Sex::Female.printed(), "PEREMPUAN");
    }

    #[test]
    fn foreigners_cards_expire_citizens_do_not() {
        let until = Date::new(2027, 3, 31).unwrap();
        assert_eq!(Citizenship::Wni.valid_until(), "SEUMUR HIDUP");
        assert_eq!(
            Citizenship::Wna { valid_until: until }.valid_until(),
            "31-03-2027"
        );
    }
}
