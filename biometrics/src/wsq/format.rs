//! WSQ byte syntax: markers, table segments, frame header and block headers (spec v3.1 §A.2
//! and Annex A tables; numbers are big-endian, reals are a decimal scale byte and an integer).

use super::huffman::HuffTable;
use super::quant::QuantTable;
use super::tree::Q_TREE_LEN;
use super::wavelet::FilterBank;
use super::{Frame, MAX_PIXELS, WsqError};

/// The WSQ markers (0xFFA0–0xFFA8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum Marker {
    Soi = 0xFFA0,
    Eoi = 0xFFA1,
    Sof = 0xFFA2,
    Sob = 0xFFA3,
    Dtt = 0xFFA4,
    Dqt = 0xFFA5,
    Dht = 0xFFA6,
    Com = 0xFFA8,
}

impl Marker {
    fn from_u16(v: u16) -> Option<Self> {
        Some(match v {
            0xFFA0 => Self::Soi,
            0xFFA1 => Self::Eoi,
            0xFFA2 => Self::Sof,
            0xFFA3 => Self::Sob,
            0xFFA4 => Self::Dtt,
            0xFFA5 => Self::Dqt,
            0xFFA6 => Self::Dht,
            0xFFA8 => Self::Com,
            _ => return None,
        })
    }
}

/// Largest decimal scale tried when storing a real; 10^9 keeps u32 products exact in f64.
const MAX_SCALE: i32 = 9;

/// A positive real as (scale, integer) with the most digits that fit in `max`.
fn to_scaled(v: f64, max: f64) -> (u8, u64) {
    if v.is_nan() || v <= 0.0 {
        return (0, 0);
    }
    for scale in (0..=MAX_SCALE).rev() {
        let raw = (v * 10f64.powi(scale)).round();
        if raw <= max {
            return (scale as u8, raw as u64);
        }
    }
    (0, max as u64)
}

fn from_scaled(scale: u8, raw: u64) -> f64 {
    raw as f64 / 10f64.powi(i32::from(scale))
}

/// The value a real becomes once stored in a (scale, u16) pair.
pub fn stored_u16(v: f32) -> f32 {
    let (s, r) = to_scaled(f64::from(v), 65535.0);
    from_scaled(s, r) as f32
}

/// The quantisation table exactly as a decoder will read it back, so the encoder quantises
/// with the same bin widths the decoder reconstructs with.
pub fn as_stored(mut t: QuantTable) -> QuantTable {
    t.bin_center = stored_u16(t.bin_center);
    for k in 0..Q_TREE_LEN {
        t.q[k] = stored_u16(t.q[k]);
        t.z[k] = if t.q[k] == 0.0 {
            0.0
        } else {
            stored_u16(t.z[k])
        };
    }
    t
}

/// Builds a WSQ byte stream segment by segment.
pub struct Writer {
    out: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self { out: Vec::new() }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    pub fn marker(&mut self, m: Marker) {
        self.u16(m as u16);
    }

    fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    fn real_u16(&mut self, v: f32) {
        let (s, r) = to_scaled(f64::from(v), 65535.0);
        self.out.push(s);
        self.u16(r as u16);
    }

    /// A marker segment: marker, length (including itself), body.
    fn segment(&mut self, m: Marker, body: &[u8]) {
        self.marker(m);
        self.u16((body.len() + 2) as u16);
        self.out.extend_from_slice(body);
    }

    pub fn comment(&mut self, text: &[u8]) {
        let max = usize::from(u16::MAX) - 2;
        self.segment(Marker::Com, &text[..text.len().min(max)]);
    }

    /// The NIST_COM attribute list NBIS writes (and reads the resolution back from).
    pub fn nist_comment(&mut self, width: usize, height: usize, ppi: u16, bitrate: f32) {
        let text = format!(
            "NIST_COM 9\nPIX_WIDTH {width}\nPIX_HEIGHT {height}\nPIX_DEPTH 8\nPPI {ppi}\nLOSSY 1\n\
             COLORSPACE GRAY\nCOMPRESSION WSQ\nWSQ_BITRATE {bitrate:.6}"
        );
        self.comment(text.as_bytes());
    }

    /// DTT: filter lengths, then the right halves (centre first) of low- and high-pass.
    pub fn transform_table(&mut self, bank: &FilterBank) {
        let mut body = vec![bank.lo().len() as u8, bank.hi().len() as u8];
        for f in [bank.lo(), bank.hi()] {
            for &c in &f[f.len() / 2..] {
                let (s, r) = to_scaled(f64::from(c.abs()), f64::from(u32::MAX));
                body.push(u8::from(c < 0.0));
                body.push(s);
                body.extend_from_slice(&(r as u32).to_be_bytes());
            }
        }
        self.segment(Marker::Dtt, &body);
    }

