//! The ANSI/NIST-ITL 1-2011 *traditional* encoding (NIST SP 500-290, §7): tagged records of
//! `T.NNN:value` fields separated by GS, subfields by RS, items by US, each record closed by
//! FS and led by its byte length (field 001, LEN); binary records (Type-3 to Type-8) led by a
//! 4-byte length and a 1-byte IDC. Type-1 lists every other record with its IDC (CNT).
//!
//! This module knows only that syntax, not what any field means; [`super::transaction`]
//! maps the fields to typed records.

use super::NistError;

pub const FS: u8 = 0x1C;
pub const GS: u8 = 0x1D;
pub const RS: u8 = 0x1E;
pub const US: u8 = 0x1F;

/// Field number of the binary image data closing Type-10, 13, 14, 15, 16, 17, 20… records.
pub const DATA_FIELD: u16 = 999;

/// Record types that use the binary (not tagged) layout.
pub fn is_binary_type(kind: u16) -> bool {
    (3..=8).contains(&kind)
}

/// Record types whose field 999 carries binary data.
fn has_binary_data(kind: u16) -> bool {
    matches!(kind, 10 | 13..=17 | 19..=22 | 99)
}

/// A field's content: subfields of items, or the closing binary data.
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    Text(Vec<Vec<String>>),
    Binary(Vec<u8>),
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // Field text may hold a NIK or a name: show its shape only.
            Value::Text(sf) => write!(f, "Text({} subfields)", sf.len()),
            Value::Binary(b) => write!(f, "Binary({} bytes)", b.len()),
        }
    }
}

impl Value {
    pub fn text(s: impl Into<String>) -> Self {
        Value::Text(vec![vec![s.into()]])
    }

    /// The single value of a one-subfield, one-item field.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(sf) if sf.len() == 1 && sf[0].len() == 1 => Some(&sf[0][0]),
            _ => None,
        }
    }

    pub fn subfields(&self) -> &[Vec<String>] {
        match self {
            Value::Text(sf) => sf,
            Value::Binary(_) => &[],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub tag: u16,
    pub value: Value,
}

/// A tagged record without its LEN field (computed when written, checked when read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaggedRecord {
    pub kind: u16,
    pub fields: Vec<Field>,
}

impl TaggedRecord {
    pub fn new(kind: u16) -> Self {
        Self {
            kind,
            fields: Vec::new(),
        }
    }

    pub fn with(mut self, tag: u16, value: Value) -> Self {
        self.fields.push(Field { tag, value });
        self
    }

    pub fn get(&self, tag: u16) -> Option<&Value> {
        self.fields.iter().find(|f| f.tag == tag).map(|f| &f.value)
    }

    /// Field 002 (IDC) as a number; Type-1 has none.
    pub fn idc(&self) -> Option<u8> {
        self.get(2)?.as_str()?.parse().ok()
    }
}

/// A binary record (Type-8 here): IDC and the bytes after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryRecord {
    pub kind: u16,
    pub idc: u8,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Tagged(TaggedRecord),
    Binary(BinaryRecord),
}

impl Record {
    pub fn kind(&self) -> u16 {
        match self {
            Record::Tagged(r) => r.kind,
            Record::Binary(r) => r.kind,
        }
    }

    pub fn idc(&self) -> Option<u8> {
        match self {
            Record::Tagged(r) => r.idc(),
            Record::Binary(r) => Some(r.idc),
        }
    }
}

/// Text allowed in a field: printable ASCII, so no separator can hide inside.
fn check_text(kind: u16, tag: u16, s: &str) -> Result<(), NistError> {
    if s.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
        Ok(())
    } else {
        Err(NistError::InvalidText {
            record: kind,
            field: tag,
        })
    }
}

fn encode_value(kind: u16, tag: u16, v: &Value, out: &mut Vec<u8>) -> Result<(), NistError> {
    match v {
        Value::Binary(b) => out.extend_from_slice(b),
        Value::Text(subfields) => {
            for (i, sf) in subfields.iter().enumerate() {
                if i > 0 {
                    out.push(RS);
                }
                for (j, item) in sf.iter().enumerate() {
                    if j > 0 {
                        out.push(US);
                    }
                    check_text(kind, tag, item)?;
                    out.extend_from_slice(item.as_bytes());
                }
            }
        }
    }
    Ok(())
}

