//! Face checks and the ISO/IEC 19794-5 token-frontal crop.
//!
//! [`FaceAnalyser::analyse`] reads as the gate itself: find faces → find the eyes → measure
//! (centring, roll, inter-eye pixels, exposure, sharpness, background) → crop the token image.
//! Every check is reported with its measured value so the UI can say what to fix.
//!
//! Token geometry (ISO/IEC 19794-5:2005, 8.3 "Token Face Image Type", Table 5): image width
//! W, height W/0.75; the midpoint M of the eye centres at x = 0.5·W, y = 0.6·W from the top;
//! eye centres 0.25·W apart; W ≥ 240 (so ≥ 60 pixels between the eyes).

use std::path::{Path, PathBuf};

use image::{GrayImage, RgbImage};

use super::haar::{Cascade, CascadeError, DetectParams, Rect};
use crate::imaging::{ImagingError, crop_resize_rgb, downscale_grey, resize_grey, to_grey};
use crate::message::OperatorMessage;

/// Where Debian's opencv-data puts the cascades; `REKAM_HAARCASCADES` overrides it.
pub const DEFAULT_CASCADE_DIR: &str = "/usr/share/opencv4/haarcascades";

/// The token image's proportions from ISO/IEC 19794-5.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenGeometry {
    pub width: u32,
}

impl TokenGeometry {
    pub const MIN_WIDTH: u32 = 240;

    pub fn height(&self) -> u32 {
        (self.width as f32 / 0.75).round() as u32
    }
    /// Where the eye midpoint goes.
    pub fn eye_midpoint(&self) -> (f32, f32) {
        (0.5 * self.width as f32, 0.6 * self.width as f32)
    }
    pub fn eye_distance(&self) -> f32 {
        0.25 * self.width as f32
    }
}

/// The checks the gate runs, in the order the operator should fix them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceCheck {
    OneFace,
    EyesFound,
    Centred,
    EyesLevel,
    EyeDistance,
    Exposure,
    Sharpness,
    PlainBackground,
    HeadInFrame,
}

impl FaceCheck {
    /// What the operator should do when the check fails.
    pub fn advice(self) -> OperatorMessage {
        use FaceCheck::*;
        match self {
            OneFace => OperatorMessage::new(
                "Pastikan tepat satu wajah menghadap kamera",
                "Make sure exactly one face looks at the camera",
            ),
            EyesFound => OperatorMessage::new(
                "Mata tidak terlihat: buka mata, lepas kacamata gelap",
                "Eyes not visible: open the eyes, remove dark glasses",
            ),
            Centred => OperatorMessage::new(
                "Posisikan wajah di tengah bingkai",
                "Centre the face in the frame",
            ),
            EyesLevel => OperatorMessage::new(
                "Tegakkan kepala (jangan miring)",
                "Keep the head upright (no tilt)",
            ),
            EyeDistance => OperatorMessage::new(
                "Wajah terlalu jauh: dekatkan ke kamera",
                "Face too far: move closer to the camera",
            ),
            Exposure => OperatorMessage::new(
                "Pencahayaan wajah kurang tepat: atur lampu",
                "Face exposure is off: adjust the lighting",
            ),
            Sharpness => OperatorMessage::new(
                "Gambar buram: jangan bergerak, periksa fokus",
                "Image blurred: hold still, check focus",
            ),
            PlainBackground => {
                OperatorMessage::new("Latar belakang harus polos", "The background must be plain")
            }
            HeadInFrame => OperatorMessage::new(
                "Kepala terpotong: mundur sedikit atau turunkan kamera",
                "Head cut off: step back or lower the camera",
            ),
        }
    }
}

/// One check's outcome with the measured value and the limit it was held to.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    pub check: FaceCheck,
    pub passed: bool,
    pub value: f32,
    pub limit: &'static str,
}

/// Everything the gate found. Pixels are biometric data: `Debug` shows only geometry.
#[derive(Clone)]
pub struct FaceReport {
    pub faces: Vec<Rect>,
    /// Eye centres in frame pixels: (subject's right eye = left in the image, left eye).
    pub eyes: Option<((f32, f32), (f32, f32))>,
    pub checks: Vec<CheckResult>,
    pub token: Option<RgbImage>,
}

