//! Fingerprint scanners: the modality trait, the U.are.U 4000/4000B driver and its simulated
//! twin.
//!
//! Supported family: **DigitalPersona U.are.U 4000 / 4000B / 4500** (VID 05ba, PIDs
//! 0007/0008/000a), the 512 dpi optical reader widely deployed in government enrollment.
//! [`uru4000`] is the protocol (sans-IO); [`Uru4000Scanner`] drives it over any
//! [`UsbTransport`] — [`crate::transport::NusbTransport`] for the real reader,
//! [`SimulatedUru4000`] for the simulated one — so both run the same protocol code.

pub mod sim;
pub mod uru4000;

use biometrics::FingerImage;
use thiserror::Error;

pub use sim::{SimFinger, SimulatedUru4000};
pub use uru4000::{Profile, ScannerEvent, Uru4000, Uru4000Error};

use crate::cancel::CancelToken;
use crate::message::OperatorMessage;
use crate::transport::UsbTransport;
use uru4000::Action;

/// Where a capture is, for the operator's screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScannerStatus {
    Initialising,
    PlaceFinger,
    FingerOn,
    LiftFinger,
    /// The device warned that this scan may fail.
    Unstable,
}

impl ScannerStatus {
    pub fn message(self) -> OperatorMessage {
        match self {
            ScannerStatus::Initialising => OperatorMessage::new(
                "Menyiapkan pemindai sidik jari…",
                "Preparing the fingerprint scanner…",
            ),
            ScannerStatus::PlaceFinger => OperatorMessage::new(
                "Letakkan jari pada pemindai",
                "Place the finger on the scanner",
            ),
            ScannerStatus::FingerOn => {
                OperatorMessage::new("Jari terdeteksi, tahan…", "Finger detected, hold still…")
            }
            ScannerStatus::LiftFinger => OperatorMessage::new("Angkat jari", "Lift the finger"),
            ScannerStatus::Unstable => OperatorMessage::new(
                "Pemindai kurang stabil, pemindaian mungkin diulang",
                "Scanner unstable, the scan may be repeated",
            ),
        }
    }
}

/// Why a fingerprint capture ended without an image.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScannerError {
    #[error("fingerprint scanner unplugged")]
    Disconnected,
    #[error("capture cancelled")]
    Cancelled,
    #[error("scanner protocol error: {0}")]
    Protocol(Uru4000Error),
}

impl ScannerError {
    pub fn message(&self) -> OperatorMessage {
        match self {
            ScannerError::Disconnected => OperatorMessage::new(
                "Pemindai sidik jari terlepas. Pasang kembali kabelnya untuk melanjutkan.",
                "Fingerprint scanner unplugged. Plug it back in to continue.",
            ),
            ScannerError::Cancelled => {
                OperatorMessage::new("Perekaman dibatalkan", "Capture cancelled")
            }
            ScannerError::Protocol(_) => OperatorMessage::new(
                "Pemindai sidik jari tidak merespons dengan benar. Coba lagi.",
                "The fingerprint scanner did not respond correctly. Try again.",
            ),
        }
    }
}

/// A fingerprint capture device: waits for a finger (finger-on detection), returns its image.
pub trait FingerprintScanner: Send {
    fn name(&self) -> &str;

    /// Captures one flat impression. Reports progress through `status`; returns when the
    /// finger has been imaged and lifted, or on cancellation or error. After an error (an
    /// unplug included) the next call starts the device over, so a replugged scanner works
    /// again without restarting the station.
    fn capture(
        &mut self,
        cancel: &CancelToken,
        status: &mut dyn FnMut(ScannerStatus),
    ) -> Result<FingerImage, ScannerError>;
}

/// The U.are.U driver: the protocol machine over a transport.
pub struct Uru4000Scanner<T> {
    machine: Uru4000,
    transport: T,
}

impl<T: UsbTransport> Uru4000Scanner<T> {
    pub fn new(profile: Profile, transport: T, rng_seed: u32) -> Self {
        Self {
            machine: Uru4000::new(profile, rng_seed),
            transport,
        }
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Turns the sensor off; errors are ignored (the device may already be gone).
    pub fn shutdown(&mut self) {
        self.machine.deactivate();
        while let Action::Transfer(t) = self.machine.next_action() {
            if self
                .machine
                .on_transfer(t.execute(&mut self.transport))
                .is_err()
            {
                break;
            }
        }
    }
}

impl Uru4000Scanner<SimulatedUru4000> {
    /// The simulated 4000B.
    pub fn simulated(secret: u32) -> Self {
        Self::new(
            Profile::Uru4000B,
            SimulatedUru4000::new(Profile::Uru4000B, secret),
            secret.rotate_left(13),
        )
    }
}

impl<T: UsbTransport> FingerprintScanner for Uru4000Scanner<T> {
    fn name(&self) -> &str {
        self.machine.profile().name()
    }

    fn capture(
        &mut self,
        cancel: &CancelToken,
        status: &mut dyn FnMut(ScannerStatus),
    ) -> Result<FingerImage, ScannerError> {
        if self.machine.has_failed() {
            self.machine.restart();
        }
        if self.machine.is_idle() {
            self.machine.request_capture();
            status(ScannerStatus::PlaceFinger);
        } else {
            status(ScannerStatus::Initialising);
        }
        let mut image = None;
        loop {
            if cancel.is_cancelled() {
                return Err(ScannerError::Cancelled);
            }
            match self.machine.next_action() {
                Action::Transfer(t) => {
                    let result = t.execute(&mut self.transport);
                    self.machine.on_transfer(result).map_err(|e| match e {
                        Uru4000Error::Disconnected => ScannerError::Disconnected,
                        other => ScannerError::Protocol(other),
                    })?;
                }
                Action::Wait(d) => std::thread::sleep(d),
                Action::Event(ScannerEvent::Ready { .. }) => {
                    self.machine.request_capture();
                    status(ScannerStatus::PlaceFinger);
                }
                Action::Event(ScannerEvent::FingerOn) => status(ScannerStatus::FingerOn),
                Action::Event(ScannerEvent::Image(img)) => {
                    image = Some(img);
                    status(ScannerStatus::LiftFinger);
                }
                Action::Event(ScannerEvent::FingerOff) => {
                    if let Some(img) = image.take() {
                        return Ok(img);
                    }
                }
                Action::Event(ScannerEvent::Warning) => status(ScannerStatus::Unstable),
                Action::Event(ScannerEvent::Off) | Action::Idle => {
                    if !self.machine.is_idle() {
                        return Err(ScannerError::Protocol(Uru4000Error::Unexpected));
                    }
                    // Idle without an image (the finger lifted early): arm the sensor again.
                    self.machine.request_capture();
                    status(ScannerStatus::PlaceFinger);
                }
            }
        }
    }
}
