//! The personalization engine: a pure state machine (commands out, responses in) that takes a
//! card from whatever state a previous run left it in to complete, verified and locked.
//!
//! select application (refuse a locked card) → INITIALIZE UPDATE → key backend grants the
//! session → EXTERNAL AUTHENTICATE → for each file: select; create (or delete and re-create if
//! its size is wrong); write every chunk, or, if the file already had the right size, read each
//! chunk and rewrite only those that differ → read back every byte of every file and check the
//! SOD hash chain → ACTIVATE FILE (lock).
//!
//! Tear safety comes from the order: nothing is locked before the whole card has been read back
//! and passed passive authentication in this same session, and every run starts by reading what
//! is there, so a pull at any APDU leaves a card the next run finishes.

use thiserror::Error;
use x509_cert::Certificate;

use super::apdu::{self, CardError, Command, Response, Transport, TransportError};
use super::keys::{KeyBackend, KeyError, SessionGrant};
use super::profile::{ChipFile, ChipProfile, ProfileError};
use super::scp::{self, Channel, InitUpdate, ScpError};
use super::sod::Verified;
use super::tlv::Tlv;
use super::virtual_chip::{
    INS_ACTIVATE_FILE, INS_CREATE_FILE, INS_DELETE_FILE, INS_READ_BINARY, INS_SELECT,
    INS_UPDATE_BINARY, LCS_OPERATIONAL, lifecycle_from_fci,
};

#[derive(Debug, Error)]
pub enum PersoError {
    #[error(
        "kartu sudah dikunci (sudah dipersonalisasi), tidak akan ditulis ulang / card is locked (already personalized) and will not be rewritten"
    )]
    Locked,
    #[error("kartu menolak {step}: {error}")]
    Card {
        step: &'static str,
        error: CardError,
    },
    #[error("kanal aman gagal / secure channel failed: {0}")]
    Scp(#[from] ScpError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(
        "isi file {fid:04X} di kartu berbeda pada offset {offset} setelah ditulis / file {fid:04X} differs at offset {offset} after writing"
    )]
    Mismatch { fid: u16, offset: usize },
    #[error("verifikasi hasil tulis gagal / read-back verification failed: {0}")]
    Verify(#[from] ProfileError),
    #[error("respons kartu tidak valid / malformed card response: {0}")]
    Malformed(&'static str),
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("urutan mesin personalisasi salah (bug) / engine driven out of order")]
    OutOfOrder,
}

#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Plain bytes per UPDATE BINARY: 223 pads to 224 and with the C-MAC fills a short APDU.
    pub write_chunk: usize,
    /// Bytes per READ BINARY: 240 plus the 8-byte R-MAC stays within a short response.
    pub read_chunk: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            write_chunk: 223,
            read_chunk: 240,
        }
    }
}

/// What the driver must do next.
#[derive(Debug)]
pub enum Action {
    Transmit(Command),
    OpenSession {
        init: InitUpdate,
        host_challenge: [u8; 8],
    },
    Done(Outcome),
}

/// What one run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub apdus: usize,
    pub bytes_written: usize,
    pub bytes_read: usize,
    pub chunks_written: usize,
    /// Chunks found already correct on the card (a resumed job).
    pub chunks_kept: usize,
    pub files_recreated: usize,
    pub verified: Verified,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    SelectApp,
    InitUpdate,
    ExternalAuth,
    SelectEf(usize),
    DeleteEf(usize),
    CreateEf(usize),
    /// Resume path: read a chunk of an existing file to see if it must be rewritten.
    Compare(usize, usize),
    /// Write a chunk; `resume` says the next step compares the following chunk.
    Write(usize, usize, bool),
    VerifySelect(usize),
    VerifyRead(usize, usize),
    Lock,
    Finished,
}

pub struct Personalizer<'a> {
    profile: &'a dyn ChipProfile,
    csca: &'a Certificate,
    files: Vec<ChipFile>,
    config: Config,
    host_challenge: [u8; 8],
    step: Step,
    channel: Option<Channel>,
    read_back: Vec<Vec<u8>>,
    stats: Outcome,
}

