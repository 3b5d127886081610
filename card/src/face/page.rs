//! The display list both renderers draw: marks placed in millimetres from the top-left corner.

use std::fmt;

use image::RgbImage;

use super::fonts::FontFace;

pub type Rgb = [u8; 3];

pub const BLACK: Rgb = [0, 0, 0];

/// A rectangle in millimetres, origin at the page's top-left corner, y downwards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RectMm {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl RectMm {
    pub const fn new(x: f32, y: f32, w: f32, h: f32) -> Self {
        Self { x, y, w, h }
    }
}

/// One thing drawn on a page, in drawing order.
///
/// There is deliberately no transparency: CUPS's PDF path (pdftopdf → pdftops → printer)
/// flattens a page with a soft mask into one bitmap, losing the text. Ink such as the
/// signature is composited into the picture beneath it at layout time instead
/// ([`super::form::burn_ink`]).
pub enum Mark {
    /// A solid rectangle.
    Fill { rect: RectMm, color: Rgb },
    /// One line of text, left edge at `x`, baseline at `baseline` (mm).
    Text {
        x: f32,
        baseline: f32,
        size_pt: f32,
        face: FontFace,
        color: Rgb,
        text: String,
    },
    /// A picture filling `rect` exactly (already resized to `rect` at 300 dpi, aspect kept by
    /// the caller).
    Picture { rect: RectMm, pixels: RgbImage },
}

impl fmt::Debug for Mark {
    // Pictures are faces and signatures: never print their pixels, nor card text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mark::Fill { rect, .. } => write!(f, "Fill({rect:?})"),
            Mark::Text { x, baseline, .. } => write!(f, "Text(at {x:.1},{baseline:.1})"),
            Mark::Picture { rect, .. } => write!(f, "Picture({rect:?})"),
        }
    }
}

/// A laid-out page of a given physical size.
#[derive(Debug)]
pub struct Page {
    pub width_mm: f32,
    pub height_mm: f32,
    pub marks: Vec<Mark>,
}

impl Page {
    pub fn new((width_mm, height_mm): (f32, f32)) -> Self {
        Self {
            width_mm,
            height_mm,
            marks: Vec::new(),
        }
    }

    pub fn push(&mut self, mark: Mark) {
        self.marks.push(mark);
    }

    /// All text on the page in drawing order, one line per text mark (for checks and previews).
    pub fn text_lines(&self) -> Vec<&str> {
        self.marks
            .iter()
            .filter_map(|m| match m {
                Mark::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Pixel size of this page at `dpi` (rounded to whole pixels).
    pub fn pixel_size(&self, dpi: f32) -> (u32, u32) {
        (mm_to_px(self.width_mm, dpi), mm_to_px(self.height_mm, dpi))
    }
}

pub fn mm_to_px(mm: f32, dpi: f32) -> u32 {
    (mm / 25.4 * dpi).round().max(1.0) as u32
}
