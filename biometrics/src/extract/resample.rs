//! Step 1: bring any supported resolution to 500 ppi, so every later length is fixed.

use super::ExtractError;
use crate::image::{FingerImage, STANDARD_PPI};
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

/// Returns the image at 500 ppi (a copy when it already is).
pub fn to_standard_ppi(image: &FingerImage) -> Result<FingerImage, ExtractError> {
    if image.ppi() == STANDARD_PPI {
        return Ok(image.clone());
    }
    let scale = f64::from(STANDARD_PPI) / f64::from(image.ppi());
    let width = ((f64::from(image.width()) * scale).round() as u32).max(1);
    let height = ((f64::from(image.height()) * scale).round() as u32).max(1);
    let src = ImageRef::new(image.width(), image.height(), image.pixels(), PixelType::U8)
        .map_err(|e| ExtractError::Resample(e.to_string()))?;
    let mut dst = Image::new(width, height, PixelType::U8);
    // Bilinear convolution (with its anti-aliasing support when shrinking) keeps ridges smooth;
    // sharper filters ring at ridge edges.
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| ExtractError::Resample(e.to_string()))?;
    FingerImage::new(width, height, STANDARD_PPI, dst.into_vec())
        .map_err(|e| ExtractError::Resample(e.to_string()))
}
