//! KTP-el chip personalization through the real PC/SC stack: the engine talks to pcscd, pcscd to
//! vpcd, vpcd to our virtual chip (slot 1) and virtual SAM (slot 0).

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use card::chip::demo;
use card::chip::engine::{self, CardState, Config, Outcome, PersoError, Personalizer};
use card::chip::keys::{self, KeyBackend, SamBackend, SoftwareKeystore, VirtualSam};
use card::chip::profile::{self, ChipImage, ChipProfile, OpenProfile};
use card::chip::sod::Signer;
use card::chip::virtual_chip::{Faults, LCS_OPERATIONAL, VirtualChip};
use card::reader::{self, CardConnection};
use card::vpcd::{Connection, PowerEvent, Remover, ServeError, SlotLock, VirtualCard};

use crate::common::{TEST_READER, TEST_SLOT};

const SAM_SLOT: u16 = 0;
const SAM_READER: &str = "Virtual PCD 00 00";
const WAIT: Duration = Duration::from_secs(10);
const SETTLE: Duration = Duration::from_millis(500);

/// A virtual card plugged into a vpcd slot, served on its own thread.
struct Inserted<C: VirtualCard + Send + 'static> {
    remover: Remover,
    handle: JoinHandle<(C, Result<(), ServeError>)>,
}

fn insert<C: VirtualCard + Send + 'static>(slot: u16, mut card: C) -> Inserted<C> {
    let conn = Connection::connect(slot).unwrap();
    let remover = conn.remover().unwrap();
    let handle = std::thread::spawn(move || {
        let r = conn.serve(&mut card);
        (card, r)
    });
    Inserted { remover, handle }
}

impl<C: VirtualCard + Send + 'static> Inserted<C> {
    /// Pulls the card (if the card has not already dropped off by itself) and waits until
    /// pcscd has seen the reader empty, so the next insert is a new card event.
    fn pull(self, reader_name: &str) -> C {
        self.remover.remove();
        let (card, result) = self.handle.join().unwrap();
        result.unwrap();
        reader::wait_for_removal(reader_name, WAIT).unwrap();
        // vpcd polls presence about every 400 ms and accepts a waiting client in the same poll
        // that notices the old one gone; a card reconnecting within that window is never seen
        // as a new insertion. Let one poll pass.
        std::thread::sleep(SETTLE);
        card
    }
}

struct Pki {
    csca: Signer,
    image: ChipImage,
}

fn pki_and_image() -> Pki {
    let csca = Signer::new_csca("CN=CSCA Uji E2E,C=ID", 10).unwrap();
    let ds = csca.issue_document_signer("CN=DS Uji E2E,C=ID", 3).unwrap();
    let image = OpenProfile.encode(&demo::applicant(), &ds, 8192).unwrap();
    Pki { csca, image }
}

fn blank_chip(serial: u8) -> VirtualChip {
    VirtualChip::manufacture(
        profile::OPEN_AID,
        [serial; 10],
        &keys::development_master(),
        8192,
    )
}

fn personalize(p: &Pki, keys: &mut dyn KeyBackend) -> Result<Outcome, PersoError> {
    let mut card = CardConnection::wait_and_connect_exclusive(TEST_READER, WAIT).unwrap();
    let mut e = Personalizer::new(
        &OpenProfile,
        &p.csca.cert,
        p.image.files.clone(),
        Config::default(),
        engine::host_challenge()?,
    );
    engine::run(&mut e, &mut card, keys)
}

fn inspect(p: &Pki) -> CardState {
    let mut card = CardConnection::wait_and_connect(TEST_READER, WAIT).unwrap();
    engine::inspect(&mut card, &OpenProfile, &p.csca.cert)
        .unwrap()
        .0
}

#[test]
fn vpcd_personalize_with_sam_then_read_back_verifies_and_card_refuses_rewrite() {
    let _sam_slot = SlotLock::acquire(SAM_SLOT).unwrap();
    let _slot = SlotLock::acquire(TEST_SLOT).unwrap();
    let p = pki_and_image();
    let sam = insert(SAM_SLOT, VirtualSam::new(keys::development_master()));
    let chip = insert(TEST_SLOT, blank_chip(0x31));

    let mut backend =
        SamBackend::new(CardConnection::wait_and_connect_exclusive(SAM_READER, WAIT).unwrap());
    let out = personalize(&p, &mut backend).unwrap();
    assert_eq!(out.bytes_written, p.image.total_bytes());
    assert_eq!(out.verified.groups, vec![1, 2, 3, 7]);
    println!(
        "personalization: {} APDUs, {} B written, {} B read",
        out.apdus, out.bytes_written, out.bytes_read
    );

    match inspect(&p) {
        CardState::Locked {
            verification: Ok(v),
        } => assert!(v.signer_subject.contains("DS Uji E2E")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        personalize(&p, &mut backend),
        Err(PersoError::Locked)
    ));
    drop(backend);

    let chip = chip.pull(TEST_READER);
    let sam = sam.pull(SAM_READER);
    assert_eq!(
        sam.sessions, 1,
        "the second run stopped at the lock check, before any session"
    );
    assert_eq!(chip.lifecycle(), LCS_OPERATIONAL);
    for f in &p.image.files {
        assert_eq!(chip.files()[&f.fid], f.bytes, "{f:?}");
    }
}