/// Writes one tagged record with its LEN. Fields are written in ascending tag order, the
/// binary data field last.
pub fn encode_tagged(r: &TaggedRecord, out: &mut Vec<u8>) -> Result<(), NistError> {
    let mut fields: Vec<&Field> = r.fields.iter().filter(|f| f.tag != 1).collect();
    fields.sort_by_key(|f| f.tag);
    if let Some(pos) = fields
        .iter()
        .position(|f| matches!(f.value, Value::Binary(_)))
        && pos != fields.len() - 1
    {
        return Err(NistError::BinaryNotLast { record: r.kind });
    }
    let mut rest = Vec::new();
    for f in fields {
        rest.push(GS);
        rest.extend_from_slice(format!("{}.{:03}:", r.kind, f.tag).as_bytes());
        encode_value(r.kind, f.tag, &f.value, &mut rest)?;
    }
    rest.push(FS);
    let head = format!("{}.001:", r.kind);
    // LEN counts its own digits: settle the digit count.
    let mut digits = 1;
    let total = loop {
        let total = head.len() + digits + rest.len();
        let d = total.to_string().len();
        if d == digits {
            break total;
        }
        digits = d;
    };
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(total.to_string().as_bytes());
    out.extend_from_slice(&rest);
    Ok(())
}

pub fn encode_binary(r: &BinaryRecord, out: &mut Vec<u8>) -> Result<(), NistError> {
    let len =
        u32::try_from(r.body.len() + 5).map_err(|_| NistError::TooLarge { record: r.kind })?;
    out.extend_from_slice(&len.to_be_bytes());
    out.push(r.idc);
    out.extend_from_slice(&r.body);
    Ok(())
}

/// Sets the CNT field (1.003) of `records[0]`, the Type-1 record, from the records that
/// follow it, so the list cannot disagree with them.
pub fn fill_cnt(records: &mut [Record]) -> Result<(), NistError> {
    let mut cnt = vec![vec![
        "1".to_string(),
        (records.len().saturating_sub(1)).to_string(),
    ]];
    for r in records.iter().skip(1) {
        let idc = r.idc().ok_or(NistError::MissingField {
            record: r.kind(),
            field: 2,
        })?;
        cnt.push(vec![r.kind().to_string(), idc.to_string()]);
    }
    match records.first_mut() {
        Some(Record::Tagged(t)) if t.kind == 1 => {
            t.fields.retain(|f| f.tag != 3);
            t.fields.push(Field {
                tag: 3,
                value: Value::Text(cnt),
            });
            Ok(())
        }
        _ => Err(NistError::MissingRecord(1)),
    }
}

/// Writes a whole transaction; `records[0]` must be Type-1 with its CNT filled in
/// ([`fill_cnt`]).
pub fn encode_transaction(records: &[Record]) -> Result<Vec<u8>, NistError> {
    match records.first() {
        Some(Record::Tagged(t)) if t.kind == 1 && t.get(3).is_some() => {}
        _ => return Err(NistError::MissingRecord(1)),
    }
    let mut out = Vec::new();
    for r in records {
        match r {
            Record::Tagged(t) => encode_tagged(t, &mut out)?,
            Record::Binary(b) => encode_binary(b, &mut out)?,
        }
    }
    Ok(out)
}

/// Reads decimal digits up to `stop`, returning the number and the position after `stop`.
fn number_until(bytes: &[u8], mut pos: usize, stop: u8, max_digits: usize) -> Option<(u64, usize)> {
    let start = pos;
    let mut v: u64 = 0;
    while let Some(&b) = bytes.get(pos) {
        if b == stop {
            if pos == start {
                return None;
            }
            return Some((v, pos + 1));
        }
        if !b.is_ascii_digit() || pos - start >= max_digits {
            return None;
        }
        v = v * 10 + u64::from(b - b'0');
        pos += 1;
    }
    None
}

