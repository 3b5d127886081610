//! The U.are.U 4000/4000B driver against the simulated scanner, recorded traces and faults.

use capture::cancel::{CancelToken, Canceller};
use capture::fingerprint::sim::{expected_host_image, ridge_pattern};
use capture::fingerprint::uru4000::{
    Action, EP_DATA, REG_SCRAMBLE_DATA_INDEX, ScannerEvent, Uru4000, Uru4000Error,
};
use capture::fingerprint::{
    FingerprintScanner, Profile, ScannerError, ScannerStatus, SimFinger, SimulatedUru4000,
    Uru4000Scanner,
};
use capture::transport::{Pluggable, Recorder, Replay, Transfer, TransportError, UsbTransport};

fn finger(seed: u32) -> SimFinger {
    SimFinger::new(ridge_pattern(400, 380, 0.9, 0.1, seed))
}

fn capture_one<T: UsbTransport>(
    scanner: &mut Uru4000Scanner<T>,
) -> (
    Result<biometrics::FingerImage, ScannerError>,
    Vec<ScannerStatus>,
) {
    let mut seen = Vec::new();
    let r = scanner.capture(&CancelToken::never(), &mut |s| seen.push(s));
    (r, seen)
}

#[test]
fn uru4000b_decodes_scrambled_images_exactly() {
    let f = finger(11);
    let mut sim = SimulatedUru4000::new(Profile::Uru4000B, 0x1234);
    sim.present(f.clone());
    let mut scanner = Uru4000Scanner::new(Profile::Uru4000B, sim, 99);
    let (img, seen) = capture_one(&mut scanner);
    let img = img.unwrap();
    assert_eq!((img.width(), img.height(), img.ppi()), (384, 290, 512));
    assert!(img.pixels() == &expected_host_image(&f.image, Profile::Uru4000B)[..]);
    assert_eq!(
        seen,
        vec![
            ScannerStatus::Initialising,
            ScannerStatus::PlaceFinger,
            ScannerStatus::FingerOn,
            ScannerStatus::LiftFinger
        ]
    );
}

#[test]
fn uru4000_plain_images_are_rotated_back_and_a_second_capture_needs_no_init() {
    let (a, b) = (finger(1), finger(2));
    let mut sim = SimulatedUru4000::new(Profile::Uru4000, 7).confused();
    sim.present(a.clone());
    sim.present(b.clone());
    let mut scanner = Uru4000Scanner::new(Profile::Uru4000, sim, 3);
    let (first, _) = capture_one(&mut scanner);
    assert!(first.unwrap().pixels() == &expected_host_image(&a.image, Profile::Uru4000)[..]);
    let (second, seen) = capture_one(&mut scanner);
    assert!(second.unwrap().pixels() == &expected_host_image(&b.image, Profile::Uru4000)[..]);
    assert_eq!(seen[0], ScannerStatus::PlaceFinger, "already initialised");
}

#[test]
fn recorded_trace_replays_to_the_same_image_and_shows_the_key_exchange() {
    let f = finger(5);
    let mut sim = SimulatedUru4000::new(Profile::Uru4000B, 77);
    sim.present(f.clone());
    let mut rec = Uru4000Scanner::new(Profile::Uru4000B, Recorder::new(sim), 42);
    let (live, _) = capture_one(&mut rec);
    let trace = rec.into_transport().trace;
    // The sensor's key changes mid-image, so the host fetches a key twice.
    let index_writes = trace
        .iter()
        .filter(|e| matches!(&e.transfer, Transfer::ControlOut { setup, .. } if setup.value == REG_SCRAMBLE_DATA_INDEX))
        .count();
    assert_eq!(index_writes, 2);
    let mut replayed = Uru4000Scanner::new(Profile::Uru4000B, Replay::new(trace), 42);
    let (again, _) = capture_one(&mut replayed);
    assert_eq!(live.unwrap(), again.unwrap());
    assert_eq!(replayed.transport_mut().remaining(), 0);
}

