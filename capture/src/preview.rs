//! The live preview's downscale: camera frames (1920×1080 typically) to the preview size
//! (640×360) on every frame, so it must be cheap.
//!
//! When the frame is an exact whole multiple of the preview size (1920×1080 → 640×360 is
//! 3:1), each preview pixel is the rounded mean of its k×k block: the ideal area filter for
//! that ratio, with no weights to compute. Rows are summed first (contiguous u16 adds the
//! compiler vectorises), then each k-pixel group of the summed row is reduced. Any other
//! ratio goes through fast_image_resize's bilinear convolution. Buffers live in the scaler
//! and are reused frame after frame.

use fast_image_resize::Resizer;
use image::RgbImage;

use crate::imaging::{ImagingError, resize_rgb_into};

/// Scales frames to a fixed preview size.
pub struct PreviewScaler {
    width: u32,
    height: u32,
    resizer: Resizer,
    /// Column sums of the k source rows behind one preview row (box path).
    row_sums: Vec<u16>,
}

/// How a frame maps to the preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Whole-number ratio k in both directions: mean of k×k blocks.
    Box(u32),
    /// Anything else: bilinear convolution.
    Convolution,
}

impl PreviewScaler {
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            resizer: Resizer::new(),
            row_sums: Vec::new(),
        }
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The method used for a `w`×`h` frame.
    pub fn method(&self, (w, h): (u32, u32)) -> Method {
        let (pw, ph) = (self.width, self.height);
        let exact = pw > 0 && ph > 0 && w % pw == 0 && h % ph == 0 && w / pw == h / ph;
        // k ≤ 16 keeps the row pass's column sums (k·255 ≤ 4080) inside u16.
        if exact && (2..=16).contains(&(w / pw)) {
            Method::Box(w / pw)
        } else {
            Method::Convolution
        }
    }

    /// Scales `frame` into `out` (reallocated only when its size differs).
    pub fn scale_into(&mut self, frame: &RgbImage, out: &mut RgbImage) -> Result<(), ImagingError> {
        let (w, h) = (self.width, self.height);
        if out.dimensions() != (w, h) {
            *out = RgbImage::new(w, h);
        }
        match self.method(frame.dimensions()) {
            Method::Box(k) => {
                box_downscale(frame, k as usize, out, &mut self.row_sums);
                Ok(())
            }
            Method::Convolution => resize_rgb_into(frame, out, &mut self.resizer),
        }
    }

    /// Scales `frame` into a new image (the pipeline hands each preview frame on).
    pub fn scale(&mut self, frame: &RgbImage) -> Result<RgbImage, ImagingError> {
        let mut out = RgbImage::new(self.width, self.height);
        self.scale_into(frame, &mut out)?;
        Ok(out)
    }
}

/// k×k block means; `out` is exactly (w/k)×(h/k).
fn box_downscale(src: &RgbImage, k: usize, out: &mut RgbImage, sums: &mut Vec<u16>) {
    let src_row = src.width() as usize * 3;
    let out_row = out.width() as usize * 3;
    let n = (k * k) as u32;
    // Rounded division by k² as a multiply and shift (exact for sums ≤ 255·k²).
    let recip = (1u32 << 16).div_ceil(n);
    sums.clear();
    sums.resize(src_row, 0);
    let px = src.as_raw();
    for (oy, dst) in out.chunks_exact_mut(out_row).enumerate() {
        sums.fill(0);
        for row in px.chunks_exact(src_row).skip(oy * k).take(k) {
            for (s, &p) in sums.iter_mut().zip(row) {
                *s += u16::from(p);
            }
        }
        for (group, d) in sums.chunks_exact(3 * k).zip(dst.chunks_exact_mut(3)) {
            let mut acc = [0u32; 3];
            for p in group.chunks_exact(3) {
                acc[0] += u32::from(p[0]);
                acc[1] += u32::from(p[1]);
                acc[2] += u32::from(p[2]);
            }
            for (d, a) in d.iter_mut().zip(acc) {
                *d = ((a * recip + (1 << 15)) >> 16).min(255) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_ratios_average_blocks_and_others_convolve() {
        let s = PreviewScaler::new(640, 360);
        assert_eq!(s.method((1920, 1080)), Method::Box(3));
        assert_eq!(s.method((1280, 720)), Method::Box(2));
        assert_eq!(s.method((1280, 1080)), Method::Convolution);
        assert_eq!(s.method((1000, 600)), Method::Convolution);
        assert_eq!(
            PreviewScaler::new(0, 0).method((10, 10)),
            Method::Convolution
        );
    }

    #[test]
    fn a_block_becomes_its_rounded_mean() {
        // 6×3 → 2×1 at k = 3: left block holds 0..8 in red (mean 4), right block 255 (255);
        // green is 10 and 11 alternating (mean 10.44 → 10), blue all 200.
        let src = RgbImage::from_fn(6, 3, |x, y| {
            let i = (y * 3 + x % 3) as u8;
            let r = if x < 3 { i } else { 255 };
            image::Rgb([r, 10 + (x + y) as u8 % 2, 200])
        });
        let mut s = PreviewScaler::new(2, 1);
        let out = s.scale(&src).unwrap();
        assert_eq!(out.get_pixel(0, 0).0, [4, 10, 200]);
        assert_eq!(out.get_pixel(1, 0).0[0], 255);
        assert_eq!(out.get_pixel(1, 0).0[2], 200);
    }

    #[test]
    fn box_and_convolution_agree_on_a_smooth_frame() {
        let src = RgbImage::from_fn(1920, 1080, |x, y| {
            image::Rgb([(x / 8) as u8, (y / 5) as u8, ((x + y) / 12) as u8])
        });
        let mut s = PreviewScaler::new(640, 360);
        let boxed = s.scale(&src).unwrap();
        let mut conv = RgbImage::new(640, 360);
        resize_rgb_into(&src, &mut conv, &mut Resizer::new()).unwrap();
        let worst = boxed
            .as_raw()
            .iter()
            .zip(conv.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        assert!(worst <= 2, "box and bilinear differ by {worst}");
        // Reusing the output buffer gives the same pixels.
        let mut again = RgbImage::new(1, 1);
        s.scale_into(&src, &mut again).unwrap();
        assert_eq!(again, boxed);
    }
}
