//! A GlobalPlatform SCP03-style secure channel (GP Card Spec v2.3 Amendment D), sans-IO and
//! shared by both ends: the station wraps commands and checks R-MACs, the virtual chip does the
//! reverse with the same code.
//!
//! What follows Amendment D: the NIST SP 800-108 counter-mode KDF on AES-CMAC with its derivation
//! constants, 8-byte card/host cryptograms over both challenges, INITIALIZE UPDATE /
//! EXTERNAL AUTHENTICATE, C-MAC chaining from a 16-byte MAC chaining value, C-DECRYPTION with an
//! ICV from the encrypted command counter and 80 00… padding, R-MAC over the response.
//! What is simplified: no R-ENC (responses carry MACs, not ciphertext: every read-back is
//! compared with what was written anyway), short APDUs only, one key version.

use aes::Aes128;
use aes::cipher::{BlockDecryptMut, BlockEncrypt, BlockEncryptMut, KeyInit, KeyIvInit};
use cbc::cipher::block_padding::NoPadding;
use cmac::{Cmac, Mac};
use thiserror::Error;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::apdu::{Command, Response};

pub const INS_INITIALIZE_UPDATE: u8 = 0x50;
pub const INS_EXTERNAL_AUTHENTICATE: u8 = 0x82;
/// C-MAC + C-DECRYPTION + R-MAC.
pub const SECURITY_LEVEL: u8 = 0x13;
pub const KEY_VERSION: u8 = 0x30;

const DC_CARD_CRYPTOGRAM: u8 = 0x00;
const DC_HOST_CRYPTOGRAM: u8 = 0x01;
const DC_S_ENC: u8 = 0x04;
const DC_S_MAC: u8 = 0x06;
const DC_S_RMAC: u8 = 0x07;
/// Rekam's own constants for card-key diversification from the issuer master (not in GP).
const DC_DIV_ENC: u8 = 0x41;
const DC_DIV_MAC: u8 = 0x42;

pub type Key = [u8; 16];

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ScpError {
    #[error(
        "kriptogram kartu salah: kartu palsu atau kunci tidak cocok / card cryptogram wrong: unknown card or wrong keys"
    )]
    CardCryptogram,
    #[error("kriptogram stasiun salah / host cryptogram wrong")]
    HostCryptogram,
    #[error("MAC perintah salah / command MAC wrong")]
    CommandMac,
    #[error(
        "MAC respons salah: data dari kartu tidak utuh / response MAC wrong: data from the card altered"
    )]
    ResponseMac,
    #[error("data terenkripsi tidak valid / bad encrypted data or padding")]
    Padding,
    #[error("perintah terlalu panjang untuk kanal aman / command too long for the secure channel")]
    TooLong,
    #[error("respons INITIALIZE UPDATE tidak valid / malformed INITIALIZE UPDATE response")]
    BadInitUpdate,
}

/// A card's static keys (K-ENC, K-MAC). Held by the card and derived on demand by a key backend.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct StaticKeys {
    pub enc: Key,
    pub mac: Key,
}

impl std::fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticKeys(..)")
    }
}

/// Session keys of one channel: what the station holds, for the life of one job only.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SessionKeys {
    pub enc: Key,
    pub mac: Key,
    pub rmac: Key,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys(..)")
    }
}

/// The issuer's master keys: only the SAM (or the development keystore) ever holds them.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MasterKeys {
    pub enc: Key,
    pub mac: Key,
}

impl std::fmt::Debug for MasterKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKeys(..)")
    }
}

impl MasterKeys {
    /// Per-card static keys: K = CMAC-KDF(master, card's diversification data).
    pub fn diversify(&self, div_data: &[u8; 10]) -> StaticKeys {
        StaticKeys {
            enc: kdf16(&self.enc, DC_DIV_ENC, div_data),
            mac: kdf16(&self.mac, DC_DIV_MAC, div_data),
        }
    }
}