/// Parses `T.NNN:` at `pos`: record type, field number, position after the colon.
fn tag_at(bytes: &[u8], pos: usize) -> Option<(u16, u16, usize)> {
    let (kind, p) = number_until(bytes, pos, b'.', 3)?;
    let (tag, p) = number_until(bytes, p, b':', 9)?;
    Some((u16::try_from(kind).ok()?, u16::try_from(tag).ok()?, p))
}

fn decode_text(kind: u16, tag: u16, raw: &[u8]) -> Result<Value, NistError> {
    let text = std::str::from_utf8(raw).map_err(|_| NistError::InvalidText {
        record: kind,
        field: tag,
    })?;
    Ok(Value::Text(
        text.split(RS as char)
            .map(|sf| sf.split(US as char).map(str::to_string).collect())
            .collect(),
    ))
}

/// Parses the tagged record starting at `offset`; returns it and the offset after it.
pub fn decode_tagged(bytes: &[u8], offset: usize) -> Result<(TaggedRecord, usize), NistError> {
    let bad = |reason| NistError::Syntax { offset, reason };
    let (kind, tag, p) = tag_at(bytes, offset).ok_or(bad("record does not start with T.001:"))?;
    if tag != 1 {
        return Err(bad("first field is not LEN"));
    }
    let (len, _) = number_until(bytes, p, GS, 10).ok_or(bad("LEN is not a number"))?;
    let len = usize::try_from(len).map_err(|_| bad("LEN too large"))?;
    let end = offset.checked_add(len).ok_or(bad("LEN too large"))?;
    let record = bytes.get(offset..end).ok_or(NistError::Truncated {
        record: kind,
        needed: len,
        available: bytes.len() - offset,
    })?;
    if record.last() != Some(&FS) {
        return Err(bad("record does not end with FS (LEN wrong?)"));
    }
    let body = &record[..record.len() - 1];
    let mut fields: Vec<Field> = Vec::new();
    let mut pos = 0;
    while pos < body.len() {
        let (k, tag, vstart) = tag_at(body, pos).ok_or(NistError::Syntax {
            offset: offset + pos,
            reason: "malformed field tag",
        })?;
        if k != kind {
            return Err(NistError::Syntax {
                offset: offset + pos,
                reason: "field tag of another record type",
            });
        }
        if fields.iter().any(|f| f.tag == tag) {
            return Err(NistError::DuplicateField {
                record: kind,
                field: tag,
            });
        }
        let (value, next) = if tag == DATA_FIELD && has_binary_data(kind) {
            (Value::Binary(body[vstart..].to_vec()), body.len())
        } else {
            let vend = body[vstart..]
                .iter()
                .position(|&b| b == GS)
                .map_or(body.len(), |i| vstart + i);
            (decode_text(kind, tag, &body[vstart..vend])?, vend + 1)
        };
        if tag != 1 {
            fields.push(Field { tag, value });
        }
        pos = next;
    }
    // The standard orders fields by number; keep that order whatever the file did.
    fields.sort_by_key(|f| f.tag);
    Ok((TaggedRecord { kind, fields }, end))
}

pub fn decode_binary(
    bytes: &[u8],
    offset: usize,
    kind: u16,
) -> Result<(BinaryRecord, usize), NistError> {
    let head = bytes.get(offset..offset + 5).ok_or(NistError::Truncated {
        record: kind,
        needed: 5,
        available: bytes.len().saturating_sub(offset),
    })?;
    let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    if len < 5 {
        return Err(NistError::Syntax {
            offset,
            reason: "binary record shorter than its header",
        });
    }
    let end = offset.checked_add(len).ok_or(NistError::Syntax {
        offset,
        reason: "LEN too large",
    })?;
    let body = bytes.get(offset + 5..end).ok_or(NistError::Truncated {
        record: kind,
        needed: len,
        available: bytes.len() - offset,
    })?;
    Ok((
        BinaryRecord {
            kind,
            idc: head[4],
            body: body.to_vec(),
        },
        end,
    ))
}

