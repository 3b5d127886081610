//! The fingerprint image every stage consumes: 8-bit grey, row-major, with its resolution.

use thiserror::Error;

/// Resolution every stage of the core works at (ppi). Other resolutions are resampled on entry.
pub const STANDARD_PPI: u16 = 500;

/// An 8-bit grey fingerprint image. The constructor guarantees `pixels.len() == width * height`
/// and non-zero dimensions, so no later stage has to check.
#[derive(Clone, PartialEq, Eq)]
pub struct FingerImage {
    width: u32,
    height: u32,
    ppi: u16,
    pixels: Vec<u8>,
}

/// Why bytes could not become a [`FingerImage`].
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("image has zero width or height ({width}×{height})")]
    Empty { width: u32, height: u32 },
    #[error("image of {width}×{height} needs {expected} pixels, got {actual}")]
    SizeMismatch {
        width: u32,
        height: u32,
        expected: u64,
        actual: usize,
    },
    #[error("resolution {0} ppi is outside the supported 250–1000 ppi")]
    Resolution(u16),
}

impl FingerImage {
    /// Wraps row-major grey pixels, checking size and resolution.
    pub fn new(width: u32, height: u32, ppi: u16, pixels: Vec<u8>) -> Result<Self, ImageError> {
        if width == 0 || height == 0 {
            return Err(ImageError::Empty { width, height });
        }
        let expected = u64::from(width) * u64::from(height);
        if pixels.len() as u64 != expected {
            return Err(ImageError::SizeMismatch {
                width,
                height,
                expected,
                actual: pixels.len(),
            });
        }
        if !(250..=1000).contains(&ppi) {
            return Err(ImageError::Resolution(ppi));
        }
        Ok(Self {
            width,
            height,
            ppi,
            pixels,
        })
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn ppi(&self) -> u16 {
        self.ppi
    }

    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// Grey value at (x, y), or `None` outside the image.
    pub fn get(&self, x: u32, y: u32) -> Option<u8> {
        if x < self.width && y < self.height {
            self.pixels
                .get(y as usize * self.width as usize + x as usize)
                .copied()
        } else {
            None
        }
    }
}

/// Pixels are biometric data: the debug form shows the shape only, never the content.
impl std::fmt::Debug for FingerImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FingerImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("ppi", &self.ppi)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_wrong_pixel_count() {
        let err = FingerImage::new(4, 3, 500, vec![0; 11]).unwrap_err();
        assert_eq!(
            err,
            ImageError::SizeMismatch {
                width: 4,
                height: 3,
                expected: 12,
                actual: 11
            }
        );
    }

    #[test]
    fn rejects_empty_and_odd_resolution() {
        assert!(matches!(
            FingerImage::new(0, 3, 500, vec![]),
            Err(ImageError::Empty { .. })
        ));
        assert_eq!(
            FingerImage::new(1, 1, 72, vec![0]),
            Err(ImageError::Resolution(72))
        );
    }

    #[test]
    fn reads_pixels_row_major() {
        let img = FingerImage::new(3, 2, 500, vec![1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(img.get(0, 1), Some(4));
        assert_eq!(img.get(2, 0), Some(3));
        assert_eq!(img.get(3, 0), None);
    }

    #[test]
    fn debug_never_shows_pixels() {
        let img = FingerImage::new(2, 1, 500, vec![123, 231]).unwrap();
        let shown = format!("{img:?}");
        assert!(!shown.contains("123") && !shown.contains("231"), "{shown}");
    }
}
