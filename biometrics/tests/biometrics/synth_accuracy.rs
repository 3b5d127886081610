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

/// Ridge restoration, as `extract` does it, on dry, dotted synthetic prints of fingers it was not
/// trained on (training used fingers 1000–1149): among the prints the second pass refilters (all
/// of them with a dry contact, so all restored), the restored readings find more of the true
/// minutiae, and a larger share of what they find is true. Measured with the three-network
/// ensemble: 6 of the 40 refiltered; recall 0.628 → 0.798 (255 → 324 of 406), precision 0.779 →
/// 0.930 (one network, round 16: 0.791 and 0.916).
#[test]
fn restoration_reads_dry_dotted_synthetic_prints_better() {
    use biometrics::extract::{Restoration, extract_traced_with};
    use fixtures::synth::restoration::{Contact, training_pair};
    let (mut plain, mut restored) = (Counts::default(), Counts::default());
    let mut refiltered = 0;
    for seed in 1..=40 {
        let master = MasterFinger::generate(seed);
        let [_, dry, _] = Contact::all_three(seed, 0);
        let pair = training_pair(&master, 0, dry);
        let impression = master.impression(0);
        let read = |r| extract_traced_with(&pair.input, FingerPosition::Unknown, r).unwrap();
        let (before, after) = (read(Restoration::Off), read(Restoration::default()));
        assert_eq!(before.refiltered, after.restored);
        if !after.restored {
            continue;
        }
        refiltered += 1;
        plain.add(score(
            &master,
            &impression,
            &before.template.minutiae,
            TOLERANCE,
        ));
        restored.add(score(
            &master,
            &impression,
            &after.template.minutiae,
            TOLERANCE,
        ));
    }
    println!("{refiltered} refiltered; plain {plain:?}; restored {restored:?}");
    assert!(
        refiltered >= 3,
        "only {refiltered} of 8 dry prints refiltered"
    );
    assert!(
        restored.recall() > plain.recall(),
        "{plain:?} → {restored:?}"
    );
    assert!(
        restored.precision() > plain.precision(),
        "{plain:?} → {restored:?}"
    );
}

/// The restoration's gate reads the contact from the skewness of the grey levels: on synthetic
/// prints of fingers the networks were not trained on, the dry, dotted contact reads dry and the
/// wet contact wet. Measured: 40 of 40 dry and 39 of 40 wet.
#[test]
fn the_contact_gate_tells_synthetic_dry_prints_from_wet_ones() {
    use biometrics::extract::{Restoration, contact_skewness, extract_traced_with};
    use fixtures::synth::restoration::{Contact, training_pair};
    let (mut dry_read_dry, mut wet_read_wet) = (0, 0);
    for seed in 1..=40 {
        let master = MasterFinger::generate(seed);
        let [_, dry, wet] = Contact::all_three(seed, 0);
        let skewness = |contact| {
            let pair = training_pair(&master, 0, contact);
            let t = extract_traced_with(&pair.input, FingerPosition::Unknown, Restoration::Off)
                .unwrap();
            contact_skewness(&t.normalized, &t.mask)
        };
        dry_read_dry += usize::from(skewness(dry) > 0.0);
        wet_read_wet += usize::from(skewness(wet) < 0.0);
    }
    assert!(
        dry_read_dry >= 38,
        "{dry_read_dry} of 40 dry prints read dry"
    );
    assert!(
        wet_read_wet >= 38,
        "{wet_read_wet} of 40 wet prints read wet"
    );
}
