//! The seam between device protocols and the bus.
//!
//! Every USB driver in this crate is a sans-IO state machine that asks for [`Transfer`]s and is
//! fed their results. [`UsbTransport`] is the small set of blocking transfers such a machine
//! needs; [`NusbTransport`] performs them on real hardware through nusb, and each simulated
//! device implements the same trait by playing the device side of the same protocol. So the
//! protocol code a simulated device exercises is exactly the code a real device exercises.

use std::collections::HashMap;
use std::time::Duration;

use thiserror::Error;

/// The kind of a control request (`bmRequestType` bits 6..5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlKind {
    Standard,
    Class,
    Vendor,
}

/// Who a control request is addressed to (`bmRequestType` bits 4..0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    Device,
    Interface,
    Endpoint,
}

/// The SETUP packet of a control transfer, without direction and length (those follow from
/// the call: `control_in` with a length, `control_out` with data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlSetup {
    pub kind: ControlKind,
    pub recipient: Recipient,
    pub request: u8,
    pub value: u16,
    pub index: u16,
}

impl ControlSetup {
    /// A vendor request to the device, the form most scanner protocols use.
    pub fn vendor(request: u8, value: u16, index: u16) -> Self {
        Self {
            kind: ControlKind::Vendor,
            recipient: Recipient::Device,
            request,
            value,
            index,
        }
    }
}

/// Why a transfer did not complete.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransportError {
    /// The device went away (unplugged, reset, powered off).
    #[error("device disconnected")]
    Disconnected,
    /// Nothing arrived in time. Normal for interrupt endpoints that report rare events.
    #[error("transfer timed out")]
    Timeout,
    /// The device refused the request (a STALL handshake).
    #[error("device stalled the request")]
    Stall,
    /// The transfer was cancelled by the host.
    #[error("transfer cancelled")]
    Cancelled,
    /// Any other bus or OS error, with its text.
    #[error("USB error: {0}")]
    Io(String),
}

/// Blocking USB transfers, the only I/O a device protocol needs.
pub trait UsbTransport: Send {
    fn control_in(&mut self, setup: ControlSetup, length: u16) -> Result<Vec<u8>, TransportError>;
    fn control_out(&mut self, setup: ControlSetup, data: &[u8]) -> Result<(), TransportError>;
    fn bulk_in(&mut self, endpoint: u8, length: usize) -> Result<Vec<u8>, TransportError>;
    fn bulk_out(&mut self, endpoint: u8, data: &[u8]) -> Result<(), TransportError>;
    fn interrupt_in(&mut self, endpoint: u8, length: usize) -> Result<Vec<u8>, TransportError>;

    /// Called by [`Pluggable`] when the cable comes back: a simulated device loses its
    /// power-on state, as real hardware does. Real transports are reopened instead.
    fn power_cycled(&mut self) {}
}

/// One transfer a protocol machine asks for. Owning its data keeps the machines free of
/// lifetimes and lets tests record and compare whole traces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transfer {
    ControlIn { setup: ControlSetup, length: u16 },
    ControlOut { setup: ControlSetup, data: Vec<u8> },
    BulkIn { endpoint: u8, length: usize },
    BulkOut { endpoint: u8, data: Vec<u8> },
    InterruptIn { endpoint: u8, length: usize },
}

impl Transfer {
    /// Performs the transfer on a transport. IN transfers return their data, OUT transfers an
    /// empty vector.
    pub fn execute(&self, transport: &mut dyn UsbTransport) -> Result<Vec<u8>, TransportError> {
        match self {
            Transfer::ControlIn { setup, length } => transport.control_in(*setup, *length),
            Transfer::ControlOut { setup, data } => {
                transport.control_out(*setup, data).map(|()| Vec::new())
            }
            Transfer::BulkIn { endpoint, length } => transport.bulk_in(*endpoint, *length),
            Transfer::BulkOut { endpoint, data } => {
                transport.bulk_out(*endpoint, data).map(|()| Vec::new())
            }
            Transfer::InterruptIn { endpoint, length } => {
                transport.interrupt_in(*endpoint, *length)
            }
        }
    }
}

