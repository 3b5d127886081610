//! Frame decoding as pure functions: YUYV 4:2:2 and MJPEG (as UVC cameras send them) to RGB.

use image::RgbImage;
use thiserror::Error;

/// How a camera encodes its frames (V4L2 fourcc names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// `YUYV`: Y0 U Y1 V per two pixels, BT.601 limited range.
    Yuyv,
    /// `MJPG`: one baseline JPEG per frame, often without Huffman tables.
    Mjpeg,
    /// `RGB3`: packed 8-bit RGB.
    Rgb24,
}

/// One frame as it came from the device. Pixels are biometric data: `Debug` hides them.
#[derive(Clone)]
pub struct RawFrame {
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
    pub sequence: u64,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for RawFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawFrame")
            .field("format", &self.format)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("sequence", &self.sequence)
            .field("bytes", &self.data.len())
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("{format:?} frame of {width}×{height} needs {expected} bytes, got {actual}")]
    Size {
        format: PixelFormat,
        width: u32,
        height: u32,
        expected: usize,
        actual: usize,
    },
    #[error("YUYV needs an even width, got {0}")]
    OddWidth(u32),
    #[error("not a JPEG frame: {0}")]
    Jpeg(String),
    #[error("JPEG is {got_w}×{got_h}, the stream announced {want_w}×{want_h}")]
    Dimensions {
        want_w: u32,
        want_h: u32,
        got_w: u32,
        got_h: u32,
    },
}

/// Decodes any supported frame to RGB.
pub fn decode(frame: &RawFrame) -> Result<RgbImage, DecodeError> {
    match frame.format {
        PixelFormat::Yuyv => yuyv_to_rgb(&frame.data, frame.width, frame.height),
        PixelFormat::Mjpeg => mjpeg_to_rgb(&frame.data, frame.width, frame.height),
        PixelFormat::Rgb24 => {
            let expected = frame.width as usize * frame.height as usize * 3;
            if frame.data.len() < expected || expected == 0 {
                return Err(size_error(
                    frame.format,
                    frame.width,
                    frame.height,
                    expected,
                    frame.data.len(),
                ));
            }
            RgbImage::from_raw(frame.width, frame.height, frame.data[..expected].to_vec())
                .ok_or_else(|| {
                    size_error(
                        frame.format,
                        frame.width,
                        frame.height,
                        expected,
                        frame.data.len(),
                    )
                })
        }
    }
}

fn size_error(
    format: PixelFormat,
    width: u32,
    height: u32,
    expected: usize,
    actual: usize,
) -> DecodeError {
    DecodeError::Size {
        format,
        width,
        height,
        expected,
        actual,
    }
}

