//! Text fitting: the same rule for every field on every document.
//!
//! 1. one line, from the nominal size down to the minimum size (in 0.25 pt steps);
//! 2. otherwise word-wrapped onto up to `max_lines` lines, again nominal → minimum;
//! 3. otherwise an error naming the field. Text is never clipped or squeezed below the
//!    minimum size, which is chosen so the card stays legible.

use super::FaceError;
use super::fonts::Metrics;

/// Where and how a field may be set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextBox {
    pub width_mm: f32,
    pub size_pt: f32,
    pub min_size_pt: f32,
    pub max_lines: usize,
}

/// A field that fits: its size and its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    pub size_pt: f32,
    pub lines: Vec<String>,
}

const STEP_PT: f32 = 0.25;

/// Fits `text` into `bx` or says why it cannot.
pub fn fit(
    field: &'static str,
    text: &str,
    bx: TextBox,
    metrics: &Metrics,
) -> Result<Fitted, FaceError> {
    check_printable(field, text, metrics)?;
    let sizes = sizes(bx);
    if let Some(size) = sizes
        .iter()
        .copied()
        .find(|&s| metrics.width_mm(text, s) <= bx.width_mm)
    {
        return Ok(Fitted {
            size_pt: size,
            lines: vec![text.to_owned()],
        });
    }
    let mut fewest_lines = None;
    let mut last_error = None;
    for &size in &sizes {
        match wrap(field, text, bx.width_mm, size, metrics) {
            Ok(lines) if lines.len() <= bx.max_lines => {
                return Ok(Fitted {
                    size_pt: size,
                    lines,
                });
            }
            Ok(lines) => {
                fewest_lines = Some(fewest_lines.unwrap_or(usize::MAX).min(lines.len()));
            }
            // A word too wide at this size may still fit at a smaller one.
            Err(e) => last_error = Some(e),
        }
    }
    match (fewest_lines, last_error) {
        (Some(needed), _) => Err(FaceError::FieldTooLong {
            field,
            needed,
            max: bx.max_lines,
        }),
        (None, Some(e)) => Err(e),
        (None, None) => Err(FaceError::EmptyField { field }),
    }
}

fn check_printable(field: &'static str, text: &str, metrics: &Metrics) -> Result<(), FaceError> {
    if text.trim().is_empty() {
        return Err(FaceError::EmptyField { field });
    }
    if let Some(ch) = text.chars().find(|&c| !is_card_latin(c)) {
        return Err(FaceError::UnsupportedCharacter {
            field,
            ch,
            code: ch as u32,
        });
    }
    match metrics.first_missing(text) {
        Some(ch) => Err(FaceError::UnsupportedCharacter {
            field,
            ch,
            code: ch as u32,
        }),
        None => Ok(()),
    }
}

/// The scripts a card prints: Latin with all its extensions and diacritics, and common
/// punctuation. Other scripts are refused rather than set without shaping (right-to-left text
/// would come out reversed).
fn is_card_latin(c: char) -> bool {
    matches!(c as u32,
        0x20..=0x7E          // ASCII
        | 0xA0..=0x24F       // Latin-1 Supplement, Latin Extended-A and -B
        | 0x2B0..=0x36F      // modifier letters (ʻ), combining diacritics
        | 0x1E00..=0x1EFF    // Latin Extended Additional (Vietnamese)
        | 0x2010..=0x2027    // dashes, quotes (’), bullets
        | 0x2030..=0x205E)
}

fn sizes(bx: TextBox) -> Vec<f32> {
    let steps = ((bx.size_pt - bx.min_size_pt) / STEP_PT).round().max(0.0) as usize;
    (0..=steps)
        .map(|i| bx.size_pt - i as f32 * STEP_PT)
        .collect()
}

