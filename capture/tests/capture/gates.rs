//! Fingerprint gate: quality from `biometrics::quality::assess` on real FVC 2002 prints,
//! retakes keeping the best, exceptions, slap counts.

use biometrics::FingerImage;
use biometrics::quality::assess;
use capture::fingerprint::sim::ridge_pattern;
use capture::gates::fingerprint::{
    FingerDecision, FingerException, FingerGate, FingerRecord, MAX_ATTEMPTS, SupervisorApproval,
    check_slap, count_slap_fingers,
};

/// A real 500 ppi impression from the shared FVC 2002 DB1 set B.
fn fvc(name: &str) -> FingerImage {
    let dir = fixtures::fvc_set("fvc2002-db1b").expect("shared FVC 2002 DB1 B data");
    fixtures::fvc::load_file(&dir.join(name), 500).unwrap()
}

/// A take where only a 140-pixel square of the finger touched the platen (the rest blank):
/// the commonest bad take at a counter, a finger barely placed.
fn partial(img: &FingerImage) -> FingerImage {
    let w = img.width() as usize;
    let px = img
        .pixels()
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let (x, y) = (i % w, i / w);
            if (120..260).contains(&x) && (120..260).contains(&y) {
                p
            } else {
                255
            }
        })
        .collect();
    FingerImage::new(img.width(), img.height(), img.ppi(), px).unwrap()
}

#[test]
fn quality_from_biometrics_ranks_a_full_print_above_a_barely_placed_one() {
    let clear = fvc("101_1.tif");
    let good = assess(&clear);
    let bad = assess(&partial(&clear));
    // 10 points on biometrics' NFIQ 2-anchored scale (FVC prints score about 18–60).
    assert!(
        good.score >= bad.score + 10,
        "full {} vs partial {}",
        good.score,
        bad.score
    );
    assert!(!bad.feedback.is_empty(), "the operator is told what to fix");
    let blank = FingerImage::new(388, 374, 500, vec![250; 388 * 374]).unwrap();
    assert_eq!(assess(&blank).score, 0);
}

#[test]
fn three_takes_keep_the_best_and_a_good_take_ends_early() {
    let clear = fvc("101_1.tif");
    let best_score = assess(&clear).score;
    let poor = partial(&fvc("102_1.tif"));
    let worst = partial(&fvc("103_1.tif"));
    // A threshold above every take: all three are used, and the clear one is kept.
    let mut gate = FingerGate::new(best_score.saturating_add(1).min(100));
    match gate.submit(poor) {
        FingerDecision::Retake {
            attempt: 1,
            feedback,
            ..
        } => assert!(!feedback.is_empty()),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        gate.submit(clear.clone()),
        FingerDecision::Retake { attempt: 2, .. }
    ));
    match gate.submit(worst) {
        FingerDecision::Done(FingerRecord::Captured {
            image,
            attempts,
            score,
        }) => {
            assert_eq!(attempts, MAX_ATTEMPTS);
            assert_eq!(image, clear, "the best of three is kept");
            assert_eq!(score, best_score);
        }
        other => panic!("{other:?}"),
    }
    // A threshold the clear print meets: one take is enough.
    let mut gate = FingerGate::new(best_score);
    assert!(matches!(
        gate.submit(clear),
        FingerDecision::Done(FingerRecord::Captured { attempts: 1, .. })
    ));
}

#[test]
fn a_take_the_operator_must_fix_is_retaken_whatever_its_score() {
    let clear = fvc("101_1.tif");
    let barely_placed = partial(&clear);
    let report = assess(&barely_placed);
    assert!(!report.feedback.is_empty());
    // A threshold every take meets: only the feedback asks for the retake.
    let mut gate = FingerGate::new(0);
    assert!(matches!(
        gate.decide(barely_placed.clone(), report.clone()),
        FingerDecision::Retake { attempt: 1, .. }
    ));
    assert!(matches!(
        gate.submit(clear.clone()),
        FingerDecision::Done(FingerRecord::Captured { attempts: 2, ref image, .. }) if *image == clear
    ));
    // Three flawed takes: the last one ends the finger with the best of them.
    let mut gate = FingerGate::new(0);
    for attempt in 1..MAX_ATTEMPTS {
        assert!(matches!(
            gate.decide(barely_placed.clone(), report.clone()),
            FingerDecision::Retake { attempt: a, .. } if a == attempt
        ));
    }
    assert!(matches!(
        gate.decide(barely_placed, report),
        FingerDecision::Done(FingerRecord::Captured {
            attempts: MAX_ATTEMPTS,
            ..
        })
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
