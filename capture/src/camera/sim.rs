//! The simulated camera: a portrait on a plain backdrop, with head motion, changing light and
//! sensor noise, delivered as YUYV like a UVC webcam.

use fast_image_resize::Resizer;
use image::RgbImage;

use super::decode::{PixelFormat, RawFrame, rgb_to_yuyv};
use super::{Camera, CameraControl, CameraError, ControlInfo};
use crate::imaging::resize_rgb;

/// How much the simulated scene varies from frame to frame.
#[derive(Debug, Clone, Copy)]
pub struct SceneVariation {
    /// Horizontal sway of the head, in pixels.
    pub motion_px: f32,
    /// Relative swing of the light (0.1 = ±10 %).
    pub lighting: f32,
    /// Noise amplitude in grey levels.
    pub noise: u8,
}

impl Default for SceneVariation {
    fn default() -> Self {
        Self {
            motion_px: 12.0,
            lighting: 0.08,
            noise: 6,
        }
    }
}

pub struct SimulatedCamera {
    width: u32,
    height: u32,
    subject: RgbImage,
    variation: SceneVariation,
    exposure: i32,
    sequence: u64,
    rng: u32,
}

const BACKDROP: [u8; 3] = [196, 200, 204];

impl SimulatedCamera {
    /// A `width`×`height` camera looking at `portrait`, scaled to 80 % of the frame height.
    pub fn new(
        portrait: &RgbImage,
        width: u32,
        height: u32,
        variation: SceneVariation,
    ) -> Result<Self, CameraError> {
        if width == 0 || height == 0 || !width.is_multiple_of(2) {
            return Err(CameraError::Device(format!(
                "unsupported frame size {width}×{height}"
            )));
        }
        let side = (height as f32 * 0.8) as u32;
        let (pw, ph) = portrait.dimensions();
        let sw = (side as f32 * pw as f32 / ph.max(1) as f32) as u32;
        let subject = resize_rgb(portrait, sw.max(1), side.max(1), &mut Resizer::new())
            .map_err(|e| CameraError::Device(e.to_string()))?;
        Ok(Self {
            width,
            height,
            subject,
            variation,
            exposure: 50,
            sequence: 0,
            rng: 0x2545_f491,
        })
    }

    /// The scene of frame `n` in RGB (before the camera's YUYV encoding).
    pub fn render(&mut self, n: u64) -> RgbImage {
        let t = n as f32;
        let dx = (self.variation.motion_px * (t * 0.31).sin()) as i64;
        let gain =
            (1.0 + self.variation.lighting * (t * 0.17).sin()) * (self.exposure as f32 / 50.0);
        let mut frame = RgbImage::from_pixel(self.width, self.height, image::Rgb(BACKDROP));
        let x = (i64::from(self.width) - i64::from(self.subject.width())) / 2 + dx;
        let y = i64::from(self.height - self.subject.height()) / 2;
        image::imageops::replace(&mut frame, &self.subject, x, y);
        let noise = i32::from(self.variation.noise);
        for p in frame.as_mut().iter_mut() {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 17;
            self.rng ^= self.rng << 5;
            let n = if noise > 0 {
                (self.rng % (2 * noise as u32 + 1)) as i32 - noise
            } else {
                0
            };
            *p = ((f32::from(*p) * gain) as i32 + n).clamp(0, 255) as u8;
        }
        frame
    }
}

impl Camera for SimulatedCamera {
    fn name(&self) -> &str {
        "Kamera simulasi (simulated camera)"
    }

    fn next_frame(&mut self) -> Result<RawFrame, CameraError> {
        let n = self.sequence;
        self.sequence += 1;
        let rgb = self.render(n);
        Ok(RawFrame {
            format: PixelFormat::Yuyv,
            width: self.width,
            height: self.height,
            sequence: n,
            data: rgb_to_yuyv(&rgb),
        })
    }

    fn controls(&self) -> Vec<ControlInfo> {
        vec![ControlInfo {
            control: CameraControl::Exposure,
            min: 1,
            max: 100,
            value: self.exposure,
        }]
    }

    fn set_control(&mut self, control: CameraControl, value: i32) -> Result<(), CameraError> {
        match control {
            CameraControl::Exposure if (1..=100).contains(&value) => {
                self.exposure = value;
                Ok(())
            }
            CameraControl::Exposure => Err(CameraError::OutOfRange {
                control,
                value,
                min: 1,
                max: 100,
            }),
            CameraControl::Focus => Err(CameraError::NoSuchControl(control)),
        }
    }
}