impl std::fmt::Debug for FaceReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceReport")
            .field("faces", &self.faces)
            .field("eyes", &self.eyes)
            .field("checks", &self.checks)
            .field("token", &self.token.as_ref().map(|t| t.dimensions()))
            .finish()
    }
}

impl FaceReport {
    pub fn passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.passed)
    }
    pub fn check(&self, which: FaceCheck) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.check == which)
    }
    /// The advice for every failed check, most important first.
    pub fn advice(&self) -> Vec<OperatorMessage> {
        self.checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.check.advice())
            .collect()
    }
}

/// Limits of the checks. Defaults follow ISO/IEC 19794-5 and ICAO 9303 practice where those
/// give numbers (roll, eye distance); exposure, sharpness and background are empirical.
#[derive(Debug, Clone, Copy)]
pub struct FaceLimits {
    pub max_roll_deg: f32,
    pub min_eye_distance_px: f32,
    pub centre_tolerance: f32,
    pub exposure_range: (f32, f32),
    pub max_clipped: f32,
    pub min_sharpness: f32,
    pub max_background_sd: f32,
}

impl Default for FaceLimits {
    fn default() -> Self {
        Self {
            max_roll_deg: 8.0,
            min_eye_distance_px: 60.0,
            centre_tolerance: 0.12,
            exposure_range: (70.0, 200.0),
            max_clipped: 0.05,
            min_sharpness: 25.0,
            max_background_sd: 18.0,
        }
    }
}

/// The face gate: the two trained cascades and the limits.
pub struct FaceAnalyser {
    face: Cascade,
    eye: Cascade,
    pub limits: FaceLimits,
    pub token: TokenGeometry,
    /// Frames wider than this are searched for faces at this width; eyes and measurements
    /// use the full frame.
    pub analysis_width: u32,
    /// Face sizes looked for, as fractions of the analysed image's shorter side: at a
    /// capture station the subject sits in front of the camera, so tiny faces (people
    /// passing behind) and frame-filling ones are not candidates.
    pub face_size: (f32, f32),
    /// Raw detections a face needs (OpenCV's `minNeighbors`).
    pub face_min_neighbors: usize,
}

impl FaceAnalyser {
    pub fn new(face: Cascade, eye: Cascade) -> Self {
        Self {
            face,
            eye,
            limits: FaceLimits::default(),
            token: TokenGeometry { width: 480 },
            analysis_width: 320,
            face_size: (0.12, 0.95),
            face_min_neighbors: 3,
        }
    }

    /// Loads `haarcascade_frontalface_default.xml` and `haarcascade_eye.xml` from `dir`.
    pub fn from_dir(dir: &Path) -> Result<Self, CascadeError> {
        let face = Cascade::from_file(&dir.join("haarcascade_frontalface_default.xml"))?;
        let eye = Cascade::from_file(&dir.join("haarcascade_eye.xml"))?;
        Ok(Self::new(face, eye))
    }

