//! Operator-facing language. Bahasa Indonesia is the default; English is available.

/// The language of everything an operator reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    /// From `REKAM_LANG` (`id` or `en`); anything else is the default, Indonesian.
    pub fn from_env() -> Self {
        Self::parse(std::env::var("REKAM_LANG").ok().as_deref())
    }

    pub fn parse(code: Option<&str>) -> Self {
        match code.map(str::trim).map(str::to_ascii_lowercase).as_deref() {
            Some("en") | Some("en_us") | Some("en-us") | Some("english") => Self::En,
            _ => Self::Id,
        }
    }

    /// Picks the text for this language.
    pub fn pick<'a>(self, id: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Id => id,
            Self::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_unless_english_is_asked_for() {
        assert_eq!(Lang::parse(None), Lang::Id);
        assert_eq!(Lang::parse(Some("fr")), Lang::Id);
        assert_eq!(Lang::parse(Some(" EN ")), Lang::En);
        assert_eq!(Lang::En.pick("Kartu", "Card"), "Card");
    }
}
