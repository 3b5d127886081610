//! The two typefaces on every document: DejaVu Sans Condensed, regular and bold, vendored from
//! Debian's `fonts-dejavu-extra` (Bitstream Vera licence with public-domain DejaVu changes,
//! see `card/fonts/LICENSE-DejaVu.txt`; it allows embedding and redistribution). It covers all
//! of Latin Extended-A/B, so names such as "Nur'aini", "Đặng" or "Ñoño" print as written.

use ab_glyph::{Font, FontRef, GlyphId};

use super::FaceError;

static REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSansCondensed.ttf");
static BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSansCondensed-Bold.ttf");

/// Millimetres per typographic point.
pub const MM_PER_PT: f32 = 25.4 / 72.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FontFace {
    Regular,
    Bold,
}

impl FontFace {
    pub const ALL: [FontFace; 2] = [FontFace::Regular, FontFace::Bold];

    pub fn bytes(self) -> &'static [u8] {
        match self {
            FontFace::Regular => REGULAR,
            FontFace::Bold => BOLD,
        }
    }

    /// PostScript name written into the PDF.
    pub fn postscript_name(self) -> &'static str {
        match self {
            FontFace::Regular => "DejaVuSansCondensed",
            FontFace::Bold => "DejaVuSansCondensed-Bold",
        }
    }

    pub fn font(self) -> Result<FontRef<'static>, FaceError> {
        FontRef::try_from_slice(self.bytes()).map_err(|e| FaceError::Font(e.to_string()))
    }
}

/// Measures text with one face. Layout uses advance widths only (no kerning), exactly as the
/// PDF's glyph width table does, so PNG and PDF place every glyph at the same x.
pub struct Metrics {
    font: FontRef<'static>,
    units_per_em: f32,
}

impl Metrics {
    pub fn new(face: FontFace) -> Result<Self, FaceError> {
        let font = face.font()?;
        let units_per_em = font
            .units_per_em()
            .ok_or_else(|| FaceError::Font("no units per em".into()))?;
        Ok(Self { font, units_per_em })
    }

    pub fn font(&self) -> &FontRef<'static> {
        &self.font
    }

    pub fn units_per_em(&self) -> f32 {
        self.units_per_em
    }

    /// The glyph for `c`, or `None` when the font lacks it (glyph 0 is .notdef).
    pub fn glyph(&self, c: char) -> Option<GlyphId> {
        let id = self.font.glyph_id(c);
        (id.0 != 0).then_some(id)
    }

    /// Advance of glyph `id` in thousandths of an em (PDF glyph space).
    pub fn advance_milli_em(&self, id: GlyphId) -> f32 {
        self.font.h_advance_unscaled(id) * 1000.0 / self.units_per_em
    }

    /// Width of `text` set at `size_pt`, in millimetres. Characters the font lacks count as
    /// zero here; [`Metrics::first_missing`] reports them before anything is laid out.
    pub fn width_mm(&self, text: &str, size_pt: f32) -> f32 {
        let milli: f32 = text
            .chars()
            .filter_map(|c| self.glyph(c))
            .map(|g| self.advance_milli_em(g))
            .sum();
        milli / 1000.0 * size_pt * MM_PER_PT
    }

    /// The first character the font cannot draw. Spaces are fine (they have a glyph).
    pub fn first_missing(&self, text: &str) -> Option<char> {
        text.chars().find(|&c| self.glyph(c).is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fonts_cover_latin_with_diacritics_but_not_cjk() {
        let m = Metrics::new(FontFace::Regular).unwrap();
        assert_eq!(
            m.first_missing("NUR'AINI ĐẶNG ÑOÑO ŞAHİN ÇAĞLAR Ø Å ‘’"),
            None
        );
        assert_eq!(m.first_missing("王小明"), Some('王'));
        // Wider at a bigger size, and bold is wider than regular.
        let b = Metrics::new(FontFace::Bold).unwrap();
        let w6 = m.width_mm("MUHAMMAD", 6.0);
        assert!(m.width_mm("MUHAMMAD", 8.0) > w6 && b.width_mm("MUHAMMAD", 6.0) > w6);
    }
}
