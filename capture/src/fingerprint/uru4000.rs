//! DigitalPersona U.are.U 4000 / 4000B / 4500 (and the Microsoft Fingerprint Reader built on
//! the same engine): the USB protocol as a sans-IO state machine.
//!
//! The protocol is the one documented by libfprint's `uru4000` driver (Daniel Drake 2007–2008,
//! Timo Teräs 2012; LGPL-2.1) — re-implemented here from that description, not copied:
//! - registers are read and written with vendor control request `0x04`, `wValue` = first
//!   register: `0x07` HWSTAT, `0x33` scramble index (5 bytes), `0x34` scramble key (4 bytes),
//!   `0x4e` MODE, `0xf0` device info (16 bytes);
//! - events arrive on interrupt endpoint `0x81` as 64-byte packets whose first two bytes (big
//!   endian) say what happened: `0x56aa` scan power on, `0x0101` finger on, `0x0200` finger
//!   off, `0x0800` "death" (the next scan will likely fail);
//! - one image arrives on bulk endpoint `0x82`: a 64-byte header (line count, key number, 15
//!   blocks of flags + line count) then up to 290 lines of 384 pixels, light ridges;
//! - on the 4000B (and on older units whose data "looks" encrypted) blocks may be scrambled
//!   with a 32-bit LFSR keystream whose key the host fetches by writing a key number and a
//!   random seed to the index register and reading the key register back (XOR the seed).
//!
//! The machine never touches the bus: [`Uru4000::next_action`] says what to do next (a
//! [`Transfer`], a pause, or an event for the application), and [`Uru4000::on_transfer`] takes
//! the transfer's result. [`super::Uru4000Scanner`] drives it over any [`UsbTransport`],
//! a real device through nusb or [`super::SimulatedUru4000`].
//!
//! [`UsbTransport`]: crate::transport::UsbTransport

use std::collections::VecDeque;
use std::time::Duration;

use biometrics::FingerImage;
use thiserror::Error;

use crate::transport::{ControlSetup, Transfer, TransportError};

pub const EP_INTR: u8 = 0x81;
pub const EP_DATA: u8 = 0x82;
pub const USB_RQ: u8 = 0x04;
pub const IRQ_LENGTH: usize = 64;
pub const IMAGE_HEIGHT: usize = 290;
pub const IMAGE_WIDTH: usize = 384;
pub const HEADER_LEN: usize = 64;
pub const IMAGE_TRANSFER_LEN: usize = HEADER_LEN + IMAGE_HEIGHT * IMAGE_WIDTH;
/// DigitalPersona specifies the U.are.U 4000B sensor at 512 dpi.
pub const SENSOR_PPI: u16 = 512;

pub const REG_HWSTAT: u16 = 0x07;
pub const REG_SCRAMBLE_DATA_INDEX: u16 = 0x33;
pub const REG_SCRAMBLE_DATA_KEY: u16 = 0x34;
pub const REG_MODE: u16 = 0x4e;
pub const REG_DEVICE_INFO: u16 = 0xf0;

pub const MODE_AWAIT_FINGER_ON: u8 = 0x10;
pub const MODE_AWAIT_FINGER_OFF: u8 = 0x12;
pub const MODE_CAPTURE: u8 = 0x20;
pub const MODE_OFF: u8 = 0x70;

pub const IRQDATA_SCANPWR_ON: u16 = 0x56aa;
pub const IRQDATA_FINGER_ON: u16 = 0x0101;
pub const IRQDATA_FINGER_OFF: u16 = 0x0200;
pub const IRQDATA_DEATH: u16 = 0x0800;

pub const BLOCKF_CHANGE_KEY: u8 = 0x80;
pub const BLOCKF_NO_KEY_UPDATE: u8 = 0x04;
pub const BLOCKF_ENCRYPTED: u8 = 0x02;
pub const BLOCKF_NOT_PRESENT: u8 = 0x01;

