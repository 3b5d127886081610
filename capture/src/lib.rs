//! # capture — the station's devices
//!
//! Camera, fingerprint scanner and signature pad: USB discovery and hotplug, a driver per known
//! device, simulated devices behind the same traits, capture pipelines and quality gates.
//! Device protocols are sans-IO state machines; [`usb`] is the thin adapter to the bus.

pub mod usb;

pub use usb::{DeviceKind, UsbDevice, UsbScan, scan};
