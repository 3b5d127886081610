//! The V4L2 adapter (cargo feature `v4l`): a thin ioctl wrapper around the `v4l` crate. Every
//! decision — which format, which control writes, whether a buffer is a whole frame — is made
//! by the pure functions in [`super::v4l2`]; this file only asks the device and obeys.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use v4l::buffer::Type;
use v4l::control::{Control, Value};
use v4l::frameinterval::FrameIntervalEnum;
use v4l::framesize::FrameSizeEnum;
use v4l::io::mmap::Stream;
use v4l::io::traits::CaptureStream;
use v4l::video::Capture;
use v4l::video::capture::Parameters;
use v4l::{Device, Format, FourCC};

use super::v4l2::{
    Choice, ControlDesc, FormatRequest, Offer, choose_format, map_controls, plan_control,
    validate_frame,
};
use super::{Camera, CameraControl, CameraError, ControlInfo, RawFrame};

/// Linux `ENODEV`: the device node's camera is gone.
const ENODEV: i32 = 19;

/// Buffers the driver fills while we decode: enough to ride out one slow frame.
const BUFFERS: u32 = 4;

/// A UVC camera opened through V4L2, streaming the mode [`choose_format`] picked.
pub struct V4l2Camera {
    name: String,
    device: Device,
    stream: Stream<'static>,
    choice: Choice,
    controls: Vec<ControlDesc>,
}

impl V4l2Camera {
    /// Opens `path` (e.g. `/dev/video0`), negotiates the format and starts streaming.
    pub fn open(path: &Path, want: &FormatRequest) -> Result<Self, CameraError> {
        let device = Device::with_path(path).map_err(|e| open_error(path, &e))?;
        let name = capture_card_name(&device, path)?;
        let choice = choose_format(&offers(&device)?, want)?;
        apply_format(&device, &choice)?;
        let controls = query_controls(&device)?;
        let stream = Stream::with_buffers(&device, Type::VideoCapture, BUFFERS)
            .map_err(|e| device_error("VIDIOC_REQBUFS/mmap", &e))?;
        Ok(Self {
            name,
            device,
            stream,
            choice,
            controls,
        })
    }

    /// The mode the camera streams.
    pub fn choice(&self) -> Choice {
        self.choice
    }
}

impl Camera for V4l2Camera {
    fn name(&self) -> &str {
        &self.name
    }

    fn next_frame(&mut self) -> Result<RawFrame, CameraError> {
        let (buffer, meta) = self.stream.next().map_err(|e| stream_error(&e))?;
        let used = (meta.bytesused as usize).min(buffer.len());
        let data = &buffer[..used];
        validate_frame(&self.choice, data)?;
        Ok(RawFrame {
            format: self.choice.format,
            width: self.choice.offer.width,
            height: self.choice.offer.height,
            sequence: u64::from(meta.sequence),
            data: data.to_vec(),
        })
    }

    fn controls(&self) -> Vec<ControlInfo> {
        map_controls(&self.controls)
    }

    fn set_control(&mut self, control: CameraControl, value: i32) -> Result<(), CameraError> {
        for (id, v) in plan_control(&self.controls, control, value)? {
            self.device
                .set_control(Control {
                    id,
                    value: Value::Integer(i64::from(v)),
                })
                .map_err(|e| device_error("VIDIOC_S_CTRL", &e))?;
        }
        self.controls = query_controls(&self.device)?;
        Ok(())
    }
}

/// `VIDIOC_QUERYCAP`: the node must be a streaming capture device (a UVC camera's second
/// node carries metadata only); its card name (e.g. "HD Pro Webcam C920") names the camera.
fn capture_card_name(device: &Device, path: &Path) -> Result<String, CameraError> {
    let caps = device
        .query_caps()
        .map_err(|e| CameraError::Device(format!("{}: not a V4L2 device ({e})", path.display())))?;
    let wanted = v4l::capability::Flags::VIDEO_CAPTURE | v4l::capability::Flags::STREAMING;
    if !caps.capabilities.contains(wanted) {
        return Err(CameraError::Device(format!(
            "{}: {} cannot stream video",
            path.display(),
            caps.card
        )));
    }
    Ok(format!("{} ({})", caps.card, path.display()))
}

/// Every (format, size, rate) the device lists. Stepwise sizes offer their bounds and, when
/// it fits, the station's preferred 1920×1080; stepwise rates offer their fastest rate.
fn offers(device: &Device) -> Result<Vec<Offer>, CameraError> {
    let formats = device
        .enum_formats()
        .map_err(|e| device_error("VIDIOC_ENUM_FMT", &e))?;
    let mut offers = Vec::new();
    for format in formats {
        let fourcc = format.fourcc;
        for size in device.enum_framesizes(fourcc).unwrap_or_default() {
            for (width, height) in sizes(size.size) {
                for fps in rates(device, fourcc, width, height) {
                    offers.push(Offer {
                        fourcc: fourcc.repr,
                        width,
                        height,
                        fps,
                    });
                }
            }
        }
    }
    Ok(offers)
}