/// Unencrypted images have a low line-to-line deviation; above this the data is scrambled.
const ENC_THRESHOLD: i64 = 5000;
/// Register polls while rebooting or powering up before giving up (as libfprint).
const POWER_TRIES: u32 = 100;
const POWER_PAUSE: Duration = Duration::from_millis(10);
/// Interrupt polls without the scan-power interrupt before init is retried. A poll lasts as
/// long as the transport's interrupt timeout (200 ms for nusb), so 5 polls ≈ libfprint's 1 s.
const SCANPWR_POLLS: u32 = 5;
const SCANPWR_RETRIES: u32 = 3;
/// Bad image transfers tolerated in a row before the capture fails.
const IMAGE_RETRIES: u32 = 3;

/// Which member of the family is attached; decides encryption and image orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// U.are.U 4000 (05ba:0007/0008) and Microsoft v1 readers: plain images, rotated 180°,
    /// scrambled only when the data says so.
    Uru4000,
    /// U.are.U 4000B / 4500 (05ba:000a): images always go through the key exchange.
    Uru4000B,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Uru4000 => "DigitalPersona U.are.U 4000",
            Profile::Uru4000B => "DigitalPersona U.are.U 4000B/4500",
        }
    }
    fn encryption(self) -> bool {
        matches!(self, Profile::Uru4000B)
    }
}

/// What the application learns from the scanner.
#[derive(Debug, PartialEq)]
pub enum ScannerEvent {
    /// Initialised; the two version words the device reports (hardware, firmware order
    /// unknown, as libfprint notes).
    Ready {
        versions: [u16; 2],
    },
    FingerOn,
    Image(FingerImage),
    FingerOff,
    /// The device warned that the next scan will probably fail (interrupt 0x0800).
    Warning,
    Off,
}

/// What the driver loop must do next.
#[derive(Debug, PartialEq)]
pub enum Action {
    Transfer(Transfer),
    Wait(Duration),
    Event(ScannerEvent),
    /// Nothing to do until the application asks for something.
    Idle,
}

/// Protocol failures; all are recoverable by [`Uru4000::restart`] (after a replug if the
/// device went away).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Uru4000Error {
    #[error("the scanner was unplugged")]
    Disconnected,
    #[error("transfer failed: {0}")]
    Transport(TransportError),
    #[error("register read returned {got} bytes, expected {expected}")]
    ShortRead { expected: usize, got: usize },
    #[error("interrupt packet of {0} bytes, expected 64")]
    ShortInterrupt(usize),
    #[error("could not {0} the sensor after {POWER_TRIES} tries")]
    Power(&'static str),
    #[error("the scanner never reported scan power on")]
    NoScanPower,
    #[error("bad image transfers {IMAGE_RETRIES} times in a row (last: {0})")]
    BadImage(String),
    #[error("a result arrived while no transfer was outstanding")]
    Unexpected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    ReadHwstat,
    RebootSet { tries: u32 },
    RebootRead { tries: u32 },
    RebootPause { tries: u32 },
    PowerDown,
    PowerUpSet { tries: u32 },
    PowerUpRead { tries: u32 },
    PowerUpPause { tries: u32 },
    AwaitScanPower { polls: u32 },
    ReadDeviceInfo,
    Idle,
    SetMode(u8),
    AwaitFingerOn,
    ReadImage { retries: u32 },
    SendIndex,
    ReadKey,
    AwaitFingerOff,
    Off,
    Failed,
}

/// The raw image as it came off the bulk endpoint, being decoded.
struct RawImage {
    num_lines: usize,
    key_number: u8,
    blocks: [(u8, u8); 15],
    data: Vec<u8>,
    lines_done: usize,
    block: usize,
}

/// The U.are.U 4000/4000B protocol engine.
pub struct Uru4000 {
    profile: Profile,
    state: State,
    outstanding: bool,
    events: VecDeque<ScannerEvent>,
    hwstat: u8,
    powerup_hwstat: u8,
    scanpwr_retries: u32,
    image: Option<RawImage>,
    seed: u32,
    rng: u32,
}

