//! BER-TLV (ISO/IEC 7816-4 §5.2, ITU X.690 subset): the encoding of every chip file and of the
//! FCP/FCI templates. Tags are kept as the raw big-endian bytes (0x5F1F, 0x7F61, …) so they read
//! like the standards' tables; lengths use the short form up to 127 and 81/82/83 long forms above.

use thiserror::Error;

/// How deep constructed objects may nest before the parser gives up (chip files nest 3–4 deep).
const MAX_DEPTH: usize = 16;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum TlvError {
    #[error(
        "data TLV terpotong: butuh {needed} byte lagi / TLV truncated: {needed} more bytes needed"
    )]
    Truncated { needed: usize },
    #[error("tag TLV terlalu panjang / TLV tag longer than 3 bytes")]
    TagTooLong,
    #[error("panjang TLV tidak didukung (0x{0:02X}) / unsupported TLV length form 0x{0:02X}")]
    BadLength(u8),
    #[error("TLV bersarang terlalu dalam / TLV nested deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("tag 0x{want:X} tidak ditemukan / tag 0x{want:X} missing")]
    Missing { want: u32 },
    #[error("byte sisa setelah TLV / {0} trailing bytes after the TLV")]
    Trailing(usize),
}

/// One data object: a tag and its value (primitive bytes, or nested objects when constructed).
#[derive(Clone, PartialEq, Eq)]
pub struct Tlv {
    pub tag: u32,
    pub value: Value,
}

#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    Primitive(Vec<u8>),
    Constructed(Vec<Tlv>),
}

/// Values may hold biometric data or a NIK: Debug shows tags and sizes only.
impl std::fmt::Debug for Tlv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.value {
            Value::Primitive(v) => write!(f, "{:X}[{} B]", self.tag, v.len()),
            Value::Constructed(c) => f
                .debug_map()
                .entry(&format_args!("{:X}", self.tag), c)
                .finish(),
        }
    }
}

/// Bit 6 of the first tag byte marks a constructed object.
pub fn is_constructed(tag: u32) -> bool {
    first_tag_byte(tag) & 0x20 != 0
}

fn first_tag_byte(tag: u32) -> u8 {
    let bytes = tag.to_be_bytes();
    bytes.iter().copied().find(|b| *b != 0).unwrap_or(0)
}

impl Tlv {
    pub fn primitive(tag: u32, value: impl Into<Vec<u8>>) -> Self {
        Self {
            tag,
            value: Value::Primitive(value.into()),
        }
    }

    pub fn constructed(tag: u32, children: Vec<Tlv>) -> Self {
        Self {
            tag,
            value: Value::Constructed(children),
        }
    }

    /// The bytes of a primitive object (a constructed one has none of its own).
    pub fn bytes(&self) -> &[u8] {
        match &self.value {
            Value::Primitive(v) => v,
            Value::Constructed(_) => &[],
        }
    }

    pub fn children(&self) -> &[Tlv] {
        match &self.value {
            Value::Primitive(_) => &[],
            Value::Constructed(c) => c,
        }
    }

    /// The first direct child with `tag`.
    pub fn find(&self, tag: u32) -> Option<&Tlv> {
        self.children().iter().find(|c| c.tag == tag)
    }

    /// Like [`Tlv::find`] but a missing tag is an error.
    pub fn require(&self, tag: u32) -> Result<&Tlv, TlvError> {
        self.find(tag).ok_or(TlvError::Missing { want: tag })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let value = match &self.value {
            Value::Primitive(v) => std::borrow::Cow::Borrowed(v),
            Value::Constructed(children) => {
                let mut inner = Vec::new();
                for c in children {
                    c.encode_into(&mut inner);
                }
                std::borrow::Cow::Owned(inner)
            }
        };
        encode_tag(self.tag, out);
        encode_length(value.len(), out);
        out.extend_from_slice(&value);
    }

    /// Parses exactly one object spanning all of `input`.
    pub fn parse(input: &[u8]) -> Result<Self, TlvError> {
        let (tlv, rest) = parse_one(input, 0)?;
        if rest.is_empty() {
            Ok(tlv)
        } else {
            Err(TlvError::Trailing(rest.len()))
        }
    }
}

/// Parses a concatenation of objects (a constructed value, or a file of several objects).
pub fn parse_all(mut input: &[u8]) -> Result<Vec<Tlv>, TlvError> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (tlv, rest) = parse_one(input, 0)?;
        out.push(tlv);
        input = rest;
    }
    Ok(out)
}

/// Tag and total encoded size of the object at the start of `input`, without parsing its value:
/// how a reader learns a file's length from its first few bytes.
pub fn peek_header(input: &[u8]) -> Result<(u32, usize), TlvError> {
    let (tag, rest) = parse_tag(input)?;
    let (len, rest2) = parse_length(rest)?;
    let header = input.len() - rest2.len();
    Ok((tag, header + len))
}