impl std::fmt::Debug for Personalizer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Personalizer")
            .field("step", &self.step)
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl<'a> Personalizer<'a> {
    /// `host_challenge` must be fresh random bytes (the engine itself does no I/O, not even RNG).
    pub fn new(
        profile: &'a dyn ChipProfile,
        csca: &'a Certificate,
        files: Vec<ChipFile>,
        config: Config,
        host_challenge: [u8; 8],
    ) -> Self {
        let read_back = files
            .iter()
            .map(|f| Vec::with_capacity(f.bytes.len()))
            .collect();
        Self {
            profile,
            csca,
            files,
            config,
            host_challenge,
            step: Step::SelectApp,
            channel: None,
            read_back,
            stats: Outcome {
                apdus: 0,
                bytes_written: 0,
                bytes_read: 0,
                chunks_written: 0,
                chunks_kept: 0,
                files_recreated: 0,
                verified: Verified {
                    signer_subject: String::new(),
                    groups: Vec::new(),
                },
            },
        }
    }

    /// The first action.
    pub fn start(&mut self) -> Result<Action, PersoError> {
        self.step = Step::SelectApp;
        self.emit()
    }

    /// Feeds the card's (unwrapped-by-transport, still MACed) response to the last command.
    pub fn on_response(&mut self, resp: Response) -> Result<Action, PersoError> {
        let resp = match &self.channel {
            Some(ch) if !matches!(self.step, Step::ExternalAuth) => ch.check_response(resp)?,
            _ => resp,
        };
        self.step = self.next(resp)?;
        self.emit()
    }

    /// Feeds the key backend's grant after [`Action::OpenSession`].
    pub fn on_session(&mut self, grant: SessionGrant) -> Result<Action, PersoError> {
        if self.step != Step::InitUpdate {
            return Err(PersoError::OutOfOrder);
        }
        let mut channel = Channel::new(grant.keys);
        let ea = channel.external_authenticate(&grant.host_cryptogram)?;
        self.channel = Some(channel);
        self.step = Step::ExternalAuth;
        self.count(ea)
    }

    fn count(&mut self, cmd: Command) -> Result<Action, PersoError> {
        self.stats.apdus += 1;
        Ok(Action::Transmit(cmd))
    }

    fn secure(&mut self, cmd: Command) -> Result<Action, PersoError> {
        if let Command {
            ins: INS_UPDATE_BINARY,
            data,
            ..
        } = &cmd
        {
            self.stats.bytes_written += data.len();
        }
        let wrapped = self
            .channel
            .as_mut()
            .ok_or(PersoError::OutOfOrder)?
            .wrap(&cmd)?;
        self.count(wrapped)
    }

    fn file(&self, i: usize) -> &ChipFile {
        &self.files[i]
    }

    fn chunk(&self, i: usize, offset: usize, size: usize) -> &[u8] {
        let bytes = &self.file(i).bytes;
        &bytes[offset..(offset + size).min(bytes.len())]
    }

    /// The command for the current step.
    fn emit(&mut self) -> Result<Action, PersoError> {
        let (wc, rc) = (self.config.write_chunk, self.config.read_chunk);
        match self.step {
            Step::SelectApp => self.count(
                Command::new(0x00, INS_SELECT, 0x04, 0x00)
                    .with_data(self.profile.aid().to_vec())
                    .with_le(256),
            ),
            Step::InitUpdate => self.count(scp::initialize_update(&self.host_challenge)),
            Step::ExternalAuth => Err(PersoError::OutOfOrder),
            Step::SelectEf(i) => {
                let fid = self.file(i).fid;
                self.secure(
                    Command::new(0x00, INS_SELECT, 0x02, 0x04)
                        .with_data(fid.to_be_bytes().to_vec())
                        .with_le(256),
                )
            }
            Step::DeleteEf(i) => {
                let fid = self.file(i).fid;
                self.secure(
                    Command::new(0x00, INS_DELETE_FILE, 0x02, 0x00)
                        .with_data(fid.to_be_bytes().to_vec()),
                )
            }
            Step::CreateEf(i) => {
                let f = self.file(i);
                let fcp = Tlv::constructed(
                    0x62,
                    vec![
                        Tlv::primitive(0x80, (f.bytes.len() as u16).to_be_bytes().to_vec()),
                        Tlv::primitive(0x82, vec![0x01]),
                        Tlv::primitive(0x83, f.fid.to_be_bytes().to_vec()),
                    ],
                );
                self.secure(Command::new(0x00, INS_CREATE_FILE, 0x00, 0x00).with_data(fcp.encode()))
            }
            Step::Compare(i, off) => {
                let n = self.chunk(i, off, wc).len();
                self.secure(read(off, n))
            }
            Step::Write(i, off, _) => {
                let data = self.chunk(i, off, wc).to_vec();
                self.stats.chunks_written += 1;
                let [p1, p2] = (off as u16).to_be_bytes();
                self.secure(Command::new(0x00, INS_UPDATE_BINARY, p1, p2).with_data(data))
            }
            Step::VerifySelect(i) => {
                let fid = self.file(i).fid;
                self.secure(
                    Command::new(0x00, INS_SELECT, 0x02, 0x0C)
                        .with_data(fid.to_be_bytes().to_vec()),
                )
            }
            Step::VerifyRead(i, off) => {
                let n = self.chunk(i, off, rc).len();
                self.secure(read(off, n))
            }
            Step::Lock => self.secure(Command::new(0x00, INS_ACTIVATE_FILE, 0x00, 0x00)),
            Step::Finished => Ok(Action::Done(self.stats.clone())),
        }
    }

    /// The step after the current one, given the card's response.
    fn next(&mut self, resp: Response) -> Result<Step, PersoError> {
        let wc = self.config.write_chunk;
        let last_file = self.files.len() - 1;
        let ok = |resp: Response, step: &'static str| {
            resp.into_result()
                .map_err(|error| PersoError::Card { step, error })
        };
        Ok(match self.step {
            Step::SelectApp => {
                let fci = ok(resp, "SELECT aplikasi / SELECT application")?;
                match lifecycle_from_fci(&fci) {
                    Some(LCS_OPERATIONAL) => return Err(PersoError::Locked),
                    Some(_) => Step::InitUpdate,
                    None => return Err(PersoError::Malformed("FCI without life cycle status")),
                }
            }
            Step::InitUpdate => return Err(PersoError::OutOfOrder),
            Step::ExternalAuth => {
                ok(resp, "EXTERNAL AUTHENTICATE")?;
                Step::SelectEf(0)
            }
            Step::SelectEf(i) => match resp.sw {
                0x6A82 => Step::CreateEf(i),
                _ => {
                    let fcp = ok(resp, "SELECT file")?;
                    let size = fcp_file_size(&fcp)?;
                    if size == self.file(i).bytes.len() {
                        Step::Compare(i, 0)
                    } else {
                        Step::DeleteEf(i)
                    }
                }
            },
            Step::DeleteEf(i) => {
                ok(resp, "DELETE FILE")?;
                self.stats.files_recreated += 1;
                Step::CreateEf(i)
            }
            Step::CreateEf(i) => {
                ok(resp, "CREATE FILE")?;
                Step::Write(i, 0, false)
            }
            Step::Compare(i, off) => {
                let data = ok(resp, "READ BINARY")?;
                self.stats.bytes_read += data.len();
                if data == self.chunk(i, off, wc) {
                    self.stats.chunks_kept += 1;
                    self.after_chunk(i, off, true)
                } else {
                    Step::Write(i, off, true)
                }
            }
            Step::Write(i, off, resume) => {
                ok(resp, "UPDATE BINARY")?;
                self.after_chunk(i, off, resume)
            }
            Step::VerifySelect(i) => {
                ok(resp, "SELECT file")?;
                self.read_back[i].clear();
                Step::VerifyRead(i, 0)
            }
            Step::VerifyRead(i, off) => {
                let data = ok(resp, "READ BINARY")?;
                self.stats.bytes_read += data.len();
                let want = self.chunk(i, off, self.config.read_chunk);
                if data != want {
                    let at = data
                        .iter()
                        .zip(want)
                        .position(|(a, b)| a != b)
                        .unwrap_or(data.len().min(want.len()));
                    return Err(PersoError::Mismatch {
                        fid: self.file(i).fid,
                        offset: off + at,
                    });
                }
                self.read_back[i].extend_from_slice(&data);
                let next = off + data.len();
                if next < self.file(i).bytes.len() {
                    Step::VerifyRead(i, next)
                } else if i < last_file {
                    Step::VerifySelect(i + 1)
                } else {
                    self.passive_authentication()?;
                    Step::Lock
                }
            }
            Step::Lock => {
                ok(resp, "ACTIVATE FILE (kunci / lock)")?;
                Step::Finished
            }
            Step::Finished => return Err(PersoError::OutOfOrder),
        })
    }

    fn after_chunk(&self, i: usize, off: usize, resume: bool) -> Step {
        let next = off + self.config.write_chunk;
        if next < self.file(i).bytes.len() {
            if resume {
                Step::Compare(i, next)
            } else {
                Step::Write(i, next, false)
            }
        } else if i + 1 < self.files.len() {
            Step::SelectEf(i + 1)
        } else {
            Step::VerifySelect(0)
        }
    }

    /// The SOD chain over the bytes actually read from the card, not over what was meant.
    fn passive_authentication(&mut self) -> Result<(), PersoError> {
        let read: Vec<ChipFile> = self
            .files
            .iter()
            .zip(&self.read_back)
            .map(|(f, bytes)| ChipFile {
                fid: f.fid,
                name: f.name,
                bytes: bytes.clone(),
            })
            .collect();
        self.stats.verified = self.profile.verify(&read, self.csca)?;
        Ok(())
    }

    /// Where the OpenSession action comes from: the INITIALIZE UPDATE response.
    pub fn on_init_update(&mut self, resp: Response) -> Result<Action, PersoError> {
        if self.step != Step::InitUpdate {
            return Err(PersoError::OutOfOrder);
        }
        let data = resp.into_result().map_err(|error| PersoError::Card {
            step: "INITIALIZE UPDATE",
            error,
        })?;
        Ok(Action::OpenSession {
            init: InitUpdate::parse(&data)?,
            host_challenge: self.host_challenge,
        })
    }

    /// True while the next response belongs to INITIALIZE UPDATE.
    pub fn awaiting_init_update(&self) -> bool {
        self.step == Step::InitUpdate
    }
}

