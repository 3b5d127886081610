//! Step 2: grey levels to zero mean and unit variance, inverted so ridges (dark) are positive.

use crate::image::FingerImage;
use ndarray::Array2;

pub fn zero_mean_unit_variance(image: &FingerImage) -> Array2<f32> {
    let pixels = image.pixels();
    let (mean, var) = mean_and_variance(pixels.iter().map(|&p| f64::from(p)));
    // A uniform image has no variance; dividing by a floor keeps it all-zero instead of NaN.
    let inv_std = (1.0 / var.sqrt().max(1.0)) as f32;
    let mean = mean as f32;
    let values = pixels
        .iter()
        .map(|&p| (mean - f32::from(p)) * inv_std)
        .collect();
    let shape = (image.height() as usize, image.width() as usize);
    Array2::from_shape_vec(shape, values).unwrap_or_else(|_| Array2::zeros(shape))
}

/// Mean and (population) variance of `values`, summed in f64 in two passes.
pub(super) fn mean_and_variance(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = values.clone().count().max(1) as f64;
    let mean = values.clone().sum::<f64>() / n;
    let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var)
}
