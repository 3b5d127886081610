//! Captured photo and signature → pixels for a box on the page.
//!
//! Both keep their aspect ratio: the image is scaled to fit inside the box (never stretched,
//! never cropped) and centred; the margin is filled with the photo background or left without
//! ink. Resampling is Lanczos3 through `fast_image_resize`.

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{GrayImage, Luma, Rgb, RgbImage};

use super::page::{RectMm, mm_to_px};
use super::{DPI, FaceError};

/// The size an image of `src` pixels gets inside a `bw`×`bh` box, aspect kept.
pub fn contain(src: (u32, u32), bw: u32, bh: u32) -> (u32, u32) {
    let (sw, sh) = (src.0.max(1) as f64, src.1.max(1) as f64);
    let scale = (bw as f64 / sw).min(bh as f64 / sh);
    let w = ((sw * scale).round() as u32).clamp(1, bw);
    let h = ((sh * scale).round() as u32).clamp(1, bh);
    (w, h)
}

/// Lanczos3 resize of a photo (RGB) or a signature coverage map (grey) to `w`×`h`.
fn resize<P: image::Pixel>(
    src: &image::ImageBuffer<P, Vec<P::Subpixel>>,
    w: u32,
    h: u32,
    what: &'static str,
) -> Result<image::ImageBuffer<P, Vec<P::Subpixel>>, FaceError>
where
    image::ImageBuffer<P, Vec<P::Subpixel>>:
        fast_image_resize::IntoImageView + fast_image_resize::IntoImageViewMut,
{
    let mut dst = image::ImageBuffer::new(w, h);
    Resizer::new()
        .resize(src, &mut dst, &lanczos())
        .map_err(|e| FaceError::BadImage {
            what,
            detail: e.to_string(),
        })?;
    Ok(dst)
}

fn lanczos() -> ResizeOptions {
    ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
}

fn check_nonempty(what: &'static str, w: u32, h: u32) -> Result<(), FaceError> {
    if w < 8 || h < 8 {
        return Err(FaceError::BadImage {
            what,
            detail: format!("{w}×{h} px"),
        });
    }
    Ok(())
}

/// The photo, fitted into `rect` at 300 dpi, centred on `background`.
pub fn place_photo(
    photo: &RgbImage,
    rect: RectMm,
    background: [u8; 3],
) -> Result<RgbImage, FaceError> {
    check_nonempty("foto/photo", photo.width(), photo.height())?;
    let (bw, bh) = (mm_to_px(rect.w, DPI), mm_to_px(rect.h, DPI));
    let (w, h) = contain(photo.dimensions(), bw, bh);
    let scaled = resize(photo, w, h, "foto/photo")?;
    let mut out = RgbImage::from_pixel(bw, bh, Rgb(background));
    image::imageops::replace(
        &mut out,
        &scaled,
        i64::from((bw - w) / 2),
        i64::from((bh - h) / 2),
    );
    Ok(out)
}

/// A signature scan (dark ink on light paper) → ink coverage fitted into `rect` at 300 dpi.
/// The paper's own tone is removed, so a greyish scan does not print as a grey box.
pub fn place_signature(scan: &GrayImage, rect: RectMm) -> Result<GrayImage, FaceError> {
    check_nonempty("tanda tangan/signature", scan.width(), scan.height())?;
    let paper = paper_level(scan);
    let coverage = GrayImage::from_fn(scan.width(), scan.height(), |x, y| {
        let v = scan.get_pixel(x, y)[0];
        let ink = f32::from(paper.saturating_sub(v)) / f32::from(paper.max(1));
        Luma([(ink * 255.0).round() as u8])
    });
    let (bw, bh) = (mm_to_px(rect.w, DPI), mm_to_px(rect.h, DPI));
    let (w, h) = contain(coverage.dimensions(), bw, bh);
    let scaled = resize(&coverage, w, h, "tanda tangan/signature")?;
    let mut out = GrayImage::new(bw, bh);
    image::imageops::replace(
        &mut out,
        &scaled,
        i64::from((bw - w) / 2),
        i64::from((bh - h) / 2),
    );
    Ok(out)
}

/// The paper tone: the 90th percentile of the grey levels (most of a signature is paper).
fn paper_level(scan: &GrayImage) -> u8 {
    let mut hist = [0usize; 256];
    for p in scan.pixels() {
        hist[usize::from(p[0])] += 1;
    }
    let target = scan.pixels().len() * 9 / 10;
    let mut seen = 0;
    for (level, count) in hist.iter().enumerate() {
        seen += count;
        if seen >= target {
            return level as u8;
        }
    }
    255
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contain_keeps_aspect_without_stretching() {
        assert_eq!(contain((600, 800), 236, 295), (221, 295)); // 3:4 into 4:5 → full height
        assert_eq!(contain((800, 400), 200, 200), (200, 100));
        assert_eq!(contain((10, 10), 50, 80), (50, 50));
    }

    #[test]
    fn a_wide_photo_is_letterboxed_not_stretched() {
        // Red photo, twice as wide as high, into a square box: red band in the middle only.
        let photo = RgbImage::from_pixel(200, 100, Rgb([200, 0, 0]));
        let rect = RectMm::new(0.0, 0.0, 10.0, 10.0);
        let out = place_photo(&photo, rect, [255, 255, 255]).unwrap();
        let side = mm_to_px(10.0, DPI);
        assert_eq!(out.dimensions(), (side, side));
        assert_eq!(out.get_pixel(side / 2, 2).0, [255, 255, 255]);
        assert_eq!(out.get_pixel(side / 2, side / 2).0, [200, 0, 0]);
    }

    #[test]
    fn signature_paper_becomes_no_ink() {
        let mut scan = GrayImage::from_pixel(300, 100, Luma([230]));
        for x in 20..280 {
            scan.put_pixel(x, 50, Luma([20]));
            scan.put_pixel(x, 51, Luma([20]));
        }
        let cov = place_signature(&scan, RectMm::new(0.0, 0.0, 20.0, 8.0)).unwrap();
        assert_eq!(cov.get_pixel(2, 2)[0], 0, "paper is not ink");
        let max = cov.pixels().map(|p| p[0]).max().unwrap();
        assert!(max > 150, "the stroke is ink ({max})");
    }

    #[test]
    fn a_tiny_image_is_refused() {
        let err = place_photo(
            &RgbImage::new(3, 3),
            RectMm::new(0.0, 0.0, 10.0, 10.0),
            [0; 3],
        );
        assert!(matches!(err, Err(FaceError::BadImage { .. })));
    }
}