impl Uru4000 {
    /// A machine that starts by initialising the device. `rng_seed` feeds the scramble seeds
    /// the host sends (any value; fixed in tests for reproducible traces).
    pub fn new(profile: Profile, rng_seed: u32) -> Self {
        Self {
            profile,
            state: State::ReadHwstat,
            outstanding: false,
            events: VecDeque::new(),
            hwstat: 0,
            powerup_hwstat: 0,
            scanpwr_retries: 0,
            image: None,
            seed: 0,
            rng: rng_seed | 1,
        }
    }

    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// True between `Ready` and the next request: a capture may be asked for.
    pub fn is_idle(&self) -> bool {
        self.state == State::Idle
    }

    pub fn has_failed(&self) -> bool {
        self.state == State::Failed
    }

    /// Starts over from initialisation (after an error or a replug).
    pub fn restart(&mut self) {
        let (profile, rng) = (self.profile, self.rng);
        *self = Self::new(profile, rng);
    }

    /// Arms the sensor: wait for a finger, then capture one image and wait for the finger to
    /// lift. Ignored unless idle.
    pub fn request_capture(&mut self) {
        if self.state == State::Idle {
            self.state = State::SetMode(MODE_AWAIT_FINGER_ON);
        }
    }

    /// Turns the sensor off (its light goes out).
    pub fn deactivate(&mut self) {
        if !matches!(self.state, State::Off | State::Failed) && !self.outstanding {
            self.state = State::SetMode(MODE_OFF);
        }
    }

    /// What to do next. A returned transfer is outstanding until [`Self::on_transfer`].
    pub fn next_action(&mut self) -> Action {
        if let Some(e) = self.events.pop_front() {
            return Action::Event(e);
        }
        if self.outstanding {
            return Action::Idle;
        }
        let action = match self.state {
            State::ReadHwstat | State::RebootRead { .. } | State::PowerUpRead { .. } => {
                Action::Transfer(read_regs(REG_HWSTAT, 1))
            }
            State::RebootSet { .. } => {
                Action::Transfer(write_regs(REG_HWSTAT, &[self.hwstat & 0x0f]))
            }
            State::PowerDown => Action::Transfer(write_regs(REG_HWSTAT, &[self.hwstat | 0x80])),
            State::PowerUpSet { .. } => {
                Action::Transfer(write_regs(REG_HWSTAT, &[self.powerup_hwstat]))
            }
            State::RebootPause { tries } => {
                self.state = State::RebootRead { tries };
                return Action::Wait(POWER_PAUSE);
            }
            State::PowerUpPause { tries } => {
                self.state = State::PowerUpSet { tries };
                return Action::Wait(POWER_PAUSE);
            }
            State::AwaitScanPower { .. } | State::AwaitFingerOn | State::AwaitFingerOff => {
                Action::Transfer(Transfer::InterruptIn {
                    endpoint: EP_INTR,
                    length: IRQ_LENGTH,
                })
            }
            State::ReadDeviceInfo => Action::Transfer(read_regs(REG_DEVICE_INFO, 16)),
            State::SetMode(mode) => Action::Transfer(write_regs(REG_MODE, &[mode])),
            State::ReadImage { .. } => Action::Transfer(Transfer::BulkIn {
                endpoint: EP_DATA,
                length: IMAGE_TRANSFER_LEN,
            }),
            State::SendIndex => {
                let key_number = self.image.as_ref().map_or(0, |i| i.key_number);
                let s = self.seed.to_le_bytes();
                Action::Transfer(write_regs(
                    REG_SCRAMBLE_DATA_INDEX,
                    &[key_number, s[0], s[1], s[2], s[3]],
                ))
            }
            State::ReadKey => Action::Transfer(read_regs(REG_SCRAMBLE_DATA_KEY, 4)),
            State::Idle | State::Off | State::Failed => return Action::Idle,
        };
        self.outstanding = true;
        action
    }

    /// Feeds the result of the outstanding transfer.
    pub fn on_transfer(
        &mut self,
        result: Result<Vec<u8>, TransportError>,
    ) -> Result<(), Uru4000Error> {
        if !self.outstanding {
            return Err(Uru4000Error::Unexpected);
        }
        self.outstanding = false;
        let outcome = match result {
            Ok(data) => self.advance(data),
            Err(TransportError::Timeout) => self.on_timeout(),
            Err(TransportError::Disconnected) => Err(Uru4000Error::Disconnected),
            Err(e) => Err(Uru4000Error::Transport(e)),
        };
        if outcome.is_err() {
            self.state = State::Failed;
            self.image = None;
        }
        outcome
    }

