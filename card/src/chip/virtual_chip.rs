//! A virtual KTP-el chip: an ISO 7816-4 file system inside one application, the SCP03-style
//! secure channel, the lifecycle blank → personalizing → locked, state persisted to a file after
//! every change, and fault injection (tear at APDU k, corrupt response k, slow responses).
//! It is a [`VirtualCard`], so it plugs into real pcscd through vpcd like any card.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ring::rand::{SecureRandom, SystemRandom};

use super::apdu::{Command, Response};
use super::scp::{self, Channel, InitUpdate, MasterKeys, StaticKeys};
use super::tlv::{self, Tlv};
use crate::vpcd::{PowerEvent, VirtualCard};

/// ISO 7816-4 life cycle status bytes (FCP tag 8A).
pub const LCS_CREATION: u8 = 0x01;
pub const LCS_INITIALISATION: u8 = 0x03;
pub const LCS_OPERATIONAL: u8 = 0x05;

pub const INS_SELECT: u8 = 0xA4;
pub const INS_READ_BINARY: u8 = 0xB0;
pub const INS_UPDATE_BINARY: u8 = 0xD6;
pub const INS_CREATE_FILE: u8 = 0xE0;
pub const INS_DELETE_FILE: u8 = 0xE4;
pub const INS_ACTIVATE_FILE: u8 = 0x44;

const SW_OK: u16 = 0x9000;

/// Faults to inject, counted in APDUs since the card was last powered on (1 = the first APDU).
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Drop power at this APDU: the command takes effect (an UPDATE BINARY only half of it) and
    /// the card is pulled before answering.
    pub tear_at: Option<u64>,
    /// Flip one bit of this APDU's response.
    pub corrupt_at: Option<u64>,
    /// Wait this long before every response.
    pub delay: Duration,
}

/// What survives power loss: identity, keys, files, and whether the card is locked.
#[derive(Clone)]
struct Persistent {
    aid: Vec<u8>,
    div_data: [u8; 10],
    keys: StaticKeys,
    capacity: usize,
    files: BTreeMap<u16, Vec<u8>>,
    locked: bool,
}

/// Volatile state, lost on power off or reset.
#[derive(Default)]
struct Session {
    app_selected: bool,
    selected_ef: Option<u16>,
    pending: Option<(scp::Handshake, [u8; 8])>,
    channel: Option<Channel>,
    apdus: u64,
}

pub struct VirtualChip {
    p: Persistent,
    s: Session,
    state_file: Option<PathBuf>,
    pub faults: Faults,
    torn: bool,
    rng: SystemRandom,
}

impl std::fmt::Debug for VirtualChip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualChip")
            .field("files", &self.p.files.len())
            .field("locked", &self.p.locked)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChipStateError {
    #[error("file status chip tidak bisa dibaca / cannot read chip state file {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("file status chip rusak / chip state file {0} is malformed")]
    Malformed(PathBuf),
}

impl VirtualChip {
    /// A blank card from the factory: its static keys are diversified from the issuer master by
    /// its serial number, as a card manufacturer's pre-personalization would.
    pub fn manufacture(aid: &[u8], serial: [u8; 10], master: &MasterKeys, capacity: usize) -> Self {
        Self::from_persistent(Persistent {
            aid: aid.to_vec(),
            div_data: serial,
            keys: master.diversify(&serial),
            capacity,
            files: BTreeMap::new(),
            locked: false,
        })
    }

    fn from_persistent(p: Persistent) -> Self {
        Self {
            p,
            s: Session::default(),
            state_file: None,
            faults: Faults::default(),
            torn: false,
            rng: SystemRandom::new(),
        }
    }

    /// Keeps the card's state in `path` (written after every change), loading it if present.
    pub fn persist_to(mut self, path: &Path) -> Result<Self, ChipStateError> {
        if path.exists() {
            let bytes = std::fs::read(path).map_err(|e| ChipStateError::Io(path.into(), e))?;
            self.p = decode_state(&bytes).ok_or_else(|| ChipStateError::Malformed(path.into()))?;
        }
        self.state_file = Some(path.into());
        self.save()?;
        Ok(self)
    }

    pub fn lifecycle(&self) -> u8 {
        if self.p.locked {
            LCS_OPERATIONAL
        } else if self.p.files.is_empty() {
            LCS_CREATION
        } else {
            LCS_INITIALISATION
        }
    }

    pub fn files(&self) -> &BTreeMap<u16, Vec<u8>> {
        &self.p.files
    }

