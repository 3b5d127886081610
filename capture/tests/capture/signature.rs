//! Signature pad: HID reports → strokes → image, through the simulated Wacom-like pad.

use capture::cancel::{CancelToken, Canceller};
use capture::gates::signature::{SignatureLimits, SignatureProblem, check_signature};
use capture::signature::{PadError, SimulatedPad, StrokeRecorder, record, render};

fn record_all(
    pad: &mut SimulatedPad,
    reports: usize,
) -> Result<capture::signature::Signature, PadError> {
    let mut seen = 0;
    record(pad, &CancelToken::never(), |_| {
        seen += 1;
        seen > reports
    })
}

#[test]
fn synthetic_signature_becomes_two_strokes_and_a_fixed_size_image() {
    let samples = SimulatedPad::synthetic_signature(2000);
    let mut pad = SimulatedPad::new().unwrap();
    pad.play(&samples);
    let sig = record_all(&mut pad, samples.len()).unwrap();
    assert_eq!(sig.strokes.len(), 2, "main stroke and underline");
    let inked = samples.iter().filter(|(s, _)| s.tip).count();
    assert_eq!(sig.points().count(), inked);
    // Values survive the 16-bit HID encoding to within one logical unit.
    let first = sig.strokes[0][0];
    assert!((first.x - samples[0].0.x).abs() < 1.0 / 20000.0);
    assert!(check_signature(&sig, &SignatureLimits::default()).is_empty());

    let img = render(&sig, 600, 200, 8000.0 / 5120.0);
    assert_eq!(img.dimensions(), (600, 200));
    let ink = img.pixels().filter(|p| p.0[0] == 0).count();
    assert!(ink > 2000 && ink < 60_000, "ink pixels {ink}");
    // Nothing is drawn in the margin.
    assert!((0..600).all(|x| img.get_pixel(x, 0).0[0] == 255));
}

#[test]
fn gate_rejects_empty_small_and_hasty_signatures_and_allows_resigning() {
    let limits = SignatureLimits::default();
    let mut rec = StrokeRecorder::default();
    assert_eq!(
        check_signature(rec.signature(), &limits),
        vec![SignatureProblem::Empty]
    );
    // A quick dot-like scribble: too small and too short.
    let mut pad = SimulatedPad::new().unwrap();
    let scribble: Vec<_> = SimulatedPad::synthetic_signature(2000)
        .into_iter()
        .take(30)
        .map(|(mut s, t)| {
            s.x = 0.5 + (s.x - 0.5) * 0.1;
            (s, t)
        })
        .collect();
    pad.play(&scribble);
    let sig = record_all(&mut pad, scribble.len()).unwrap();
    let problems = check_signature(&sig, &limits);
    assert_eq!(
        problems,
        vec![SignatureProblem::TooSmall, SignatureProblem::TooShort]
    );
    assert!(problems[0].advice().id.contains("terlalu kecil"));
    // Re-sign: clear and record a proper one.
    for (s, t) in &scribble {
        rec.push(s, *t);
    }
    rec.clear();
    for (s, t) in SimulatedPad::synthetic_signature(1500) {
        rec.push(&s, t);
    }
    assert!(check_signature(rec.signature(), &limits).is_empty());
}

#[test]
fn malformed_reports_are_clear_errors_and_foreign_reports_are_skipped() {
    let mut pad = SimulatedPad::new().unwrap();
    pad.play_raw(vec![0x05, 1, 2, 3], 0); // another collection's report id: skipped
    pad.play_raw(vec![0x02, 0x11, 0x00], 5); // truncated pen report
    let err = record_all(&mut pad, 5).unwrap_err();
    assert!(
        matches!(
            err,
            PadError::Hid(capture::signature::HidError::ShortReport { need: 8, got: 3 })
        ),
        "{err:?}"
    );
    let mut pad = SimulatedPad::new().unwrap();
    pad.play_raw(vec![], 0);
    assert!(matches!(record_all(&mut pad, 1), Err(PadError::Hid(_))));
}

#[test]
fn recording_can_be_cancelled() {
    let mut pad = SimulatedPad::new().unwrap();
    let c = Canceller::new();
    c.cancel();
    assert!(matches!(
        record(&mut pad, &c.token(), |_| false),
        Err(PadError::Cancelled)
    ));
}
