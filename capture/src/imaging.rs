//! Small image helpers shared by the camera, preview and face stages: grey conversion and
//! resizing with fast_image_resize.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{GrayImage, RgbImage};
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ImagingError {
    #[error("cannot resize a {0}×{1} image to {2}×{3}")]
    Size(u32, u32, u32, u32),
    #[error("resize failed: {0}")]
    Resize(String),
}

/// BT.601 luma with integer weights (the same weights OpenCV's RGB→grey uses).
pub fn to_grey(rgb: &RgbImage) -> GrayImage {
    let (w, h) = rgb.dimensions();
    let data = rgb
        .as_raw()
        .chunks_exact(3)
        .map(|p| {
            let v = 4899 * u32::from(p[0]) + 9617 * u32::from(p[1]) + 1868 * u32::from(p[2]);
            ((v + 8192) >> 14) as u8
        })
        .collect();
    GrayImage::from_raw(w, h, data).unwrap_or_else(|| GrayImage::new(w, h))
}

fn resize_raw(
    src: &[u8],
    src_size: (u32, u32),
    (dw, dh): (u32, u32),
    pixel: PixelType,
    options: &ResizeOptions,
    resizer: &mut Resizer,
) -> Result<Vec<u8>, ImagingError> {
    let mut out = vec![0; dw as usize * dh as usize * pixel.size()];
    resize_slice(src, src_size, &mut out, (dw, dh), pixel, options, resizer)?;
    Ok(out)
}

/// The one call into fast_image_resize: `src` (`sw`×`sh`) scaled into `out` (`dw`×`dh`,
/// exactly that many `pixel`s long).
fn resize_slice(
    src: &[u8],
    (sw, sh): (u32, u32),
    out: &mut [u8],
    (dw, dh): (u32, u32),
    pixel: PixelType,
    options: &ResizeOptions,
    resizer: &mut Resizer,
) -> Result<(), ImagingError> {
    if sw == 0 || sh == 0 || dw == 0 || dh == 0 {
        return Err(ImagingError::Size(sw, sh, dw, dh));
    }
    let src = ImageRef::new(sw, sh, src, pixel).map_err(|e| ImagingError::Resize(e.to_string()))?;
    let mut dst = Image::from_slice_u8(dw, dh, out, pixel)
        .map_err(|e| ImagingError::Resize(e.to_string()))?;
    resizer
        .resize(&src, &mut dst, options)
        .map_err(|e| ImagingError::Resize(e.to_string()))
}

/// Bilinear resize of a grey image (OpenCV INTER_LINEAR-like, as the cascade was trained on).
pub fn resize_grey(
    src: &GrayImage,
    w: u32,
    h: u32,
    resizer: &mut Resizer,
) -> Result<GrayImage, ImagingError> {
    resize_grey_with(
        src,
        (w, h),
        ResizeAlg::Interpolation(FilterType::Bilinear),
        resizer,
    )
}

/// Area-averaging downscale of a grey image (a bilinear *convolution*: every source pixel
/// counts, so fine texture does not alias into false structure as plain interpolation can).
pub fn downscale_grey(src: &GrayImage, w: u32, h: u32) -> Result<GrayImage, ImagingError> {
    let algorithm = ResizeAlg::Convolution(FilterType::Bilinear);
    resize_grey_with(src, (w, h), algorithm, &mut Resizer::new())
}

fn resize_grey_with(
    src: &GrayImage,
    (w, h): (u32, u32),
    algorithm: ResizeAlg,
    resizer: &mut Resizer,
) -> Result<GrayImage, ImagingError> {
    let options = ResizeOptions::new().resize_alg(algorithm);
    let data = resize_raw(
        src.as_raw(),
        src.dimensions(),
        (w, h),
        PixelType::U8,
        &options,
        resizer,
    )?;
    GrayImage::from_raw(w, h, data).ok_or(ImagingError::Size(src.width(), src.height(), w, h))
}

/// [`resize_grey`] into a reused buffer (the detector's pyramid levels): `out` becomes the
/// `w`×`h` pixels, row-major.
pub fn resize_grey_into(
    src: &GrayImage,
    (w, h): (u32, u32),
    out: &mut Vec<u8>,
    resizer: &mut Resizer,
) -> Result<(), ImagingError> {
    out.resize(w as usize * h as usize, 0);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Interpolation(FilterType::Bilinear));
    resize_slice(
        src.as_raw(),
        src.dimensions(),
        out,
        (w, h),
        PixelType::U8,
        &options,
        resizer,
    )
}

/// Resize of an RGB frame with a convolution filter (used for the live preview).
pub fn resize_rgb(
    src: &RgbImage,
    w: u32,
    h: u32,
    resizer: &mut Resizer,
) -> Result<RgbImage, ImagingError> {
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    let data = resize_raw(
        src.as_raw(),
        src.dimensions(),
        (w, h),
        PixelType::U8x3,
        &options,
        resizer,
    )?;
    RgbImage::from_raw(w, h, data).ok_or(ImagingError::Size(src.width(), src.height(), w, h))
}

/// [`resize_rgb`] into an existing image of the wanted size (no allocation per frame).
pub fn resize_rgb_into(
    src: &RgbImage,
    out: &mut RgbImage,
    resizer: &mut Resizer,
) -> Result<(), ImagingError> {
    let size = out.dimensions();
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    resize_slice(
        src.as_raw(),
        src.dimensions(),
        out.as_mut(),
        size,
        PixelType::U8x3,
        &options,
        resizer,
    )
}

/// Crops the box (`left`, `top`, `width`, `height`, in source pixels, may be fractional) out
/// of an RGB image and scales it to `w`×`h` in one pass (Catmull-Rom, for the portrait).
pub fn crop_resize_rgb(
    src: &RgbImage,
    crop: (f64, f64, f64, f64),
    w: u32,
    h: u32,
) -> Result<RgbImage, ImagingError> {
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom))
        .crop(crop.0, crop.1, crop.2, crop.3);
    let mut resizer = Resizer::new();
    let data = resize_raw(
        src.as_raw(),
        src.dimensions(),
        (w, h),
        PixelType::U8x3,
        &options,
        &mut resizer,
    )?;
    RgbImage::from_raw(w, h, data).ok_or(ImagingError::Size(src.width(), src.height(), w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grey_weights_and_resize_shapes() {
        let rgb = RgbImage::from_fn(4, 2, |x, _| image::Rgb([x as u8 * 60, 255, 0]));
        let g = to_grey(&rgb);
        assert_eq!(g.get_pixel(0, 0).0[0], 150); // 0.587 * 255
        let mut r = Resizer::new();
        let small = resize_rgb(&RgbImage::new(1920, 1080), 640, 360, &mut r).unwrap();
        assert_eq!(small.dimensions(), (640, 360));
        assert!(resize_grey(&g, 0, 3, &mut r).is_err());
    }
}