/// A real device through nusb: one claimed interface, endpoints opened on first use.
pub struct NusbTransport {
    device: nusb::Device,
    interface: nusb::Interface,
    timeout: Duration,
    interrupt_timeout: Duration,
    bulk_in: HashMap<u8, nusb::Endpoint<nusb::transfer::Bulk, nusb::transfer::In>>,
    bulk_out: HashMap<u8, nusb::Endpoint<nusb::transfer::Bulk, nusb::transfer::Out>>,
    interrupt_in: HashMap<u8, nusb::Endpoint<nusb::transfer::Interrupt, nusb::transfer::In>>,
}

impl NusbTransport {
    /// Opens the device and claims `interface` (detaching a kernel driver if one holds it).
    pub fn open(info: &nusb::DeviceInfo, interface: u8) -> Result<Self, TransportError> {
        use nusb::MaybeFuture;
        let device = info.open().wait().map_err(io)?;
        let interface = device
            .detach_and_claim_interface(interface)
            .wait()
            .map_err(io)?;
        Ok(Self {
            device,
            interface,
            timeout: Duration::from_secs(5),
            // Short, so a driver waiting for a finger can notice cancellation between polls.
            interrupt_timeout: Duration::from_millis(200),
            bulk_in: HashMap::new(),
            bulk_out: HashMap::new(),
            interrupt_in: HashMap::new(),
        })
    }
}

fn io(e: nusb::Error) -> TransportError {
    TransportError::Io(e.to_string())
}

fn transfer_error(e: nusb::transfer::TransferError) -> TransportError {
    use nusb::transfer::TransferError as E;
    match e {
        E::Disconnected => TransportError::Disconnected,
        E::Stall => TransportError::Stall,
        E::Cancelled => TransportError::Cancelled,
        other => TransportError::Io(other.to_string()),
    }
}

fn nusb_setup(setup: ControlSetup) -> (nusb::transfer::ControlType, nusb::transfer::Recipient) {
    use nusb::transfer::{ControlType, Recipient as R};
    let kind = match setup.kind {
        ControlKind::Standard => ControlType::Standard,
        ControlKind::Class => ControlType::Class,
        ControlKind::Vendor => ControlType::Vendor,
    };
    let recipient = match setup.recipient {
        Recipient::Device => R::Device,
        Recipient::Interface => R::Interface,
        Recipient::Endpoint => R::Endpoint,
    };
    (kind, recipient)
}

/// IN transfers must ask for a whole number of max-size packets.
fn round_up(length: usize, packet: usize) -> usize {
    let packet = packet.max(1);
    length.div_ceil(packet).max(1) * packet
}

impl UsbTransport for NusbTransport {
    fn control_in(&mut self, setup: ControlSetup, length: u16) -> Result<Vec<u8>, TransportError> {
        use nusb::MaybeFuture;
        let (control_type, recipient) = nusb_setup(setup);
        self.device
            .control_in(
                nusb::transfer::ControlIn {
                    control_type,
                    recipient,
                    request: setup.request,
                    value: setup.value,
                    index: setup.index,
                    length,
                },
                self.timeout,
            )
            .wait()
            .map_err(transfer_error)
    }

    fn control_out(&mut self, setup: ControlSetup, data: &[u8]) -> Result<(), TransportError> {
        use nusb::MaybeFuture;
        let (control_type, recipient) = nusb_setup(setup);
        self.device
            .control_out(
                nusb::transfer::ControlOut {
                    control_type,
                    recipient,
                    request: setup.request,
                    value: setup.value,
                    index: setup.index,
                    data,
                },
                self.timeout,
            )
            .wait()
            .map_err(transfer_error)
    }

