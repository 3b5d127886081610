//! USB discovery and hotplug: what is plugged in, which driver takes it, and plug/unplug
//! events for the station.
//!
//! Drivers are chosen by VID/PID for vendor protocols (the fingerprint scanner) and by
//! interface class for class devices (UVC cameras, HID digitizers). Devices nobody drives are
//! still listed with their descriptors, so a technician can see what is attached.

use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, select};

use crate::cancel::CancelToken;
use crate::fingerprint::Profile;
use crate::message::OperatorMessage;

/// What a known USB device is used for at the station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    Camera,
    FingerprintScanner,
    SignaturePad,
}

/// The driver that takes a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    /// [`crate::fingerprint::Uru4000Scanner`] with this profile, on interface 0.
    Uru4000(Profile),
    /// A USB Video Class camera, through V4L2.
    Uvc,
    /// A HID device; a signature pad if its report descriptor has a pen.
    HidDigitizer,
}

impl Driver {
    pub fn kind(self) -> DeviceKind {
        match self {
            Driver::Uru4000(_) => DeviceKind::FingerprintScanner,
            Driver::Uvc => DeviceKind::Camera,
            Driver::HidDigitizer => DeviceKind::SignaturePad,
        }
    }
}

/// One interface's class triple.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterfaceClass {
    pub number: u8,
    pub class: u8,
    pub subclass: u8,
    pub protocol: u8,
}

/// A device found on the bus with its descriptors, and its driver if there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbDevice {
    /// Stable while plugged in (bus and address); used to match unplug events.
    pub key: String,
    pub vendor_id: u16,
    pub product_id: u16,
    pub class: u8,
    pub subclass: u8,
    pub protocol: u8,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    pub serial: Option<String>,
    pub interfaces: Vec<InterfaceClass>,
    pub driver: Option<(Driver, &'static str)>,
}

/// The result of looking at the bus. "No USB at all" is a normal state (a VM, a container, a
/// locked-down kiosk), not an error: the station then runs on simulated devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsbScan {
    Unavailable { reason: String },
    Devices(Vec<UsbDevice>),
}

/// VID/PID → driver, for the vendor protocols this crate speaks (see `fingerprint::uru4000`).
const KNOWN: &[(u16, u16, Driver, &str)] = &[
    (
        0x05ba,
        0x0007,
        Driver::Uru4000(Profile::Uru4000),
        "DigitalPersona U.are.U 4000",
    ),
    (
        0x05ba,
        0x0008,
        Driver::Uru4000(Profile::Uru4000),
        "DigitalPersona U.are.U 4000 (keyboard)",
    ),
    (
        0x05ba,
        0x000a,
        Driver::Uru4000(Profile::Uru4000B),
        "DigitalPersona U.are.U 4000B/4500",
    ),
    (
        0x045e,
        0x00bb,
        Driver::Uru4000(Profile::Uru4000),
        "Microsoft Keyboard with Fingerprint Reader",
    ),
    (
        0x045e,
        0x00bc,
        Driver::Uru4000(Profile::Uru4000),
        "Microsoft Wireless IntelliMouse with Fingerprint Reader",
    ),
    (
        0x045e,
        0x00bd,
        Driver::Uru4000(Profile::Uru4000),
        "Microsoft Fingerprint Reader",
    ),
];

const CLASS_HID: u8 = 0x03;
const CLASS_VIDEO: u8 = 0x0e;

/// Looks up the station's driver for a VID/PID.
pub fn identify(vendor_id: u16, product_id: u16) -> Option<(DeviceKind, &'static str)> {
    lookup(vendor_id, product_id).map(|(d, n)| (d.kind(), n))
}

fn lookup(vendor_id: u16, product_id: u16) -> Option<(Driver, &'static str)> {
    KNOWN
        .iter()
        .find(|(v, p, _, _)| *v == vendor_id && *p == product_id)
        .map(|(_, _, d, n)| (*d, *n))
}

/// Picks a driver: VID/PID table first, then interface classes.
pub fn choose_driver(
    vendor_id: u16,
    product_id: u16,
    interfaces: &[InterfaceClass],
) -> Option<(Driver, &'static str)> {
    lookup(vendor_id, product_id)
        .or_else(|| {
            interfaces
                .iter()
                .any(|i| i.class == CLASS_VIDEO)
                .then_some((Driver::Uvc, "USB Video Class camera"))
        })
        .or_else(|| {
            interfaces
                .iter()
                .any(|i| i.class == CLASS_HID)
                .then_some((Driver::HidDigitizer, "HID device"))
        })
}