#[test]
fn truncated_and_garbled_image_transfers_fail_cleanly() {
    // Record a session, then damage the bulk image in the trace: the header claims more
    // lines than arrived. The host retries, the replay has nothing more: a clear error.
    let mut sim = SimulatedUru4000::new(Profile::Uru4000B, 5);
    sim.present(finger(9));
    let mut rec = Uru4000Scanner::new(Profile::Uru4000B, Recorder::new(sim), 1);
    capture_one(&mut rec).0.unwrap();
    let mut trace = rec.into_transport().trace;
    let bulk = trace
        .iter_mut()
        .find(|e| {
            matches!(
                e.transfer,
                Transfer::BulkIn {
                    endpoint: EP_DATA,
                    ..
                }
            )
        })
        .unwrap();
    if let Ok(data) = &mut bulk.result {
        data.truncate(64 + 100 * 384);
    }
    let mut replay = Uru4000Scanner::new(Profile::Uru4000B, Replay::new(trace), 1);
    let err = capture_one(&mut replay).0.unwrap_err();
    assert!(
        matches!(err, ScannerError::Protocol(Uru4000Error::Transport(_))),
        "{err:?}"
    );
    assert!(
        replay.transport_mut().diverged.is_some(),
        "host asked for the image again"
    );

    // Three bad images in a row: the machine gives up with BadImage.
    let mut m = Uru4000::new(Profile::Uru4000B, 1);
    let mut sim = SimulatedUru4000::new(Profile::Uru4000B, 5);
    sim.present(finger(9));
    let mut bad_images = 0;
    loop {
        match m.next_action() {
            Action::Transfer(t @ Transfer::BulkIn { .. }) => {
                let _ = t.execute(&mut sim);
                bad_images += 1;
                if let Err(e) = m.on_transfer(Ok(vec![0u8; 63])) {
                    assert!(matches!(e, Uru4000Error::BadImage(_)));
                    break;
                }
            }
            Action::Transfer(t) => m.on_transfer(t.execute(&mut sim)).unwrap(),
            Action::Event(ScannerEvent::Ready { .. }) => m.request_capture(),
            Action::Event(_) | Action::Wait(_) => {}
            Action::Idle => panic!("machine stalled"),
        }
    }
    assert_eq!(bad_images, 3);
}

#[test]
fn short_interrupt_packet_is_a_protocol_error() {
    let mut m = Uru4000::new(Profile::Uru4000B, 1);
    let mut sim = SimulatedUru4000::new(Profile::Uru4000B, 5);
    loop {
        match m.next_action() {
            Action::Transfer(t @ Transfer::InterruptIn { .. }) => {
                assert_eq!(
                    m.on_transfer(Ok(vec![0x56, 0xaa])),
                    Err(Uru4000Error::ShortInterrupt(2))
                );
                let _ = t;
                break;
            }
            Action::Transfer(t) => m.on_transfer(t.execute(&mut sim)).unwrap(),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn unplug_mid_capture_reports_clearly_and_replug_works_without_restart() {
    let mut sim = SimulatedUru4000::new(Profile::Uru4000B, 21);
    sim.present(finger(3));
    let (transport, plug) = Pluggable::new(sim);
    let mut scanner = Uru4000Scanner::new(Profile::Uru4000B, transport, 8);
    // Pull the cable the moment the finger is detected.
    let p = plug.clone();
    let err = scanner
        .capture(&CancelToken::never(), &mut |s| {
            if s == ScannerStatus::FingerOn {
                p.unplug();
            }
        })
        .unwrap_err();
    assert_eq!(err, ScannerError::Disconnected);
    assert!(err.message().id.contains("terlepas"));
    assert!(err.message().en.contains("unplugged"));
    // While unplugged, captures keep failing the same clear way.
    assert_eq!(
        capture_one(&mut scanner).0.unwrap_err(),
        ScannerError::Disconnected
    );
    // Replug: the same scanner object re-initialises the device and captures.
    plug.replug();
    let f = finger(4);
    scanner.transport_mut().inner_mut().present(f.clone());
    let (img, seen) = capture_one(&mut scanner);
    assert!(img.unwrap().pixels() == &expected_host_image(&f.image, Profile::Uru4000B)[..]);
    assert_eq!(seen[0], ScannerStatus::Initialising);
}

#[test]
fn cancel_while_waiting_for_a_finger() {
    // No finger ever comes; the operator cancels once the scanner asks for one.
    let mut scanner = Uru4000Scanner::simulated(0xabc);
    let canceller = Canceller::new();
    let token = canceller.token();
    let err = scanner
        .capture(&token, &mut |s| {
            if s == ScannerStatus::PlaceFinger {
                canceller.cancel();
            }
        })
        .unwrap_err();
    assert_eq!(err, ScannerError::Cancelled);
    // Cancellation leaves the device usable.
    let f = finger(8);
    scanner.transport_mut().present(f.clone());
    let (img, _) = capture_one(&mut scanner);
    assert!(img.unwrap().pixels() == &expected_host_image(&f.image, Profile::Uru4000B)[..]);
}

#[test]
fn wrong_transfer_error_kinds_map_to_protocol_errors() {
    let mut m = Uru4000::new(Profile::Uru4000, 1);
    assert!(matches!(m.next_action(), Action::Transfer(_)));
    assert_eq!(
        m.on_transfer(Err(TransportError::Stall)),
        Err(Uru4000Error::Transport(TransportError::Stall))
    );
}