fn parse_one(input: &[u8], depth: usize) -> Result<(Tlv, &[u8]), TlvError> {
    if depth > MAX_DEPTH {
        return Err(TlvError::TooDeep);
    }
    let (tag, rest) = parse_tag(input)?;
    let (len, rest) = parse_length(rest)?;
    if rest.len() < len {
        return Err(TlvError::Truncated {
            needed: len - rest.len(),
        });
    }
    let (value, rest) = rest.split_at(len);
    let value = if is_constructed(tag) {
        let mut children = Vec::new();
        let mut inner = value;
        while !inner.is_empty() {
            let (child, r) = parse_one(inner, depth + 1)?;
            children.push(child);
            inner = r;
        }
        Value::Constructed(children)
    } else {
        Value::Primitive(value.to_vec())
    };
    Ok((Tlv { tag, value }, rest))
}

fn parse_tag(input: &[u8]) -> Result<(u32, &[u8]), TlvError> {
    let (&first, mut rest) = input
        .split_first()
        .ok_or(TlvError::Truncated { needed: 1 })?;
    let mut tag = u32::from(first);
    if first & 0x1F == 0x1F {
        // Subsequent bytes follow while bit 8 is set; ISO 7816-4 allows at most 3 tag bytes.
        for i in 0.. {
            let (&b, r) = rest
                .split_first()
                .ok_or(TlvError::Truncated { needed: 1 })?;
            rest = r;
            tag = (tag << 8) | u32::from(b);
            if b & 0x80 == 0 {
                break;
            }
            if i >= 1 {
                return Err(TlvError::TagTooLong);
            }
        }
    }
    Ok((tag, rest))
}

fn parse_length(input: &[u8]) -> Result<(usize, &[u8]), TlvError> {
    let (&first, rest) = input
        .split_first()
        .ok_or(TlvError::Truncated { needed: 1 })?;
    match first {
        0..=0x7F => Ok((usize::from(first), rest)),
        0x81..=0x83 => {
            let n = usize::from(first & 0x7F);
            if rest.len() < n {
                return Err(TlvError::Truncated {
                    needed: n - rest.len(),
                });
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            Ok((len, &rest[n..]))
        }
        other => Err(TlvError::BadLength(other)),
    }
}

fn encode_tag(tag: u32, out: &mut Vec<u8>) {
    let bytes = tag.to_be_bytes();
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(3);
    out.extend_from_slice(&bytes[start..]);
}

/// DER-minimal length: short form below 128, else 81/82/83 + big-endian length.
pub fn encode_length(len: usize, out: &mut Vec<u8>) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend([0x81, len as u8]),
        0x100..=0xFFFF => out.extend([0x82, (len >> 8) as u8, len as u8]),
        _ => out.extend([0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_nested_objects_with_long_lengths_and_multibyte_tags() {
        let tlv = Tlv::constructed(
            0x7F61,
            vec![
                Tlv::primitive(0x02, [1]),
                Tlv::constructed(0x7F60, vec![Tlv::primitive(0x5F2E, vec![0xAB; 300])]),
                Tlv::primitive(0x5F1F, vec![0x11; 200]),
            ],
        );
        let bytes = tlv.encode();
        assert_eq!(&bytes[..2], &[0x7F, 0x61]);
        assert_eq!(bytes[2], 0x82, "value over 255 bytes takes the 82 form");
        let back = Tlv::parse(&bytes).unwrap();
        assert_eq!(back, tlv);
        assert_eq!(
            back.require(0x7F60)
                .unwrap()
                .require(0x5F2E)
                .unwrap()
                .bytes()
                .len(),
            300
        );
        assert_eq!(peek_header(&bytes[..6]).unwrap(), (0x7F61, bytes.len()));
    }

    #[test]
    fn length_forms_are_minimal() {
        for (len, want) in [
            (0usize, vec![0]),
            (127, vec![0x7F]),
            (128, vec![0x81, 0x80]),
            (256, vec![0x82, 1, 0]),
        ] {
            let mut out = Vec::new();
            encode_length(len, &mut out);
            assert_eq!(out, want);
        }
    }

    #[test]
    fn rejects_truncated_overlong_and_trailing_input() {
        assert_eq!(Tlv::parse(&[0x5F]), Err(TlvError::Truncated { needed: 1 }));
        assert_eq!(
            Tlv::parse(&[0x04, 0x05, 1, 2]),
            Err(TlvError::Truncated { needed: 3 })
        );
        assert_eq!(
            Tlv::parse(&[0x04, 0x84, 0, 0, 0, 1]),
            Err(TlvError::BadLength(0x84))
        );
        assert_eq!(
            Tlv::parse(&[0x5F, 0x81, 0x82, 0x83, 0, 0]),
            Err(TlvError::TagTooLong)
        );
        assert_eq!(Tlv::parse(&[0x04, 0x00, 0x00]), Err(TlvError::Trailing(1)));
        let mut deep = vec![0x04, 0x00];
        for _ in 0..20 {
            let mut outer = vec![0x30, deep.len() as u8];
            outer.extend(deep);
            deep = outer;
        }
        assert_eq!(Tlv::parse(&deep), Err(TlvError::TooDeep));
    }
}