#[inline]
fn clamp8(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

/// BT.601 limited-range YUYV → RGB (integer arithmetic, as libv4lconvert does).
pub fn yuyv_to_rgb(data: &[u8], width: u32, height: u32) -> Result<RgbImage, DecodeError> {
    if !width.is_multiple_of(2) {
        return Err(DecodeError::OddWidth(width));
    }
    let expected = width as usize * height as usize * 2;
    if data.len() < expected || expected == 0 {
        return Err(size_error(
            PixelFormat::Yuyv,
            width,
            height,
            expected,
            data.len(),
        ));
    }
    let mut out = Vec::with_capacity(width as usize * height as usize * 3);
    for q in data[..expected].chunks_exact(4) {
        let (u, v) = (i32::from(q[1]) - 128, i32::from(q[3]) - 128);
        let (ru, gu, gv, bv) = (0, -100 * u, -208 * v, 0);
        let (rv, bu) = (409 * v, 516 * u);
        for y in [q[0], q[2]] {
            let c = 298 * (i32::from(y) - 16);
            out.push(clamp8((c + rv + ru + 128) >> 8));
            out.push(clamp8((c + gu + gv + 128) >> 8));
            out.push(clamp8((c + bu + bv + 128) >> 8));
        }
    }
    RgbImage::from_raw(width, height, out)
        .ok_or_else(|| size_error(PixelFormat::Yuyv, width, height, expected, data.len()))
}

/// RGB → YUYV (BT.601 limited range, chroma averaged over each pixel pair): what a UVC
/// camera sends; the simulated camera uses it so its frames take the real decode path.
pub fn rgb_to_yuyv(rgb: &RgbImage) -> Vec<u8> {
    let (w, h) = rgb.dimensions();
    let mut out = Vec::with_capacity(w as usize * h as usize * 2);
    let px = rgb.as_raw();
    for pair in px.chunks_exact(6) {
        let yuv = |p: &[u8]| {
            let (r, g, b) = (i32::from(p[0]), i32::from(p[1]), i32::from(p[2]));
            let y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
            let u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
            let v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
            (y, u, v)
        };
        let (y0, u0, v0) = yuv(&pair[..3]);
        let (y1, u1, v1) = yuv(&pair[3..]);
        out.extend_from_slice(&[
            clamp8(y0),
            clamp8((u0 + u1) / 2),
            clamp8(y1),
            clamp8((v0 + v1) / 2),
        ]);
    }
    out
}

/// MJPEG frame → RGB. UVC cameras usually omit the Huffman tables (the USB Video Class
/// MJPEG payload spec makes them implicit); the standard tables of ITU-T T.81 Annex K.3 are
/// inserted when the frame has none.
pub fn mjpeg_to_rgb(data: &[u8], width: u32, height: u32) -> Result<RgbImage, DecodeError> {
    let jpeg = with_huffman_tables(data)?;
    let img = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg)
        .map_err(|e| DecodeError::Jpeg(e.to_string()))?
        .to_rgb8();
    if img.dimensions() != (width, height) {
        return Err(DecodeError::Dimensions {
            want_w: width,
            want_h: height,
            got_w: img.width(),
            got_h: img.height(),
        });
    }
    Ok(img)
}

