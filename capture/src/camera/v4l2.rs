//! UVC cameras through V4L2: the decisions, without I/O.
//!
//! A V4L2 adapter lists what the device offers (`VIDIOC_ENUM_FMT`, `ENUM_FRAMESIZES`,
//! `ENUM_FRAMEINTERVALS`, `QUERYCTRL`) and hands the lists here; this module picks the format,
//! plans control writes and validates each dequeued buffer before [`super::decode`] sees it.
//! Keeping these pure means they are tested without a camera (there is none on the build
//! machine) and the adapter stays a thin ioctl wrapper.

use std::path::{Path, PathBuf};

use super::decode::PixelFormat;
use super::{CameraControl, CameraError};

/// V4L2 control ids (linux/v4l2-controls.h, camera class base 0x009a0900).
pub const CID_EXPOSURE_AUTO: u32 = 0x009a_0901;
pub const CID_EXPOSURE_ABSOLUTE: u32 = 0x009a_0902;
pub const CID_FOCUS_ABSOLUTE: u32 = 0x009a_090a;
pub const CID_FOCUS_AUTO: u32 = 0x009a_090c;
/// `V4L2_EXPOSURE_MANUAL` in the `EXPOSURE_AUTO` menu.
pub const EXPOSURE_MANUAL: i32 = 1;

/// A fourcc as V4L2 reports it.
pub fn pixel_format(fourcc: [u8; 4]) -> Option<PixelFormat> {
    match &fourcc {
        b"YUYV" => Some(PixelFormat::Yuyv),
        b"MJPG" => Some(PixelFormat::Mjpeg),
        b"RGB3" => Some(PixelFormat::Rgb24),
        _ => None,
    }
}

/// One (format, size, frame rate) the device offers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Offer {
    pub fourcc: [u8; 4],
    pub width: u32,
    pub height: u32,
    pub fps: f32,
}

/// What the station wants from a camera.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FormatRequest {
    /// The preferred frame size (1920×1080: a token image needs ≥ 60 px between the eyes).
    pub width: u32,
    pub height: u32,
    /// Below this the face would be too small for the token image.
    pub min_height: u32,
    /// A live preview below this rate feels broken to the operator.
    pub min_fps: f32,
}

impl Default for FormatRequest {
    fn default() -> Self {
        Self {
            width: 1920,
            height: 1080,
            min_height: 720,
            min_fps: 15.0,
        }
    }
}

/// The chosen mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    pub format: PixelFormat,
    pub offer: Offer,
}

/// Picks the mode: among formats we decode, at least `min_height` and `min_fps`, the size
/// closest to the request; on a tie YUYV (lossless, cheaper to decode) before MJPEG before
/// RGB, then the higher rate. Over USB 2 a 1080p YUYV stream manages ~5 fps, so MJPEG wins
/// there by the rate rule, as it should.
pub fn choose_format(offers: &[Offer], want: &FormatRequest) -> Result<Choice, CameraError> {
    let rank = |f: PixelFormat| match f {
        PixelFormat::Yuyv => 0,
        PixelFormat::Mjpeg => 1,
        PixelFormat::Rgb24 => 2,
    };
    let distance = |o: &Offer| {
        (i64::from(o.width) - i64::from(want.width)).abs()
            + (i64::from(o.height) - i64::from(want.height)).abs()
    };
    offers
        .iter()
        .filter_map(|o| pixel_format(o.fourcc).map(|f| (f, *o)))
        .filter(|(_, o)| o.height >= want.min_height && o.fps >= want.min_fps)
        .min_by(|(fa, a), (fb, b)| {
            distance(a)
                .cmp(&distance(b))
                .then(rank(*fa).cmp(&rank(*fb)))
                .then(b.fps.total_cmp(&a.fps))
        })
        .map(|(format, offer)| Choice { format, offer })
        .ok_or(CameraError::NoUsableFormat)
}

/// A control as `VIDIOC_QUERYCTRL` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlDesc {
    pub id: u32,
    pub min: i32,
    pub max: i32,
    pub step: i32,
    pub value: i32,
}