#[test]
fn vpcd_tampered_data_group_fails_passive_authentication_with_its_name() {
    let _slot = SlotLock::acquire(TEST_SLOT).unwrap();
    let p = pki_and_image();
    let inserted = insert(TEST_SLOT, blank_chip(0x32));
    personalize(&p, &mut SoftwareKeystore::new(keys::development_master())).unwrap();
    let mut chip = inserted.pull(TEST_READER);

    // A chip-level attacker flips one bit of the biodata behind the lock.
    assert!(chip.tamper(profile::FID_DG1, 20));
    chip.reinsert();
    let inserted = insert(TEST_SLOT, chip);
    match inspect(&p) {
        CardState::Locked {
            verification: Err(e),
        } => {
            assert!(
                e.contains("DG1") && e.contains("diubah") && e.contains("altered"),
                "{e}"
            );
        }
        other => panic!("tampered card passed: {other:?}"),
    }
    inserted.pull(TEST_READER);
}

#[test]
fn vpcd_slow_card_still_personalizes_and_a_corrupted_answer_fails_cleanly() {
    let _slot = SlotLock::acquire(TEST_SLOT).unwrap();
    let p = pki_and_image();
    let mut keys = SoftwareKeystore::new(keys::development_master());
    let mut chip = blank_chip(0x33);
    // 30 ms per APDU (a slow contactless link) and one flipped bit in the 20th answer.
    chip.faults = Faults {
        corrupt_at: Some(20),
        delay: Duration::from_millis(30),
        ..Faults::default()
    };
    let inserted = insert(TEST_SLOT, chip);
    let err = personalize(&p, &mut keys).unwrap_err();
    assert!(err.to_string().contains("MAC"), "{err}");
    let out = personalize(&p, &mut keys).unwrap();
    assert!(
        out.chunks_kept > 0,
        "the retry kept what the first run wrote"
    );
    let chip = inserted.pull(TEST_READER);
    assert_eq!(chip.lifecycle(), LCS_OPERATIONAL);
}

/// One chip reachable from the test while vpcd serves it, so the next blank card can be put in
/// place without another insert/remove cycle (each costs pcscd's ~400 ms presence poll).
#[derive(Clone)]
struct Shared(Arc<Mutex<VirtualChip>>);

impl VirtualCard for Shared {
    fn atr(&self) -> Vec<u8> {
        self.0.lock().unwrap().atr()
    }
    fn power(&mut self, event: PowerEvent) {
        self.0.lock().unwrap().power(event)
    }
    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.0.lock().unwrap().transmit(apdu)
    }
    fn removed(&self) -> bool {
        self.0.lock().unwrap().removed()
    }
}

#[test]
fn vpcd_tear_at_every_apdu_of_a_personalization_then_the_next_run_completes() {
    let _slot = SlotLock::acquire(TEST_SLOT).unwrap();
    let p = pki_and_image();
    let mut keys = SoftwareKeystore::new(keys::development_master());

    let chip = Shared(Arc::new(Mutex::new(blank_chip(0x40))));
    let mut inserted = insert(TEST_SLOT, chip.clone());
    let total = personalize(&p, &mut keys).unwrap().apdus as u64;

    let mut outcomes = [0usize; 3]; // completed-after-resume, restarted-from-blank, torn-at-lock
    for k in 1..=total {
        // A fresh blank card for this run, set to lose power at APDU k.
        let mut blank = blank_chip(0x40);
        blank.faults = Faults {
            tear_at: Some(k),
            ..Faults::default()
        };
        *chip.0.lock().unwrap() = blank;
        let first = personalize(&p, &mut keys);
        inserted.pull(TEST_READER);
        assert!(
            chip.0.lock().unwrap().is_torn() && first.is_err(),
            "tear at {k} of {total}: {first:?}"
        );

        chip.0.lock().unwrap().reinsert();
        inserted = insert(TEST_SLOT, chip.clone());
        let state = inspect(&p);
        let second = personalize(&p, &mut keys);
        match (&state, &second) {
            (
                CardState::Locked {
                    verification: Ok(_),
                },
                Err(PersoError::Locked),
            ) => outcomes[2] += 1,
            (CardState::Locked { .. }, _) => panic!("tear at {k}: locked but {state:?}"),
            (CardState::Blank, Ok(_)) => outcomes[1] += 1,
            (CardState::Partial { .. } | CardState::CompleteUnlocked(_), Ok(out)) => {
                assert_eq!(out.verified.groups, vec![1, 2, 3, 7]);
                outcomes[0] += 1;
            }
            _ => panic!("tear at {k}: {state:?} then {second:?}"),
        }
        let after = chip.0.lock().unwrap();
        assert_eq!(after.lifecycle(), LCS_OPERATIONAL, "tear at {k}");
        for f in &p.image.files {
            assert_eq!(after.files()[&f.fid], f.bytes, "tear at {k}: {f:?}");
        }
    }
    inserted.pull(TEST_READER);
    println!(
        "tear points tried: {total}; resumed {}, restarted from blank {}, torn at the lock (already complete) {}",
        outcomes[0], outcomes[1], outcomes[2]
    );
    assert_eq!(outcomes.iter().sum::<usize>() as u64, total);
}
