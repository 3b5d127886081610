//! A minimal ISO 7816-4 card for smoke tests and demos: it knows one application (by AID) and
//! answers SELECT and GET CHALLENGE. The KTP-el chip grows beside it.

use crate::vpcd::{PowerEvent, VirtualCard};

/// Rekam's own demo application identifier (proprietary RID range F0…).
pub const DEMO_AID: &[u8] = &[0xF0, 0x52, 0x45, 0x4B, 0x41, 0x4D, 0x01];

const SW_OK: [u8; 2] = [0x90, 0x00];
const SW_FILE_NOT_FOUND: [u8; 2] = [0x6A, 0x82];
const SW_WRONG_LENGTH: [u8; 2] = [0x67, 0x00];
const SW_INS_NOT_SUPPORTED: [u8; 2] = [0x6D, 0x00];
const SW_CLA_NOT_SUPPORTED: [u8; 2] = [0x6E, 0x00];

#[derive(Debug, Default)]
pub struct DemoCard {
    selected: bool,
    challenge_counter: u8,
}

impl DemoCard {
    pub fn is_selected(&self) -> bool {
        self.selected
    }

    fn select(&mut self, p1: u8, data: &[u8]) -> Vec<u8> {
        // SELECT by DF name (P1 = 04) of our AID, exact or as a prefix (partial AID select).
        let found = p1 == 0x04 && !data.is_empty() && DEMO_AID.starts_with(data);
        self.selected = found;
        if found {
            SW_OK.to_vec()
        } else {
            SW_FILE_NOT_FOUND.to_vec()
        }
    }

    fn get_challenge(&mut self, le: usize) -> Vec<u8> {
        let mut out: Vec<u8> = (0..le)
            .map(|i| {
                self.challenge_counter = self.challenge_counter.wrapping_add(1);
                self.challenge_counter ^ (i as u8).rotate_left(3)
            })
            .collect();
        out.extend(SW_OK);
        out
    }
}

impl VirtualCard for DemoCard {
    fn atr(&self) -> Vec<u8> {
        // Direct convention, T=1, historical bytes "REKAM".
        vec![0x3B, 0x85, 0x80, 0x01, 0x52, 0x45, 0x4B, 0x41, 0x4D, 0x17]
    }

    fn power(&mut self, _event: PowerEvent) {
        self.selected = false;
    }

    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        let [cla, ins, p1, _p2, body @ ..] = apdu else {
            return SW_WRONG_LENGTH.to_vec();
        };
        if cla & 0x80 != 0 {
            return SW_CLA_NOT_SUPPORTED.to_vec();
        }
        match (ins, body) {
            (0xA4, [lc, rest @ ..]) if rest.len() >= usize::from(*lc) => {
                self.select(*p1, &rest[..usize::from(*lc)])
            }
            (0xA4, _) => SW_WRONG_LENGTH.to_vec(),
            (0x84, [le]) => self.get_challenge(if *le == 0 { 256 } else { usize::from(*le) }),
            (0x84, _) => SW_WRONG_LENGTH.to_vec(),
            _ => SW_INS_NOT_SUPPORTED.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn select(aid: &[u8]) -> Vec<u8> {
        let mut apdu = vec![0x00, 0xA4, 0x04, 0x00, aid.len() as u8];
        apdu.extend_from_slice(aid);
        apdu
    }

    #[test]
    fn selects_its_application_only() {
        let mut card = DemoCard::default();
        assert_eq!(card.transmit(&select(DEMO_AID)), SW_OK);
        assert!(card.is_selected());
        assert_eq!(
            card.transmit(&select(&[0xA0, 0, 0, 0x02, 0x47, 0x10, 0x01])),
            SW_FILE_NOT_FOUND
        );
        assert!(!card.is_selected());
    }

    #[test]
    fn power_cycle_forgets_selection() {
        let mut card = DemoCard::default();
        card.transmit(&select(DEMO_AID));
        card.power(PowerEvent::Reset);
        assert!(!card.is_selected());
    }

    #[test]
    fn malformed_apdus_get_status_words_not_panics() {
        let mut card = DemoCard::default();
        assert_eq!(card.transmit(&[0x00]), SW_WRONG_LENGTH);
        assert_eq!(
            card.transmit(&[0x00, 0xA4, 0x04, 0x00, 0x09, 0xF0]),
            SW_WRONG_LENGTH
        );
        assert_eq!(
            card.transmit(&[0x80, 0xA4, 0x04, 0x00]),
            SW_CLA_NOT_SUPPORTED
        );
        assert_eq!(
            card.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x00]),
            SW_INS_NOT_SUPPORTED
        );
    }

    #[test]
    fn challenge_has_requested_length() {
        let mut card = DemoCard::default();
        let r = card.transmit(&[0x00, 0x84, 0x00, 0x00, 0x08]);
        assert_eq!(r.len(), 10);
        assert_eq!(r[8..], SW_OK);
    }
}
