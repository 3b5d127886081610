//! Minutiae recall and precision against the ground truth of synthetic fingers
//! (`fixtures::synth`, match within 12 px and 30°, see `fixtures::synth::accuracy`).
//!
//! Measured with this extractor (release, `cargo run --release -p fixtures --example
//! extract_accuracy -- 6 1`) on these six good-quality impressions: recall 0.874 (425/486),
//! precision 0.970 (422/435); on 10 × 2: recall 0.878, precision 0.977; on 20 × 2 fingers not
//! used for tuning (`-- 20 2 101`): recall 0.871, precision 0.976. The brief's target is 0.85
//! for both; the floors below hold it with the measured figures a little above, so a regression
//! fails here.

use biometrics::FingerPosition;
use biometrics::extract::extract;
use fixtures::synth::MasterFinger;
use fixtures::synth::accuracy::{Counts, TOLERANCE, good_quality, score};

const RECALL_FLOOR: f64 = 0.85;
const PRECISION_FLOOR: f64 = 0.94;

#[test]
fn minutiae_recall_and_precision_on_good_synthetic_impressions() {
    let mut total = Counts::default();
    for seed in 1..=6 {
        let master = MasterFinger::generate(seed);
        let impression = master.impression_with(good_quality(master.impression(0).params));
        let template = extract(&impression.image, FingerPosition::Unknown).unwrap();
        total.add(score(&master, &impression, &template.minutiae, TOLERANCE));
    }
    assert!(total.truth > 300, "too little ground truth: {total:?}");
    assert!(
        total.recall() >= RECALL_FLOOR,
        "recall {:.3} ({total:?})",
        total.recall()
    );
    assert!(
        total.precision() >= PRECISION_FLOOR,
        "precision {:.3} ({total:?})",
        total.precision()
    );
}