fn sizes(size: FrameSizeEnum) -> Vec<(u32, u32)> {
    match size {
        FrameSizeEnum::Discrete(d) => vec![(d.width, d.height)],
        FrameSizeEnum::Stepwise(s) => {
            let mut v = vec![(s.min_width, s.min_height), (s.max_width, s.max_height)];
            let fits_w = (s.min_width..=s.max_width).contains(&1920)
                && (1920 - s.min_width) % s.step_width.max(1) == 0;
            let fits_h = (s.min_height..=s.max_height).contains(&1080)
                && (1080 - s.min_height) % s.step_height.max(1) == 0;
            if fits_w && fits_h {
                v.push((1920, 1080));
            }
            v
        }
    }
}

fn rates(device: &Device, fourcc: FourCC, width: u32, height: u32) -> Vec<f32> {
    let fps = |num: u32, den: u32| {
        if num == 0 {
            0.0
        } else {
            den as f32 / num as f32
        }
    };
    device
        .enum_frameintervals(fourcc, width, height)
        .unwrap_or_default()
        .into_iter()
        .map(|i| match i.interval {
            FrameIntervalEnum::Discrete(f) => fps(f.numerator, f.denominator),
            FrameIntervalEnum::Stepwise(s) => fps(s.min.numerator, s.min.denominator),
        })
        .collect()
}

/// `VIDIOC_S_FMT` then `VIDIOC_S_PARM`; a driver that adjusts the size is refused rather
/// than streamed with frames [`validate_frame`] would reject one by one.
fn apply_format(device: &Device, choice: &Choice) -> Result<(), CameraError> {
    let o = choice.offer;
    let wanted = Format::new(o.width, o.height, FourCC::new(&o.fourcc));
    let got = device
        .set_format(&wanted)
        .map_err(|e| device_error("VIDIOC_S_FMT", &e))?;
    if (got.width, got.height, got.fourcc.repr) != (o.width, o.height, o.fourcc) {
        return Err(CameraError::NoUsableFormat);
    }
    device
        .set_params(&Parameters::with_fps(o.fps.round().max(1.0) as u32))
        .map_err(|e| device_error("VIDIOC_S_PARM", &e))?;
    Ok(())
}

/// `VIDIOC_QUERY_EXT_CTRL` for every control, then the current values of the ones we map.
fn query_controls(device: &Device) -> Result<Vec<ControlDesc>, CameraError> {
    // v4l 0.14 unwraps the control type and name the kernel reports; a driver reporting a
    // type the crate does not know would panic inside it, so that becomes a device error.
    let descs = catch_unwind(AssertUnwindSafe(|| device.query_controls()))
        .map_err(|_| CameraError::Device("VIDIOC_QUERY_EXT_CTRL: unknown control type".into()))?
        .map_err(|e| device_error("VIDIOC_QUERY_EXT_CTRL", &e))?;
    Ok(descs
        .into_iter()
        .map(|d| {
            let value = match device.control(d.id).map(|c| c.value) {
                Ok(Value::Integer(v)) => clamp_i32(v),
                Ok(Value::Boolean(b)) => i32::from(b),
                _ => clamp_i32(d.default),
            };
            ControlDesc {
                id: d.id,
                min: clamp_i32(d.minimum),
                max: clamp_i32(d.maximum),
                step: i32::try_from(d.step).unwrap_or(1),
                value,
            }
        })
        .collect())
}

fn clamp_i32(v: i64) -> i32 {
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

fn open_error(path: &Path, e: &std::io::Error) -> CameraError {
    match e.kind() {
        std::io::ErrorKind::NotFound => CameraError::NoDevice,
        _ => CameraError::Device(format!("{}: {e}", path.display())),
    }
}

/// ENODEV after unplugging: the station shows "camera unplugged" and reopens on replug.
fn stream_error(e: &std::io::Error) -> CameraError {
    match e.raw_os_error() {
        Some(ENODEV) => CameraError::Disconnected,
        _ => device_error("VIDIOC_DQBUF", e),
    }
}

fn device_error(what: &str, e: &std::io::Error) -> CameraError {
    CameraError::Device(format!("{what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_device_is_no_device_not_a_panic() {
        let err = V4l2Camera::open(
            Path::new("/dev/video-rekam-missing"),
            &FormatRequest::default(),
        )
        .err();
        assert_eq!(err, Some(CameraError::NoDevice));
    }

    #[test]
    fn a_node_that_is_not_a_camera_is_a_device_error() {
        // /dev/null opens but answers no V4L2 ioctl.
        let err = V4l2Camera::open(Path::new("/dev/null"), &FormatRequest::default()).err();
        assert!(matches!(err, Some(CameraError::Device(_))), "{err:?}");
    }

    #[test]
    fn stepwise_sizes_offer_bounds_and_1080p_when_on_the_grid() {
        let s = v4l::framesize::Stepwise {
            min_width: 320,
            max_width: 3840,
            step_width: 16,
            min_height: 240,
            max_height: 2160,
            step_height: 8,
        };
        let got = sizes(FrameSizeEnum::Stepwise(s));
        assert!(got.contains(&(1920, 1080)));
        assert!(got.contains(&(320, 240)) && got.contains(&(3840, 2160)));
    }
}
