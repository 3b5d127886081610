//! A simulated U.are.U 4000/4000B: the *device* side of the protocol in
//! [`super::uru4000`], behind [`UsbTransport`].
//!
//! It keeps the registers the host touches, raises the interrupts a real unit raises, and
//! sends fingerprint images the way the sensor does: a 64-byte header with per-block flags,
//! light ridges, rotated 180° on the 4000 and scrambled with the LFSR keystream on the 4000B
//! (including a key change in mid-image). The host driver therefore runs its real code path
//! against it, and a recorded session is a realistic transfer trace.

use std::collections::VecDeque;

use biometrics::FingerImage;

use super::uru4000::{
    BLOCKF_CHANGE_KEY, BLOCKF_ENCRYPTED, BLOCKF_NO_KEY_UPDATE, EP_DATA, EP_INTR, HEADER_LEN,
    IMAGE_HEIGHT, IMAGE_WIDTH, IRQ_LENGTH, IRQDATA_FINGER_OFF, IRQDATA_FINGER_ON,
    IRQDATA_SCANPWR_ON, MODE_AWAIT_FINGER_OFF, MODE_AWAIT_FINGER_ON, MODE_CAPTURE, Profile,
    REG_DEVICE_INFO, REG_HWSTAT, REG_MODE, REG_SCRAMBLE_DATA_INDEX, REG_SCRAMBLE_DATA_KEY, USB_RQ,
    scramble, update_key,
};
use crate::transport::{ControlKind, ControlSetup, TransportError, UsbTransport};

/// One touch of the sensor: the finger's image and how many interrupt polls pass before the
/// finger lands and before it lifts (finger-on timing).
#[derive(Debug, Clone)]
pub struct SimFinger {
    pub image: FingerImage,
    pub polls_before_on: u32,
    pub polls_before_off: u32,
}

impl SimFinger {
    pub fn new(image: FingerImage) -> Self {
        Self {
            image,
            polls_before_on: 2,
            polls_before_off: 1,
        }
    }
}

/// Lines per image the simulated sensor sends (the host rejects 290 or more).
const SENT_LINES: usize = IMAGE_HEIGHT - 1;

/// The simulated scanner.
pub struct SimulatedUru4000 {
    profile: Profile,
    hwstat: u8,
    mode: u8,
    irq: VecDeque<u16>,
    fingers: VecDeque<SimFinger>,
    touching: Option<SimFinger>,
    polls: u32,
    index: (u8, u32),
    secret: u32,
    rng: u32,
}

impl SimulatedUru4000 {
    /// A device that powers up in low-power mode (HWSTAT 0x80), as a freshly plugged unit.
    pub fn new(profile: Profile, secret: u32) -> Self {
        Self {
            profile,
            hwstat: 0x80,
            mode: 0,
            irq: VecDeque::new(),
            fingers: VecDeque::new(),
            touching: None,
            polls: 0,
            index: (0, 0),
            secret: secret | 1,
            rng: secret.rotate_left(7) | 1,
        }
    }

    /// Starts in the confused state some units come back in (HWSTAT 0x85), which makes the
    /// host run its power-reboot sequence.
    pub fn confused(mut self) -> Self {
        self.hwstat = 0x85;
        self
    }

    /// Queues a finger to be placed on the sensor when the host next waits for one.
    pub fn present(&mut self, finger: SimFinger) {
        self.fingers.push_back(finger);
    }

    pub fn fingers_waiting(&self) -> usize {
        self.fingers.len()
    }

    /// The per-key-number secret the device's scrambler uses.
    fn device_key(&self, key_number: u8) -> u32 {
        let mut k = self.secret ^ u32::from(key_number).wrapping_mul(0x9e37_79b9);
        for _ in 0..7 {
            k = update_key(k).wrapping_add(0x6d2b_79f5);
        }
        k
    }

