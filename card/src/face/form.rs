//! Building blocks shared by the card layouts and the receipt: label/value rows that flow down
//! the page, centred lines, and the security-print background.

use image::{GrayImage, RgbImage};

use super::fit::{TextBox, fit};
use super::fonts::{FontFace, Metrics};
use super::page::{BLACK, Mark, Page, RectMm, Rgb, mm_to_px};
use super::{DPI, FaceError};

/// Column positions and type sizes of a label/value block.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    pub label_x: f32,
    pub indent_x: f32,
    pub colon_x: f32,
    pub value_x: f32,
    pub value_right: f32,
    pub label_pt: f32,
    pub value_pt: f32,
    pub min_value_pt: f32,
    /// Baseline to baseline between rows, and between wrapped lines of one value (mm).
    pub row_step: f32,
    pub wrap_step: f32,
}

/// Label/value rows flowing down from a start baseline; going past `bottom` is an error.
pub struct Form<'p> {
    pub page: &'p mut Page,
    pub cols: Columns,
    pub regular: Metrics,
    pub bold: Metrics,
    pub y: f32,
    pub bottom: f32,
}

impl<'p> Form<'p> {
    pub fn new(
        page: &'p mut Page,
        cols: Columns,
        first_baseline: f32,
        bottom: f32,
    ) -> Result<Self, FaceError> {
        Ok(Self {
            page,
            cols,
            regular: Metrics::new(FontFace::Regular)?,
            bold: Metrics::new(FontFace::Bold)?,
            y: first_baseline,
            bottom,
        })
    }

    /// `label : value`, the value fitted into the value column in up to `max_lines` lines.
    pub fn row(
        &mut self,
        label: &'static str,
        value: &str,
        max_lines: usize,
    ) -> Result<(), FaceError> {
        self.row_in(label, false, value, max_lines, self.cols.value_right)
    }

    /// As [`Form::row`] with the label indented (RT/RW, Kel/Desa, Kecamatan under Alamat).
    pub fn sub_row(&mut self, label: &'static str, value: &str) -> Result<(), FaceError> {
        self.row_in(label, true, value, 1, self.cols.value_right)
    }

    /// A row whose value must end at `right` (to leave room for a second item on the line).
    pub fn row_in(
        &mut self,
        label: &'static str,
        indent: bool,
        value: &str,
        max_lines: usize,
        right: f32,
    ) -> Result<(), FaceError> {
        let c = self.cols;
        let bx = TextBox {
            width_mm: right - c.value_x,
            size_pt: c.value_pt,
            min_size_pt: c.min_value_pt,
            max_lines,
        };
        let fitted = fit(label, value, bx, &self.regular)?;
        let last = self.y + (fitted.lines.len() - 1) as f32 * c.wrap_step;
        self.check_bottom(last)?;
        let x = if indent { c.indent_x } else { c.label_x };
        self.text(x, self.y, c.label_pt, FontFace::Regular, label);
        self.text(c.colon_x, self.y, c.label_pt, FontFace::Regular, ":");
        for (i, line) in fitted.lines.iter().enumerate() {
            let y = self.y + i as f32 * c.wrap_step;
            self.text(c.value_x, y, fitted.size_pt, FontFace::Regular, line);
        }
        self.y = last + c.row_step;
        Ok(())
    }

    /// A second `label : value` on the current row's line (e.g. Gol. Darah), placed at `x`.
    pub fn inline_pair(
        &mut self,
        x: f32,
        label: &'static str,
        value: &str,
        width: f32,
    ) -> Result<(), FaceError> {
        let y = self.y - self.cols.row_step;
        let label_w = self.regular.width_mm(label, self.cols.label_pt);
        let colon_x = x + label_w + 1.0;
        let value_x = colon_x + 1.2;
        let bx = TextBox {
            width_mm: width - (value_x - x),
            size_pt: self.cols.value_pt,
            min_size_pt: self.cols.min_value_pt,
            max_lines: 1,
        };
        let fitted = fit(label, value, bx, &self.regular)?;
        self.text(x, y, self.cols.label_pt, FontFace::Regular, label);
        self.text(colon_x, y, self.cols.label_pt, FontFace::Regular, ":");
        self.text(
            value_x,
            y,
            fitted.size_pt,
            FontFace::Regular,
            &fitted.lines[0],
        );
        Ok(())
    }

    fn check_bottom(&self, baseline: f32) -> Result<(), FaceError> {
        if baseline > self.bottom {
            return Err(FaceError::PageOverflow {
                needed_mm: baseline,
                available_mm: self.bottom,
            });
        }
        Ok(())
    }

