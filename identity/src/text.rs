use std::fmt;

use unicode_normalization::UnicodeNormalization;

use crate::IdentityError;

/// Free text printed on a card: Unicode NFC (so "e" + combining acute prints as one "é"),
/// whitespace runs collapsed, no control characters, not empty.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TextField(String);

impl TextField {
    pub fn new(s: &str) -> Result<Self, IdentityError> {
        if let Some(c) = s.chars().find(|c| c.is_control() && !c.is_whitespace()) {
            return Err(IdentityError::ControlCharacter(c as u32));
        }
        let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let normal: String = collapsed.nfc().collect();
        if normal.is_empty() {
            return Err(IdentityError::Empty);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_nfc_with_collapsed_spaces() {
        let t = TextField::new("  Jose\u{301}   d'Almeida ").unwrap();
        assert_eq!(t.as_str(), "José d'Almeida");
        assert_eq!(t.upper(), "JOSÉ D'ALMEIDA");
        assert_eq!(TextField::new("   "), Err(IdentityError::Empty));
        assert_eq!(
            TextField::new("a\u{7}b"),
            Err(IdentityError::ControlCharacter(7))
        );
        assert_eq!(format!("{t:?}"), "TextField(14 chars)");
    }
}
