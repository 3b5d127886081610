//! Is the print's contact dry or wet? Read from the skewness of its grey levels around their
//! local mean, inside the foreground.
//!
//! Why the skewness: ridges and valleys of a well-inked print are about equally wide, so the
//! grey levels around their local mean are about symmetric. A dry contact leaves faint ridges
//! carrying rare dark contact dots: a long tail on the ridge side (positive, as `normalized`
//! has ridges positive). A wet contact fills the valleys into blotches and leaves rare light
//! valleys and pores: a long tail on the valley side (negative). The ridge restoration was
//! trained to draw the ridges under contact dots, so only a dry contact is restored.

use super::BLOCK;
use super::segment::IntegralImage;
use ndarray::Array2;

/// Half-width of the window of the local mean, pixels: two ridge periods at 500 ppi (about 9 px
/// each), so the mean sits between ridge and valley levels.
const LOCAL_MEAN_REACH: usize = 8;

/// The skewness of the foreground's grey levels around their local mean (third standardised
/// moment); 0 when the foreground is empty or flat.
pub fn skewness(normalized: &Array2<f32>, mask: &Array2<bool>) -> f32 {
    let local = IntegralImage::new(normalized);
    let (mut n, mut m2, mut m3) = (0f64, 0f64, 0f64);
    for ((y, x), &v) in normalized.indexed_iter() {
        if !mask.get((y / BLOCK, x / BLOCK)).copied().unwrap_or(false) {
            continue;
        }
        let d = f64::from(v - local.mean_around(y, x, LOCAL_MEAN_REACH));
        n += 1.0;
        m2 += d * d;
        m3 += d * d * d;
    }
    if n == 0.0 || m2 <= 0.0 {
        return 0.0;
    }
    let (m2, m3) = (m2 / n, m3 / n);
    (m3 / m2.powf(1.5)) as f32
}

/// Whether the contact is dry: the skewness is on the ridge side.
pub(super) fn is_dry(normalized: &Array2<f32>, mask: &Array2<bool>) -> bool {
    skewness(normalized, mask) > 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stripes of period 8 px with the given ridge profile on one period.
    fn stripes(profile: [f32; 8]) -> Array2<f32> {
        Array2::from_shape_fn((64, 64), |(_, x)| profile[x % 8])
    }

    fn whole(image: &Array2<f32>) -> Array2<bool> {
        let (h, w) = image.dim();
        Array2::from_elem((h / BLOCK, w / BLOCK), true)
    }

    #[test]
    fn even_ridges_and_valleys_are_neither_dry_nor_wet() {
        let image = stripes([1.0, 1.0, 1.0, 1.0, -1.0, -1.0, -1.0, -1.0]);
        assert!(skewness(&image, &whole(&image)).abs() < 0.05);
    }

    #[test]
    fn rare_dark_dots_read_dry_and_rare_light_valleys_wet() {
        let dots = stripes([3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        assert!(is_dry(&dots, &whole(&dots)));
        let blotted = stripes([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -3.0]);
        assert!(!is_dry(&blotted, &whole(&blotted)));
    }

    #[test]
    fn only_the_foreground_counts() {
        // Dots on the left half, blotches on the right; the mask picks one side.
        let image = Array2::from_shape_fn((64, 64), |(_, x)| match (x < 32, x % 8) {
            (true, 0) => 3.0,
            (false, 7) => -3.0,
            _ => 0.0,
        });
        let mut left = Array2::from_elem((4, 4), false);
        left.slice_mut(ndarray::s![.., ..2]).fill(true);
        assert!(is_dry(&image, &left));
        assert!(!is_dry(&image, &left.mapv(|m| !m)));
        assert_eq!(skewness(&image, &Array2::from_elem((4, 4), false)), 0.0);
    }
}
