//! Entropy coding of the quantised coefficients (FBI WSQ spec v3.1, §A.4 and Annex C):
//! coefficients become category symbols (zero runs, small values, escapes with 8/16 extra
//! bits), the symbols get a JPEG-style length-limited canonical Huffman code (ITU-T T.81
//! Annex K.2/K.3), and the bits are byte-stuffed (0xFF is followed by 0x00).

use super::WsqError;

/// Largest coefficient magnitude coded directly (categories 107–254 hold −73…74).
const MAX_COEFF: i32 = 74;
/// Longest zero run coded directly (categories 1–100).
const MAX_ZERO_RUN: u32 = 100;
const POS_ESC_8: u8 = 101;
const NEG_ESC_8: u8 = 102;
const POS_ESC_16: u8 = 103;
const NEG_ESC_16: u8 = 104;
const ZRUN_ESC_8: u8 = 105;
const ZRUN_ESC_16: u8 = 106;
const COEFF_OFFSET: i32 = 180;

/// One coded unit: a category symbol and the extra bits that follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub symbol: u8,
    pub extra: u16,
    pub extra_bits: u8,
}

impl Token {
    fn plain(symbol: u8) -> Self {
        Self {
            symbol,
            extra: 0,
            extra_bits: 0,
        }
    }
}

/// Turns a block of coefficients into symbols (runs of zeros are capped at 65535).
pub fn tokenize(coeffs: &[i32]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut run: u32 = 0;
    for &c in coeffs {
        if c == 0 {
            run += 1;
            if run == 0xFFFF {
                tokens.push(zero_run(run));
                run = 0;
            }
            continue;
        }
        if run > 0 {
            tokens.push(zero_run(run));
            run = 0;
        }
        tokens.push(coefficient(c));
    }
    if run > 0 {
        tokens.push(zero_run(run));
    }
    tokens
}

fn zero_run(run: u32) -> Token {
    if run <= MAX_ZERO_RUN {
        Token::plain(run as u8)
    } else if run <= 0xFF {
        Token {
            symbol: ZRUN_ESC_8,
            extra: run as u16,
            extra_bits: 8,
        }
    } else {
        Token {
            symbol: ZRUN_ESC_16,
            extra: run.min(0xFFFF) as u16,
            extra_bits: 16,
        }
    }
}

fn coefficient(c: i32) -> Token {
    let mag = c.unsigned_abs().min(0xFFFF) as u16;
    if c > MAX_COEFF {
        if c > 255 {
            Token {
                symbol: POS_ESC_16,
                extra: mag,
                extra_bits: 16,
            }
        } else {
            Token {
                symbol: POS_ESC_8,
                extra: mag,
                extra_bits: 8,
            }
        }
    } else if c < 1 - MAX_COEFF {
        if c < -255 {
            Token {
                symbol: NEG_ESC_16,
                extra: mag,
                extra_bits: 16,
            }
        } else {
            Token {
                symbol: NEG_ESC_8,
                extra: mag,
                extra_bits: 8,
            }
        }
    } else {
        Token::plain((c + COEFF_OFFSET) as u8)
    }
}

/// A Huffman table as carried in a DHT segment: code counts per length 1–16 and the symbols
/// in code order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HuffTable {
    pub bits: [u8; 16],
    pub values: Vec<u8>,
}

impl HuffTable {
    /// The optimal length-limited code for these symbol counts (T.81 Annex K.2 and K.3, with
    /// one reserved code point so that no code is all ones — the padding pattern).
    pub fn from_counts(counts: &[u32; 256]) -> Self {
        let mut freq = [0u64; 257];
        for (f, &c) in freq.iter_mut().zip(counts) {
            *f = u64::from(c);
        }
        if counts.iter().all(|&c| c == 0) {
            // An empty block still needs a well-formed table.
            freq[1] = 1;
        }
        freq[256] = 1;
        let mut codesize = [0usize; 257];
        let mut others = [usize::MAX; 257];
        loop {
            // v1: least non-zero frequency, v2: the next least; ties go to the larger symbol.
            let least = |skip: Option<usize>| {
                let mut best: Option<usize> = None;
                for i in 0..257 {
                    if freq[i] == 0 || Some(i) == skip {
                        continue;
                    }
                    if best.is_none_or(|b| freq[i] <= freq[b]) {
                        best = Some(i);
                    }
                }
                best
            };
            let v1 = least(None);
            let v2 = least(v1);
            let (Some(mut a), Some(mut b)) = (v1, v2) else {
                break;
            };
            freq[a] += freq[b];
            freq[b] = 0;
            codesize[a] += 1;
            while others[a] != usize::MAX {
                a = others[a];
                codesize[a] += 1;
            }
            others[a] = b;
            codesize[b] += 1;
            while others[b] != usize::MAX {
                b = others[b];
                codesize[b] += 1;
            }
        }
        // 257 symbols give code lengths of at most 256.
        let mut bits = [0u32; 258];
        for &s in &codesize {
            if s > 0 {
                bits[s] += 1;
            }
        }
        // K.3: limit code lengths to 16 bits.
        let mut i = 257;
        while i > 16 {
            while bits[i] > 0 {
                let mut j = i - 2;
                while bits[j] == 0 {
                    j -= 1;
                }
                bits[i] -= 2;
                bits[i - 1] += 1;
                bits[j + 1] += 2;
                bits[j] -= 1;
            }
            i -= 1;
        }
        while i > 0 && bits[i] == 0 {
            i -= 1;
        }
        if i > 0 {
            bits[i] -= 1; // the reserved code point
        }
        let mut values = Vec::new();
        for len in 1..=257 {
            for (sym, &s) in codesize.iter().enumerate().take(256) {
                if s == len {
                    values.push(sym as u8);
                }
            }
        }
        let mut out = [0u8; 16];
        for (o, &b) in out.iter_mut().zip(&bits[1..=16]) {
            *o = b as u8;
        }
        Self { bits: out, values }
    }

