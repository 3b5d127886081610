//! The engine against the virtual chip with no reader in between (sans-IO): full runs, resume
//! after a tear at every APDU, corrupted responses, locked cards, a foreign card.

use super::engine::{self, CardState, Config, PersoError, Personalizer};
use super::keys::{Direct, KeyError, SamBackend, SoftwareKeystore, VirtualSam, development_master};
use super::profile::{ChipImage, ChipProfile, OpenProfile};
use super::scp::MasterKeys;
use super::sod::Signer;
use super::virtual_chip::{Faults, LCS_OPERATIONAL, VirtualChip};
use super::{demo, profile};

struct Fixture {
    csca: Signer,
    image: ChipImage,
}

fn fixture() -> Fixture {
    let csca = Signer::new_csca("CN=CSCA Uji,C=ID", 10).unwrap();
    let ds = csca.issue_document_signer("CN=DS Uji,C=ID", 3).unwrap();
    let image = OpenProfile.encode(&demo::applicant(), &ds, 8192).unwrap();
    Fixture { csca, image }
}

fn blank_chip() -> VirtualChip {
    VirtualChip::manufacture(profile::OPEN_AID, [0x11; 10], &development_master(), 8192)
}

fn personalize(fx: &Fixture, chip: &mut VirtualChip) -> Result<engine::Outcome, PersoError> {
    let mut e = Personalizer::new(
        &OpenProfile,
        &fx.csca.cert,
        fx.image.files.clone(),
        Config::default(),
        engine::host_challenge()?,
    );
    engine::run(
        &mut e,
        &mut Direct(chip),
        &mut SoftwareKeystore::new(development_master()),
    )
}

#[test]
fn personalizes_a_blank_card_then_refuses_to_rewrite_it() {
    let fx = fixture();
    let mut chip = blank_chip();
    let out = personalize(&fx, &mut chip).unwrap();
    assert_eq!(chip.lifecycle(), LCS_OPERATIONAL);
    assert_eq!(out.bytes_written, fx.image.total_bytes());
    assert_eq!(out.chunks_kept, 0);
    assert_eq!(out.verified.groups, vec![1, 2, 3, 7]);
    for f in &fx.image.files {
        assert_eq!(chip.files()[&f.fid], f.bytes, "{f:?}");
    }
    let (state, _) = engine::inspect(&mut Direct(&mut chip), &OpenProfile, &fx.csca.cert).unwrap();
    assert!(
        matches!(
            state,
            CardState::Locked {
                verification: Ok(_)
            }
        ),
        "{state:?}"
    );
    assert!(matches!(
        personalize(&fx, &mut chip),
        Err(PersoError::Locked)
    ));
}

#[test]
fn tear_at_every_apdu_leaves_a_card_the_next_run_completes() {
    let fx = fixture();
    let total = personalize(&fx, &mut blank_chip()).unwrap().apdus as u64;
    assert!(total > 40, "a full run takes {total} APDUs");
    for k in 1..=total {
        let mut chip = blank_chip();
        chip.faults = Faults {
            tear_at: Some(k),
            ..Faults::default()
        };
        let first = personalize(&fx, &mut chip);
        assert!(chip.is_torn(), "tear at {k} fired");
        chip.reinsert();
        let (state, _) =
            engine::inspect(&mut Direct(&mut chip), &OpenProfile, &fx.csca.cert).unwrap();
        let second = personalize(&fx, &mut chip);
        match (&state, first, second) {
            // The tear hit the lock command itself after it took effect: locked and correct.
            (
                CardState::Locked {
                    verification: Ok(_),
                },
                Err(_),
                Err(PersoError::Locked),
            ) => assert_eq!(k, total),
            (CardState::Locked { .. }, ..) => panic!("tear at {k}: locked but {state:?}"),
            (_, Err(_), Ok(out)) => assert!(out.verified.groups.len() == 4, "tear at {k}"),
            (_, first, second) => panic!("tear at {k}: {state:?} then {first:?} / {second:?}"),
        }
        for f in &fx.image.files {
            assert_eq!(chip.files()[&f.fid], f.bytes, "tear at {k}: {f:?}");
        }
        assert_eq!(chip.lifecycle(), LCS_OPERATIONAL, "tear at {k}");
    }
}