    /// From `REKAM_HAARCASCADES` or Debian's opencv-data location.
    pub fn from_default_location() -> Result<Self, CascadeError> {
        let dir = std::env::var_os("REKAM_HAARCASCADES")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CASCADE_DIR));
        Self::from_dir(&dir)
    }

    /// Runs the gate on one frame.
    pub fn analyse(&self, frame: &RgbImage) -> FaceReport {
        let grey = to_grey(frame);
        let faces = self.find_faces(&grey);
        let mut checks = vec![result(
            FaceCheck::OneFace,
            faces.len() == 1,
            faces.len() as f32,
            "= 1",
        )];
        let mut report = FaceReport {
            faces: faces.clone(),
            eyes: None,
            checks: Vec::new(),
            token: None,
        };
        let [face] = faces[..] else {
            report.checks = checks;
            return report;
        };
        let eyes = self.find_eyes(&grey, face);
        checks.push(result(
            FaceCheck::EyesFound,
            eyes.is_some(),
            f32::from(u8::from(eyes.is_some())),
            "2 eyes",
        ));
        checks.push(self.centring(face, frame.dimensions()));
        if let Some((r, l)) = eyes {
            checks.push(self.roll(r, l));
            checks.push(self.eye_distance(r, l));
        }
        checks.push(self.exposure(&grey, face));
        checks.push(self.sharpness(&grey, face));
        checks.push(self.background(&grey, face));
        if let Some((r, l)) = eyes {
            let (inside, token) = self.token_crop(frame, r, l);
            checks.push(result(
                FaceCheck::HeadInFrame,
                inside,
                f32::from(u8::from(inside)),
                "crop inside frame",
            ));
            report.token = token.ok();
        }
        report.eyes = eyes;
        report.checks = checks;
        report
    }

    /// Faces in frame pixels, detected on a copy at most `analysis_width` wide, looking only
    /// for faces in the size range a capture station can produce.
    pub fn find_faces(&self, grey: &GrayImage) -> Vec<Rect> {
        let Ok((small, scale)) = self.analysis_copy(grey) else {
            return Vec::new();
        };
        let img = small.as_ref().unwrap_or(grey);
        let side = img.width().min(img.height()) as f32;
        let (lo, hi) = self.face_size;
        let params = DetectParams {
            min_size: (side * lo) as u32,
            max_size: (side * hi) as u32,
            min_neighbors: self.face_min_neighbors,
            ..DetectParams::default()
        };
        self.face
            .detect(img, &params)
            .into_iter()
            .map(|d| scale_rect(d.rect, scale))
            .collect()
    }

    /// The grey frame scaled down to `analysis_width` (None when it is already that small),
    /// with the factor back to frame pixels.
    fn analysis_copy(&self, grey: &GrayImage) -> Result<(Option<GrayImage>, f32), ImagingError> {
        let (w, h) = grey.dimensions();
        if w <= self.analysis_width {
            return Ok((None, 1.0));
        }
        let scale = w as f32 / self.analysis_width as f32;
        let sh = ((h as f32 / scale).round() as u32).max(1);
        let small = downscale_grey(grey, self.analysis_width, sh)?;
        Ok((Some(small), scale))
    }

    /// Eye centres inside a face: the eye cascade on the face's upper part, scaled to a fixed
    /// width; the strongest hit on each side of the face's midline.
    pub fn find_eyes(&self, grey: &GrayImage, face: Rect) -> Option<((f32, f32), (f32, f32))> {
        let (gw, gh) = grey.dimensions();
        let x0 = face.x.max(0) as u32;
        let y0 = (face.y + face.h / 6).max(0) as u32;
        let w = (face.w as u32).min(gw.saturating_sub(x0));
        let h = ((face.h as f32 * 0.45) as u32).min(gh.saturating_sub(y0));
        if w < 24 || h < 12 {
            return None;
        }
        let roi = image::imageops::crop_imm(grey, x0, y0, w, h).to_image();
        // Eyes span about a quarter of the face's width: at 100 pixels they are ~25 px,
        // just above the eye cascade's 20-px window, so the search stays small.
        const ROI_WIDTH: u32 = 100;
        let scale = w as f32 / ROI_WIDTH as f32;
        let rh = ((h as f32 / scale).round() as u32).max(1);
        let roi = resize_grey(&roi, ROI_WIDTH, rh, &mut fast_image_resize::Resizer::new()).ok()?;
        let params = DetectParams {
            min_neighbors: 2,
            min_size: 20,
            max_size: ROI_WIDTH / 2,
            ..DetectParams::default()
        };
        let hits = self.eye.detect(&roi, &params);
        let mid = ROI_WIDTH as f32 / 2.0;
        let best = |left: bool| {
            hits.iter()
                .filter(|d| (d.rect.centre().0 < mid) == left)
                .max_by_key(|d| (d.neighbors, d.rect.w))
                .map(|d| {
                    let (cx, cy) = d.rect.centre();
                    (x0 as f32 + cx * scale, y0 as f32 + cy * scale)
                })
        };
        Some((best(true)?, best(false)?))
    }

    fn centring(&self, face: Rect, (w, h): (u32, u32)) -> CheckResult {
        let (cx, cy) = face.centre();
        let dx = (cx / w as f32 - 0.5).abs();
        let dy = cy / h as f32;
        let ok = dx <= self.limits.centre_tolerance && (0.25..=0.65).contains(&dy);
        result(
            FaceCheck::Centred,
            ok,
            dx,
            "|Δx| ≤ 12 % of width, centre at 25–65 % of height",
        )
    }

    fn roll(&self, r: (f32, f32), l: (f32, f32)) -> CheckResult {
        let deg = (l.1 - r.1).atan2(l.0 - r.0).to_degrees();
        result(
            FaceCheck::EyesLevel,
            deg.abs() <= self.limits.max_roll_deg,
            deg,
            "|roll| ≤ 8°",
        )
    }

    fn eye_distance(&self, r: (f32, f32), l: (f32, f32)) -> CheckResult {
        let d = ((l.0 - r.0).powi(2) + (l.1 - r.1).powi(2)).sqrt();
        result(
            FaceCheck::EyeDistance,
            d >= self.limits.min_eye_distance_px,
            d,
            "≥ 60 px between eye centres",
        )
    }

    fn exposure(&self, grey: &GrayImage, face: Rect) -> CheckResult {
        let inner = shrink(face, 0.2);
        let px = pixels_in(grey, inner);
        let n = px.len().max(1) as f32;
        let mean = px.iter().map(|&p| f32::from(p)).sum::<f32>() / n;
        let clipped = px.iter().filter(|&&p| p <= 2 || p >= 253).count() as f32 / n;
        let (lo, hi) = self.limits.exposure_range;
        let ok = (lo..=hi).contains(&mean) && clipped <= self.limits.max_clipped;
        result(
            FaceCheck::Exposure,
            ok,
            mean,
            "face mean 70–200, ≤ 5 % clipped",
        )
    }

    /// Variance of the Laplacian over the face, at a fixed 128-pixel face width so the value
    /// does not depend on the camera's resolution.
    fn sharpness(&self, grey: &GrayImage, face: Rect) -> CheckResult {
        let value = face_sharpness(grey, face);
        result(
            FaceCheck::Sharpness,
            value >= self.limits.min_sharpness,
            value,
            "Laplacian variance ≥ 25",
        )
    }

    /// Grey-level spread in the bands beside and above the head.
    fn background(&self, grey: &GrayImage, face: Rect) -> CheckResult {
        let (w, h) = (grey.width() as i32, grey.height() as i32);
        let margin = face.w / 2;
        let top = (face.y - face.h / 2).max(0);
        let bands = [
            Rect {
                x: 0,
                y: top,
                w: (face.x - margin).max(0),
                h: face.h,
            },
            Rect {
                x: face.x + face.w + margin,
                y: top,
                w: (w - face.x - face.w - margin).max(0),
                h: face.h,
            },
            Rect {
                x: face.x - margin,
                y: 0,
                w: face.w + 2 * margin,
                h: (face.y - face.h / 2).max(0),
            },
        ];
        let px: Vec<u8> = bands
            .iter()
            .map(|b| clip(*b, w, h))
            .flat_map(|b| pixels_in(grey, b))
            .collect();
        if px.len() < 100 {
            return result(
                FaceCheck::PlainBackground,
                false,
                f32::NAN,
                "background visible, s.d. ≤ 18",
            );
        }
        let n = px.len() as f32;
        let mean = px.iter().map(|&p| f32::from(p)).sum::<f32>() / n;
        let sd = (px
            .iter()
            .map(|&p| (f32::from(p) - mean).powi(2))
            .sum::<f32>()
            / n)
            .sqrt();
        result(
            FaceCheck::PlainBackground,
            sd <= self.limits.max_background_sd,
            sd,
            "background s.d. ≤ 18",
        )
    }

    /// The token-frontal crop: returns whether the crop box lies inside the frame, and the
    /// crop (grey padding where it does not).
    pub fn token_crop(
        &self,
        frame: &RgbImage,
        r: (f32, f32),
        l: (f32, f32),
    ) -> (bool, Result<RgbImage, ImagingError>) {
        let t = self.token;
        let d = ((l.0 - r.0).powi(2) + (l.1 - r.1).powi(2)).sqrt().max(1.0);
        let s = f64::from(d / t.eye_distance()); // source pixels per token pixel
        let (mx, my) = ((r.0 + l.0) as f64 / 2.0, (r.1 + l.1) as f64 / 2.0);
        let (ex, ey) = t.eye_midpoint();
        let left = mx - f64::from(ex) * s;
        let top = my - f64::from(ey) * s;
        let (cw, ch) = (f64::from(t.width) * s, f64::from(t.height()) * s);
        let (fw, fh) = (f64::from(frame.width()), f64::from(frame.height()));
        let inside = left >= 0.0 && top >= 0.0 && left + cw <= fw && top + ch <= fh;
        if inside {
            return (
                true,
                crop_resize_rgb(frame, (left, top, cw, ch), t.width, t.height()),
            );
        }
        // Pad with mid-grey so the geometry stays exact; the check above reports it.
        let pad_l = (-left).max(0.0).ceil() as u32;
        let pad_t = (-top).max(0.0).ceil() as u32;
        let pad_r = (left + cw - fw).max(0.0).ceil() as u32;
        let pad_b = (top + ch - fh).max(0.0).ceil() as u32;
        let mut padded = RgbImage::from_pixel(
            frame.width() + pad_l + pad_r,
            frame.height() + pad_t + pad_b,
            image::Rgb([128, 128, 128]),
        );
        image::imageops::replace(&mut padded, frame, i64::from(pad_l), i64::from(pad_t));
        let crop = (left + f64::from(pad_l), top + f64::from(pad_t), cw, ch);
        (false, crop_resize_rgb(&padded, crop, t.width, t.height()))
    }
}