    fn bulk_in(&mut self, endpoint: u8, length: usize) -> Result<Vec<u8>, TransportError> {
        let ep = match self.bulk_in.entry(endpoint) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(self.interface.endpoint(endpoint).map_err(io)?)
            }
        };
        let buf = nusb::transfer::Buffer::new(round_up(length, ep.max_packet_size()));
        let done = ep.transfer_blocking(buf, self.timeout);
        done.status.map_err(transfer_error)?;
        Ok(done.buffer.into_vec())
    }

    fn bulk_out(&mut self, endpoint: u8, data: &[u8]) -> Result<(), TransportError> {
        let ep = match self.bulk_out.entry(endpoint) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(self.interface.endpoint(endpoint).map_err(io)?)
            }
        };
        let mut buf = nusb::transfer::Buffer::new(data.len());
        buf.extend_from_slice(data);
        ep.transfer_blocking(buf, self.timeout)
            .status
            .map_err(transfer_error)
    }

    fn interrupt_in(&mut self, endpoint: u8, length: usize) -> Result<Vec<u8>, TransportError> {
        let timeout = self.interrupt_timeout;
        let ep = match self.interrupt_in.entry(endpoint) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(self.interface.endpoint(endpoint).map_err(io)?)
            }
        };
        let buf = nusb::transfer::Buffer::new(round_up(length, ep.max_packet_size()));
        ep.submit(buf);
        match ep.wait_next_complete(timeout) {
            Some(done) => {
                done.status.map_err(transfer_error)?;
                Ok(done.buffer.into_vec())
            }
            None => {
                // Take the pending transfer back so the next poll starts clean.
                ep.cancel_all();
                let _ = ep.wait_next_complete(Duration::from_millis(50));
                Err(TransportError::Timeout)
            }
        }
    }
}

/// A transport that can be unplugged and replugged, for tests and simulations: wraps any
/// transport and fails every transfer with [`TransportError::Disconnected`] while unplugged.
/// The plug is shared, so a test thread can pull it while a capture thread drives the device.
pub struct Pluggable<T> {
    inner: T,
    plugged: std::sync::Arc<std::sync::atomic::AtomicBool>,
    was_unplugged: bool,
}