fn describe(d: &nusb::DeviceInfo) -> UsbDevice {
    let interfaces: Vec<InterfaceClass> = d
        .interfaces()
        .map(|i| InterfaceClass {
            number: i.interface_number(),
            class: i.class(),
            subclass: i.subclass(),
            protocol: i.protocol(),
        })
        .collect();
    UsbDevice {
        key: device_key(d),
        vendor_id: d.vendor_id(),
        product_id: d.product_id(),
        class: d.class(),
        subclass: d.subclass(),
        protocol: d.protocol(),
        manufacturer: d.manufacturer_string().map(str::to_owned),
        product: d.product_string().map(str::to_owned),
        serial: d.serial_number().map(str::to_owned),
        driver: choose_driver(d.vendor_id(), d.product_id(), &interfaces),
        interfaces,
    }
}

fn device_key(d: &nusb::DeviceInfo) -> String {
    format!("{:?}", d.id())
}

/// Lists the devices on the bus through nusb.
pub fn scan() -> UsbScan {
    use nusb::MaybeFuture;
    match nusb::list_devices().wait() {
        Err(e) => UsbScan::Unavailable {
            reason: e.to_string(),
        },
        Ok(devices) => UsbScan::Devices(devices.map(|d| describe(&d)).collect()),
    }
}

/// A plug or unplug, as the station receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HotplugEvent {
    Arrived(UsbDevice),
    Left { key: String },
}

/// Watches the bus with nusb and delivers events on a crossbeam channel until cancelled.
/// Where the OS has no USB at all the watch still opens and simply stays quiet.
pub fn watch(
    cancel: CancelToken,
) -> Result<(Receiver<HotplugEvent>, JoinHandle<()>), std::io::Error> {
    use futures_lite::Stream;
    let mut watch = nusb::watch_devices().map_err(std::io::Error::other)?;
    let (tx, rx) = crossbeam_channel::bounded(64);
    let handle = std::thread::Builder::new()
        .name("usb-hotplug".into())
        .spawn(move || {
            let waker = std::task::Waker::noop();
            let mut cx = std::task::Context::from_waker(waker);
            loop {
                match std::pin::Pin::new(&mut watch).poll_next(&mut cx) {
                    std::task::Poll::Ready(Some(nusb::hotplug::HotplugEvent::Connected(info))) => {
                        if tx.send(HotplugEvent::Arrived(describe(&info))).is_err() {
                            return;
                        }
                    }
                    std::task::Poll::Ready(Some(nusb::hotplug::HotplugEvent::Disconnected(id))) => {
                        if tx
                            .send(HotplugEvent::Left {
                                key: format!("{id:?}"),
                            })
                            .is_err()
                        {
                            return;
                        }
                    }
                    std::task::Poll::Ready(None) => return,
                    // The netlink socket has nothing: wait a little, or stop at once on cancel.
                    std::task::Poll::Pending => select! {
                        recv(cancel.receiver()) -> _ => return,
                        default(Duration::from_millis(100)) => {}
                    },
                }
            }
        })?;
    Ok((rx, handle))
}

/// What the operator should see about one modality's device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceStatus {
    Simulated,
    Connected { name: &'static str },
    Unplugged { name: &'static str },
}

impl DeviceStatus {
    pub fn message(&self) -> OperatorMessage {
        match self {
            DeviceStatus::Simulated => {
                OperatorMessage::new("Perangkat simulasi", "Simulated device")
            }
            DeviceStatus::Connected { .. } => {
                OperatorMessage::new("Perangkat terhubung", "Device connected")
            }
            DeviceStatus::Unplugged { .. } => OperatorMessage::new(
                "Perangkat terlepas — pasang kembali kabel USB untuk melanjutkan",
                "Device unplugged — plug the USB cable back in to continue",
            ),
        }
    }
}

/// Whether real devices are used when present, or simulated ones always (`--simulated`,
/// or `REKAM_SIMULATED=1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceMode {
    Auto,
    Simulated,
}

impl DeviceMode {
    pub fn from_env() -> Self {
        match std::env::var("REKAM_SIMULATED").as_deref() {
            Ok("1") | Ok("true") | Ok("yes") => DeviceMode::Simulated,
            _ => DeviceMode::Auto,
        }
    }
}