/// Which V4L2 control a station control is, and the automatic mode to switch off first.
fn cids(control: CameraControl) -> (u32, (u32, i32)) {
    match control {
        CameraControl::Exposure => (CID_EXPOSURE_ABSOLUTE, (CID_EXPOSURE_AUTO, EXPOSURE_MANUAL)),
        CameraControl::Focus => (CID_FOCUS_ABSOLUTE, (CID_FOCUS_AUTO, 0)),
    }
}

/// The station's view of a device's controls.
pub fn map_controls(descs: &[ControlDesc]) -> Vec<super::ControlInfo> {
    [CameraControl::Exposure, CameraControl::Focus]
        .into_iter()
        .filter_map(|c| {
            let id = cids(c).0;
            descs
                .iter()
                .find(|d| d.id == id)
                .map(|d| super::ControlInfo {
                    control: c,
                    min: d.min,
                    max: d.max,
                    value: d.value,
                })
        })
        .collect()
}

/// The `VIDIOC_S_CTRL` writes that set `control` to `value`: automatic mode off (when the
/// device has it, else the absolute value is ignored by UVC firmware), then the value
/// rounded to the control's step.
pub fn plan_control(
    descs: &[ControlDesc],
    control: CameraControl,
    value: i32,
) -> Result<Vec<(u32, i32)>, CameraError> {
    let (id, (auto_id, manual)) = cids(control);
    let d = descs
        .iter()
        .find(|d| d.id == id)
        .ok_or(CameraError::NoSuchControl(control))?;
    if !(d.min..=d.max).contains(&value) {
        return Err(CameraError::OutOfRange {
            control,
            value,
            min: d.min,
            max: d.max,
        });
    }
    let step = d.step.max(1);
    let aligned = (d.min + (value - d.min) / step * step).clamp(d.min, d.max);
    let mut writes = Vec::new();
    if descs.iter().any(|d| d.id == auto_id) {
        writes.push((auto_id, manual));
    }
    writes.push((id, aligned));
    Ok(writes)
}

/// Checks a dequeued buffer (`bytesused` bytes) before decoding: a YUYV/RGB frame must be
/// complete, an MJPEG frame must start with SOI and hold an EOI (UVC cameras pad after it;
/// a frame cut by a USB hiccup lacks it and is dropped instead of decoded as garbage).
pub fn validate_frame(choice: &Choice, data: &[u8]) -> Result<(), CameraError> {
    let (w, h) = (choice.offer.width as usize, choice.offer.height as usize);
    let bad = |why: &str| Err(CameraError::BadFrame(why.to_owned()));
    match choice.format {
        PixelFormat::Yuyv if data.len() != w * h * 2 => bad("YUYV frame of the wrong length"),
        PixelFormat::Rgb24 if data.len() != w * h * 3 => bad("RGB frame of the wrong length"),
        PixelFormat::Mjpeg if !data.starts_with(&[0xff, 0xd8]) => bad("MJPEG frame without SOI"),
        PixelFormat::Mjpeg if !data.windows(2).rev().any(|p| p == [0xff, 0xd9]) => {
            bad("MJPEG frame without EOI (truncated)")
        }
        _ => Ok(()),
    }
}

