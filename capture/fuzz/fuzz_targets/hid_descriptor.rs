//! Any bytes as a HID report descriptor, then the rest as a pen report.
#![no_main]
use capture::signature::hid::{PenLayout, parse_descriptor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    let (desc, report) = data.split_at(split);
    if let Ok(d) = parse_descriptor(desc)
        && let Ok(pen) = PenLayout::from_descriptor(&d)
    {
        let _ = pen.parse_report(report);
    }
});