    /// For tamper tests: change a byte of a file behind the card's back (as an attacker with a
    /// chip-level tool would), bypassing the lock.
    pub fn tamper(&mut self, fid: u16, offset: usize) -> bool {
        let hit = self
            .p
            .files
            .get_mut(&fid)
            .and_then(|f| f.get_mut(offset))
            .map(|b| *b ^= 0x01)
            .is_some();
        hit && self.save().is_ok()
    }

    /// True once a tear fault fired: the card has been pulled.
    pub fn is_torn(&self) -> bool {
        self.torn
    }

    /// Re-inserting a torn card: faults are cleared, volatile state reset.
    pub fn reinsert(&mut self) {
        self.torn = false;
        self.faults = Faults::default();
        self.s = Session::default();
    }

    fn save(&self) -> Result<(), ChipStateError> {
        let Some(path) = &self.state_file else {
            return Ok(());
        };
        // Write-then-rename: a crash leaves the old state or the new, never half of one.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, encode_state(&self.p))
            .map_err(|e| ChipStateError::Io(tmp.clone(), e))?;
        std::fs::rename(&tmp, path).map_err(|e| ChipStateError::Io(path.clone(), e))
    }

    /// One APDU in, one response out: the card's whole behaviour, free of I/O.
    pub fn process(&mut self, raw: &[u8]) -> Vec<u8> {
        self.s.apdus += 1;
        let n = self.s.apdus;
        let tearing = self.faults.tear_at == Some(n);
        let resp = match Command::parse(raw) {
            Ok(cmd) => self.dispatch(&cmd, tearing),
            Err(_) => Response::status(0x6700),
        };
        if tearing {
            self.torn = true;
        }
        if !self.faults.delay.is_zero() {
            std::thread::sleep(self.faults.delay);
        }
        let mut out = resp.encode();
        if self.faults.corrupt_at == Some(n) {
            let i = out.len().saturating_sub(3);
            if let Some(b) = out.get_mut(i) {
                *b ^= 0x04;
            }
        }
        out
    }

    fn dispatch(&mut self, cmd: &Command, tearing: bool) -> Response {
        let secure = cmd.cla & 0x04 != 0;
        match (cmd.cla & !0x04 & !0x10, cmd.ins) {
            (0x00, INS_SELECT) if cmd.p1 == 0x04 => self.select_app(cmd),
            (0x00, INS_SELECT) | (0x00, INS_READ_BINARY) if !secure => self.plain(cmd),
            (0x80, scp::INS_INITIALIZE_UPDATE) if !secure => self.initialize_update(cmd),
            (0x80, scp::INS_EXTERNAL_AUTHENTICATE) if secure => self.external_authenticate(cmd),
            (0x00, _) if secure => self.secure(cmd, tearing),
            (0x00 | 0x80, _)
                if !secure
                    && matches!(
                        cmd.ins,
                        INS_UPDATE_BINARY | INS_CREATE_FILE | INS_DELETE_FILE | INS_ACTIVATE_FILE
                    ) =>
            {
                Response::status(0x6982)
            }
            (0x00 | 0x80, _) => Response::status(0x6D00),
            _ => Response::status(0x6E00),
        }
    }

    fn select_app(&mut self, cmd: &Command) -> Response {
        // Selecting the application ends any secure channel (GP: a new session starts).
        self.s = Session {
            apdus: self.s.apdus,
            ..Session::default()
        };
        if cmd.data != self.p.aid {
            return Response::status(0x6A82);
        }
        self.s.app_selected = true;
        let fci = Tlv::constructed(
            0x6F,
            vec![
                Tlv::primitive(0x84, self.p.aid.clone()),
                Tlv::primitive(0x8A, vec![self.lifecycle()]),
            ],
        );
        Response::ok(fci.encode())
    }

    /// Plain SELECT EF and READ BINARY: the open profile's files are readable by anyone holding
    /// the card (integrity comes from the SOD, as with ICAO passive authentication).
    fn plain(&mut self, cmd: &Command) -> Response {
        if !self.s.app_selected {
            return Response::status(0x6985);
        }
        self.file_command(cmd)
    }

