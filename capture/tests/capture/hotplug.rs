//! Device registry under plug/unplug events: clear status on unplug, back on replug,
//! unknown devices listed, simulated mode forced by a flag.

use capture::usb::{
    DeviceKind, DeviceMode, DeviceRegistry, DeviceStatus, HotplugEvent, InterfaceClass, UsbDevice,
    UsbScan, choose_driver,
};

fn device(key: &str, vid: u16, pid: u16, interfaces: Vec<InterfaceClass>) -> UsbDevice {
    UsbDevice {
        key: key.into(),
        vendor_id: vid,
        product_id: pid,
        class: 0,
        subclass: 0,
        protocol: 0,
        manufacturer: Some("Maker".into()),
        product: Some("Thing".into()),
        serial: None,
        driver: choose_driver(vid, pid, &interfaces),
        interfaces,
    }
}

fn scanner(key: &str) -> UsbDevice {
    device(
        key,
        0x05ba,
        0x000a,
        vec![InterfaceClass {
            number: 0,
            class: 0xff,
            subclass: 0xff,
            protocol: 0xff,
        }],
    )
}

#[test]
fn unplug_and_replug_change_the_status_without_restart() {
    let mut reg = DeviceRegistry::new(DeviceMode::Auto, &UsbScan::Devices(vec![scanner("1-2")]));
    assert_eq!(
        reg.status(DeviceKind::FingerprintScanner),
        DeviceStatus::Connected {
            name: "DigitalPersona U.are.U 4000B/4500"
        }
    );
    assert_eq!(
        reg.apply(&HotplugEvent::Left { key: "1-2".into() }),
        Some(DeviceKind::FingerprintScanner)
    );
    let unplugged = reg.status(DeviceKind::FingerprintScanner);
    assert!(matches!(unplugged, DeviceStatus::Unplugged { .. }));
    assert!(unplugged.message().id.contains("terlepas"));
    // Replugged on another port: a new key, the same driver.
    assert_eq!(
        reg.apply(&HotplugEvent::Arrived(scanner("1-3"))),
        Some(DeviceKind::FingerprintScanner)
    );
    assert_eq!(
        reg.device_for(DeviceKind::FingerprintScanner)
            .map(|d| d.key.as_str()),
        Some("1-3")
    );
    assert!(matches!(
        reg.status(DeviceKind::FingerprintScanner),
        DeviceStatus::Connected { .. }
    ));
}

#[test]
fn unknown_devices_are_listed_with_descriptors_and_no_usb_means_simulated() {
    let mystery = device(
        "2-1",
        0x1234,
        0x5678,
        vec![InterfaceClass {
            number: 0,
            class: 0x08,
            subclass: 6,
            protocol: 0x50,
        }],
    );
    let mut reg = DeviceRegistry::new(
        DeviceMode::Auto,
        &UsbScan::Unavailable {
            reason: "no bus".into(),
        },
    );
    assert_eq!(reg.status(DeviceKind::Camera), DeviceStatus::Simulated);
    assert_eq!(reg.apply(&HotplugEvent::Arrived(mystery.clone())), None);
    assert_eq!(reg.devices(), &[mystery]);
    assert_eq!(reg.devices()[0].interfaces[0].class, 0x08);
    assert_eq!(
        reg.status(DeviceKind::FingerprintScanner),
        DeviceStatus::Simulated
    );
    // A UVC camera arrives: class driver.
    let cam = device(
        "2-2",
        0x046d,
        0x0825,
        vec![InterfaceClass {
            number: 0,
            class: 0x0e,
            subclass: 1,
            protocol: 0,
        }],
    );
    reg.apply(&HotplugEvent::Arrived(cam));
    assert!(matches!(
        reg.status(DeviceKind::Camera),
        DeviceStatus::Connected { .. }
    ));
}

#[test]
fn simulated_mode_ignores_real_devices() {
    let reg = DeviceRegistry::new(
        DeviceMode::Simulated,
        &UsbScan::Devices(vec![scanner("1-2")]),
    );
    assert_eq!(
        reg.status(DeviceKind::FingerprintScanner),
        DeviceStatus::Simulated
    );
    assert!(reg.device_for(DeviceKind::FingerprintScanner).is_none());
    assert_eq!(reg.devices().len(), 1, "still listed");
}