#[test]
fn a_resumed_job_keeps_the_chunks_already_written() {
    let fx = fixture();
    let mut chip = blank_chip();
    chip.faults = Faults {
        tear_at: Some(30),
        ..Faults::default()
    };
    assert!(personalize(&fx, &mut chip).is_err());
    chip.reinsert();
    let (state, _) = engine::inspect(&mut Direct(&mut chip), &OpenProfile, &fx.csca.cert).unwrap();
    assert!(matches!(state, CardState::Partial { .. }), "{state:?}");
    let out = personalize(&fx, &mut chip).unwrap();
    assert!(out.chunks_kept > 10, "kept {} chunks", out.chunks_kept);
    assert!(out.bytes_written < fx.image.total_bytes() / 2);
}

#[test]
fn a_corrupted_response_fails_the_run_with_a_mac_error_and_the_retry_succeeds() {
    let fx = fixture();
    let mut chip = blank_chip();
    chip.faults = Faults {
        corrupt_at: Some(12),
        ..Faults::default()
    };
    let err = personalize(&fx, &mut chip).unwrap_err();
    assert!(matches!(err, PersoError::Scp(_)), "{err}");
    assert!(err.to_string().contains("MAC"), "{err}");
    chip.reinsert();
    personalize(&fx, &mut chip).unwrap();
}

#[test]
fn a_card_from_another_issuer_is_refused_before_anything_is_written() {
    let fx = fixture();
    let foreign = MasterKeys {
        enc: [9; 16],
        mac: [8; 16],
    };
    let mut chip = VirtualChip::manufacture(profile::OPEN_AID, [0x22; 10], &foreign, 8192);
    let err = personalize(&fx, &mut chip).unwrap_err();
    assert!(
        matches!(err, PersoError::Key(KeyError::CardNotGenuine)),
        "{err}"
    );
    assert!(chip.files().is_empty());
}

#[test]
fn the_sam_backend_personalizes_without_the_station_holding_master_keys() {
    let fx = fixture();
    let mut chip = blank_chip();
    let mut sam = VirtualSam::new(development_master());
    let mut e = Personalizer::new(
        &OpenProfile,
        &fx.csca.cert,
        fx.image.files.clone(),
        Config::default(),
        engine::host_challenge().unwrap(),
    );
    engine::run(
        &mut e,
        &mut Direct(&mut chip),
        &mut SamBackend::new(Direct(&mut sam)),
    )
    .unwrap();
    assert_eq!((chip.lifecycle(), sam.sessions), (LCS_OPERATIONAL, 1));
}

#[test]
fn writes_without_a_secure_channel_are_refused_and_state_survives_a_restart() {
    let fx = fixture();
    let dir = std::env::temp_dir().join(format!("rekam-chip-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("card.tlv");
    let _ = std::fs::remove_file(&path);
    let mut chip = blank_chip().persist_to(&path).unwrap();
    // Plain UPDATE BINARY / CREATE FILE: 6982.
    let select = [
        &[0x00, 0xA4, 0x04, 0x00, profile::OPEN_AID.len() as u8][..],
        profile::OPEN_AID,
    ]
    .concat();
    assert_eq!(chip.process(&select)[..2], [0x6F, 0x0E]);
    assert_eq!(
        chip.process(&[0x00, 0xE0, 0, 0, 4, 0x62, 2, 0x80, 0]),
        [0x69, 0x82]
    );
    personalize(&fx, &mut chip).unwrap();
    drop(chip);
    let mut again = blank_chip().persist_to(&path).unwrap();
    assert_eq!(again.lifecycle(), LCS_OPERATIONAL);
    let (state, files) =
        engine::inspect(&mut Direct(&mut again), &OpenProfile, &fx.csca.cert).unwrap();
    assert!(matches!(
        state,
        CardState::Locked {
            verification: Ok(_)
        }
    ));
    assert_eq!(files.len(), 6);
    // Tampering behind the lock is caught by passive authentication, naming the group.
    assert!(again.tamper(profile::FID_DG2, 500));
    let (state, _) = engine::inspect(&mut Direct(&mut again), &OpenProfile, &fx.csca.cert).unwrap();
    match state {
        CardState::Locked {
            verification: Err(e),
        } => assert!(e.contains("DG2"), "{e}"),
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(&dir).ok();
}