fn cmac(key: &Key, parts: &[&[u8]]) -> [u8; 16] {
    let mut m = <Cmac<Aes128> as KeyInit>::new(key.into());
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// SP 800-108 counter mode, one block: label(11×00) ‖ constant ‖ 00 ‖ L ‖ i=1 ‖ context.
fn kdf_block(key: &Key, constant: u8, bits: u16, context: &[u8]) -> [u8; 16] {
    let mut data = [0u8; 16];
    data[11] = constant;
    data[13..15].copy_from_slice(&bits.to_be_bytes());
    data[15] = 1;
    cmac(key, &[&data, context])
}

fn kdf16(key: &Key, constant: u8, context: &[u8]) -> Key {
    kdf_block(key, constant, 128, context)
}

fn cryptogram(key: &Key, constant: u8, host: &[u8; 8], card: &[u8; 8]) -> [u8; 8] {
    let block = kdf_block(key, constant, 64, &[host.as_slice(), card].concat());
    let mut out = [0u8; 8];
    out.copy_from_slice(&block[..8]);
    out
}

/// Both challenges → session keys and both cryptograms (what the card and the key backend compute).
pub struct Handshake {
    pub keys: SessionKeys,
    pub card_cryptogram: [u8; 8],
    pub host_cryptogram: [u8; 8],
}

pub fn handshake(statics: &StaticKeys, host: &[u8; 8], card: &[u8; 8]) -> Handshake {
    let ctx = [host.as_slice(), card].concat();
    let keys = SessionKeys {
        enc: kdf16(&statics.enc, DC_S_ENC, &ctx),
        mac: kdf16(&statics.mac, DC_S_MAC, &ctx),
        rmac: kdf16(&statics.mac, DC_S_RMAC, &ctx),
    };
    Handshake {
        card_cryptogram: cryptogram(&keys.mac, DC_CARD_CRYPTOGRAM, host, card),
        host_cryptogram: cryptogram(&keys.mac, DC_HOST_CRYPTOGRAM, host, card),
        keys,
    }
}

/// The card's answer to INITIALIZE UPDATE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitUpdate {
    /// Identifies the card for key diversification (GP: "key diversification data").
    pub div_data: [u8; 10],
    pub key_version: u8,
    pub card_challenge: [u8; 8],
    pub card_cryptogram: [u8; 8],
}

impl InitUpdate {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.div_data.to_vec();
        out.extend([self.key_version, 0x03, 0x70]);
        out.extend(self.card_challenge);
        out.extend(self.card_cryptogram);
        out
    }

    pub fn parse(data: &[u8]) -> Result<Self, ScpError> {
        if data.len() < 29 || data[11] != 0x03 {
            return Err(ScpError::BadInitUpdate);
        }
        let mut r = Self {
            div_data: [0; 10],
            key_version: data[10],
            card_challenge: [0; 8],
            card_cryptogram: [0; 8],
        };
        r.div_data.copy_from_slice(&data[..10]);
        r.card_challenge.copy_from_slice(&data[13..21]);
        r.card_cryptogram.copy_from_slice(&data[21..29]);
        Ok(r)
    }
}

pub fn initialize_update(host_challenge: &[u8; 8]) -> Command {
    Command::new(0x80, INS_INITIALIZE_UPDATE, KEY_VERSION, 0)
        .with_data(host_challenge.to_vec())
        .with_le(256)
}

/// An open channel: the MAC chaining value and the command counter, identical on both ends.
pub struct Channel {
    keys: SessionKeys,
    mcv: [u8; 16],
    counter: u128,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("counter", &self.counter)
            .finish_non_exhaustive()
    }
}

impl Channel {
    pub fn new(keys: SessionKeys) -> Self {
        Self {
            keys,
            mcv: [0; 16],
            counter: 0,
        }
    }

    /// EXTERNAL AUTHENTICATE carrying the host cryptogram; C-MACed, not encrypted (as in GP).
    pub fn external_authenticate(
        &mut self,
        host_cryptogram: &[u8; 8],
    ) -> Result<Command, ScpError> {
        let cmd = Command::new(0x80, INS_EXTERNAL_AUTHENTICATE, SECURITY_LEVEL, 0)
            .with_data(host_cryptogram.to_vec());
        self.mac_command(cmd)
    }

