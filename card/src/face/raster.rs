//! A [`Page`] → RGB pixels at 300 dpi → PNG.
//!
//! Glyphs are drawn from the same fonts and at the same positions the PDF uses (advance widths,
//! no kerning), with `ab_glyph`'s anti-aliased coverage.

use ab_glyph::{Font, PxScale, point};
use image::RgbImage;

use super::fonts::{FontFace, Metrics};
use super::page::{Mark, Page, RectMm, Rgb};
use super::{DPI, FaceError};

/// Draws `page` at `dpi` on white.
pub fn render(page: &Page, dpi: f32) -> Result<RgbImage, FaceError> {
    let (w, h) = page.pixel_size(dpi);
    let mut canvas = RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
    let regular = Metrics::new(FontFace::Regular)?;
    let bold = Metrics::new(FontFace::Bold)?;
    let px_per_mm = dpi / 25.4;
    for mark in &page.marks {
        match mark {
            Mark::Fill { rect, color } => fill(&mut canvas, *rect, *color, px_per_mm),
            Mark::Picture { rect, pixels } => blit(&mut canvas, *rect, pixels, px_per_mm),
            Mark::Text {
                x,
                baseline,
                size_pt,
                face,
                color,
                text,
            } => {
                let metrics = match face {
                    FontFace::Regular => &regular,
                    FontFace::Bold => &bold,
                };
                draw_text(
                    &mut canvas,
                    metrics,
                    (*x * px_per_mm, *baseline * px_per_mm),
                    *size_pt * dpi / 72.0,
                    *color,
                    text,
                );
            }
        }
    }
    Ok(canvas)
}

/// PNG bytes of `page` at 300 dpi, with the resolution recorded in the file (pHYs).
pub fn render_png(page: &Page) -> Result<Vec<u8>, FaceError> {
    let img = render(page, DPI)?;
    encode_png(&img)
}

pub fn encode_png(img: &RgbImage) -> Result<Vec<u8>, FaceError> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| FaceError::Encode(e.to_string()))?;
    Ok(out)
}

fn px_rect(rect: RectMm, px_per_mm: f32, canvas: &RgbImage) -> (u32, u32, u32, u32) {
    let x0 = (rect.x * px_per_mm).round().max(0.0) as u32;
    let y0 = (rect.y * px_per_mm).round().max(0.0) as u32;
    let x1 = (((rect.x + rect.w) * px_per_mm).round().max(0.0) as u32).min(canvas.width());
    let y1 = (((rect.y + rect.h) * px_per_mm).round().max(0.0) as u32).min(canvas.height());
    (x0, y0, x1, y1)
}

fn fill(canvas: &mut RgbImage, rect: RectMm, color: Rgb, px_per_mm: f32) {
    let (x0, y0, x1, y1) = px_rect(rect, px_per_mm, canvas);
    for y in y0..y1 {
        for x in x0..x1 {
            canvas.put_pixel(x, y, image::Rgb(color));
        }
    }
}

fn blit(canvas: &mut RgbImage, rect: RectMm, pixels: &RgbImage, px_per_mm: f32) {
    let x0 = (rect.x * px_per_mm).round() as i64;
    let y0 = (rect.y * px_per_mm).round() as i64;
    image::imageops::replace(canvas, pixels, x0, y0);
}

pub(crate) fn blend(canvas: &mut RgbImage, x: u32, y: u32, color: Rgb, alpha: f32) {
    let p = canvas.get_pixel_mut(x, y);
    for c in 0..3 {
        let v = f32::from(p[c]) * (1.0 - alpha) + f32::from(color[c]) * alpha;
        p[c] = v.round().clamp(0.0, 255.0) as u8;
    }
}

fn draw_text(
    canvas: &mut RgbImage,
    metrics: &Metrics,
    (x, baseline): (f32, f32),
    em_px: f32,
    color: Rgb,
    text: &str,
) {
    let font = metrics.font();
    // ab_glyph scales by ascent − descent; PDF sizes are em sizes. Convert so both agree.
    let scale = PxScale::from(em_px * font.height_unscaled() / metrics.units_per_em());
    let mut pen = x;
    for c in text.chars() {
        let Some(id) = metrics.glyph(c) else { continue };
        let glyph = id.with_scale_and_position(scale, point(pen, baseline));
        pen += em_px * metrics.advance_milli_em(id) / 1000.0;
        let Some(outlined) = font.outline_glyph(glyph) else {
            continue; // a space
        };
        let bounds = outlined.px_bounds();
        outlined.draw(|gx, gy, coverage| {
            let px = bounds.min.x as i64 + i64::from(gx);
            let py = bounds.min.y as i64 + i64::from(gy);
            if px >= 0
                && py >= 0
                && px < i64::from(canvas.width())
                && py < i64::from(canvas.height())
            {
                blend(canvas, px as u32, py as u32, color, coverage.min(1.0));
            }
        });
    }
}