    fn on_timeout(&mut self) -> Result<(), Uru4000Error> {
        match self.state {
            // Waiting for a finger may take any time: poll again.
            State::AwaitFingerOn | State::AwaitFingerOff => Ok(()),
            State::AwaitScanPower { polls } if polls + 1 < SCANPWR_POLLS => {
                self.state = State::AwaitScanPower { polls: polls + 1 };
                Ok(())
            }
            // The 0x56aa interrupt sometimes never comes: redo init, up to 3 times.
            State::AwaitScanPower { .. } => {
                self.scanpwr_retries += 1;
                if self.scanpwr_retries >= SCANPWR_RETRIES {
                    Err(Uru4000Error::NoScanPower)
                } else {
                    self.state = State::ReadHwstat;
                    Ok(())
                }
            }
            _ => Err(Uru4000Error::Transport(TransportError::Timeout)),
        }
    }

    fn advance(&mut self, data: Vec<u8>) -> Result<(), Uru4000Error> {
        match self.state {
            State::ReadHwstat => {
                self.hwstat = first_byte(&data)?;
                self.state = if self.hwstat & 0x84 == 0x84 {
                    State::RebootSet { tries: POWER_TRIES }
                } else {
                    self.after_reboot()
                };
            }
            State::RebootSet { tries } => self.state = State::RebootRead { tries },
            State::RebootRead { tries } => {
                self.hwstat = first_byte(&data)?;
                self.state = if self.hwstat & 0x01 != 0 {
                    self.after_reboot()
                } else if tries <= 1 {
                    return Err(Uru4000Error::Power("reboot"));
                } else {
                    State::RebootPause { tries: tries - 1 }
                };
            }
            State::PowerDown => self.state = self.power_up(),
            State::PowerUpSet { tries } => self.state = State::PowerUpRead { tries },
            State::PowerUpRead { tries } => {
                self.hwstat = first_byte(&data)?;
                self.state = if self.hwstat & 0x80 == 0 {
                    State::AwaitScanPower { polls: 0 }
                } else if tries <= 1 {
                    return Err(Uru4000Error::Power("power up"));
                } else {
                    State::PowerUpPause { tries: tries - 1 }
                };
            }
            State::AwaitScanPower { .. } => {
                if interrupt_type(&data)? == IRQDATA_SCANPWR_ON {
                    self.state = State::ReadDeviceInfo;
                }
            }
            State::ReadDeviceInfo => {
                let info = data.get(..16).ok_or(Uru4000Error::ShortRead {
                    expected: 16,
                    got: data.len(),
                })?;
                let versions = [
                    u16::from_be_bytes([info[10], info[11]]),
                    u16::from_be_bytes([info[4], info[5]]),
                ];
                self.events.push_back(ScannerEvent::Ready { versions });
                self.state = State::Idle;
            }
            State::SetMode(mode) => {
                self.state = match mode {
                    MODE_AWAIT_FINGER_ON => State::AwaitFingerOn,
                    MODE_CAPTURE => State::ReadImage { retries: 0 },
                    MODE_AWAIT_FINGER_OFF => State::AwaitFingerOff,
                    MODE_OFF => {
                        self.events.push_back(ScannerEvent::Off);
                        State::Off
                    }
                    _ => State::Idle,
                };
            }
            State::AwaitFingerOn => match interrupt_type(&data)? {
                IRQDATA_FINGER_ON => {
                    self.events.push_back(ScannerEvent::FingerOn);
                    self.state = State::SetMode(MODE_CAPTURE);
                }
                IRQDATA_DEATH => self.events.push_back(ScannerEvent::Warning),
                _ => {}
            },
            State::AwaitFingerOff => match interrupt_type(&data)? {
                IRQDATA_FINGER_OFF => {
                    self.events.push_back(ScannerEvent::FingerOff);
                    self.state = State::Idle;
                }
                IRQDATA_DEATH => self.events.push_back(ScannerEvent::Warning),
                _ => {}
            },
            State::ReadImage { retries } => self.on_image(data, retries)?,
            State::SendIndex => self.state = State::ReadKey,
            State::ReadKey => {
                let k = data.get(..4).ok_or(Uru4000Error::ShortRead {
                    expected: 4,
                    got: data.len(),
                })?;
                let key = u32::from_le_bytes([k[0], k[1], k[2], k[3]]) ^ self.seed;
                self.decode(key);
            }
            State::RebootPause { .. }
            | State::PowerUpPause { .. }
            | State::Idle
            | State::Off
            | State::Failed => return Err(Uru4000Error::Unexpected),
        }
        Ok(())
    }