/// The station's view of its devices: pure state driven by scans and hotplug events, so
/// unplug/replug is handled (and tested) without hardware.
#[derive(Debug, Clone)]
pub struct DeviceRegistry {
    mode: DeviceMode,
    present: Vec<UsbDevice>,
    /// Drivers seen since start: a device of that kind that leaves is "unplugged", not
    /// silently replaced by a simulation mid-enrolment.
    seen: Vec<(DeviceKind, &'static str)>,
}

impl DeviceRegistry {
    pub fn new(mode: DeviceMode, scan: &UsbScan) -> Self {
        let mut r = Self {
            mode,
            present: Vec::new(),
            seen: Vec::new(),
        };
        if let UsbScan::Devices(devs) = scan {
            for d in devs {
                r.apply(&HotplugEvent::Arrived(d.clone()));
            }
        }
        r
    }

    /// Applies a hotplug event; returns the kind whose status changed, if any.
    pub fn apply(&mut self, event: &HotplugEvent) -> Option<DeviceKind> {
        match event {
            HotplugEvent::Arrived(d) => {
                self.present.retain(|p| p.key != d.key);
                self.present.push(d.clone());
                let (driver, name) = d.driver?;
                if !self.seen.iter().any(|(k, _)| *k == driver.kind()) {
                    self.seen.push((driver.kind(), name));
                }
                Some(driver.kind())
            }
            HotplugEvent::Left { key } => {
                let i = self.present.iter().position(|p| &p.key == key)?;
                let gone = self.present.remove(i);
                gone.driver.map(|(d, _)| d.kind())
            }
        }
    }

    /// The device that drives `kind`, if one is plugged in and real devices are allowed.
    pub fn device_for(&self, kind: DeviceKind) -> Option<&UsbDevice> {
        if self.mode == DeviceMode::Simulated {
            return None;
        }
        self.present
            .iter()
            .find(|d| d.driver.is_some_and(|(dr, _)| dr.kind() == kind))
    }

    pub fn status(&self, kind: DeviceKind) -> DeviceStatus {
        if let Some((_, name)) = self.device_for(kind).and_then(|d| d.driver) {
            return DeviceStatus::Connected { name };
        }
        match self.seen.iter().find(|(k, _)| *k == kind) {
            Some((_, name)) if self.mode == DeviceMode::Auto => DeviceStatus::Unplugged { name },
            _ => DeviceStatus::Simulated,
        }
    }

    /// Every device present, known or not, with descriptors (for the technician's screen).
    pub fn devices(&self) -> &[UsbDevice] {
        &self.present
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifies_known_scanner_and_ignores_others() {
        assert_eq!(
            identify(0x05ba, 0x000a).map(|(k, _)| k),
            Some(DeviceKind::FingerprintScanner)
        );
        assert_eq!(identify(0x1234, 0x5678), None);
    }

    #[test]
    fn class_devices_get_class_drivers() {
        let uvc = [InterfaceClass {
            number: 0,
            class: 0x0e,
            subclass: 1,
            protocol: 0,
        }];
        assert_eq!(
            choose_driver(0x046d, 0x0825, &uvc).map(|d| d.0),
            Some(Driver::Uvc)
        );
        let hid = [InterfaceClass {
            number: 0,
            class: 0x03,
            subclass: 0,
            protocol: 0,
        }];
        assert_eq!(
            choose_driver(0x056a, 0x00a8, &hid).map(|d| d.0),
            Some(Driver::HidDigitizer)
        );
        assert_eq!(choose_driver(0x1234, 0x5678, &[]), None);
    }

    #[test]
    fn scan_reports_bus_state_instead_of_failing() {
        // Where there is no USB bus (as in CI) the scan says why; where there is one it lists
        // devices, each with the driver the table gives.
        match scan() {
            UsbScan::Unavailable { reason } => assert!(!reason.is_empty()),
            UsbScan::Devices(devs) => {
                for d in devs {
                    assert_eq!(
                        d.driver,
                        choose_driver(d.vendor_id, d.product_id, &d.interfaces)
                    );
                }
            }
        }
    }

    #[test]
    fn watch_starts_and_stops_on_cancel() {
        let c = crate::cancel::Canceller::new();
        if let Ok((rx, handle)) = watch(c.token()) {
            c.cancel();
            handle.join().unwrap();
            // No USB here: nothing arrived; with USB, only well-formed events could have.
            for e in rx.try_iter() {
                assert!(matches!(
                    e,
                    HotplugEvent::Arrived(_) | HotplugEvent::Left { .. }
                ));
            }
        }
    }
}