/// Laplacian variance over the face region, resampled to a 128-pixel-wide face.
pub fn face_sharpness(grey: &GrayImage, face: Rect) -> f32 {
    let inner = clip(
        shrink(face, 0.15),
        grey.width() as i32,
        grey.height() as i32,
    );
    if inner.w < 8 || inner.h < 8 {
        return 0.0;
    }
    let roi = image::imageops::crop_imm(
        grey,
        inner.x as u32,
        inner.y as u32,
        inner.w as u32,
        inner.h as u32,
    )
    .to_image();
    let h = ((inner.h as f32 * 128.0 / inner.w as f32).round() as u32).max(8);
    let Ok(roi) = resize_grey(&roi, 128, h, &mut fast_image_resize::Resizer::new()) else {
        return 0.0;
    };
    let (w, h) = (roi.width() as usize, roi.height() as usize);
    let p = roi.as_raw();
    let mut vals = Vec::with_capacity(w * h);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let c = i32::from(p[y * w + x]);
            let lap = i32::from(p[y * w + x - 1])
                + i32::from(p[y * w + x + 1])
                + i32::from(p[(y - 1) * w + x])
                + i32::from(p[(y + 1) * w + x])
                - 4 * c;
            vals.push(lap as f32);
        }
    }
    let n = vals.len().max(1) as f32;
    let mean = vals.iter().sum::<f32>() / n;
    vals.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n
}

