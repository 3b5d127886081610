//! What the study examples read off an extraction trace.

use biometrics::extract::{BLOCK, ExtractTrace};

/// Median absolute Gabor response over the foreground: the scale against which a minutia's
/// local ridge amplitude is judged (1 when there is no foreground).
pub fn median_foreground_amp(t: &ExtractTrace) -> f32 {
    let mut v: Vec<f32> = t
        .enhanced
        .indexed_iter()
        .filter(|((y, x), _)| t.mask[[y / BLOCK, x / BLOCK]])
        .map(|(_, e)| e.abs())
        .collect();
    if v.is_empty() {
        return 1.0;
    }
    let mid = v.len() / 2;
    *v.select_nth_unstable_by(mid, f32::total_cmp).1
}