    fn random(&mut self) -> u32 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        x
    }

    fn frame(&mut self) -> Vec<u8> {
        let Some(finger) = self.touching.as_ref() else {
            return Vec::new();
        };
        let plain = sensor_pixels(&finger.image, self.profile);
        let key_number = (self.random() & 0xff) as u8;
        let blocks = block_layout(self.profile);
        let mut out = vec![0u8; HEADER_LEN + SENT_LINES * IMAGE_WIDTH];
        out[..4].copy_from_slice(&[0x0a, 0x00, 0x00, 0x00]);
        out[4..6].copy_from_slice(&(SENT_LINES as u16).to_le_bytes());
        out[6] = key_number;
        for (i, (flags, lines)) in blocks.iter().enumerate() {
            out[16 + 2 * i] = *flags;
            out[17 + 2 * i] = *lines;
        }
        let mut key_number = key_number;
        let mut key = self.device_key(key_number);
        let mut line = 0usize;
        for &(flags, lines) in &blocks {
            let n = usize::from(lines) * IMAGE_WIDTH;
            let span = line * IMAGE_WIDTH..line * IMAGE_WIDTH + n;
            let (src, dst) = (&plain[span.clone()], HEADER_LEN + span.start);
            if flags & BLOCKF_CHANGE_KEY != 0 {
                key_number = key_number.wrapping_add(1);
                key = self.device_key(key_number);
            }
            match flags & (BLOCKF_NO_KEY_UPDATE | BLOCKF_ENCRYPTED) {
                BLOCKF_ENCRYPTED => {
                    let filler = (self.random() & 0xff) as u8;
                    key = scramble(src, &mut out[dst..dst + n], key, filler);
                }
                0 => {
                    out[dst..dst + n].copy_from_slice(src);
                    for _ in 0..n {
                        key = update_key(key);
                    }
                }
                _ => out[dst..dst + n].copy_from_slice(src),
            }
            line += usize::from(lines);
        }
        out
    }
}

/// 15 blocks covering the sent lines. The 4000B mixes plain, scrambled and key-change blocks
/// (as captured 4000B traffic does); the 4000 sends everything plain.
fn block_layout(profile: Profile) -> [(u8, u8); 15] {
    let mut blocks = [(0u8, 20u8); 15];
    blocks[14].1 = (SENT_LINES - 14 * 20) as u8;
    if profile == Profile::Uru4000B {
        for (i, b) in blocks.iter_mut().enumerate() {
            b.0 = match i {
                0 | 12 => 0,
                6 => BLOCKF_CHANGE_KEY | BLOCKF_ENCRYPTED,
                9 => BLOCKF_NO_KEY_UPDATE,
                _ => BLOCKF_ENCRYPTED,
            };
        }
    }
    blocks
}

/// What the sensor sees of a finger image: centred on the 384×290 window (white margin),
/// light ridges, and upside down on the plain-image models.
pub fn sensor_pixels(image: &FingerImage, profile: Profile) -> Vec<u8> {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let (ox, oy) = ((w - IMAGE_WIDTH as i64) / 2, (h - IMAGE_HEIGHT as i64) / 2);
    let mut out = vec![0u8; IMAGE_WIDTH * IMAGE_HEIGHT];
    for y in 0..IMAGE_HEIGHT {
        for x in 0..IMAGE_WIDTH {
            let (sx, sy) = (x as i64 + ox, y as i64 + oy);
            let grey = if (0..w).contains(&sx) && (0..h).contains(&sy) {
                image.get(sx as u32, sy as u32).unwrap_or(255)
            } else {
                255
            };
            out[y * IMAGE_WIDTH + x] = 255 - grey;
        }
    }
    if profile == Profile::Uru4000 {
        out.reverse();
    }
    out
}

/// The image the host should decode from `image`: the centred window, with the pixel lost at
/// the end of each scrambled block (the protocol drops it) and the unsent last line.
pub fn expected_host_image(image: &FingerImage, profile: Profile) -> Vec<u8> {
    // Exactly what goes on the wire, before scrambling.
    let mut sent = sensor_pixels(image, profile);
    let mut line = 0usize;
    for &(flags, lines) in &block_layout(profile) {
        let end = (line + usize::from(lines)) * IMAGE_WIDTH;
        if flags & (BLOCKF_NO_KEY_UPDATE | BLOCKF_ENCRYPTED) == BLOCKF_ENCRYPTED {
            sent[end - 1] = 0;
        }
        line += usize::from(lines);
    }
    for p in &mut sent[SENT_LINES * IMAGE_WIDTH..] {
        *p = 0;
    }
    let mut host: Vec<u8> = sent.iter().map(|p| 255 - p).collect();
    if profile == Profile::Uru4000 {
        host.reverse();
    }
    host
}

fn irq_packet(kind: u16) -> Vec<u8> {
    let mut p = vec![0u8; IRQ_LENGTH];
    p[..2].copy_from_slice(&kind.to_be_bytes());
    p
}

impl UsbTransport for SimulatedUru4000 {
    fn control_in(&mut self, setup: ControlSetup, length: u16) -> Result<Vec<u8>, TransportError> {
        if setup.kind != ControlKind::Vendor || setup.request != USB_RQ {
            return Err(TransportError::Stall);
        }
        let len = usize::from(length);
        let mut data = match setup.value {
            REG_HWSTAT => vec![self.hwstat],
            REG_SCRAMBLE_DATA_KEY => {
                let (n, seed) = self.index;
                (self.device_key(n) ^ seed).to_le_bytes().to_vec()
            }
            REG_MODE => vec![self.mode],
            REG_DEVICE_INFO => vec![
                0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x02, 0x1a, 0, 0, 0, 0,
            ],
            _ => return Err(TransportError::Stall),
        };
        data.resize(len, 0);
        Ok(data)
    }

