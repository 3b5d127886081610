//! The signature gate: not empty, big enough, long enough. A failed signature is simply
//! signed again ([`crate::signature::StrokeRecorder::clear`]).

use crate::message::OperatorMessage;
use crate::signature::Signature;

/// Limits, in pad-surface fractions and milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct SignatureLimits {
    pub min_points: usize,
    pub min_width: f32,
    pub min_height: f32,
    pub min_duration_ms: u64,
}

impl Default for SignatureLimits {
    fn default() -> Self {
        Self {
            min_points: 20,
            min_width: 0.25,
            min_height: 0.05,
            min_duration_ms: 400,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureProblem {
    Empty,
    TooSmall,
    TooShort,
}

impl SignatureProblem {
    pub fn advice(self) -> OperatorMessage {
        match self {
            SignatureProblem::Empty => OperatorMessage::new(
                "Tanda tangan kosong, silakan tanda tangan",
                "Signature is empty, please sign",
            ),
            SignatureProblem::TooSmall => OperatorMessage::new(
                "Tanda tangan terlalu kecil, ulangi lebih besar",
                "Signature too small, sign again larger",
            ),
            SignatureProblem::TooShort => OperatorMessage::new(
                "Tanda tangan terlalu singkat, ulangi",
                "Signature too brief, sign again",
            ),
        }
    }
}

/// Checks a signature; an empty list means accepted.
pub fn check_signature(sig: &Signature, limits: &SignatureLimits) -> Vec<SignatureProblem> {
    let points = sig.points().count();
    if points == 0 {
        return vec![SignatureProblem::Empty];
    }
    let mut problems = Vec::new();
    let (x0, y0, x1, y1) = sig.extent().unwrap_or_default();
    if points < limits.min_points || x1 - x0 < limits.min_width || y1 - y0 < limits.min_height {
        problems.push(SignatureProblem::TooSmall);
    }
    if sig.duration_ms() < limits.min_duration_ms {
        problems.push(SignatureProblem::TooShort);
    }
    problems
}
