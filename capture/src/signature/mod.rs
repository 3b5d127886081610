//! Signature pads: USB HID digitizers. [`hid`] parses any pen's report descriptor; the pad
//! turns reports into strokes (x, y, pressure, t) and renders them at a fixed size.
//!
//! Real pads are read through Linux hidraw ([`HidrawPad`]: the descriptor from sysfs, reports
//! from `/dev/hidrawN`); [`SimulatedPad`] replays synthetic strokes as reports encoded with
//! the same descriptor, so both go through the same parsing code.

pub mod hid;

use std::io::Read;

use image::GrayImage;
use thiserror::Error;

pub use hid::{HidError, PenLayout, PenSample, WACOM_LIKE_PEN_DESCRIPTOR, parse_descriptor};

use crate::cancel::CancelToken;

#[derive(Debug, Error)]
pub enum PadError {
    #[error("signature pad unplugged")]
    Disconnected,
    #[error("pad I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("pad report: {0}")]
    Hid(#[from] HidError),
    #[error("cancelled")]
    Cancelled,
}

/// A HID device that delivers input reports.
pub trait SignaturePad: Send {
    fn report_descriptor(&self) -> &[u8];
    /// Blocks for the next input report with its arrival time in milliseconds.
    fn read_report(&mut self) -> Result<(Vec<u8>, u64), PadError>;
}

/// One point of a stroke, coordinates normalised to the pad's surface (0..=1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PenPoint {
    pub x: f32,
    pub y: f32,
    pub pressure: f32,
    pub t_ms: u64,
}

/// Strokes of one signature. Biometric: `Debug` shows only counts.
#[derive(Clone, Default, PartialEq)]
pub struct Signature {
    pub strokes: Vec<Vec<PenPoint>>,
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signature")
            .field("strokes", &self.strokes.len())
            .field("points", &self.strokes.iter().map(Vec::len).sum::<usize>())
            .finish()
    }
}

impl Signature {
    pub fn points(&self) -> impl Iterator<Item = &PenPoint> {
        self.strokes.iter().flatten()
    }
    /// (min x, min y, max x, max y) of the inked points.
    pub fn extent(&self) -> Option<(f32, f32, f32, f32)> {
        self.points().fold(None, |acc, p| {
            Some(match acc {
                None => (p.x, p.y, p.x, p.y),
                Some((a, b, c, d)) => (a.min(p.x), b.min(p.y), c.max(p.x), d.max(p.y)),
            })
        })
    }
    pub fn duration_ms(&self) -> u64 {
        let ts: Vec<u64> = self.points().map(|p| p.t_ms).collect();
        match (ts.iter().min(), ts.iter().max()) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        }
    }
}

/// Builds strokes from pen samples: a stroke runs while the tip touches.
#[derive(Debug, Default)]
pub struct StrokeRecorder {
    signature: Signature,
    down: bool,
}

impl StrokeRecorder {
    pub fn push(&mut self, s: &PenSample, t_ms: u64) {
        if s.tip && s.in_range {
            if !self.down {
                self.signature.strokes.push(Vec::new());
                self.down = true;
            }
            if let Some(stroke) = self.signature.strokes.last_mut() {
                stroke.push(PenPoint {
                    x: s.x,
                    y: s.y,
                    pressure: s.pressure,
                    t_ms,
                });
            }
        } else {
            self.down = false;
        }
    }
    pub fn signature(&self) -> &Signature {
        &self.signature
    }
    /// Re-sign: drop everything recorded so far.
    pub fn clear(&mut self) {
        *self = Self::default();
    }
    pub fn finish(self) -> Signature {
        self.signature
    }
}

/// Reads reports until `done` says the signature is complete (e.g. the operator pressed
/// "selesai"), or cancellation. Reports of other collections are skipped; a malformed report
/// is an error the caller can show (and the operator can re-sign).
pub fn record(
    pad: &mut dyn SignaturePad,
    cancel: &CancelToken,
    mut done: impl FnMut(&Signature) -> bool,
) -> Result<Signature, PadError> {
    let layout = PenLayout::from_descriptor(&parse_descriptor(pad.report_descriptor())?)?;
    let mut rec = StrokeRecorder::default();
    while !done(rec.signature()) {
        if cancel.is_cancelled() {
            return Err(PadError::Cancelled);
        }
        let (report, t) = pad.read_report()?;
        if let Some(sample) = layout.parse_report(&report)? {
            rec.push(&sample, t);
        }
    }
    Ok(rec.finish())
}

/// Renders a signature black on white at `width`×`height`, keeping the aspect ratio of the
/// pad surface given as `aspect` (width / height), line width growing with pressure.
pub fn render(sig: &Signature, width: u32, height: u32, aspect: f32) -> GrayImage {
    let mut img = GrayImage::from_pixel(width, height, image::Luma([255]));
    let margin = 0.05;
    let (aw, ah) = (
        (1.0 - 2.0 * margin) * width as f32,
        (1.0 - 2.0 * margin) * height as f32,
    );
    let scale = (aw / aspect.max(1e-3)).min(ah);
    let (sx, sy) = (scale * aspect, scale);
    let (ox, oy) = ((width as f32 - sx) / 2.0, (height as f32 - sy) / 2.0);
    let map = |p: &PenPoint| (ox + p.x * sx, oy + p.y * sy);
    for stroke in &sig.strokes {
        for pair in stroke.windows(2) {
            let (a, b) = (map(&pair[0]), map(&pair[1]));
            let r = 0.8 + 1.7 * (pair[0].pressure + pair[1].pressure) / 2.0;
            let steps = ((b.0 - a.0).hypot(b.1 - a.1) / 0.5).ceil().max(1.0) as u32;
            for k in 0..=steps {
                let t = k as f32 / steps as f32;
                stamp(&mut img, a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, r);
            }
        }
        if let [only] = stroke.as_slice() {
            let (x, y) = map(only);
            stamp(&mut img, x, y, 1.5);
        }
    }
    img
}

