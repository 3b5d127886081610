//! The fingerprint gate: a quality score per impression, up to three takes keeping the best,
//! explicit supervisor-approved exceptions, and the finger count of a slap.
//!
//! Quality: branch `extract` will provide `biometrics::quality::assess` (NFIQ 2-style). Until
//! it is merged this gate uses [`interim_quality`], a clearly interim measure — the share of
//! the image covered by ridge-like blocks times their mean orientation coherence (Bazen &
//! Gerez 2002) — behind the same `u8` 0–100 score, so switching is a one-line change.

use biometrics::FingerImage;

use crate::message::OperatorMessage;

/// Takes allowed per finger before the best one is kept anyway.
pub const MAX_ATTEMPTS: usize = 3;

/// Interim quality (0–100) and its parts. Not NFIQ 2: see the module docs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InterimQuality {
    pub score: u8,
    /// Share of 16×16 blocks with ridge contrast.
    pub foreground: f32,
    /// Mean orientation coherence of those blocks (0 = no direction, 1 = parallel ridges).
    pub coherence: f32,
}

const BLOCK: usize = 16;
const MIN_BLOCK_SD: f32 = 12.0;

/// Block-wise ridge contrast and orientation coherence.
pub fn interim_quality(img: &FingerImage) -> InterimQuality {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let px = img.pixels();
    let (bw, bh) = (w / BLOCK, h / BLOCK);
    if bw == 0 || bh == 0 {
        return InterimQuality {
            score: 0,
            foreground: 0.0,
            coherence: 0.0,
        };
    }
    let (mut fg, mut coh_sum) = (0usize, 0.0f32);
    for by in 0..bh {
        for bx in 0..bw {
            let (sd, coh) = block_stats(px, w, h, bx * BLOCK, by * BLOCK);
            if sd >= MIN_BLOCK_SD {
                fg += 1;
                coh_sum += coh;
            }
        }
    }
    let foreground = fg as f32 / (bw * bh) as f32;
    let coherence = if fg > 0 { coh_sum / fg as f32 } else { 0.0 };
    // Full marks need ≥ 60 % coverage and coherent ridges.
    let score = (100.0 * (foreground / 0.6).min(1.0) * coherence)
        .round()
        .clamp(0.0, 100.0) as u8;
    InterimQuality {
        score,
        foreground,
        coherence,
    }
}

fn block_stats(px: &[u8], w: usize, h: usize, x0: usize, y0: usize) -> (f32, f32) {
    let (mut sum, mut sq, mut n) = (0f32, 0f32, 0f32);
    let (mut gxx, mut gyy, mut gxy) = (0f32, 0f32, 0f32);
    for y in y0..(y0 + BLOCK).min(h) {
        for x in x0..(x0 + BLOCK).min(w) {
            let v = f32::from(px[y * w + x]);
            sum += v;
            sq += v * v;
            n += 1.0;
            if x > 0 && x + 1 < w && y > 0 && y + 1 < h {
                let gx = f32::from(px[y * w + x + 1]) - f32::from(px[y * w + x - 1]);
                let gy = f32::from(px[(y + 1) * w + x]) - f32::from(px[(y - 1) * w + x]);
                gxx += gx * gx;
                gyy += gy * gy;
                gxy += gx * gy;
            }
        }
    }
    let mean = sum / n.max(1.0);
    let sd = (sq / n.max(1.0) - mean * mean).max(0.0).sqrt();
    let denom = gxx + gyy;
    let coh = if denom > 0.0 {
        ((gxx - gyy).powi(2) + 4.0 * gxy * gxy).sqrt() / denom
    } else {
        0.0
    };
    (sd, coh)
}

/// Why a finger could not be captured. Each needs a supervisor's approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FingerException {
    Missing,
    Bandaged,
    Amputated,
}

impl FingerException {
    pub fn label(self) -> OperatorMessage {
        match self {
            FingerException::Missing => OperatorMessage::new("Jari tidak ada", "Finger missing"),
            FingerException::Bandaged => OperatorMessage::new("Jari diperban", "Finger bandaged"),
            FingerException::Amputated => {
                OperatorMessage::new("Jari diamputasi", "Finger amputated")
            }
        }
    }
}

