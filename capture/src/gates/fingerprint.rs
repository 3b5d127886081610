//! The fingerprint gate: a quality score per impression from `biometrics::quality::assess`
//! (NFIQ 2-style, 0–100, with operator feedback), up to three takes keeping the best, explicit
//! supervisor-approved exceptions, and the finger count of a slap.

use biometrics::FingerImage;
use biometrics::quality::{Feedback, QualityReport, assess};

use crate::message::OperatorMessage;

/// Takes allowed per finger before the best one is kept anyway.
pub const MAX_ATTEMPTS: usize = 3;

/// Side of the blocks the slap counter looks at.
const BLOCK: usize = 16;
/// Grey-level spread above which a block holds ridges rather than the blank platen.
const MIN_BLOCK_SD: f32 = 12.0;

/// Grey-level standard deviation of one block.
fn block_sd(px: &[u8], w: usize, h: usize, x0: usize, y0: usize) -> f32 {
    let (mut sum, mut sq, mut n) = (0f32, 0f32, 0f32);
    for y in y0..(y0 + BLOCK).min(h) {
        for &p in &px[y * w + x0..y * w + (x0 + BLOCK).min(w)] {
            let v = f32::from(p);
            sum += v;
            sq += v * v;
            n += 1.0;
        }
    }
    let mean = sum / n.max(1.0);
    (sq / n.max(1.0) - mean * mean).max(0.0).sqrt()
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
    /// Below the threshold, or something to fix: take again.
    Retake {
        attempt: usize,
        score: u8,
        /// What to fix, from the quality assessment (may be empty when nothing specific
        /// is wrong but the score is still low).
        feedback: Vec<Feedback>,
        advice: OperatorMessage,
    },
}

/// Collects up to [`MAX_ATTEMPTS`] takes of one finger.
#[derive(Debug)]
pub struct FingerGate {
    threshold: u8,
    best: Option<(TakeRank, FingerImage)>,
    attempts: usize,
}

/// How takes compare: a take with nothing to fix beats one the operator was told to redo
/// (a barely placed finger can score well on the little it shows), then the higher score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct TakeRank {
    clean: bool,
    score: u8,
}

impl FingerGate {
    /// A gate accepting takes that score at least `threshold` (0–100) with no operator
    /// feedback (too dark, too light, low contrast, too small, smudged).
    pub fn new(threshold: u8) -> Self {
        Self {
            threshold,
            best: None,
            attempts: 0,
        }
    }

    /// Scores a take with `biometrics::quality::assess` and decides.
    pub fn submit(&mut self, image: FingerImage) -> FingerDecision {
        let report = assess(&image);
        self.decide(image, report)
    }

    /// Decides on a take already assessed (the station shows the report live).
    pub fn decide(&mut self, image: FingerImage, report: QualityReport) -> FingerDecision {
        let score = report.score;
        let rank = TakeRank {
            clean: report.feedback.is_empty(),
            score,
        };
        self.attempts += 1;
        if self.best.as_ref().is_none_or(|(best, _)| rank > *best) {
            self.best = Some((rank, image));
        }
        let retake = FingerDecision::Retake {
            attempt: self.attempts,
            score,
            feedback: report.feedback,
            advice: retake_advice(),
        };
        let good_enough = rank.clean && score >= self.threshold;
        if !good_enough && self.attempts < MAX_ATTEMPTS {
            return retake;
        }
        match self.best.take() {
            Some((best, image)) => FingerDecision::Done(FingerRecord::Captured {
                image,
                score: best.score,
                attempts: self.attempts,
            }),
            None => retake,
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
        .map(|bx| (0..bh).any(|by| block_sd(px, w, h, bx * BLOCK, by * BLOCK) >= MIN_BLOCK_SD))
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