    /// Station side: encrypt the data field, then append the C-MAC.
    pub fn wrap(&mut self, cmd: &Command) -> Result<Command, ScpError> {
        self.counter += 1;
        let mut out = cmd.clone();
        if !cmd.data.is_empty() {
            let mut padded = cmd.data.clone();
            pad(&mut padded);
            out.data = cbc::Encryptor::<Aes128>::new((&self.keys.enc).into(), (&self.icv()).into())
                .encrypt_padded_vec_mut::<NoPadding>(&padded);
        }
        self.mac_command(out)
    }

    fn mac_command(&mut self, mut cmd: Command) -> Result<Command, ScpError> {
        cmd.cla |= 0x04;
        let lc = cmd.data.len() + 8;
        if lc > 255 {
            return Err(ScpError::TooLong);
        }
        let mac = cmac(
            &self.keys.mac,
            &[
                &self.mcv,
                &[cmd.cla, cmd.ins, cmd.p1, cmd.p2, lc as u8],
                &cmd.data,
            ],
        );
        self.mcv = mac;
        cmd.data.extend_from_slice(&mac[..8]);
        Ok(cmd)
    }

    /// Card side of [`Channel::external_authenticate`]: check the C-MAC and the host cryptogram.
    pub fn accept_external_authenticate(
        &mut self,
        cmd: &Command,
        expected: &[u8; 8],
    ) -> Result<(), ScpError> {
        let data = self.check_mac(cmd)?;
        if data.as_slice() != expected {
            return Err(ScpError::HostCryptogram);
        }
        Ok(())
    }

    /// Card side: check the C-MAC, decrypt, strip the padding; the result is the plain command.
    pub fn unwrap(&mut self, cmd: &Command) -> Result<Command, ScpError> {
        let data = self.check_mac(cmd)?;
        self.counter += 1;
        let mut plain = Command {
            cla: cmd.cla & !0x04,
            data: Vec::new(),
            ..cmd.clone()
        };
        if !data.is_empty() {
            if !data.len().is_multiple_of(16) {
                return Err(ScpError::Padding);
            }
            let mut dec =
                cbc::Decryptor::<Aes128>::new((&self.keys.enc).into(), (&self.icv()).into())
                    .decrypt_padded_vec_mut::<NoPadding>(&data)
                    .map_err(|_| ScpError::Padding)?;
            unpad(&mut dec)?;
            plain.data = dec;
        }
        Ok(plain)
    }

    fn check_mac(&mut self, cmd: &Command) -> Result<Vec<u8>, ScpError> {
        if cmd.cla & 0x04 == 0 || cmd.data.len() < 8 {
            return Err(ScpError::CommandMac);
        }
        let (data, mac) = cmd.data.split_at(cmd.data.len() - 8);
        let lc = cmd.data.len() as u8;
        let full = cmac(
            &self.keys.mac,
            &[&self.mcv, &[cmd.cla, cmd.ins, cmd.p1, cmd.p2, lc], data],
        );
        if !same(&full[..8], mac) {
            return Err(ScpError::CommandMac);
        }
        self.mcv = full;
        Ok(data.to_vec())
    }

    /// Card side: append the R-MAC over the data and the status word.
    pub fn mac_response(&self, resp: &Response) -> Response {
        let mac = cmac(
            &self.keys.rmac,
            &[&self.mcv, &resp.data, &resp.sw.to_be_bytes()],
        );
        let mut data = resp.data.clone();
        data.extend_from_slice(&mac[..8]);
        Response { data, sw: resp.sw }
    }

    /// Station side: check and strip the R-MAC. Errors without data (e.g. 6982) carry none.
    pub fn check_response(&self, resp: Response) -> Result<Response, ScpError> {
        if resp.data.len() < 8 {
            return if resp.sw == 0x9000 {
                Err(ScpError::ResponseMac)
            } else {
                Ok(resp)
            };
        }
        let (data, mac) = resp.data.split_at(resp.data.len() - 8);
        let full = cmac(&self.keys.rmac, &[&self.mcv, data, &resp.sw.to_be_bytes()]);
        if !same(&full[..8], mac) {
            return Err(ScpError::ResponseMac);
        }
        Ok(Response {
            data: data.to_vec(),
            sw: resp.sw,
        })
    }