fn stamp(img: &mut GrayImage, cx: f32, cy: f32, r: f32) {
    let (w, h) = (img.width() as i32, img.height() as i32);
    for y in (cy - r).floor() as i32..=(cy + r).ceil() as i32 {
        for x in (cx - r).floor() as i32..=(cx + r).ceil() as i32 {
            if x >= 0 && y >= 0 && x < w && y < h && (x as f32 - cx).hypot(y as f32 - cy) <= r {
                img.put_pixel(x as u32, y as u32, image::Luma([0]));
            }
        }
    }
}

/// A real pad on Linux hidraw.
pub struct HidrawPad {
    descriptor: Vec<u8>,
    device: std::fs::File,
    started: std::time::Instant,
    report_len: usize,
}

impl HidrawPad {
    /// Opens `/dev/hidrawN`, reading its report descriptor from sysfs.
    pub fn open(n: u32) -> Result<Self, PadError> {
        let descriptor = std::fs::read(format!(
            "/sys/class/hidraw/hidraw{n}/device/report_descriptor"
        ))?;
        let layout = PenLayout::from_descriptor(&parse_descriptor(&descriptor)?)?;
        let device = std::fs::File::open(format!("/dev/hidraw{n}"))?;
        Ok(Self {
            descriptor,
            device,
            started: std::time::Instant::now(),
            report_len: layout.report_len().max(64),
        })
    }
}

impl SignaturePad for HidrawPad {
    fn report_descriptor(&self) -> &[u8] {
        &self.descriptor
    }
    fn read_report(&mut self) -> Result<(Vec<u8>, u64), PadError> {
        let mut buf = vec![0u8; self.report_len];
        let n = self
            .device
            .read(&mut buf)
            .map_err(|e| match e.raw_os_error() {
                Some(19) => PadError::Disconnected, // ENODEV: unplugged
                _ => PadError::Io(e),
            })?;
        buf.truncate(n);
        Ok((buf, self.started.elapsed().as_millis() as u64))
    }
}

/// A simulated pad: plays pen samples back as HID reports of the Wacom-like descriptor.
pub struct SimulatedPad {
    layout: PenLayout,
    queue: std::collections::VecDeque<(Vec<u8>, u64)>,
}

impl SimulatedPad {
    pub fn new() -> Result<Self, PadError> {
        let layout = PenLayout::from_descriptor(&parse_descriptor(WACOM_LIKE_PEN_DESCRIPTOR)?)?;
        Ok(Self {
            layout,
            queue: Default::default(),
        })
    }

    /// Queues one report per sample (t in ms).
    pub fn play(&mut self, samples: &[(PenSample, u64)]) {
        for (s, t) in samples {
            self.queue.push_back((self.layout.encode(s), *t));
        }
    }

    /// Queues a raw report (to inject malformed ones).
    pub fn play_raw(&mut self, report: Vec<u8>, t: u64) {
        self.queue.push_back((report, t));
    }

    /// A synthetic handwritten-looking signature: a looping cursive stroke and an underline,
    /// sampled at 200 Hz over `duration_ms`.
    pub fn synthetic_signature(duration_ms: u64) -> Vec<(PenSample, u64)> {
        let mut out = Vec::new();
        let n = (duration_ms / 5).max(2);
        let main = n * 3 / 4;
        for i in 0..n {
            let t = i * 5;
            let (x, y, tip) = if i < main {
                let u = i as f32 / main as f32;
                let x = 0.1 + 0.75 * u + 0.04 * (u * 40.0).sin();
                let y = 0.45 + 0.18 * (u * 25.0).sin() * (1.0 - 0.5 * u);
                (x, y, true)
            } else if i < main + 5 {
                (0.5, 0.7, false) // pen lifted between strokes
            } else {
                let u = (i - main - 5) as f32 / (n - main - 5).max(1) as f32;
                (0.15 + 0.7 * u, 0.75 + 0.02 * u, true)
            };
            let pressure = if tip {
                0.4 + 0.3 * ((i as f32) * 0.2).sin().abs()
            } else {
                0.0
            };
            out.push((
                PenSample {
                    x,
                    y,
                    pressure,
                    tip,
                    in_range: true,
                },
                t,
            ));
        }
        out
    }
}

impl SignaturePad for SimulatedPad {
    fn report_descriptor(&self) -> &[u8] {
        WACOM_LIKE_PEN_DESCRIPTOR
    }
    fn read_report(&mut self) -> Result<(Vec<u8>, u64), PadError> {
        // An exhausted simulation behaves like a pen out of range.
        Ok(self.queue.pop_front().unwrap_or_else(|| {
            (
                self.layout.encode(&PenSample {
                    x: 0.0,
                    y: 0.0,
                    pressure: 0.0,
                    tip: false,
                    in_range: false,
                }),
                u64::MAX,
            )
        }))
    }
}