    pub fn quantization_table(&mut self, t: &QuantTable) {
        let mut w = Writer::new();
        w.real_u16(t.bin_center);
        for k in 0..Q_TREE_LEN {
            w.real_u16(t.q[k]);
            w.real_u16(t.z[k]);
        }
        self.segment(Marker::Dqt, &w.out);
    }

    pub fn frame_header(&mut self, f: &Frame) {
        let mut w = Writer::new();
        w.out.extend_from_slice(&[0, 255]); // black and white levels
        w.u16(f.height as u16);
        w.u16(f.width as u16);
        w.real_u16(f.m_shift);
        w.real_u16(f.r_scale);
        w.out.push(2); // encoder number, as NBIS writes
        w.u16(0); // software implementation: unregistered
        self.segment(Marker::Sof, &w.out);
    }

    pub fn huffman_table(&mut self, id: u8, t: &HuffTable) {
        let mut body = vec![id];
        body.extend_from_slice(&t.bits);
        body.extend_from_slice(&t.values);
        self.segment(Marker::Dht, &body);
    }

    pub fn block(&mut self, table: u8, data: &[u8]) {
        self.segment(Marker::Sob, &[table]);
        self.out.extend_from_slice(data);
    }
}

/// Bounds-checked big-endian reader.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Offset of `data[0]` in the whole file, for error messages.
    base: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            base: 0,
        }
    }

    fn truncated(&self) -> WsqError {
        WsqError::Truncated {
            offset: self.base + self.pos,
        }
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], WsqError> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.truncated())?;
        let s = self
            .data
            .get(self.pos..end)
            .ok_or_else(|| self.truncated())?;
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, WsqError> {
        Ok(self.bytes(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, WsqError> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, WsqError> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn real_u16(&mut self) -> Result<f32, WsqError> {
        let s = self.u8()?;
        let r = self.u16()?;
        Ok(from_scaled(s, u64::from(r)) as f32)
    }

    fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// The body of a length-prefixed segment, as its own reader.
    fn segment(&mut self, name: &'static str) -> Result<Reader<'a>, WsqError> {
        let len = usize::from(self.u16()?);
        if len < 2 {
            return Err(WsqError::InvalidSegment {
                segment: name,
                reason: "length below 2",
            });
        }
        let base = self.base + self.pos;
        let data = self.bytes(len - 2)?;
        Ok(Reader { data, pos: 0, base })
    }

    /// Entropy-coded bytes up to (not including) the next marker.
    fn entropy_data(&mut self) -> Result<&'a [u8], WsqError> {
        let start = self.pos;
        let mut i = start;
        loop {
            match self.data.get(i) {
                None => {
                    self.pos = i;
                    return Err(self.truncated());
                }
                Some(0xFF) => match self.data.get(i + 1) {
                    None => {
                        self.pos = i + 1;
                        return Err(self.truncated());
                    }
                    Some(0x00) => i += 2,
                    Some(_) => break,
                },
                Some(_) => i += 1,
            }
        }
        self.pos = i;
        Ok(&self.data[start..i])
    }
}

/// One Huffman-coded block: its table and its (still byte-stuffed) data.
pub struct Block {
    pub table: u8,
    pub data: Vec<u8>,
}

/// Everything a WSQ file declares.
pub struct WsqFile {
    pub frame: Frame,
    pub transform: Option<FilterBank>,
    pub quant: Option<QuantTable>,
    pub huffman: [Option<HuffTable>; 8],
    pub blocks: Vec<Block>,
    pub ppi: Option<u16>,
}

/// Splits a WSQ stream into its segments, validating each.
pub fn parse(bytes: &[u8]) -> Result<WsqFile, WsqError> {
    let mut r = Reader::new(bytes);
    if bytes.len() < 2 || r.u16()? != Marker::Soi as u16 {
        return Err(WsqError::NotWsq);
    }
    let mut frame = None;
    let mut transform = None;
    let mut quant = None;
    let mut huffman: [Option<HuffTable>; 8] = Default::default();
    let mut blocks = Vec::new();
    let mut ppi = None;
    loop {
        let offset = r.pos;
        let raw = r.u16()?;
        let unexpected = WsqError::UnexpectedMarker {
            marker: raw,
            offset,
        };
        match (Marker::from_u16(raw), &frame) {
            (Some(Marker::Dtt), _) => transform = Some(parse_dtt(r.segment("DTT")?)?),
            (Some(Marker::Dqt), _) => quant = Some(parse_dqt(r.segment("DQT")?)?),
            (Some(Marker::Dht), _) => parse_dht(r.segment("DHT")?, &mut huffman)?,
            (Some(Marker::Com), _) => {
                let body = r.segment("COM")?;
                ppi = ppi.or_else(|| nist_ppi(body.data));
            }
            (Some(Marker::Sof), None) => frame = Some(parse_sof(r.segment("SOF")?)?),
            (Some(Marker::Sob), Some(_)) => {
                let mut h = r.segment("SOB")?;
                let table = h.u8()?;
                let data = r.entropy_data()?.to_vec();
                blocks.push(Block { table, data });
            }
            (Some(Marker::Eoi), Some(_)) => break,
            _ => return Err(unexpected),
        }
    }
    let frame = frame.ok_or(WsqError::MissingTable("SOF"))?;
    Ok(WsqFile {
        frame,
        transform,
        quant,
        huffman,
        blocks,
        ppi,
    })
}

fn parse_dtt(mut r: Reader<'_>) -> Result<FilterBank, WsqError> {
    let invalid = |reason| WsqError::InvalidSegment {
        segment: "DTT",
        reason,
    };
    let lo_len = usize::from(r.u8()?);
    let hi_len = usize::from(r.u8()?);
    if lo_len % 2 == 0 || hi_len % 2 == 0 || lo_len > 31 || hi_len > 31 {
        return Err(invalid("only odd filters of up to 31 taps are defined"));
    }
    let mut half = |len: usize| -> Result<Vec<f32>, WsqError> {
        (0..len.div_ceil(2))
            .map(|_| {
                let negative = r.u8()? != 0;
                let scale = r.u8()?;
                let v = from_scaled(scale, u64::from(r.u32()?)) as f32;
                Ok(if negative { -v } else { v })
            })
            .collect()
    };
    let lo = half(lo_len)?;
    let hi = half(hi_len)?;
    FilterBank::from_halves(&lo, &hi, lo_len, hi_len).ok_or(invalid("filter lengths"))
}

fn parse_dqt(mut r: Reader<'_>) -> Result<QuantTable, WsqError> {
    let bin_center = r.real_u16()?;
    let mut t = QuantTable {
        bin_center,
        q: [0.0; Q_TREE_LEN],
        z: [0.0; Q_TREE_LEN],
    };
    for k in 0..Q_TREE_LEN {
        t.q[k] = r.real_u16()?;
        t.z[k] = r.real_u16()?;
    }
    Ok(t)
}

fn parse_dht(mut r: Reader<'_>, tables: &mut [Option<HuffTable>; 8]) -> Result<(), WsqError> {
    let invalid = |reason| WsqError::InvalidSegment {
        segment: "DHT",
        reason,
    };
    if r.is_empty() {
        return Err(invalid("no table"));
    }
    while !r.is_empty() {
        let id = r.u8()?;
        let slot = tables
            .get_mut(usize::from(id))
            .ok_or(invalid("table id above 7"))?;
        let mut bits = [0u8; 16];
        bits.copy_from_slice(r.bytes(16)?);
        let n: usize = bits.iter().map(|&b| usize::from(b)).sum();
        if n > 256 {
            return Err(invalid("more than 256 codes"));
        }
        let values = r.bytes(n)?.to_vec();
        *slot = Some(HuffTable { bits, values });
    }
    Ok(())
}

fn parse_sof(mut r: Reader<'_>) -> Result<Frame, WsqError> {
    let _black = r.u8()?;
    let _white = r.u8()?;
    let height = usize::from(r.u16()?);
    let width = usize::from(r.u16()?);
    let m_shift = r.real_u16()?;
    let r_scale = r.real_u16()?;
    let _encoder = r.u8()?;
    let _software = r.u16()?;
    if width == 0 || height == 0 || width * height > MAX_PIXELS {
        return Err(WsqError::Size { width, height });
    }
    Ok(Frame {
        width,
        height,
        m_shift,
        r_scale,
    })
}

/// The `PPI` attribute of a NIST_COM comment, if this comment is one.
fn nist_ppi(text: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(text).ok()?;
    if !text.starts_with("NIST_COM") {
        return None;
    }
    text.lines()
        .find_map(|l| l.strip_prefix("PPI "))
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reals_keep_the_most_digits_that_fit() {
        assert_eq!(to_scaled(82.64, 65535.0), (2, 8264));
        assert_eq!(to_scaled(0.44, 65535.0), (5, 44000));
        assert_eq!(
            to_scaled(0.852_698_679, f64::from(u32::MAX)),
            (9, 852_698_679)
        );
        assert_eq!(to_scaled(0.0, 65535.0), (0, 0));
        assert!((stored_u16(205.1937) - 205.19).abs() < 1e-4);
    }

    #[test]
    fn nist_comment_gives_resolution() {
        assert_eq!(nist_ppi(b"NIST_COM 2\nPPI 500"), Some(500));
        assert_eq!(nist_ppi(b"PPI 500"), None);
        assert_eq!(nist_ppi(b"NIST_COM 2\nPPI -1"), None);
    }

    #[test]
    fn entropy_data_stops_at_a_marker_only() {
        let bytes = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xA1];
        let mut r = Reader::new(&bytes);
        assert_eq!(r.entropy_data().unwrap(), &bytes[..4]);
        assert_eq!(r.pos, 4);
        let mut r = Reader::new(&bytes[..3]);
        assert!(r.entropy_data().is_err());
    }
}