    fn file_command(&mut self, cmd: &Command) -> Response {
        match cmd.ins {
            INS_SELECT => match (cmd.p1, cmd.data.as_slice()) {
                (0x02, [hi, lo]) => {
                    let fid = u16::from_be_bytes([*hi, *lo]);
                    match self.p.files.get(&fid) {
                        Some(f) => {
                            self.s.selected_ef = Some(fid);
                            if cmd.p2 == 0x0C {
                                Response::ok(Vec::new())
                            } else {
                                Response::ok(fcp(fid, f.len()))
                            }
                        }
                        None => {
                            self.s.selected_ef = None;
                            Response::status(0x6A82)
                        }
                    }
                }
                _ => Response::status(0x6A86),
            },
            INS_READ_BINARY => {
                let Some(file) = self.s.selected_ef.and_then(|f| self.p.files.get(&f)) else {
                    return Response::status(0x6986);
                };
                let offset = usize::from(u16::from_be_bytes([cmd.p1 & 0x7F, cmd.p2]));
                if offset > file.len() {
                    return Response::status(0x6B00);
                }
                let want = cmd.le.map_or(256, |l| l.0 as usize);
                let end = (offset + want).min(file.len());
                Response::ok(file[offset..end].to_vec())
            }
            _ => Response::status(0x6D00),
        }
    }

    fn initialize_update(&mut self, cmd: &Command) -> Response {
        let Ok(host) = <[u8; 8]>::try_from(cmd.data.as_slice()) else {
            return Response::status(0x6700);
        };
        if !self.s.app_selected {
            return Response::status(0x6985);
        }
        let mut card = [0u8; 8];
        if self.rng.fill(&mut card).is_err() {
            return Response::status(0x6F00);
        }
        let hs = scp::handshake(&self.p.keys, &host, &card);
        let iu = InitUpdate {
            div_data: self.p.div_data,
            key_version: scp::KEY_VERSION,
            card_challenge: card,
            card_cryptogram: hs.card_cryptogram,
        };
        self.s.channel = None;
        self.s.pending = Some((hs, host));
        Response::ok(iu.encode())
    }

    fn external_authenticate(&mut self, cmd: &Command) -> Response {
        let Some((hs, _)) = self.s.pending.take() else {
            return Response::status(0x6985);
        };
        let mut channel = Channel::new(hs.keys.clone());
        match channel.accept_external_authenticate(cmd, &hs.host_cryptogram) {
            Ok(()) => {
                self.s.channel = Some(channel);
                Response::ok(Vec::new())
            }
            Err(_) => Response::status(0x6300),
        }
    }

    fn secure(&mut self, cmd: &Command, tearing: bool) -> Response {
        let Some(channel) = self.s.channel.as_mut() else {
            return Response::status(0x6982);
        };
        let plain = match channel.unwrap(cmd) {
            Ok(p) => p,
            Err(_) => {
                // A bad MAC ends the session (GP): the station must authenticate again.
                self.s.channel = None;
                return Response::status(0x6988);
            }
        };
        let resp = self.personalization_command(&plain, tearing);
        match &self.s.channel {
            Some(ch) => ch.mac_response(&resp),
            None => resp,
        }
    }

    fn personalization_command(&mut self, cmd: &Command, tearing: bool) -> Response {
        let mutating = matches!(
            cmd.ins,
            INS_UPDATE_BINARY | INS_CREATE_FILE | INS_DELETE_FILE | INS_ACTIVATE_FILE
        );
        if mutating && self.p.locked {
            return Response::status(0x6985);
        }
        let resp = match cmd.ins {
            INS_SELECT | INS_READ_BINARY => return self.file_command(cmd),
            INS_CREATE_FILE => self.create_file(cmd),
            INS_DELETE_FILE => self.delete_file(cmd),
            INS_UPDATE_BINARY => self.update_binary(cmd, tearing),
            INS_ACTIVATE_FILE => {
                if self.p.files.is_empty() {
                    Response::status(0x6985)
                } else {
                    self.p.locked = true;
                    Response::ok(Vec::new())
                }
            }
            _ => return Response::status(0x6D00),
        };
        if resp.sw == SW_OK && self.save().is_err() {
            return Response::status(0x6581);
        }
        resp
    }

    fn create_file(&mut self, cmd: &Command) -> Response {
        let Ok(fcp) = Tlv::parse(&cmd.data) else {
            return Response::status(0x6A80);
        };
        let (Some(size), Some(fid)) = (fcp.find(0x80), fcp.find(0x83)) else {
            return Response::status(0x6A80);
        };
        let (size, fid) = match (size.bytes(), fid.bytes()) {
            ([a, b], [c, d]) => (
                usize::from(u16::from_be_bytes([*a, *b])),
                u16::from_be_bytes([*c, *d]),
            ),
            _ => return Response::status(0x6A80),
        };
        if self.p.files.contains_key(&fid) {
            return Response::status(0x6A89);
        }
        let used: usize = self.p.files.values().map(Vec::len).sum();
        if used + size > self.p.capacity {
            return Response::status(0x6A84);
        }
        self.p.files.insert(fid, vec![0; size]);
        self.s.selected_ef = Some(fid);
        Response::ok(Vec::new())
    }