    fn control_out(&mut self, setup: ControlSetup, data: &[u8]) -> Result<(), TransportError> {
        if setup.kind != ControlKind::Vendor || setup.request != USB_RQ {
            return Err(TransportError::Stall);
        }
        match (setup.value, data) {
            (REG_HWSTAT, [v]) => {
                let was_low_power = self.hwstat & 0x80 != 0;
                // Writing the low nibble with bit 7 clear powers the sensor up; the device
                // then announces scan power on the interrupt endpoint.
                self.hwstat = *v;
                if was_low_power && v & 0x80 == 0 {
                    self.irq.push_back(IRQDATA_SCANPWR_ON);
                }
                // A confused unit (0x85) comes good once its low nibble has been written.
                if self.hwstat & 0x84 == 0x04 {
                    self.hwstat |= 0x01;
                }
            }
            (REG_MODE, [m]) => {
                self.mode = *m;
                self.polls = 0;
                if *m == MODE_AWAIT_FINGER_ON && self.touching.is_none() {
                    self.touching = self.fingers.pop_front();
                }
            }
            (REG_SCRAMBLE_DATA_INDEX, [n, s0, s1, s2, s3]) => {
                self.index = (*n, u32::from_le_bytes([*s0, *s1, *s2, *s3]));
            }
            _ => return Err(TransportError::Stall),
        }
        Ok(())
    }

    fn bulk_in(&mut self, endpoint: u8, _length: usize) -> Result<Vec<u8>, TransportError> {
        if endpoint != EP_DATA || self.mode != MODE_CAPTURE || self.touching.is_none() {
            return Err(TransportError::Timeout);
        }
        Ok(self.frame())
    }

    fn bulk_out(&mut self, _endpoint: u8, _data: &[u8]) -> Result<(), TransportError> {
        Err(TransportError::Stall)
    }

    fn interrupt_in(&mut self, endpoint: u8, _length: usize) -> Result<Vec<u8>, TransportError> {
        if endpoint != EP_INTR {
            return Err(TransportError::Stall);
        }
        if let Some(kind) = self.irq.pop_front() {
            return Ok(irq_packet(kind));
        }
        match (self.mode, self.touching.as_ref()) {
            (MODE_AWAIT_FINGER_ON, Some(f)) if self.polls >= f.polls_before_on => {
                self.polls = 0;
                return Ok(irq_packet(IRQDATA_FINGER_ON));
            }
            (MODE_AWAIT_FINGER_OFF, Some(f)) if self.polls >= f.polls_before_off => {
                self.polls = 0;
                self.touching = None;
                return Ok(irq_packet(IRQDATA_FINGER_OFF));
            }
            _ => {}
        }
        self.polls += 1;
        Err(TransportError::Timeout)
    }

    fn power_cycled(&mut self) {
        self.hwstat = 0x80;
        self.mode = 0;
        self.irq.clear();
        self.touching = None;
        self.polls = 0;
    }
}

/// A fingerprint-like test pattern (concentric elliptical ridges, 9-pixel period at 500 ppi)
/// with a contrast and a noise level, for simulations and tests that need a finger image
/// without a data set. Deterministic for a given `seed`.
pub fn ridge_pattern(width: u32, height: u32, contrast: f32, noise: f32, seed: u32) -> FingerImage {
    let (cx, cy) = (width as f32 * 0.5, height as f32 * 0.55);
    let mut rng = seed | 1;
    let mut pixels = Vec::with_capacity(width as usize * height as usize);
    for y in 0..height {
        for x in 0..width {
            let (dx, dy) = ((x as f32 - cx) / 0.8, y as f32 - cy);
            let r = (dx * dx + dy * dy).sqrt();
            let ridge = (r * std::f32::consts::TAU / 9.0).cos();
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            let n = (rng % 1000) as f32 / 500.0 - 1.0;
            let v = 128.0 - 100.0 * contrast * ridge + 60.0 * noise * n;
            pixels.push(v.clamp(0.0, 255.0) as u8);
        }
    }
    // Sizes are non-zero and the pixel count matches: construction cannot fail, but fall
    // back to a blank image rather than panic.
    FingerImage::new(width, height, 500, pixels).unwrap_or_else(|_| blank(width, height))
}

fn blank(width: u32, height: u32) -> FingerImage {
    let (w, h) = (width.max(1), height.max(1));
    match FingerImage::new(w, h, 500, vec![255; (w * h) as usize]) {
        Ok(i) => i,
        Err(_) => unreachable_blank(),
    }
}

fn unreachable_blank() -> FingerImage {
    // 1×1 at 500 ppi is always valid.
    #[allow(clippy::expect_used)]
    FingerImage::new(1, 1, 500, vec![255]).expect("1x1 image is valid")
}
