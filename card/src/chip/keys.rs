//! Where the secure-channel keys come from. The station never needs the issuer master keys:
//! a [`KeyBackend`] turns the card's INITIALIZE UPDATE answer into session keys and the host
//! cryptogram, after checking the card's cryptogram. [`SoftwareKeystore`] does it in-process
//! (development); [`SamBackend`] asks a SAM in another PC/SC slot, and [`VirtualSam`] is that
//! SAM as a virtual card.
//!
//! Simplification: the SAM returns the session keys in clear over the PC/SC link; a production
//! SAM would wrap them for the station or compute every C-MAC itself.

use thiserror::Error;

use super::apdu::{self, Command, Response, Transport, TransportError};
use super::scp::{self, InitUpdate, MasterKeys, SessionKeys};
use crate::vpcd::{PowerEvent, VirtualCard};

/// Rekam's SAM application (proprietary F0 range, "REKAMSAM").
pub const SAM_AID: &[u8] = &[0xF0, 0x52, 0x45, 0x4B, 0x41, 0x4D, 0x53, 0x41, 0x4D];
/// SAM command: derive a card session (proprietary class 80).
pub const INS_DERIVE_SESSION: u8 = 0x10;

#[derive(Debug, Error)]
pub enum KeyError {
    #[error(
        "kartu tidak dikenal: kriptogram kartu salah / unknown card: card cryptogram does not match the issuer keys"
    )]
    CardNotGenuine,
    #[error("SAM menolak / SAM refused: {0}")]
    Sam(#[from] apdu::CardError),
    #[error("SAM tidak terjangkau / SAM unreachable: {0}")]
    Transport(#[from] TransportError),
    #[error("jawaban SAM tidak valid / malformed SAM answer")]
    Malformed,
}

/// What the station gets for one job: ephemeral session keys and the host cryptogram.
pub struct SessionGrant {
    pub keys: SessionKeys,
    pub host_cryptogram: [u8; 8],
}

pub trait KeyBackend {
    fn open_session(
        &mut self,
        init: &InitUpdate,
        host_challenge: &[u8; 8],
    ) -> Result<SessionGrant, KeyError>;
}

/// Derives everything from master keys it holds itself: for development and tests only.
pub struct SoftwareKeystore {
    master: MasterKeys,
}

impl SoftwareKeystore {
    pub fn new(master: MasterKeys) -> Self {
        Self { master }
    }
}

fn grant(master: &MasterKeys, init: &InitUpdate, host: &[u8; 8]) -> Result<SessionGrant, KeyError> {
    let hs = scp::handshake(
        &master.diversify(&init.div_data),
        host,
        &init.card_challenge,
    );
    if hs.card_cryptogram != init.card_cryptogram {
        return Err(KeyError::CardNotGenuine);
    }
    Ok(SessionGrant {
        keys: hs.keys.clone(),
        host_cryptogram: hs.host_cryptogram,
    })
}

impl KeyBackend for SoftwareKeystore {
    fn open_session(
        &mut self,
        init: &InitUpdate,
        host_challenge: &[u8; 8],
    ) -> Result<SessionGrant, KeyError> {
        grant(&self.master, init, host_challenge)
    }
}

/// Development master keys (never used for real cards).
pub fn development_master() -> MasterKeys {
    MasterKeys {
        enc: *b"REKAM-DEV-K-ENC!",
        mac: *b"REKAM-DEV-K-MAC!",
    }
}

/// The station's side of a SAM in a PC/SC slot.
pub struct SamBackend<T: Transport> {
    transport: T,
    selected: bool,
}

impl<T: Transport> SamBackend<T> {
    pub fn new(transport: T) -> Self {
        Self {
            transport,
            selected: false,
        }
    }
}

impl<T: Transport> KeyBackend for SamBackend<T> {
    fn open_session(
        &mut self,
        init: &InitUpdate,
        host_challenge: &[u8; 8],
    ) -> Result<SessionGrant, KeyError> {
        if !self.selected {
            apdu::exchange(
                &mut self.transport,
                &Command::new(0x00, 0xA4, 0x04, 0x00).with_data(SAM_AID.to_vec()),
                false,
            )?
            .into_result()?;
            self.selected = true;
        }
        let mut data = init.div_data.to_vec();
        data.extend(host_challenge);
        data.extend(init.card_challenge);
        data.extend(init.card_cryptogram);
        let cmd = Command::new(0x80, INS_DERIVE_SESSION, 0, 0)
            .with_data(data)
            .with_le(56);
        let resp = apdu::exchange(&mut self.transport, &cmd, false)?;
        if resp.sw == 0x6300 {
            return Err(KeyError::CardNotGenuine);
        }
        let out = resp.into_result()?;
        let key = |i: usize| -> Result<[u8; 16], KeyError> {
            out.get(i..i + 16)
                .and_then(|s| s.try_into().ok())
                .ok_or(KeyError::Malformed)
        };
        Ok(SessionGrant {
            keys: SessionKeys {
                enc: key(0)?,
                mac: key(16)?,
                rmac: key(32)?,
            },
            host_cryptogram: out
                .get(48..56)
                .and_then(|s| s.try_into().ok())
                .ok_or(KeyError::Malformed)?,
        })
    }
}

/// A SAM holding the issuer master keys, answering SELECT and DERIVE SESSION.
pub struct VirtualSam {
    master: MasterKeys,
    selected: bool,
    /// How many sessions it has granted (an audit counter).
    pub sessions: u64,
}

impl VirtualSam {
    pub fn new(master: MasterKeys) -> Self {
        Self {
            master,
            selected: false,
            sessions: 0,
        }
    }

    fn answer(&mut self, cmd: &Command) -> Response {
        match (cmd.cla, cmd.ins) {
            (0x00, 0xA4) if cmd.p1 == 0x04 => {
                self.selected = cmd.data == SAM_AID;
                Response::status(if self.selected { 0x9000 } else { 0x6A82 })
            }
            (0x80, INS_DERIVE_SESSION) if self.selected => {
                let d = &cmd.data;
                if d.len() != 34 {
                    return Response::status(0x6700);
                }
                let (Ok(div_data), Ok(host), Ok(card), Ok(crypt)) = (
                    d[..10].try_into(),
                    d[10..18].try_into(),
                    d[18..26].try_into(),
                    d[26..34].try_into(),
                ) else {
                    return Response::status(0x6A80);
                };
                let init = InitUpdate {
                    div_data,
                    key_version: scp::KEY_VERSION,
                    card_challenge: card,
                    card_cryptogram: crypt,
                };
                match grant(&self.master, &init, &host) {
                    Ok(g) => {
                        self.sessions += 1;
                        Response::ok(
                            [
                                g.keys.enc.as_slice(),
                                &g.keys.mac,
                                &g.keys.rmac,
                                &g.host_cryptogram,
                            ]
                            .concat(),
                        )
                    }
                    Err(_) => Response::status(0x6300),
                }
            }
            (0x80, INS_DERIVE_SESSION) => Response::status(0x6985),
            (0x00 | 0x80, _) => Response::status(0x6D00),
            _ => Response::status(0x6E00),
        }
    }
}

impl VirtualCard for VirtualSam {
    fn atr(&self) -> Vec<u8> {
        vec![0x3B, 0x83, 0x80, 0x01, 0x53, 0x41, 0x4D, 0x11] // historical bytes "SAM"
    }

    fn power(&mut self, _event: PowerEvent) {
        self.selected = false;
    }

    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        match Command::parse(apdu) {
            Ok(cmd) => self.answer(&cmd).encode(),
            Err(_) => Response::status(0x6700).encode(),
        }
    }
}