/// Parses a whole transaction, checking every record against the CNT list of Type-1.
pub fn decode_transaction(bytes: &[u8]) -> Result<Vec<Record>, NistError> {
    let (type1, mut offset) = decode_tagged(bytes, 0)?;
    if type1.kind != 1 {
        return Err(NistError::MissingRecord(1));
    }
    let cnt = type1
        .get(3)
        .ok_or(NistError::MissingField {
            record: 1,
            field: 3,
        })?
        .subfields()
        .to_vec();
    let bad_cnt = NistError::InvalidField {
        record: 1,
        field: 3,
        reason: "CNT is not a list of (type, IDC) pairs",
    };
    let pair = |sf: &Vec<String>| -> Option<(u16, u8)> {
        match sf.as_slice() {
            [a, b] => Some((a.parse().ok()?, b.parse().ok()?)),
            _ => None,
        }
    };
    let mut entries = Vec::new();
    for sf in &cnt {
        entries.push(pair(sf).ok_or_else(|| bad_cnt.clone())?);
    }
    let (first, listed) = entries.split_first().ok_or_else(|| bad_cnt.clone())?;
    if first.0 != 1 || usize::from(first.1) != listed.len() {
        return Err(bad_cnt);
    }
    let mut records = vec![Record::Tagged(type1)];
    for &(kind, idc) in listed {
        let (record, next) = if is_binary_type(kind) {
            let (r, n) = decode_binary(bytes, offset, kind)?;
            (Record::Binary(r), n)
        } else {
            let (r, n) = decode_tagged(bytes, offset)?;
            (Record::Tagged(r), n)
        };
        if record.kind() != kind || record.idc() != Some(idc) {
            return Err(NistError::CntMismatch {
                listed: (kind, idc),
                found: (record.kind(), record.idc()),
            });
        }
        records.push(record);
        offset = next;
    }
    if offset != bytes.len() {
        return Err(NistError::TrailingBytes(bytes.len() - offset));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn len_counts_itself() {
        let r = TaggedRecord::new(2)
            .with(2, Value::text("0"))
            .with(18, Value::text("X".repeat(80)));
        let mut out = Vec::new();
        encode_tagged(&r, &mut out).unwrap();
        let text = String::from_utf8_lossy(&out);
        let len: usize = text[6..text.find('\u{1d}').unwrap()].parse().unwrap();
        assert_eq!(len, out.len());
        assert_eq!(*out.last().unwrap(), FS);
        let (back, end) = decode_tagged(&out, 0).unwrap();
        assert_eq!(back, r);
        assert_eq!(end, out.len());
    }

    #[test]
    fn subfields_and_items_round_trip() {
        let v = Value::Text(vec![vec!["a".into(), "b".into()], vec!["c".into()]]);
        let r = TaggedRecord::new(2).with(2, Value::text("3")).with(30, v);
        let mut out = Vec::new();
        encode_tagged(&r, &mut out).unwrap();
        assert!(out.windows(3).any(|w| w == [b'a', US, b'b']));
        assert!(out.windows(3).any(|w| w == [b'b', RS, b'c']));
        assert_eq!(decode_tagged(&out, 0).unwrap().0, r);
    }

    #[test]
    fn separators_in_text_are_refused() {
        let r = TaggedRecord::new(2)
            .with(2, Value::text("0"))
            .with(18, Value::text("A\u{1e}B"));
        assert_eq!(
            encode_tagged(&r, &mut Vec::new()),
            Err(NistError::InvalidText {
                record: 2,
                field: 18
            })
        );
    }

    #[test]
    fn binary_data_may_contain_separators() {
        let data = vec![FS, GS, RS, US, 0, 255];
        let r = TaggedRecord::new(14)
            .with(2, Value::text("1"))
            .with(999, Value::Binary(data));
        let mut out = Vec::new();
        encode_tagged(&r, &mut out).unwrap();
        assert_eq!(decode_tagged(&out, 0).unwrap().0, r);
    }

    #[test]
    fn wrong_len_is_caught() {
        let r = TaggedRecord::new(2)
            .with(2, Value::text("0"))
            .with(18, Value::text("NAME"));
        let mut out = Vec::new();
        encode_tagged(&r, &mut out).unwrap();
        let mut bad = out.clone();
        bad[6] = b'9'; // LEN digit
        assert!(decode_tagged(&bad, 0).is_err());
    }
}