    fn after_reboot(&mut self) -> State {
        if self.hwstat & 0x80 == 0 {
            State::PowerDown
        } else {
            self.power_up()
        }
    }

    fn power_up(&mut self) -> State {
        self.powerup_hwstat = self.hwstat & 0x0f;
        State::PowerUpSet { tries: POWER_TRIES }
    }

    fn on_image(&mut self, data: Vec<u8>, retries: u32) -> Result<(), Uru4000Error> {
        let raw = match parse_image(data) {
            Ok(raw) => raw,
            Err(_) if retries + 1 < IMAGE_RETRIES => {
                self.state = State::ReadImage {
                    retries: retries + 1,
                };
                return Ok(());
            }
            Err(why) => return Err(Uru4000Error::BadImage(why)),
        };
        let scrambled = self.profile.encryption() || line_deviation(&raw) >= ENC_THRESHOLD;
        self.image = Some(raw);
        if scrambled {
            self.seed = next_xorshift(&mut self.rng);
            self.state = State::SendIndex;
        } else {
            self.report_image();
        }
        Ok(())
    }

    /// Decodes blocks with `key` until done or until a block asks for a new key.
    fn decode(&mut self, mut key: u32) {
        let Some(img) = self.image.as_mut() else {
            self.state = State::Idle;
            return;
        };
        while img.block < img.blocks.len() && img.lines_done < img.num_lines {
            let (flags, lines) = img.blocks[img.block];
            let lines = usize::from(lines);
            if lines == 0 {
                break;
            }
            if flags & BLOCKF_CHANGE_KEY != 0 {
                img.blocks[img.block].0 &= !BLOCKF_CHANGE_KEY;
                img.key_number = img.key_number.wrapping_add(1);
                self.seed = next_xorshift(&mut self.rng);
                self.state = State::SendIndex;
                return;
            }
            let start = img.lines_done * IMAGE_WIDTH;
            let end = (start + lines * IMAGE_WIDTH).min(img.data.len());
            let block = img.data.get_mut(start..end).unwrap_or(&mut []);
            match flags & (BLOCKF_NO_KEY_UPDATE | BLOCKF_ENCRYPTED) {
                BLOCKF_ENCRYPTED => key = descramble(block, key),
                0 => {
                    for _ in 0..lines * IMAGE_WIDTH {
                        key = update_key(key);
                    }
                }
                _ => {}
            }
            if flags & BLOCKF_NOT_PRESENT == 0 {
                img.lines_done += lines;
            }
            img.block += 1;
        }
        self.report_image();
    }

    fn report_image(&mut self) {
        let Some(img) = self.image.take() else {
            self.state = State::Idle;
            return;
        };
        let pixels = assemble(&img, !self.profile.encryption());
        match FingerImage::new(IMAGE_WIDTH as u32, IMAGE_HEIGHT as u32, SENSOR_PPI, pixels) {
            Ok(image) => self.events.push_back(ScannerEvent::Image(image)),
            // Cannot happen (sizes are constants), but never panic on device data.
            Err(_) => self.events.push_back(ScannerEvent::Warning),
        }
        self.state = State::SetMode(MODE_AWAIT_FINGER_OFF);
    }
}

fn next_xorshift(rng: &mut u32) -> u32 {
    let mut x = *rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *rng = x;
    x
}

fn read_regs(first: u16, count: u16) -> Transfer {
    Transfer::ControlIn {
        setup: ControlSetup::vendor(USB_RQ, first, 0),
        length: count,
    }
}