/// The V4L2 capture nodes under `dev` (`/dev` on a station), sorted; a clear error when
/// there is none, so the station falls back to the simulated camera and says why.
pub fn find_devices(dev: &Path) -> Result<Vec<PathBuf>, CameraError> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dev)
        .map_err(|_| CameraError::NoDevice)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix("video"))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(CameraError::NoDevice);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(f: &[u8; 4], width: u32, height: u32, fps: f32) -> Offer {
        Offer {
            fourcc: *f,
            width,
            height,
            fps,
        }
    }

    /// A typical USB 2 webcam (Logitech C920-like list).
    fn c920() -> Vec<Offer> {
        vec![
            offer(b"YUYV", 640, 480, 30.0),
            offer(b"YUYV", 1280, 720, 10.0),
            offer(b"YUYV", 1920, 1080, 5.0),
            offer(b"MJPG", 1280, 720, 30.0),
            offer(b"MJPG", 1920, 1080, 30.0),
            offer(b"H264", 1920, 1080, 30.0),
        ]
    }

    #[test]
    fn a_usb2_webcam_gets_1080p_mjpeg_because_yuyv_is_too_slow_there() {
        let c = choose_format(&c920(), &FormatRequest::default()).unwrap();
        assert_eq!(c.format, PixelFormat::Mjpeg);
        assert_eq!((c.offer.width, c.offer.height), (1920, 1080));
    }

    #[test]
    fn yuyv_wins_a_tie_and_unusable_lists_are_an_error() {
        let offers = [
            offer(b"MJPG", 1920, 1080, 30.0),
            offer(b"YUYV", 1920, 1080, 30.0),
        ];
        let c = choose_format(&offers, &FormatRequest::default()).unwrap();
        assert_eq!(c.format, PixelFormat::Yuyv);
        // Only H.264, or only VGA: nothing the station can use.
        for offers in [
            vec![offer(b"H264", 1920, 1080, 30.0)],
            vec![offer(b"YUYV", 640, 480, 30.0)],
            vec![],
        ] {
            assert_eq!(
                choose_format(&offers, &FormatRequest::default()),
                Err(CameraError::NoUsableFormat)
            );
        }
    }

    #[test]
    fn setting_exposure_switches_auto_exposure_off_first_and_respects_the_step() {
        let descs = [
            ControlDesc {
                id: CID_EXPOSURE_AUTO,
                min: 0,
                max: 3,
                step: 1,
                value: 3,
            },
            ControlDesc {
                id: CID_EXPOSURE_ABSOLUTE,
                min: 3,
                max: 2047,
                step: 4,
                value: 250,
            },
        ];
        assert_eq!(
            plan_control(&descs, CameraControl::Exposure, 300).unwrap(),
            vec![
                (CID_EXPOSURE_AUTO, EXPOSURE_MANUAL),
                (CID_EXPOSURE_ABSOLUTE, 299)
            ]
        );
        assert!(matches!(
            plan_control(&descs, CameraControl::Exposure, 5000),
            Err(CameraError::OutOfRange { max: 2047, .. })
        ));
        // No focus control on this camera (fixed-focus webcams are common).
        assert_eq!(
            plan_control(&descs, CameraControl::Focus, 10),
            Err(CameraError::NoSuchControl(CameraControl::Focus))
        );
        let infos = map_controls(&descs);
        assert_eq!(infos.len(), 1);
        assert_eq!(
            (infos[0].control, infos[0].value),
            (CameraControl::Exposure, 250)
        );
    }

    #[test]
    fn truncated_and_short_frames_are_rejected_before_decoding() {
        let mjpeg = Choice {
            format: PixelFormat::Mjpeg,
            offer: offer(b"MJPG", 4, 2, 30.0),
        };
        assert!(validate_frame(&mjpeg, &[0xff, 0xd8, 1, 2, 0xff, 0xd9, 0, 0]).is_ok());
        assert!(validate_frame(&mjpeg, &[0xff, 0xd8, 1, 2, 3]).is_err());
        assert!(validate_frame(&mjpeg, &[0, 0xd8, 0xff, 0xd9]).is_err());
        assert!(validate_frame(&mjpeg, &[]).is_err());
        let yuyv = Choice {
            format: PixelFormat::Yuyv,
            offer: offer(b"YUYV", 4, 2, 30.0),
        };
        assert!(validate_frame(&yuyv, &[0; 16]).is_ok());
        assert!(validate_frame(&yuyv, &[0; 15]).is_err());
    }

    #[test]
    fn no_video_nodes_is_a_clear_bilingual_error() {
        let dir = std::env::temp_dir().join(format!("rekam-v4l2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("videoX"), b"").unwrap();
        std::fs::write(dir.join("null"), b"").unwrap();
        let err = find_devices(&dir).unwrap_err();
        assert_eq!(err, CameraError::NoDevice);
        let m = err.message();
        assert!(m.id.contains("Kamera") && m.en.contains("camera"), "{m}");
        std::fs::write(dir.join("video2"), b"").unwrap();
        std::fs::write(dir.join("video0"), b"").unwrap();
        assert_eq!(
            find_devices(&dir).unwrap(),
            vec![dir.join("video0"), dir.join("video2")]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