    pub fn text(&mut self, x: f32, baseline: f32, size_pt: f32, face: FontFace, text: &str) {
        self.page.push(Mark::Text {
            x,
            baseline,
            size_pt,
            face,
            color: BLACK,
            text: text.to_owned(),
        });
    }
}

/// Lines of `text` centred on `center_x`, fitted into `bx`; returns the baseline after them.
#[allow(clippy::too_many_arguments)]
pub fn centered(
    page: &mut Page,
    metrics: &Metrics,
    face: FontFace,
    field: &'static str,
    text: &str,
    center_x: f32,
    baseline: f32,
    line_step: f32,
    bx: TextBox,
) -> Result<f32, FaceError> {
    let fitted = fit(field, text, bx, metrics)?;
    let mut y = baseline;
    for line in &fitted.lines {
        let w = metrics.width_mm(line, fitted.size_pt);
        page.push(Mark::Text {
            x: center_x - w / 2.0,
            baseline: y,
            size_pt: fitted.size_pt,
            face,
            color: BLACK,
            text: line.clone(),
        });
        y += line_step;
    }
    Ok(y)
}

/// The two card backgrounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Palette {
    /// KTP-el: pale blue to pale green.
    Ktp,
    /// KIA: pale pink to pale yellow.
    Kia,
}

/// The card background for `palette`, computed once per process (it does not depend on the
/// holder) and copied for each card.
pub fn card_background(palette: Palette) -> RgbImage {
    static KTP: std::sync::OnceLock<RgbImage> = std::sync::OnceLock::new();
    static KIA: std::sync::OnceLock<RgbImage> = std::sync::OnceLock::new();
    let (cell, top, bottom, wave) = match palette {
        Palette::Ktp => (&KTP, [206, 228, 244], [226, 240, 222], [120, 160, 200]),
        Palette::Kia => (&KIA, [250, 226, 232], [252, 244, 214], [214, 130, 160]),
    };
    cell.get_or_init(|| security_background(super::CR80_MM, top, bottom, wave))
        .clone()
}

/// A pale two-colour gradient with fine guilloche waves, like the security print of ID cards,
/// at 300 dpi for a page of `size_mm`. Deterministic, so reference renderings are stable.
pub fn security_background(size_mm: (f32, f32), top: Rgb, bottom: Rgb, wave: Rgb) -> RgbImage {
    let (w, h) = (mm_to_px(size_mm.0, DPI), mm_to_px(size_mm.1, DPI));
    RgbImage::from_fn(w, h, |x, y| {
        let t = y as f32 / h.max(1) as f32;
        let base = lerp(top, bottom, t);
        let (fx, fy) = (x as f32, y as f32);
        // Two families of sine curves crossing each other; a pixel close to a curve gets wave colour.
        let a = (fy / 9.0 + (fx / 47.0).sin() * 3.0).sin();
        let b = (fx / 11.0 + (fy / 53.0).cos() * 4.0).sin();
        let line = (1.0 - a.abs().min(b.abs()) * 12.0).clamp(0.0, 1.0) * 0.35;
        image::Rgb(lerp(base, wave, line))
    })
}

fn lerp(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [0, 1, 2].map(|i| (f32::from(a[i]) + (f32::from(b[i]) - f32::from(a[i])) * t).round() as u8)
}

/// The background as a full-page picture mark.
pub fn background_mark(size_mm: (f32, f32), pixels: RgbImage) -> Mark {
    Mark::Picture {
        rect: RectMm::new(0.0, 0.0, size_mm.0, size_mm.1),
        pixels,
    }
}

/// Lays `color` ink with `coverage` (255 = full ink) into `background` (a full-page picture at
/// 300 dpi) over `rect`: the signature becomes part of the opaque picture beneath it.
pub fn burn_ink(background: &mut RgbImage, rect: RectMm, coverage: &GrayImage, color: Rgb) {
    let px_per_mm = DPI / 25.4;
    let x0 = (rect.x * px_per_mm).round() as u32;
    let y0 = (rect.y * px_per_mm).round() as u32;
    for (x, y, a) in coverage.enumerate_pixels() {
        let (cx, cy) = (x0 + x, y0 + y);
        if cx < background.width() && cy < background.height() && a[0] > 0 {
            super::raster::blend(background, cx, cy, color, f32::from(a[0]) / 255.0);
        }
    }
}