    /// Code and length of every symbol, for the encoder.
    fn encoder_codes(&self) -> [(u16, u8); 256] {
        let mut table = [(0u16, 0u8); 256];
        let mut code: u32 = 0;
        let mut k = 0;
        for len in 1..=16u8 {
            for _ in 0..self.bits[usize::from(len) - 1] {
                if let Some(&sym) = self.values.get(k) {
                    table[usize::from(sym)] = (code as u16, len);
                }
                code += 1;
                k += 1;
            }
            code <<= 1;
        }
        table
    }
}

/// Counts of each symbol in some token streams.
pub fn count(tokens: &[&[Token]]) -> [u32; 256] {
    let mut counts = [0u32; 256];
    for t in tokens.iter().flat_map(|b| b.iter()) {
        counts[usize::from(t.symbol)] += 1;
    }
    counts
}

/// Writes bits MSB first, stuffing a zero byte after every 0xFF and padding with ones.
struct BitWriter {
    out: Vec<u8>,
    acc: u32,
    nbits: u32,
}

impl BitWriter {
    fn put(&mut self, value: u32, len: u32) {
        for i in (0..len).rev() {
            self.acc = (self.acc << 1) | ((value >> i) & 1);
            self.nbits += 1;
            if self.nbits == 8 {
                self.emit();
            }
        }
    }

    fn emit(&mut self) {
        let byte = self.acc as u8;
        self.out.push(byte);
        if byte == 0xFF {
            self.out.push(0x00);
        }
        self.acc = 0;
        self.nbits = 0;
    }

    fn finish(mut self) -> Vec<u8> {
        if self.nbits > 0 {
            let pad = 8 - self.nbits;
            self.put((1 << pad) - 1, pad);
        }
        self.out
    }
}

/// Huffman-codes one block's tokens with `table` (which must cover every symbol used).
pub fn encode_block(tokens: &[Token], table: &HuffTable) -> Vec<u8> {
    let codes = table.encoder_codes();
    let mut w = BitWriter {
        out: Vec::new(),
        acc: 0,
        nbits: 0,
    };
    for t in tokens {
        let (code, len) = codes[usize::from(t.symbol)];
        w.put(u32::from(code), u32::from(len));
        if t.extra_bits > 0 {
            w.put(u32::from(t.extra), u32::from(t.extra_bits));
        }
    }
    w.finish()
}

/// Decoding tables of T.81 F.2.2.3 (per code length: largest code, first code, first index).
pub struct Decoder<'t> {
    maxcode: [i32; 17],
    mincode: [i32; 17],
    valptr: [usize; 17],
    values: &'t [u8],
}

impl<'t> Decoder<'t> {
    pub fn new(table: &'t HuffTable) -> Result<Self, WsqError> {
        let mut d = Decoder {
            maxcode: [-1; 17],
            mincode: [0; 17],
            valptr: [0; 17],
            values: &table.values,
        };
        let mut code: i32 = 0;
        let mut k = 0usize;
        for len in 1..=16 {
            let n = i32::from(table.bits[len - 1]);
            if n > 0 {
                d.valptr[len] = k;
                d.mincode[len] = code;
                code += n;
                k += n as usize;
                d.maxcode[len] = code - 1;
            }
            // More codes of this length than the length allows: not a prefix code.
            if code > (1 << len) {
                return Err(WsqError::BadHuffmanTable);
            }
            code <<= 1;
        }
        if k > table.values.len() {
            return Err(WsqError::BadHuffmanTable);
        }
        Ok(d)
    }
}

/// Reads bits MSB first from already unstuffed bytes.
struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl BitReader<'_> {
    fn bit(&mut self) -> Option<u32> {
        let byte = *self.data.get(self.pos / 8)?;
        let b = (byte >> (7 - self.pos % 8)) & 1;
        self.pos += 1;
        Some(u32::from(b))
    }

    fn bits(&mut self, n: u8) -> Option<u32> {
        let mut v = 0;
        for _ in 0..n {
            v = (v << 1) | self.bit()?;
        }
        Some(v)
    }
}