/// The file size (tag 80) in a SELECT's FCP template.
fn fcp_file_size(fcp: &[u8]) -> Result<usize, PersoError> {
    Tlv::parse(fcp)
        .ok()
        .and_then(|t| {
            t.find(0x80).map(|s| {
                s.bytes()
                    .iter()
                    .fold(0usize, |a, b| (a << 8) | usize::from(*b))
            })
        })
        .ok_or(PersoError::Malformed("FCP without file size"))
}

fn read(offset: usize, n: usize) -> Command {
    let [p1, p2] = (offset as u16).to_be_bytes();
    Command::new(0x00, INS_READ_BINARY, p1, p2).with_le(n as u32)
}

/// Drives the engine over a transport and a key backend: the thin I/O loop.
pub fn run(
    engine: &mut Personalizer<'_>,
    card: &mut dyn Transport,
    keys: &mut dyn KeyBackend,
) -> Result<Outcome, PersoError> {
    let mut action = engine.start()?;
    loop {
        action = match action {
            Action::Transmit(cmd) => {
                let resp = apdu::exchange(card, &cmd, false)?;
                if engine.awaiting_init_update() {
                    engine.on_init_update(resp)?
                } else {
                    engine.on_response(resp)?
                }
            }
            Action::OpenSession {
                init,
                host_challenge,
            } => engine.on_session(keys.open_session(&init, &host_challenge)?)?,
            Action::Done(outcome) => return Ok(outcome),
        }
    }
}

