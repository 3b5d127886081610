//! USB discovery: what is plugged in, and which of it the station knows how to drive.

/// What a known USB device is used for at the station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    Camera,
    FingerprintScanner,
    SignaturePad,
}

/// A device found on the bus, with the station's driver for it if the VID/PID is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbDevice {
    pub vendor_id: u16,
    pub product_id: u16,
    pub product: Option<String>,
    pub known: Option<(DeviceKind, &'static str)>,
}

/// The result of looking at the bus. "No USB at all" is a normal state (a VM, a container, a
/// locked-down kiosk), not an error: the station then runs on simulated devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsbScan {
    Unavailable { reason: String },
    Devices(Vec<UsbDevice>),
}

/// VID/PID → (kind, family name) for devices with a driver in this crate.
const KNOWN: &[(u16, u16, DeviceKind, &str)] = &[
    (
        0x05ba,
        0x000a,
        DeviceKind::FingerprintScanner,
        "DigitalPersona U.are.U 4000B/4500",
    ),
    (
        0x1162,
        0x2200,
        DeviceKind::FingerprintScanner,
        "SecuGen Hamster Pro 20",
    ),
];

/// Looks up the station's driver for a VID/PID.
pub fn identify(vendor_id: u16, product_id: u16) -> Option<(DeviceKind, &'static str)> {
    KNOWN
        .iter()
        .find(|(v, p, _, _)| *v == vendor_id && *p == product_id)
        .map(|(_, _, kind, name)| (*kind, *name))
}

/// Lists the devices on the bus through nusb.
pub fn scan() -> UsbScan {
    use nusb::MaybeFuture;
    match nusb::list_devices().wait() {
        Err(e) => UsbScan::Unavailable {
            reason: e.to_string(),
        },
        Ok(devices) => UsbScan::Devices(
            devices
                .map(|d| UsbDevice {
                    vendor_id: d.vendor_id(),
                    product_id: d.product_id(),
                    product: d.product_string().map(str::to_owned),
                    known: identify(d.vendor_id(), d.product_id()),
                })
                .collect(),
        ),
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
    fn scan_reports_bus_state_instead_of_failing() {
        // Where there is no USB bus (as in CI) the scan says why; where there is one it lists
        // devices, each with a VID/PID that `identify` agrees with.
        match scan() {
            UsbScan::Unavailable { reason } => assert!(!reason.is_empty()),
            UsbScan::Devices(devs) => {
                for d in devs {
                    assert_eq!(d.known, identify(d.vendor_id, d.product_id));
                }
            }
        }
    }
}
