//! Any bytes as a YUYV or MJPEG camera frame.
#![no_main]
use capture::camera::decode::{mjpeg_to_rgb, yuyv_to_rgb};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = yuyv_to_rgb(data, 16, 8);
    let _ = mjpeg_to_rgb(data, 32, 32);
});