    fn delete_file(&mut self, cmd: &Command) -> Response {
        let [hi, lo] = cmd.data[..] else {
            return Response::status(0x6A80);
        };
        let fid = u16::from_be_bytes([hi, lo]);
        if self.p.files.remove(&fid).is_none() {
            return Response::status(0x6A82);
        }
        if self.s.selected_ef == Some(fid) {
            self.s.selected_ef = None;
        }
        Response::ok(Vec::new())
    }

    fn update_binary(&mut self, cmd: &Command, tearing: bool) -> Response {
        let Some(file) = self.s.selected_ef.and_then(|f| self.p.files.get_mut(&f)) else {
            return Response::status(0x6986);
        };
        let offset = usize::from(u16::from_be_bytes([cmd.p1 & 0x7F, cmd.p2]));
        if offset + cmd.data.len() > file.len() {
            return Response::status(0x6B00);
        }
        // Power lost mid-write: only the first half of the chunk reaches the EEPROM.
        let n = if tearing {
            cmd.data.len() / 2
        } else {
            cmd.data.len()
        };
        file[offset..offset + n].copy_from_slice(&cmd.data[..n]);
        Response::ok(Vec::new())
    }
}

fn fcp(fid: u16, size: usize) -> Vec<u8> {
    Tlv::constructed(
        0x62,
        vec![
            Tlv::primitive(0x80, (size as u16).to_be_bytes().to_vec()),
            Tlv::primitive(0x82, vec![0x01]),
            Tlv::primitive(0x83, fid.to_be_bytes().to_vec()),
        ],
    )
    .encode()
}

impl VirtualCard for VirtualChip {
    fn atr(&self) -> Vec<u8> {
        // T=1 ATR with historical bytes "KTP-EL".
        vec![
            0x3B, 0x86, 0x80, 0x01, 0x4B, 0x54, 0x50, 0x2D, 0x45, 0x4C, 0x58,
        ]
    }

    fn power(&mut self, event: PowerEvent) {
        if event != PowerEvent::On || self.s.app_selected {
            let apdus = self.s.apdus;
            self.s = Session {
                apdus,
                ..Session::default()
            };
        }
    }

    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.process(apdu)
    }

    fn removed(&self) -> bool {
        self.torn
    }
}

// State file: one BER-TLV (E1) holding the persistent fields; files as E2 { 83 fid, 53 bytes }.
fn encode_state(p: &Persistent) -> Vec<u8> {
    let mut children = vec![
        Tlv::primitive(0x4F, p.aid.clone()),
        Tlv::primitive(0xC1, p.div_data.to_vec()),
        Tlv::primitive(0xC2, [p.keys.enc, p.keys.mac].concat()),
        Tlv::primitive(0xC3, (p.capacity as u32).to_be_bytes().to_vec()),
        Tlv::primitive(0xC4, vec![u8::from(p.locked)]),
    ];
    for (fid, bytes) in &p.files {
        children.push(Tlv::constructed(
            0xE2,
            vec![
                Tlv::primitive(0x83, fid.to_be_bytes().to_vec()),
                Tlv::primitive(0x53, bytes.clone()),
            ],
        ));
    }
    Tlv::constructed(0xE1, children).encode()
}

fn decode_state(bytes: &[u8]) -> Option<Persistent> {
    let t = Tlv::parse(bytes).ok()?;
    let keys = t.find(0xC2)?.bytes();
    let mut p = Persistent {
        aid: t.find(0x4F)?.bytes().to_vec(),
        div_data: t.find(0xC1)?.bytes().try_into().ok()?,
        keys: StaticKeys {
            enc: keys.get(..16)?.try_into().ok()?,
            mac: keys.get(16..32)?.try_into().ok()?,
        },
        capacity: u32::from_be_bytes(t.find(0xC3)?.bytes().try_into().ok()?) as usize,
        files: BTreeMap::new(),
        locked: t.find(0xC4)?.bytes() == [1],
    };
    for f in t.children().iter().filter(|c| c.tag == 0xE2) {
        let fid = u16::from_be_bytes(f.find(0x83)?.bytes().try_into().ok()?);
        p.files.insert(fid, f.find(0x53)?.bytes().to_vec());
    }
    Some(p)
}

/// The lifecycle byte from a SELECT-application FCI (tag 8A).
pub fn lifecycle_from_fci(fci: &[u8]) -> Option<u8> {
    tlv::Tlv::parse(fci)
        .ok()?
        .find(0x8A)?
        .bytes()
        .first()
        .copied()
}