fn result(check: FaceCheck, passed: bool, value: f32, limit: &'static str) -> CheckResult {
    CheckResult {
        check,
        passed,
        value,
        limit,
    }
}

fn scale_rect(r: Rect, s: f32) -> Rect {
    Rect {
        x: (r.x as f32 * s).round() as i32,
        y: (r.y as f32 * s).round() as i32,
        w: (r.w as f32 * s).round() as i32,
        h: (r.h as f32 * s).round() as i32,
    }
}

fn shrink(r: Rect, f: f32) -> Rect {
    let (dx, dy) = ((r.w as f32 * f) as i32, (r.h as f32 * f) as i32);
    Rect {
        x: r.x + dx,
        y: r.y + dy,
        w: r.w - 2 * dx,
        h: r.h - 2 * dy,
    }
}

fn clip(r: Rect, w: i32, h: i32) -> Rect {
    let (x0, y0) = (r.x.clamp(0, w), r.y.clamp(0, h));
    let (x1, y1) = ((r.x + r.w).clamp(0, w), (r.y + r.h).clamp(0, h));
    Rect {
        x: x0,
        y: y0,
        w: (x1 - x0).max(0),
        h: (y1 - y0).max(0),
    }
}

fn pixels_in(grey: &GrayImage, r: Rect) -> Vec<u8> {
    let r = clip(r, grey.width() as i32, grey.height() as i32);
    let mut out = Vec::with_capacity((r.w * r.h).max(0) as usize);
    for y in r.y..r.y + r.h {
        for x in r.x..r.x + r.w {
            out.push(grey.get_pixel(x as u32, y as u32).0[0]);
        }
    }
    out
}
