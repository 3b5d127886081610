//! Synthetic fingers for the matcher and index tests, from `fixtures::synth`: ground-truth
//! templates drawn from the SFinGe orientation model, captured at template level (placement,
//! plastic distortion, partial contact, extractor noise).

use biometrics::{FingerPosition, Template};
use fixtures::synth::{ExtractorNoise, template_impression, template_only};

/// Seed of the ground truth of finger `position` of synthetic person `person`.
pub fn finger_seed(person: u64, position: FingerPosition) -> u64 {
    person.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(position.code()) << 56 ^ 0x5EED
}

/// The ground truth (whole fingertip) of one finger.
pub fn master(person: u64, position: FingerPosition) -> Template {
    template_only(finger_seed(person, position), position)
}

/// Capture `capture` of one finger, with typical extractor noise.
pub fn finger(person: u64, position: FingerPosition, capture: u32) -> Template {
    finger_with(person, position, capture, &ExtractorNoise::TYPICAL)
}

pub fn finger_with(
    person: u64,
    position: FingerPosition,
    capture: u32,
    noise: &ExtractorNoise,
) -> Template {
    template_impression(
        &master(person, position),
        finger_seed(person, position),
        capture,
        noise,
    )
}
