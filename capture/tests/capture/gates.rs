//! Fingerprint gate: interim quality, retakes keeping the best, exceptions, slap counts.

use biometrics::FingerImage;
use capture::fingerprint::sim::ridge_pattern;
use capture::gates::fingerprint::{
    FingerDecision, FingerException, FingerGate, FingerRecord, SupervisorApproval, check_slap,
    count_slap_fingers, interim_quality,
};

#[test]
fn interim_quality_orders_clear_noisy_and_blank_impressions() {
    let clear = interim_quality(&ridge_pattern(384, 290, 0.9, 0.05, 1));
    let noisy = interim_quality(&ridge_pattern(384, 290, 0.4, 1.0, 1));
    let blank = interim_quality(&FingerImage::new(384, 290, 500, vec![250; 384 * 290]).unwrap());
    assert!(clear.score >= 80, "{clear:?}");
    assert!(noisy.score < clear.score - 20, "{noisy:?} vs {clear:?}");
    assert_eq!(blank.score, 0);
}

#[test]
fn three_takes_keep_the_best_and_a_good_take_ends_early() {
    let q = |img: &FingerImage| interim_quality(img).score;
    let mut gate = FingerGate::new(70);
    let poor = ridge_pattern(384, 290, 0.3, 1.0, 2);
    let better = ridge_pattern(384, 290, 0.5, 0.8, 3);
    let worst = ridge_pattern(384, 290, 0.2, 1.0, 4);
    assert!(matches!(
        gate.submit(poor, q),
        FingerDecision::Retake { attempt: 1, .. }
    ));
    assert!(matches!(
        gate.submit(better.clone(), q),
        FingerDecision::Retake { attempt: 2, .. }
    ));
    match gate.submit(worst, q) {
        FingerDecision::Done(FingerRecord::Captured {
            image,
            attempts,
            score,
        }) => {
            assert_eq!(attempts, 3);
            assert_eq!(image, better, "the best of three is kept");
            assert_eq!(score, q(&better));
        }
        other => panic!("{other:?}"),
    }
    let mut gate = FingerGate::new(70);
    assert!(matches!(
        gate.submit(ridge_pattern(384, 290, 0.9, 0.05, 5), q),
        FingerDecision::Done(FingerRecord::Captured { attempts: 1, .. })
    ));
}

#[test]
fn exceptions_need_a_named_supervisor() {
    assert!(SupervisorApproval::new("  ").is_none());
    let approval = SupervisorApproval::new("SPV-0042").unwrap();
    let rec = FingerGate::exception(FingerException::Bandaged, approval);
    assert!(
        matches!(&rec, FingerRecord::Exception { kind: FingerException::Bandaged, approval } if approval.supervisor_id() == "SPV-0042")
    );
    assert_eq!(FingerException::Amputated.label().en, "Finger amputated");
}

fn slap(fingers: usize) -> FingerImage {
    // Fingers 180 px wide with 60 px gaps on a 1000 px wide platen.
    let (w, h) = (1000u32, 400u32);
    let finger = ridge_pattern(180, 300, 0.9, 0.05, 9);
    let mut px = vec![255u8; (w * h) as usize];
    for f in 0..fingers {
        let x0 = 40 + f as u32 * 240;
        for y in 0..300 {
            for x in 0..180 {
                px[((y + 50) * w + x0 + x) as usize] = finger.get(x, y).unwrap();
            }
        }
    }
    FingerImage::new(w, h, 500, px).unwrap()
}

#[test]
fn slap_finger_count() {
    for n in 0..=4 {
        assert_eq!(count_slap_fingers(&slap(n), 100), n);
    }
    assert!(check_slap(&slap(4), 4).is_ok());
    let err = check_slap(&slap(3), 4).unwrap_err();
    assert!(err.en.contains("Wrong number of fingers"));
}