/// A virtual card reached directly (no pcscd): for sans-IO tests of the key backends and engine.
pub struct Direct<'a, C: VirtualCard + ?Sized>(pub &'a mut C);

impl<C: VirtualCard + ?Sized> Transport for Direct<'_, C> {
    fn transmit_raw(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.0.removed() {
            return Err(TransportError::Link("card removed".into()));
        }
        let resp = self.0.transmit(apdu);
        if self.0.removed() {
            return Err(TransportError::Link("card removed".into()));
        }
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sam_and_software_keystore_grant_the_same_session_and_refuse_foreign_cards() {
        let master = development_master();
        let statics = master.diversify(&[7; 10]);
        let host = [1; 8];
        let hs = scp::handshake(&statics, &host, &[2; 8]);
        let init = InitUpdate {
            div_data: [7; 10],
            key_version: scp::KEY_VERSION,
            card_challenge: [2; 8],
            card_cryptogram: hs.card_cryptogram,
        };
        let soft = SoftwareKeystore::new(development_master())
            .open_session(&init, &host)
            .unwrap();
        let mut sam = VirtualSam::new(development_master());
        let via_sam = SamBackend::new(Direct(&mut sam))
            .open_session(&init, &host)
            .unwrap();
        assert_eq!(
            (soft.keys.enc, soft.host_cryptogram),
            (via_sam.keys.enc, via_sam.host_cryptogram)
        );
        assert_eq!(soft.host_cryptogram, hs.host_cryptogram);
        assert_eq!(sam.sessions, 1);

        let foreign = InitUpdate {
            card_cryptogram: [0; 8],
            ..init
        };
        assert!(matches!(
            SoftwareKeystore::new(development_master()).open_session(&foreign, &host),
            Err(KeyError::CardNotGenuine)
        ));
        assert!(matches!(
            SamBackend::new(Direct(&mut sam)).open_session(&foreign, &host),
            Err(KeyError::CardNotGenuine)
        ));
    }
}