/// The other end of a [`Pluggable`]: pulls and reinserts the cable.
#[derive(Clone, Debug)]
pub struct Plug(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Plug {
    pub fn unplug(&self) {
        self.0.store(false, std::sync::atomic::Ordering::SeqCst);
    }
    pub fn replug(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
    pub fn is_plugged(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl<T: UsbTransport> Pluggable<T> {
    pub fn new(inner: T) -> (Self, Plug) {
        let plugged = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        (
            Self {
                inner,
                plugged: plugged.clone(),
                was_unplugged: false,
            },
            Plug(plugged),
        )
    }

    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    fn check(&mut self) -> Result<(), TransportError> {
        if self.plugged.load(std::sync::atomic::Ordering::SeqCst) {
            if std::mem::take(&mut self.was_unplugged) {
                self.inner.power_cycled();
            }
            Ok(())
        } else {
            self.was_unplugged = true;
            Err(TransportError::Disconnected)
        }
    }
}

impl<T: UsbTransport> UsbTransport for Pluggable<T> {
    fn control_in(&mut self, setup: ControlSetup, length: u16) -> Result<Vec<u8>, TransportError> {
        self.check()?;
        self.inner.control_in(setup, length)
    }
    fn control_out(&mut self, setup: ControlSetup, data: &[u8]) -> Result<(), TransportError> {
        self.check()?;
        self.inner.control_out(setup, data)
    }
    fn bulk_in(&mut self, endpoint: u8, length: usize) -> Result<Vec<u8>, TransportError> {
        self.check()?;
        self.inner.bulk_in(endpoint, length)
    }
    fn bulk_out(&mut self, endpoint: u8, data: &[u8]) -> Result<(), TransportError> {
        self.check()?;
        self.inner.bulk_out(endpoint, data)
    }
    fn interrupt_in(&mut self, endpoint: u8, length: usize) -> Result<Vec<u8>, TransportError> {
        self.check()?;
        self.inner.interrupt_in(endpoint, length)
    }
}

/// One transfer and what came back: an entry of a recorded trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEntry {
    pub transfer: Transfer,
    pub result: Result<Vec<u8>, TransportError>,
}

/// Wraps a transport and records every transfer, to produce traces (from a simulated device
/// fed with fixture images, or from real hardware) that [`Replay`] plays back.
pub struct Recorder<T> {
    inner: T,
    pub trace: Vec<TraceEntry>,
}

impl<T: UsbTransport> Recorder<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            trace: Vec::new(),
        }
    }

    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: UsbTransport> RunTransfer for Recorder<T> {
    fn run(&mut self, transfer: Transfer) -> Result<Vec<u8>, TransportError> {
        let result = transfer.execute(&mut self.inner);
        self.trace.push(TraceEntry {
            transfer,
            result: result.clone(),
        });
        result
    }
}

/// A transport that treats every call the same way: as one [`Transfer`] value (recorded, or
/// checked against a trace). Implementing `run` gives the whole [`UsbTransport`].
trait RunTransfer: Send {
    fn run(&mut self, transfer: Transfer) -> Result<Vec<u8>, TransportError>;
}

impl<R: RunTransfer> UsbTransport for R {
    fn control_in(&mut self, setup: ControlSetup, length: u16) -> Result<Vec<u8>, TransportError> {
        self.run(Transfer::ControlIn { setup, length })
    }
    fn control_out(&mut self, setup: ControlSetup, data: &[u8]) -> Result<(), TransportError> {
        self.run(Transfer::ControlOut {
            setup,
            data: data.to_vec(),
        })
        .map(|_| ())
    }
    fn bulk_in(&mut self, endpoint: u8, length: usize) -> Result<Vec<u8>, TransportError> {
        self.run(Transfer::BulkIn { endpoint, length })
    }
    fn bulk_out(&mut self, endpoint: u8, data: &[u8]) -> Result<(), TransportError> {
        self.run(Transfer::BulkOut {
            endpoint,
            data: data.to_vec(),
        })
        .map(|_| ())
    }
    fn interrupt_in(&mut self, endpoint: u8, length: usize) -> Result<Vec<u8>, TransportError> {
        self.run(Transfer::InterruptIn { endpoint, length })
    }
}

/// Plays a recorded trace back as a device: each transfer must be the next one recorded
/// (else the replay reports a divergence as an I/O error), and gets the recorded result.
/// Tests edit traces (truncate a bulk image, corrupt an interrupt) to inject faults.
pub struct Replay {
    trace: std::collections::VecDeque<TraceEntry>,
    pub diverged: Option<(Transfer, Option<Transfer>)>,
}

impl Replay {
    pub fn new(trace: Vec<TraceEntry>) -> Self {
        Self {
            trace: trace.into(),
            diverged: None,
        }
    }

    pub fn remaining(&self) -> usize {
        self.trace.len()
    }
}

impl RunTransfer for Replay {
    fn run(&mut self, transfer: Transfer) -> Result<Vec<u8>, TransportError> {
        match self.trace.pop_front() {
            Some(entry) if entry.transfer == transfer => entry.result,
            other => {
                let expected = other.map(|e| e.transfer);
                self.diverged = Some((transfer, expected));
                Err(TransportError::Io("replay diverged from the trace".into()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_lengths_round_up_to_whole_packets() {
        assert_eq!(round_up(64, 64), 64);
        assert_eq!(round_up(65, 64), 128);
        assert_eq!(round_up(0, 64), 64);
        assert_eq!(round_up(111424, 512), 111616);
    }
}
