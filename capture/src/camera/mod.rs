//! Cameras: the modality trait, frame decoding, and the simulated camera.
//!
//! Real UVC cameras go through V4L2 (Linux), behind the non-default cargo feature `v4l`
//! (the `v4l` crate needs libclang at build time); see docs/ARCHITECTURE.md for its state.
//! Every camera hands over [`RawFrame`]s in the format the device speaks (YUYV or MJPEG) and
//! the same [`decode`] turns them into RGB, so the simulated camera exercises the real
//! decoding path.

pub mod decode;
pub mod sim;
pub mod v4l2;
#[cfg(feature = "v4l")]
pub mod v4l2_device;

use thiserror::Error;

pub use decode::{DecodeError, PixelFormat, RawFrame, decode};
pub use sim::SimulatedCamera;
#[cfg(feature = "v4l")]
pub use v4l2_device::V4l2Camera;

use crate::message::OperatorMessage;

/// Adjustable settings, where the camera exposes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraControl {
    /// Exposure (V4L2 `exposure_absolute`), in the device's units.
    Exposure,
    /// Focus (V4L2 `focus_absolute`).
    Focus,
}

/// A control's range as the device reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlInfo {
    pub control: CameraControl,
    pub min: i32,
    pub max: i32,
    pub value: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CameraError {
    #[error("camera unplugged")]
    Disconnected,
    #[error("camera does not offer {0:?}")]
    NoSuchControl(CameraControl),
    #[error("{control:?} value {value} outside {min}..={max}")]
    OutOfRange {
        control: CameraControl,
        value: i32,
        min: i32,
        max: i32,
    },
    #[error("camera error: {0}")]
    Device(String),
    #[error("no V4L2 camera (/dev/video*) found")]
    NoDevice,
    #[error(
        "the camera offers no format the station can use (YUYV/MJPEG/RGB, ≥ 720 lines, ≥ 15 fps)"
    )]
    NoUsableFormat,
    #[error("bad frame from the camera: {0}")]
    BadFrame(String),
}

impl CameraError {
    pub fn message(&self) -> OperatorMessage {
        match self {
            CameraError::Disconnected => OperatorMessage::new(
                "Kamera terlepas. Pasang kembali kabelnya.",
                "Camera unplugged. Plug it back in.",
            ),
            CameraError::NoDevice => OperatorMessage::new(
                "Kamera tidak ditemukan (tidak ada /dev/video*). Pasang kamera USB; sementara memakai kamera simulasi.",
                "No camera found (no /dev/video*). Plug in a USB camera; using the simulated camera meanwhile.",
            ),
            CameraError::NoUsableFormat => OperatorMessage::new(
                "Kamera tidak mendukung format yang dibutuhkan (YUYV/MJPEG, minimal 720p, 15 fps). Ganti kamera.",
                "The camera offers no usable format (YUYV/MJPEG, at least 720p, 15 fps). Replace the camera.",
            ),
            _ => OperatorMessage::new(
                "Kamera bermasalah. Coba lagi.",
                "Camera problem. Try again.",
            ),
        }
    }
}

/// A source of frames.
pub trait Camera: Send {
    fn name(&self) -> &str;
    /// Blocks until the next frame.
    fn next_frame(&mut self) -> Result<RawFrame, CameraError>;
    fn controls(&self) -> Vec<ControlInfo>;
    fn set_control(&mut self, control: CameraControl, value: i32) -> Result<(), CameraError>;
}