/// Removes the stuffed zero after each 0xFF of entropy-coded data.
pub fn unstuff(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        out.push(data[i]);
        if data[i] == 0xFF {
            i += 1; // skip the 0x00
        }
        i += 1;
    }
    out
}

/// Decodes one block's unstuffed bits, appending coefficients to `out` and never growing it
/// past `limit` (a file cannot make us allocate more than its frame header declares).
pub fn decode_block(
    data: &[u8],
    dec: &Decoder<'_>,
    out: &mut Vec<i32>,
    limit: usize,
) -> Result<(), WsqError> {
    let mut r = BitReader { data, pos: 0 };
    let total_bits = data.len() * 8;
    loop {
        // Fewer than 8 bits left: what remains is the one-bit padding of the last byte.
        let start = r.pos;
        let mut code: i32 = 0;
        let mut symbol = None;
        for len in 1..=16 {
            let Some(b) = r.bit() else { break };
            code = (code << 1) | b as i32;
            if code <= dec.maxcode[len] {
                let idx = dec.valptr[len] + (code - dec.mincode[len]) as usize;
                symbol = Some(*dec.values.get(idx).ok_or(WsqError::BadHuffmanCode)?);
                break;
            }
        }
        let Some(symbol) = symbol else {
            if r.pos >= total_bits && total_bits - start < 8 {
                return Ok(());
            }
            return Err(WsqError::BadHuffmanCode);
        };
        let mut extra = |n: u8| r.bits(n).ok_or(WsqError::BadHuffmanCode);
        let (value, repeat) = match symbol {
            1..=100 => (0, u32::from(symbol)),
            POS_ESC_8 => (extra(8)? as i32, 1),
            NEG_ESC_8 => (-(extra(8)? as i32), 1),
            POS_ESC_16 => (extra(16)? as i32, 1),
            NEG_ESC_16 => (-(extra(16)? as i32), 1),
            ZRUN_ESC_8 => (0, extra(8)?),
            ZRUN_ESC_16 => (0, extra(16)?),
            107..=254 => (i32::from(symbol) - COEFF_OFFSET, 1),
            _ => return Err(WsqError::BadHuffmanCode),
        };
        let repeat = repeat as usize;
        if out.len() + repeat > limit {
            return Err(WsqError::CoefficientCount {
                expected: limit,
                actual: out.len() + repeat,
            });
        }
        out.extend(std::iter::repeat_n(value, repeat));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(coeffs: &[i32]) -> Vec<i32> {
        let tokens = tokenize(coeffs);
        let table = HuffTable::from_counts(&count(&[&tokens]));
        let bytes = encode_block(&tokens, &table);
        let dec = Decoder::new(&table).unwrap();
        let mut out = Vec::new();
        decode_block(&unstuff(&bytes), &dec, &mut out, coeffs.len()).unwrap();
        out
    }

    #[test]
    fn coefficients_survive_coding() {
        let mut c = vec![0i32; 70_000];
        c.extend([
            1, -1, 74, -73, 75, -74, 255, -255, 256, -256, 65535, -65535, 3,
        ]);
        c.extend(vec![0; 150]);
        c.extend([7; 30]);
        c.extend(vec![0; 60]);
        assert_eq!(roundtrip(&c), c);
    }

    #[test]
    fn skewed_counts_stay_within_16_bits() {
        let mut counts = [0u32; 256];
        for (i, c) in counts.iter_mut().enumerate() {
            *c = 1u32 << (i % 31).min(30);
        }
        let t = HuffTable::from_counts(&counts);
        assert_eq!(
            t.bits.iter().map(|&b| usize::from(b)).sum::<usize>(),
            t.values.len()
        );
        assert_eq!(t.values.len(), 256, "every used symbol has a code");
        assert!(Decoder::new(&t).is_ok());
    }

    #[test]
    fn stuffing_doubles_ff() {
        let mut w = BitWriter {
            out: Vec::new(),
            acc: 0,
            nbits: 0,
        };
        w.put(0xFF, 8);
        w.put(0x1, 1);
        assert_eq!(w.finish(), vec![0xFF, 0x00, 0xFF, 0x00]);
        assert_eq!(unstuff(&[0xFF, 0x00, 0x12]), vec![0xFF, 0x12]);
    }

    #[test]
    fn oversubscribed_table_is_rejected() {
        let t = HuffTable {
            bits: [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            values: vec![1, 2, 3],
        };
        assert!(matches!(Decoder::new(&t), Err(WsqError::BadHuffmanTable)));
    }

    #[test]
    fn run_past_the_declared_size_is_an_error() {
        let tokens = tokenize(&[0; 500]);
        let table = HuffTable::from_counts(&count(&[&tokens]));
        let bytes = encode_block(&tokens, &table);
        let dec = Decoder::new(&table).unwrap();
        let mut out = Vec::new();
        let err = decode_block(&unstuff(&bytes), &dec, &mut out, 100).unwrap_err();
        assert!(matches!(err, WsqError::CoefficientCount { .. }));
    }
}
