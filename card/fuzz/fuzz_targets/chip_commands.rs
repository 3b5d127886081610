//! The virtual chip's command handler fed a sequence of arbitrary APDUs (split on a length
//! prefix). The first byte picks the start: bit 0 selects the application, bit 1 also opens
//! the secure channel and then wraps every fuzzed command in it, so the fuzzer reaches the
//! personalization commands (CREATE/UPDATE/DELETE/ACTIVATE) behind the MAC check. Every APDU
//! must get a status word; nothing may panic.
#![no_main]

use card::chip::apdu::{Command, Response};
use card::chip::keys::{KeyBackend, SoftwareKeystore, development_master};
use card::chip::profile::OPEN_AID;
use card::chip::scp::{self, Channel, InitUpdate};
use card::chip::virtual_chip::VirtualChip;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut chip = VirtualChip::manufacture(OPEN_AID, [1; 10], &development_master(), 8192);
    let mode = data.first().copied().unwrap_or(0);
    let mut channel = None;
    if mode & 1 == 1 {
        let select = [&[0x00, 0xA4, 0x04, 0x00, OPEN_AID.len() as u8][..], OPEN_AID].concat();
        assert!(chip.process(&select).ends_with(&[0x90, 0x00]));
        if mode & 2 == 2 {
            channel = Some(open_channel(&mut chip));
        }
    }
    let mut rest = data.get(1..).unwrap_or_default();
    while let [len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let raw = &tail[..n];
        let wire = match (&mut channel, Command::parse(raw)) {
            (Some(ch), Ok(cmd)) if cmd.cla & 0x04 == 0 => ch.wrap(&cmd).ok().and_then(|w| w.encode().ok()).unwrap_or(raw.to_vec()),
            _ => raw.to_vec(),
        };
        let resp = chip.process(&wire);
        assert!(resp.len() >= 2, "every APDU gets a status word");
        if let (Some(ch), Ok(r)) = (&channel, Response::parse(&resp)) {
            // Keep the host's MAC chain in step; a failed MAC check just ends the session.
            let _ = ch.check_response(r);
        }
        rest = &tail[n..];
    }
});

fn open_channel(chip: &mut VirtualChip) -> Channel {
    let host = [7u8; 8];
    let iu = scp::initialize_update(&host).encode().expect("IU encodes");
    let resp = Response::parse(&chip.process(&iu)).expect("IU answered");
    let init = InitUpdate::parse(&resp.data).expect("IU data");
    let grant = SoftwareKeystore::new(development_master()).open_session(&init, &host).expect("genuine");
    let mut ch = Channel::new(grant.keys);
    let ea = ch.external_authenticate(&grant.host_cryptogram).expect("EA").encode().expect("EA encodes");
    assert!(chip.process(&ea).ends_with(&[0x90, 0x00]));
    ch
}