    fn icv(&self) -> [u8; 16] {
        let mut block = self.counter.to_be_bytes().into();
        Aes128::new((&self.keys.enc).into()).encrypt_block(&mut block);
        block.into()
    }
}

/// Constant-time comparison of two MACs (no early exit on the first differing byte).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn pad(data: &mut Vec<u8>) {
    data.push(0x80);
    while !data.len().is_multiple_of(16) {
        data.push(0);
    }
}

fn unpad(data: &mut Vec<u8>) -> Result<(), ScpError> {
    let end = data
        .iter()
        .rposition(|b| *b != 0)
        .ok_or(ScpError::Padding)?;
    if data[end] != 0x80 {
        return Err(ScpError::Padding);
    }
    data.truncate(end);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (Channel, Channel, Handshake) {
        let master = MasterKeys {
            enc: [1; 16],
            mac: [2; 16],
        };
        let statics = master.diversify(&[9; 10]);
        let hs = handshake(&statics, &[3; 8], &[4; 8]);
        (
            Channel::new(hs.keys.clone()),
            Channel::new(hs.keys.clone()),
            hs,
        )
    }

    #[test]
    fn both_ends_agree_and_commands_round_trip_through_wrap_and_unwrap() {
        let (mut host, mut card, hs) = pair();
        let ea = host.external_authenticate(&hs.host_cryptogram).unwrap();
        card.accept_external_authenticate(&ea, &hs.host_cryptogram)
            .unwrap();
        for len in [0usize, 1, 15, 16, 200, 223] {
            let cmd = Command::new(0x00, 0xD6, 0, 1).with_data(vec![0x5A; len]);
            let wire = host.wrap(&cmd).unwrap();
            assert_eq!(wire.cla, 0x04);
            if len > 0 {
                assert_ne!(
                    &wire.data[..len.min(16)],
                    &cmd.data[..len.min(16)],
                    "data travels encrypted"
                );
            }
            assert_eq!(card.unwrap(&wire).unwrap(), cmd);
            let resp = card.mac_response(&Response::ok(vec![7; 5]));
            assert_eq!(host.check_response(resp).unwrap(), Response::ok(vec![7; 5]));
        }
        assert!(
            host.wrap(&Command::new(0, 0xD6, 0, 0).with_data(vec![0; 240]))
                .is_err()
        );
    }

    #[test]
    fn tampering_and_replay_are_caught() {
        let (mut host, mut card, _) = pair();
        let wire = host
            .wrap(&Command::new(0, 0xD6, 0, 0).with_data(vec![1, 2, 3]))
            .unwrap();
        let mut bad = wire.clone();
        bad.data[0] ^= 1;
        assert_eq!(card.unwrap(&bad), Err(ScpError::CommandMac));
        card.unwrap(&wire).unwrap();
        // The MAC chains: the same command sent twice is refused the second time.
        assert_eq!(card.unwrap(&wire), Err(ScpError::CommandMac));
        let mut resp = card.mac_response(&Response::ok(vec![1, 2]));
        resp.data[0] ^= 0x80;
        assert_eq!(host.check_response(resp), Err(ScpError::ResponseMac));
    }

    #[test]
    fn different_cards_get_different_keys_and_cryptograms() {
        let master = MasterKeys {
            enc: [1; 16],
            mac: [2; 16],
        };
        let a = handshake(&master.diversify(&[1; 10]), &[3; 8], &[4; 8]);
        let b = handshake(&master.diversify(&[2; 10]), &[3; 8], &[4; 8]);
        assert_ne!(a.card_cryptogram, b.card_cryptogram);
        assert_ne!(a.keys.enc, b.keys.enc);
        let iu = InitUpdate {
            div_data: [5; 10],
            key_version: KEY_VERSION,
            card_challenge: [6; 8],
            card_cryptogram: a.card_cryptogram,
        };
        assert_eq!(InitUpdate::parse(&iu.encode()).unwrap(), iu);
        assert_eq!(InitUpdate::parse(&[0; 10]), Err(ScpError::BadInitUpdate));
    }
}