fn write_regs(first: u16, values: &[u8]) -> Transfer {
    Transfer::ControlOut {
        setup: ControlSetup::vendor(USB_RQ, first, 0),
        data: values.to_vec(),
    }
}

fn first_byte(data: &[u8]) -> Result<u8, Uru4000Error> {
    data.first().copied().ok_or(Uru4000Error::ShortRead {
        expected: 1,
        got: 0,
    })
}

fn interrupt_type(data: &[u8]) -> Result<u16, Uru4000Error> {
    if data.len() < IRQ_LENGTH {
        return Err(Uru4000Error::ShortInterrupt(data.len()));
    }
    Ok(u16::from_be_bytes([data[0], data[1]]))
}

/// Checks the header and pads the pixel area to the full sensor size.
fn parse_image(mut data: Vec<u8>) -> Result<RawImage, String> {
    if data.len() < HEADER_LEN {
        return Err(format!("{} bytes, shorter than the header", data.len()));
    }
    let num_lines = usize::from(u16::from_le_bytes([data[4], data[5]]));
    if num_lines >= IMAGE_HEIGHT || data.len() < num_lines * IMAGE_WIDTH + HEADER_LEN {
        return Err(format!(
            "{num_lines} lines in the header but {} bytes",
            data.len()
        ));
    }
    let key_number = data[6];
    let mut blocks = [(0u8, 0u8); 15];
    for (i, b) in blocks.iter_mut().enumerate() {
        *b = (data[16 + 2 * i], data[17 + 2 * i]);
    }
    let mut pixels = data.split_off(HEADER_LEN);
    pixels.resize(IMAGE_HEIGHT * IMAGE_WIDTH, 0);
    Ok(RawImage {
        num_lines,
        key_number,
        blocks,
        data: pixels,
        lines_done: 0,
        block: 0,
    })
}

/// libfprint's "dev2": deviation of the first two present lines' sum from its mean. Plain
/// fingerprint lines are smooth; scrambled ones look like noise.
fn line_deviation(img: &RawImage) -> i64 {
    let mut rows = Vec::with_capacity(2);
    let mut r = 0usize;
    for &(flags, lines) in &img.blocks {
        if rows.len() == 2 {
            break;
        }
        if flags & BLOCKF_NOT_PRESENT != 0 {
            continue;
        }
        for _ in 0..lines {
            if rows.len() == 2 {
                break;
            }
            rows.push(r);
            r += 1;
        }
    }
    let [a, b] = rows[..] else { return 0 };
    let row = |i: usize| &img.data[i * IMAGE_WIDTH..(i + 1) * IMAGE_WIDTH];
    let (ra, rb) = (row(a), row(b));
    let w = IMAGE_WIDTH as i64;
    let mean: i64 = ra
        .iter()
        .zip(rb)
        .map(|(&x, &y)| i64::from(x) + i64::from(y))
        .sum::<i64>()
        / w;
    ra.iter()
        .zip(rb)
        .map(|(&x, &y)| {
            let d = i64::from(x) + i64::from(y) - mean;
            d * d
        })
        .sum::<i64>()
        / w
}

/// Lays blocks out as the sensor saw them (a "not present" block repeats the lines that
/// follow), inverts (ridges come light off the sensor) and, for the plain-image models,
/// rotates 180°.
fn assemble(img: &RawImage, rotate: bool) -> Vec<u8> {
    let mut out = vec![0u8; IMAGE_HEIGHT * IMAGE_WIDTH];
    let (mut to, mut r) = (0usize, 0usize);
    for &(flags, lines) in &img.blocks {
        if r >= img.num_lines || lines == 0 {
            break;
        }
        let n = usize::from(lines) * IMAGE_WIDTH;
        let (src, dst) = (r * IMAGE_WIDTH, to);
        let n = n
            .min(out.len().saturating_sub(dst))
            .min(img.data.len().saturating_sub(src));
        out[dst..dst + n].copy_from_slice(&img.data[src..src + n]);
        if flags & BLOCKF_NOT_PRESENT == 0 {
            r += usize::from(lines);
        }
        to += usize::from(lines) * IMAGE_WIDTH;
    }
    for p in &mut out {
        *p = 255 - *p;
    }
    if rotate {
        out.reverse();
    }
    out
}