/// A supervisor's approval. Only [`SupervisorApproval::new`] makes one, and it needs a
/// non-empty supervisor id, so an exception without approval cannot exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisorApproval {
    supervisor_id: String,
}

impl SupervisorApproval {
    pub fn new(supervisor_id: &str) -> Option<Self> {
        let id = supervisor_id.trim();
        (!id.is_empty()).then(|| Self {
            supervisor_id: id.to_owned(),
        })
    }
    pub fn supervisor_id(&self) -> &str {
        &self.supervisor_id
    }
}

/// The result for one finger.
#[derive(Debug, Clone, PartialEq)]
pub enum FingerRecord {
    Captured {
        image: FingerImage,
        score: u8,
        attempts: usize,
    },
    Exception {
        kind: FingerException,
        approval: SupervisorApproval,
    },
}

/// What the operator should do after a take.
#[derive(Debug, Clone, PartialEq)]
pub enum FingerDecision {
    /// Good enough, or the last allowed take: the best take is kept.
    Done(FingerRecord),
    /// Below the threshold: take again.
    Retake {
        attempt: usize,
        score: u8,
        advice: OperatorMessage,
    },
}

/// Collects up to [`MAX_ATTEMPTS`] takes of one finger.
#[derive(Debug)]
pub struct FingerGate {
    threshold: u8,
    best: Option<(u8, FingerImage)>,
    attempts: usize,
}

impl FingerGate {
    pub fn new(threshold: u8) -> Self {
        Self {
            threshold,
            best: None,
            attempts: 0,
        }
    }

    /// Scores a take with `quality` and decides.
    pub fn submit(
        &mut self,
        image: FingerImage,
        quality: impl Fn(&FingerImage) -> u8,
    ) -> FingerDecision {
        let score = quality(&image);
        self.attempts += 1;
        if self.best.as_ref().is_none_or(|(s, _)| score > *s) {
            self.best = Some((score, image));
        }
        if score >= self.threshold || self.attempts >= MAX_ATTEMPTS {
            return match self.best.take() {
                Some((score, image)) => FingerDecision::Done(FingerRecord::Captured {
                    image,
                    score,
                    attempts: self.attempts,
                }),
                None => FingerDecision::Retake {
                    attempt: self.attempts,
                    score,
                    advice: retake_advice(),
                },
            };
        }
        FingerDecision::Retake {
            attempt: self.attempts,
            score,
            advice: retake_advice(),
        }
    }

    /// Records an exception instead of an image.
    pub fn exception(kind: FingerException, approval: SupervisorApproval) -> FingerRecord {
        FingerRecord::Exception { kind, approval }
    }
}

fn retake_advice() -> OperatorMessage {
    OperatorMessage::new(
        "Kualitas rendah: bersihkan jari dan kaca pemindai, tekan merata, ulangi",
        "Low quality: clean the finger and the platen, press evenly, try again",
    )
}

/// Counts fingers in a slap image: runs of columns containing ridge blocks, at least
/// `min_width_px` wide (a finger at 500 ppi is ~150–250 px wide; gaps between fingers are
/// blank).
pub fn count_slap_fingers(img: &FingerImage, min_width_px: u32) -> usize {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (bw, bh) = (w / BLOCK, h / BLOCK);
    let px = img.pixels();
    let column_has_ridges: Vec<bool> = (0..bw)
        .map(|bx| (0..bh).any(|by| block_stats(px, w, h, bx * BLOCK, by * BLOCK).0 >= MIN_BLOCK_SD))
        .collect();
    let min_blocks = (min_width_px as usize).div_ceil(BLOCK).max(1);
    let mut count = 0;
    let mut run = 0;
    for has in column_has_ridges.iter().chain(std::iter::once(&false)) {
        if *has {
            run += 1;
        } else {
            if run >= min_blocks {
                count += 1;
            }
            run = 0;
        }
    }
    count
}

/// Checks a slap against the fingers expected (4 for a four-finger slap, fewer with approved
/// exceptions).
pub fn check_slap(img: &FingerImage, expected: usize) -> Result<(), OperatorMessage> {
    let found = count_slap_fingers(img, 100);
    if found == expected {
        Ok(())
    } else {
        Err(OperatorMessage::new(
            "Jumlah jari pada slap tidak sesuai: letakkan semua jari yang diminta",
            "Wrong number of fingers in the slap: place all requested fingers",
        ))
    }
}
