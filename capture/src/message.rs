//! Operator-facing text: Bahasa Indonesia by default, English beside it.

/// A message for the operator in both languages the station speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperatorMessage {
    pub id: &'static str,
    pub en: &'static str,
}

impl OperatorMessage {
    pub const fn new(id: &'static str, en: &'static str) -> Self {
        Self { id, en }
    }

    /// The text in the station's language (`REKAM_LANG=en` selects English).
    pub fn text(&self, english: bool) -> &'static str {
        if english { self.en } else { self.id }
    }
}

impl std::fmt::Display for OperatorMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.id, self.en)
    }
}