/// One step of the scrambler's LFSR (taps at bits 1 3 4 7 11 13 20 23 26 29 32).
pub fn update_key(key: u32) -> u32 {
    let mut bit = key & 0x9248_144d;
    bit ^= bit << 16;
    bit ^= bit << 8;
    bit ^= bit << 4;
    bit ^= bit << 2;
    bit ^= bit << 1;
    (bit & 0x8000_0000) | (key >> 1)
}

/// The keystream byte for the current key state.
pub fn xor_byte(key: u32) -> u8 {
    const BITS: [u32; 8] = [4, 8, 11, 14, 18, 21, 24, 29];
    BITS.iter()
        .enumerate()
        .fold(0u8, |acc, (i, &b)| acc | ((((key >> b) & 1) as u8) << i))
}

/// Descrambles a block in place and returns the key for the next block. The device sends
/// each scrambled block shifted by one byte, so the last pixel is lost (set to 0).
pub fn descramble(data: &mut [u8], mut key: u32) -> u32 {
    let n = data.len();
    if n == 0 {
        return key;
    }
    for i in 0..n - 1 {
        let x = xor_byte(key);
        key = update_key(key);
        data[i] = data[i + 1] ^ x;
    }
    data[n - 1] = 0;
    update_key(key)
}

/// The device side of [`descramble`], used by the simulated scanner: scrambles `plain` into
/// `out` (same length; the first byte is filler) and returns the next key.
pub fn scramble(plain: &[u8], out: &mut [u8], mut key: u32, filler: u8) -> u32 {
    let n = plain.len().min(out.len());
    if n == 0 {
        return key;
    }
    out[0] = filler;
    for i in 0..n - 1 {
        let x = xor_byte(key);
        key = update_key(key);
        out[i + 1] = plain[i] ^ x;
    }
    update_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scramble_and_descramble_are_inverse_except_the_lost_last_byte() {
        let plain: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let mut wire = vec![0u8; plain.len()];
        let k1 = scramble(&plain, &mut wire, 0xdead_beef, 0x5a);
        assert_ne!(wire[1..], plain[..999], "scrambling changes the bytes");
        let k2 = descramble(&mut wire, 0xdead_beef);
        assert_eq!(k1, k2, "both sides end on the same key");
        assert_eq!(wire[..999], plain[..999]);
        assert_eq!(wire[999], 0);
    }

    #[test]
    fn lfsr_step_matches_the_documented_taps() {
        // Bit 31 of the next key is the parity of key & 0x9248144d; the rest shifts right.
        for key in [0u32, 1, 0x8000_0000, 0x9248_144d, 0x1234_5678] {
            let parity = (key & 0x9248_144d).count_ones() & 1;
            assert_eq!(update_key(key), (parity << 31) | (key >> 1));
        }
    }

    #[test]
    fn short_interrupt_and_register_reads_are_errors_not_panics() {
        let mut m = Uru4000::new(Profile::Uru4000B, 7);
        assert!(matches!(
            m.next_action(),
            Action::Transfer(Transfer::ControlIn { .. })
        ));
        assert_eq!(
            m.on_transfer(Ok(vec![])),
            Err(Uru4000Error::ShortRead {
                expected: 1,
                got: 0
            })
        );
        assert!(m.has_failed());
        assert_eq!(m.on_transfer(Ok(vec![0])), Err(Uru4000Error::Unexpected));
        m.restart();
        assert!(!m.has_failed());
    }

    #[test]
    fn truncated_image_headers_are_rejected() {
        assert!(parse_image(vec![0; 10]).is_err());
        let mut h = vec![0u8; HEADER_LEN + 10 * IMAGE_WIDTH];
        h[4] = 20; // claims 20 lines, carries 10
        assert!(parse_image(h.clone()).is_err());
        h[4] = 10;
        assert!(parse_image(h.clone()).is_ok());
        h[4] = 0x22;
        h[5] = 0x01; // 290 lines: not below the sensor height
        assert!(parse_image(h).is_err());
    }
}
