//! Any bytes as the scanner's answers: drives the U.are.U machine with fuzzed transfer
//! results (register reads, interrupts, the bulk image).
#![no_main]
use capture::fingerprint::uru4000::{Action, Profile, ScannerEvent, Uru4000};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut m = Uru4000::new(Profile::Uru4000B, 1);
    let mut chunks = data.chunks(97);
    for _ in 0..400 {
        match m.next_action() {
            Action::Transfer(capture::transport::Transfer::BulkIn { .. }) => {
                // A whole image: the fuzz input repeated to a plausible length.
                let img: Vec<u8> = data.iter().copied().cycle().take(64 + 289 * 384).collect();
                if m.on_transfer(Ok(img)).is_err() {
                    return;
                }
            }
            Action::Transfer(_) => {
                let Some(c) = chunks.next() else { return };
                let mut v = c.to_vec();
                v.resize(64, 0);
                if m.on_transfer(Ok(v)).is_err() {
                    return;
                }
            }
            Action::Event(ScannerEvent::Ready { .. }) => m.request_capture(),
            Action::Event(_) | Action::Wait(_) => {}
            Action::Idle => return,
        }
    }
});