/// Greedy word wrap at spaces. A word wider than the box on its own is an error at this size
/// (the caller tries every size down to the minimum before reporting it).
fn wrap(
    field: &'static str,
    text: &str,
    width_mm: f32,
    size_pt: f32,
    metrics: &Metrics,
) -> Result<Vec<String>, FaceError> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if metrics.width_mm(word, size_pt) > width_mm {
            return Err(FaceError::WordTooWide {
                field,
                word: word.to_owned(),
            });
        }
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if metrics.width_mm(&candidate, size_pt) <= width_mm {
            current = candidate;
        } else {
            lines.push(std::mem::replace(&mut current, word.to_owned()));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::fonts::FontFace;

    fn metrics() -> Metrics {
        Metrics::new(FontFace::Regular).unwrap()
    }

    const BOX: TextBox = TextBox {
        width_mm: 30.0,
        size_pt: 6.0,
        min_size_pt: 5.0,
        max_lines: 2,
    };

    #[test]
    fn short_text_keeps_the_nominal_size_on_one_line() {
        let f = fit("Nama", "BUDI", BOX, &metrics()).unwrap();
        assert_eq!((f.size_pt, f.lines.len()), (6.0, 1));
    }

    #[test]
    fn slightly_long_text_shrinks_before_it_wraps() {
        let m = metrics();
        // Find a text just over the box at 6 pt but under it at 5 pt.
        let text = "MUHAMMAD RIZKY PRATAMA";
        let w6 = m.width_mm(text, 6.0);
        let w5 = m.width_mm(text, 5.0);
        let bx = TextBox {
            width_mm: (w6 + w5) / 2.0,
            ..BOX
        };
        let f = fit("Nama", text, bx, &m).unwrap();
        assert_eq!(f.lines.len(), 1);
        assert!(f.size_pt < 6.0 && f.size_pt >= 5.0);
        assert!(m.width_mm(text, f.size_pt) <= bx.width_mm);
    }

    #[test]
    fn long_text_wraps_and_every_line_fits() {
        let m = metrics();
        let text = "JL. PANGERAN DIPONEGORO GG. MERPATI PUTIH NO. 117B";
        let f = fit("Alamat", text, BOX, &m).unwrap();
        assert_eq!(f.lines.len(), 2);
        assert!(f.lines.iter().all(|l| m.width_mm(l, f.size_pt) <= 30.0));
        assert_eq!(f.lines.join(" "), text, "nothing dropped");
    }

    #[test]
    fn text_that_cannot_fit_is_an_error_not_a_clip() {
        let text = "SATU DUA TIGA EMPAT LIMA ENAM TUJUH DELAPAN SEMBILAN SEPULUH SEBELAS DUA BELAS";
        let err = fit("Alamat", text, BOX, &metrics()).unwrap_err();
        assert!(
            matches!(err, FaceError::FieldTooLong { field: "Alamat", max: 2, needed } if needed > 2),
            "{err}"
        );
        assert!(
            err.to_string().contains("terlalu panjang") && err.to_string().contains("too long")
        );
    }

    #[test]
    fn a_single_overwide_word_is_named() {
        let err = fit("Nama", &"W".repeat(40), BOX, &metrics()).unwrap_err();
        assert!(matches!(err, FaceError::WordTooWide { .. }), "{err}");
    }

    #[test]
    fn unprintable_characters_are_reported_with_their_code() {
        let err = fit("Nama", "LI 王", BOX, &metrics()).unwrap_err();
        assert_eq!(
            err,
            FaceError::UnsupportedCharacter {
                field: "Nama",
                ch: '王',
                code: 0x738B
            }
        );
    }

    /// Many pseudo-random strings (Latin, diacritics, combining marks, other scripts, long
    /// words): each either fits with every line inside the box and nothing dropped, or is a
    /// typed error. Deterministic (fixed seed), so a failure reproduces.
    #[test]
    fn random_text_either_fits_whole_or_is_refused() {
        let m = metrics();
        let alphabet: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnop ÉÑÜØÅŁĐẶŞİ'’-./,0123456789 \u{301}王🙂\u{5d0}"
            .chars()
            .collect();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let len = (next() % 90) as usize + 1;
            let text: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let Ok(field) = crate::face::TextField::new(&text) else {
                continue; // blank: refused before layout
            };
            let text = field.upper();
            match fit("Nama", &text, BOX, &m) {
                Ok(f) => {
                    assert!(f.lines.len() <= BOX.max_lines);
                    assert!(f.size_pt >= BOX.min_size_pt && f.size_pt <= BOX.size_pt);
                    for line in &f.lines {
                        assert!(m.width_mm(line, f.size_pt) <= BOX.width_mm + 1e-3, "{line}");
                    }
                    assert_eq!(f.lines.join(" "), text, "nothing dropped");
                }
                Err(
                    FaceError::FieldTooLong { .. }
                    | FaceError::WordTooWide { .. }
                    | FaceError::UnsupportedCharacter { .. },
                ) => {}
                Err(e) => panic!("unexpected {e:?} for {text:?}"),
            }
        }
    }
}