/// Returns the JPEG with a DHT segment before SOS if it had none.
pub fn with_huffman_tables(data: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, DecodeError> {
    if data.len() < 4 || data[0] != 0xff || data[1] != 0xd8 {
        return Err(DecodeError::Jpeg("no SOI marker".into()));
    }
    let mut i = 2;
    while i + 4 <= data.len() {
        if data[i] != 0xff {
            return Err(DecodeError::Jpeg(format!("expected a marker at byte {i}")));
        }
        let marker = data[i + 1];
        match marker {
            0xc4 => return Ok(std::borrow::Cow::Borrowed(data)),
            0xda => {
                let mut out = Vec::with_capacity(data.len() + STANDARD_DHT.len());
                out.extend_from_slice(&data[..i]);
                out.extend_from_slice(STANDARD_DHT);
                out.extend_from_slice(&data[i..]);
                return Ok(std::borrow::Cow::Owned(out));
            }
            0xff => i += 1, // fill byte
            _ => {
                let len = usize::from(u16::from_be_bytes([data[i + 2], data[i + 3]]));
                if len < 2 {
                    return Err(DecodeError::Jpeg(format!(
                        "segment length {len} at byte {i}"
                    )));
                }
                i += 2 + len;
            }
        }
    }
    Err(DecodeError::Jpeg("no SOS marker".into()))
}

/// DHT segment with the four tables of ITU-T T.81 Annex K.3 (K.3.3.1 and K.3.3.2).
const STANDARD_DHT: &[u8] = &[
    0xff, 0xc4, 0x01, 0xa2, // DHT, length 418
    0x00, // DC luminance
    0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, //
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,   //
    0x01, // DC chrominance
    0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, //
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,   //
    0x10, // AC luminance
    0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d, //
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61,
    0x07, //
    0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1,
    0xf0, //
    0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27,
    0x28, //
    0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
    0x49, //
    0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
    0x69, //
    0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
    0x89, //
    0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6,
    0xa7, //
    0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4,
    0xc5, //
    0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1,
    0xe2, //
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
    0xf8, //
    0xf9, 0xfa, //
    0x11, // AC chrominance
    0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77, //
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61,
    0x71, //
    0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52,
    0xf0, //
    0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a,
    0x26, //
    0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47,
    0x48, //
    0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67,
    0x68, //
    0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86,
    0x87, //
    0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4,
    0xa5, //
    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2,
    0xc3, //
    0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9,
    0xda, //
    0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
    0xf8, //
    0xf9, 0xfa,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn test_card(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([
                (x * 255 / w) as u8,
                (y * 255 / h) as u8,
                ((x + y) % 256) as u8,
            ])
        })
    }

    #[test]
    fn yuyv_round_trip_is_close() {
        let rgb = test_card(64, 16);
        let back = yuyv_to_rgb(&rgb_to_yuyv(&rgb), 64, 16).unwrap();
        // Chroma is shared by pixel pairs, so neighbouring colours blur a little.
        let worst = rgb
            .as_raw()
            .iter()
            .zip(back.as_raw())
            .map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs())
            .max()
            .unwrap();
        assert!(worst <= 12, "worst channel error {worst}");
        // Pure grey survives exactly (no chroma).
        let grey = RgbImage::from_pixel(4, 2, image::Rgb([100, 100, 100]));
        let g = yuyv_to_rgb(&rgb_to_yuyv(&grey), 4, 2).unwrap();
        assert!(
            g.pixels()
                .all(|p| p.0.iter().all(|&c| (99..=101).contains(&c)))
        );
    }

    #[test]
    fn yuyv_rejects_short_and_odd_frames() {
        assert!(matches!(
            yuyv_to_rgb(&[0; 10], 4, 2),
            Err(DecodeError::Size {
                expected: 16,
                actual: 10,
                ..
            })
        ));
        assert_eq!(
            yuyv_to_rgb(&[0; 12], 3, 2).unwrap_err(),
            DecodeError::OddWidth(3)
        );
    }

    fn strip_dht(jpeg: &[u8]) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        let mut i = 2;
        while i + 4 <= jpeg.len() {
            let marker = jpeg[i + 1];
            if marker == 0xda {
                out.extend_from_slice(&jpeg[i..]);
                break;
            }
            let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
            if marker != 0xc4 {
                out.extend_from_slice(&jpeg[i..i + 2 + len]);
            }
            i += 2 + len;
        }
        out
    }

    #[test]
    fn mjpeg_without_huffman_tables_decodes_like_the_full_jpeg() {
        let rgb = test_card(64, 48);
        let mut full = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut full, 85)
            .encode_image(&rgb)
            .unwrap();
        let bare = strip_dht(&full);
        assert!(bare.len() < full.len() && !bare.windows(2).any(|w| w == [0xff, 0xc4]));
        let a = mjpeg_to_rgb(&full, 64, 48).unwrap();
        let b = mjpeg_to_rgb(&bare, 64, 48).unwrap();
        assert_eq!(a, b);
        assert!(matches!(
            mjpeg_to_rgb(&full, 32, 48),
            Err(DecodeError::Dimensions { .. })
        ));
    }

    #[test]
    fn truncated_and_garbage_mjpeg_are_errors() {
        let rgb = test_card(32, 32);
        let mut full = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut full)
            .encode_image(&rgb)
            .unwrap();
        for cut in [0, 3, 20, full.len() / 2] {
            let _ = mjpeg_to_rgb(&full[..cut], 32, 32)
                .map(|img| assert_eq!(img.dimensions(), (32, 32)));
        }
        assert!(mjpeg_to_rgb(&full[..3], 32, 32).is_err());
        assert!(mjpeg_to_rgb(b"\xff\xd8\x00\x00garbage", 32, 32).is_err());
        assert!(mjpeg_to_rgb(b"\xff\xd8\xff\xe0\x00\x01", 32, 32).is_err());
    }
}
