//! # capture — the station's devices
//!
//! Camera, fingerprint scanner and signature pad: USB discovery and hotplug, a driver per known
//! device, simulated devices behind the same traits, capture pipelines and quality gates.
//! Device protocols are sans-IO state machines; [`transport`] is the thin seam to the bus
//! (nusb for real hardware, simulated devices in tests and demos).

pub mod camera;
pub mod cancel;
pub mod face;
pub mod fingerprint;
pub mod gates;
pub mod imaging;
pub mod message;
pub mod pipeline;
pub mod preview;
pub mod signature;
pub mod transport;
pub mod usb;

pub use usb::{
    DeviceKind, DeviceMode, DeviceRegistry, DeviceStatus, HotplugEvent, UsbDevice, UsbScan, scan,
};