/// Fresh random host challenge for [`Personalizer::new`].
pub fn host_challenge() -> Result<[u8; 8], PersoError> {
    let mut c = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut c)
        .map_err(|_| PersoError::Malformed("no system randomness"))?;
    Ok(c)
}

/// What a technician sees about a card.
#[derive(Debug)]
pub enum CardState {
    /// No files: a blank from the factory (or fully erased).
    Blank,
    /// Some files, but the card does not pass passive authentication: an interrupted job.
    Partial { files: Vec<u16>, reason: String },
    /// Everything written and verified, but not yet locked: the next run only locks it.
    CompleteUnlocked(Verified),
    /// Personalized and locked; `verification` is the passive-authentication result.
    Locked {
        verification: Result<Verified, String>,
    },
}

/// Reads a card without keys (plain SELECT/READ BINARY) and classifies it. Returns the files read.
pub fn inspect(
    card: &mut dyn Transport,
    profile: &dyn ChipProfile,
    csca: &Certificate,
) -> Result<(CardState, Vec<ChipFile>), PersoError> {
    let mut send = |cmd: Command, step: &'static str| -> Result<Response, PersoError> {
        let r = apdu::exchange(card, &cmd, false)?;
        if r.sw != 0x9000 && r.sw != 0x6A82 {
            return Err(PersoError::Card {
                step,
                error: CardError::from_sw(r.sw),
            });
        }
        Ok(r)
    };
    let fci = send(
        Command::new(0x00, INS_SELECT, 0x04, 0x00)
            .with_data(profile.aid().to_vec())
            .with_le(256),
        "SELECT aplikasi / SELECT application",
    )?
    .into_result()
    .map_err(|error| PersoError::Card {
        step: "SELECT aplikasi / SELECT application",
        error,
    })?;
    let lifecycle =
        lifecycle_from_fci(&fci).ok_or(PersoError::Malformed("FCI without life cycle status"))?;
    let mut files = Vec::new();
    for &fid in profile.file_ids() {
        let r = send(
            Command::new(0x00, INS_SELECT, 0x02, 0x04)
                .with_data(fid.to_be_bytes().to_vec())
                .with_le(256),
            "SELECT file",
        )?;
        if r.sw == 0x6A82 {
            continue;
        }
        let size = fcp_file_size(&r.data)?;
        let mut bytes = Vec::with_capacity(size);
        while bytes.len() < size {
            let n = (size - bytes.len()).min(240);
            let data = send(read(bytes.len(), n), "READ BINARY")?
                .into_result()
                .map_err(|error| PersoError::Card {
                    step: "READ BINARY",
                    error,
                })?;
            if data.is_empty() {
                return Err(PersoError::Malformed("empty READ BINARY"));
            }
            bytes.extend(data);
        }
        let name = match fid {
            super::profile::FID_COM => "EF.COM",
            super::profile::FID_SOD => "EF.SOD",
            super::profile::FID_DG1 => "DG1",
            super::profile::FID_DG2 => "DG2",
            super::profile::FID_DG3 => "DG3",
            super::profile::FID_DG7 => "DG7",
            _ => "EF",
        };
        files.push(ChipFile { fid, name, bytes });
    }
    let verification = profile.verify(&files, csca);
    let state = match (lifecycle, verification) {
        (LCS_OPERATIONAL, v) => CardState::Locked {
            verification: v.map_err(|e| e.to_string()),
        },
        (_, _) if files.is_empty() => CardState::Blank,
        (_, Ok(v)) => CardState::CompleteUnlocked(v),
        (_, Err(e)) => CardState::Partial {
            files: files.iter().map(|f| f.fid).collect(),
            reason: e.to_string(),
        },
    };
    Ok((state, files))
}
