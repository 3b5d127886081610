//! ISO/IEC 7816-4 command and response APDUs, the status words as typed errors, and the
//! transport-level rules every exchange follows: GET RESPONSE on 61xx, resend with the card's Le
//! on 6Cxx, and command chaining when data does not fit one short APDU.

use thiserror::Error;

/// Largest data field of a short APDU.
pub const SHORT_MAX: usize = 255;

/// How many GET RESPONSE / 6Cxx rounds one exchange may take before the card is deemed broken.
const MAX_ROUNDS: usize = 64;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ApduError {
    #[error("APDU terlalu pendek ({0} byte) / APDU too short ({0} bytes)")]
    TooShort(usize),
    #[error("panjang APDU tidak konsisten / inconsistent APDU length fields")]
    BadLength,
    #[error("data APDU terlalu panjang ({0} byte) / APDU data too long ({0} bytes)")]
    DataTooLong(usize),
}

/// Expected response length: absent, or 1..=65536 bytes (`Le = 00` means 256 or 65536).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Le(pub u32);

#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    pub le: Option<Le>,
}

/// Command data may be biometric or a NIK: Debug shows the header and the size only.
impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:02X} {:02X} {:02X} {:02X} [{} B] Le={:?}",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.le.map(|l| l.0)
        )
    }
}

impl Command {
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
        }
    }

    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    pub fn with_le(mut self, le: u32) -> Self {
        self.le = Some(Le(le));
        self
    }

    /// Whether this command needs the extended-length encoding.
    pub fn is_extended(&self) -> bool {
        self.data.len() > SHORT_MAX || self.le.is_some_and(|l| l.0 > 256)
    }

    /// Encodes short or extended (ISO 7816-4 §5.1), whichever the sizes need.
    pub fn encode(&self) -> Result<Vec<u8>, ApduError> {
        if self.data.len() > 65535 {
            return Err(ApduError::DataTooLong(self.data.len()));
        }
        let mut out = vec![self.cla, self.ins, self.p1, self.p2];
        let extended = self.is_extended();
        if !self.data.is_empty() {
            if extended {
                out.push(0);
                out.extend((self.data.len() as u16).to_be_bytes());
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(Le(le)) = self.le {
            if extended {
                if self.data.is_empty() {
                    out.push(0);
                }
                // 65536 is written as 00 00.
                out.extend((le.min(65536) as u16).to_be_bytes());
            } else {
                out.push(le as u8); // 256 → 00
            }
        }
        Ok(out)
    }

    /// Parses any of the four ISO cases in short or extended form.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let [cla, ins, p1, p2, body @ ..] = bytes else {
            return Err(ApduError::TooShort(bytes.len()));
        };
        let mut cmd = Command::new(*cla, *ins, *p1, *p2);
        match body {
            [] => {}
            [le] => cmd.le = Some(Le(if *le == 0 { 256 } else { u32::from(*le) })),
            [0, hi, lo] => cmd.le = Some(ext_le(*hi, *lo)),
            [0, hi, lo, rest @ ..]
                if rest.len() >= usize::from(u16::from_be_bytes([*hi, *lo]))
                    && u16::from_be_bytes([*hi, *lo]) > 0 =>
            {
                let lc = usize::from(u16::from_be_bytes([*hi, *lo]));
                cmd.data = rest[..lc].to_vec();
                match &rest[lc..] {
                    [] => {}
                    [a, b] => cmd.le = Some(ext_le(*a, *b)),
                    _ => return Err(ApduError::BadLength),
                }
            }
            [lc, rest @ ..] if *lc != 0 => {
                let lc = usize::from(*lc);
                if rest.len() < lc {
                    return Err(ApduError::BadLength);
                }
                cmd.data = rest[..lc].to_vec();
                match &rest[lc..] {
                    [] => {}
                    [le] => cmd.le = Some(Le(if *le == 0 { 256 } else { u32::from(*le) })),
                    _ => return Err(ApduError::BadLength),
                }
            }
            _ => return Err(ApduError::BadLength),
        }
        Ok(cmd)
    }
}

fn ext_le(hi: u8, lo: u8) -> Le {
    match u16::from_be_bytes([hi, lo]) {
        0 => Le(65536),
        n => Le(u32::from(n)),
    }
}

/// A response APDU: data and the status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: u16,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{} B] SW={:04X}", self.data.len(), self.sw)
    }
}

impl Response {
    pub fn ok(data: impl Into<Vec<u8>>) -> Self {
        Self {
            data: data.into(),
            sw: 0x9000,
        }
    }

    pub fn status(sw: u16) -> Self {
        Self {
            data: Vec::new(),
            sw,
        }
    }

    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        match bytes {
            [data @ .., sw1, sw2] => Ok(Self {
                data: data.to_vec(),
                sw: u16::from_be_bytes([*sw1, *sw2]),
            }),
            _ => Err(ApduError::TooShort(bytes.len())),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend(self.sw.to_be_bytes());
        out
    }

    /// The data on 9000 (or a 62xx/63xx warning is an error too: the chip files must be exact).
    pub fn into_result(self) -> Result<Vec<u8>, CardError> {
        match self.sw {
            0x9000 => Ok(self.data),
            sw => Err(CardError::from_sw(sw)),
        }
    }
}

/// Every status word the station can meet, as an error an operator can act on.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum CardError {
    #[error(
        "peringatan kartu: data mungkin rusak (SW {0:04X}) / card warning: data may be corrupted"
    )]
    Warning(u16),
    #[error("verifikasi gagal, sisa percobaan {0} / verification failed, {0} tries left")]
    VerifyFailed(u8),
    #[error("memori kartu gagal ditulis (SW 6581) / card memory failure")]
    MemoryFailure,
    #[error("panjang perintah salah (SW 6700) / wrong length")]
    WrongLength,
    #[error("kartu tidak mendukung secure messaging / secure messaging not supported (SW {0:04X})")]
    ClaFunctionNotSupported(u16),
    #[error(
        "perintah tidak sesuai struktur file / command incompatible with file structure (SW 6981)"
    )]
    IncompatibleFile,
    #[error(
        "status keamanan belum terpenuhi: kanal aman belum dibuka / security status not satisfied (SW 6982)"
    )]
    SecurityNotSatisfied,
    #[error("kunci autentikasi terblokir / authentication method blocked (SW 6983)")]
    AuthBlocked,
    #[error(
        "kartu sudah dikunci, tidak boleh ditulis ulang / card is locked, conditions of use not satisfied (SW 6985)"
    )]
    ConditionsNotSatisfied,
    #[error("perintah tidak diizinkan / command not allowed (SW 6986)")]
    NotAllowed,
    #[error("data secure messaging hilang / expected secure messaging data missing (SW 6987)")]
    SmMissing,
    #[error(
        "MAC secure messaging salah: komunikasi dengan kartu terganggu / secure messaging MAC incorrect (SW 6988)"
    )]
    SmIncorrect,
    #[error("parameter data salah / incorrect data field (SW 6A80)")]
    WrongData,
    #[error("fungsi tidak didukung kartu / function not supported (SW 6A81)")]
    FunctionNotSupported,
    #[error("file tidak ditemukan di kartu / file or application not found (SW 6A82)")]
    FileNotFound,
    #[error("ruang memori kartu tidak cukup / not enough memory space on the card (SW 6A84)")]
    NotEnoughMemory,
    #[error("parameter P1-P2 salah / incorrect P1-P2 (SW {0:04X})")]
    WrongParameters(u16),
    #[error("file sudah ada di kartu / file already exists (SW 6A89)")]
    FileExists,
    #[error("offset di luar file / offset outside the file (SW 6B00)")]
    OffsetOutOfRange,
    #[error("panjang respons salah, kartu meminta {0} byte / wrong Le, card offers {0} bytes")]
    WrongLe(u8),
    #[error("instruksi tidak didukung kartu / instruction not supported (SW 6D00)")]
    InsNotSupported,
    #[error("kelas instruksi tidak didukung / class not supported (SW 6E00)")]
    ClaNotSupported,
    #[error("kartu gagal tanpa keterangan / card failed, no precise diagnosis (SW 6F00)")]
    NoDiagnosis,
    #[error("status kartu tidak dikenal (SW {0:04X}) / unknown card status word")]
    Unknown(u16),
}

impl CardError {
    pub fn from_sw(sw: u16) -> Self {
        let [sw1, sw2] = sw.to_be_bytes();
        match (sw1, sw2) {
            (0x62 | 0x63, _) if sw1 == 0x63 && sw2 & 0xF0 == 0xC0 => Self::VerifyFailed(sw2 & 0x0F),
            (0x62 | 0x63, _) => Self::Warning(sw),
            (0x65, 0x81) => Self::MemoryFailure,
            (0x67, _) => Self::WrongLength,
            (0x68, _) => Self::ClaFunctionNotSupported(sw),
            (0x69, 0x81) => Self::IncompatibleFile,
            (0x69, 0x82) => Self::SecurityNotSatisfied,
            (0x69, 0x83) => Self::AuthBlocked,
            (0x69, 0x85) => Self::ConditionsNotSatisfied,
            (0x69, 0x86) => Self::NotAllowed,
            (0x69, 0x87) => Self::SmMissing,
            (0x69, 0x88) => Self::SmIncorrect,
            (0x6A, 0x80) => Self::WrongData,
            (0x6A, 0x81) => Self::FunctionNotSupported,
            (0x6A, 0x82) => Self::FileNotFound,
            (0x6A, 0x84) => Self::NotEnoughMemory,
            (0x6A, 0x86) | (0x6B, 0x01..) | (0x6A, 0x88) => Self::WrongParameters(sw),
            (0x6A, 0x89) => Self::FileExists,
            (0x6B, 0x00) => Self::OffsetOutOfRange,
            (0x6C, n) => Self::WrongLe(n),
            (0x6D, _) => Self::InsNotSupported,
            (0x6E, _) => Self::ClaNotSupported,
            (0x6F, _) => Self::NoDiagnosis,
            _ => Self::Unknown(sw),
        }
    }
}

#[derive(Debug, Error)]
pub enum TransportError {
    #[error("kartu dicabut atau pembaca gagal / card removed or reader failed: {0}")]
    Link(String),
    #[error("respons kartu tidak valid / malformed response from the card: {0}")]
    Malformed(#[from] ApduError),
    #[error("kartu terus meminta GET RESPONSE / card kept asking for GET RESPONSE")]
    Runaway,
}

/// Anything that carries one raw APDU to a card and brings one raw response back.
pub trait Transport {
    fn transmit_raw(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError>;
}

/// Sends `cmd`, following 61xx with GET RESPONSE and 6Cxx with a resend, and chains the command
/// (CLA bit 5) when it must be short but its data exceeds 255 bytes.
pub fn exchange(
    t: &mut dyn Transport,
    cmd: &Command,
    allow_extended: bool,
) -> Result<Response, TransportError> {
    if cmd.data.len() > SHORT_MAX && !allow_extended {
        return exchange_chained(t, cmd);
    }
    let mut current = cmd.clone();
    let mut collected = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let resp = Response::parse(&t.transmit_raw(&current.encode()?)?)?;
        let [sw1, sw2] = resp.sw.to_be_bytes();
        match sw1 {
            0x61 => {
                collected.extend_from_slice(&resp.data);
                current = get_response(cmd.cla, sw2);
            }
            0x6C => current.le = Some(Le(if sw2 == 0 { 256 } else { u32::from(sw2) })),
            _ => {
                collected.extend_from_slice(&resp.data);
                return Ok(Response {
                    data: collected,
                    sw: resp.sw,
                });
            }
        }
    }
    Err(TransportError::Runaway)
}

fn get_response(cla: u8, n: u8) -> Command {
    // GET RESPONSE keeps the logical channel bits of the original class, not SM or chaining.
    Command::new(cla & 0x03, 0xC0, 0, 0).with_le(if n == 0 { 256 } else { u32::from(n) })
}

fn exchange_chained(t: &mut dyn Transport, cmd: &Command) -> Result<Response, TransportError> {
    let chunks: Vec<&[u8]> = cmd.data.chunks(SHORT_MAX).collect();
    let last = chunks.len() - 1;
    for (i, chunk) in chunks.iter().enumerate() {
        let mut part = Command::new(cmd.cla, cmd.ins, cmd.p1, cmd.p2).with_data(chunk.to_vec());
        if i < last {
            part.cla |= 0x10;
            let resp = exchange(t, &part, false)?;
            if resp.sw != 0x9000 {
                return Ok(resp);
            }
        } else {
            part.le = cmd.le;
            return exchange(t, &part, false);
        }
    }
    Err(TransportError::Runaway)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_parses_all_four_cases_short_and_extended() {
        let cases = [
            Command::new(0, 0xA4, 0, 0),
            Command::new(0, 0xB0, 0, 0).with_le(256),
            Command::new(0, 0xD6, 0, 0).with_data(vec![1, 2, 3]),
            Command::new(0, 0xA4, 4, 0)
                .with_data(vec![0xA0; 7])
                .with_le(256),
            Command::new(0, 0xB0, 0, 0).with_le(65536),
            Command::new(0, 0xD6, 1, 2).with_data(vec![7; 1000]),
            Command::new(0, 0xD6, 1, 2)
                .with_data(vec![7; 300])
                .with_le(1000),
        ];
        for c in cases {
            let bytes = c.encode().unwrap();
            assert_eq!(
                Command::parse(&bytes).unwrap(),
                c,
                "{c:?} as {:02X?}",
                &bytes[..bytes.len().min(8)]
            );
        }
        assert_eq!(
            Command::new(0, 0xB0, 0, 0).with_le(256).encode().unwrap(),
            [0, 0xB0, 0, 0, 0]
        );
        assert_eq!(
            Command::new(0, 0xB0, 0, 0).with_le(65536).encode().unwrap(),
            [0, 0xB0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn rejects_inconsistent_lengths() {
        assert_eq!(Command::parse(&[0, 0xA4, 0]), Err(ApduError::TooShort(3)));
        assert_eq!(
            Command::parse(&[0, 0xA4, 0, 0, 5, 1]),
            Err(ApduError::BadLength)
        );
        assert_eq!(
            Command::parse(&[0, 0xA4, 0, 0, 1, 1, 2, 3]),
            Err(ApduError::BadLength)
        );
        assert_eq!(Response::parse(&[0x90]), Err(ApduError::TooShort(1)));
    }

    #[test]
    fn every_error_status_word_has_a_bilingual_message() {
        for sw in [
            0x6281u16, 0x63C2, 0x6581, 0x6700, 0x6882, 0x6981, 0x6982, 0x6983, 0x6985, 0x6986,
            0x6987, 0x6988, 0x6A80, 0x6A81, 0x6A82, 0x6A84, 0x6A86, 0x6A89, 0x6B00, 0x6C10, 0x6D00,
            0x6E00, 0x6F00, 0x1234,
        ] {
            let msg = CardError::from_sw(sw).to_string();
            assert!(msg.contains(" / "), "{sw:04X}: {msg}");
        }
        assert_eq!(CardError::from_sw(0x63C2), CardError::VerifyFailed(2));
        assert_eq!(
            CardError::from_sw(0x6985),
            CardError::ConditionsNotSatisfied
        );
        assert_eq!(
            Response::status(0x6A82).into_result(),
            Err(CardError::FileNotFound)
        );
    }

    /// A scripted card: answers in order, records what it was sent.
    struct Script {
        replies: Vec<Vec<u8>>,
        sent: Vec<Vec<u8>>,
    }

    impl Transport for Script {
        fn transmit_raw(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.push(apdu.to_vec());
            if self.replies.is_empty() {
                return Err(TransportError::Link("script ended".into()));
            }
            Ok(self.replies.remove(0))
        }
    }

    #[test]
    fn follows_61xx_with_get_response_and_6cxx_with_the_right_le() {
        let mut t = Script {
            replies: vec![vec![1, 2, 0x61, 0x03], vec![3, 4, 5, 0x90, 0x00]],
            sent: vec![],
        };
        let r = exchange(&mut t, &Command::new(0x00, 0xB0, 0, 0).with_le(256), false).unwrap();
        assert_eq!(r, Response::ok(vec![1, 2, 3, 4, 5]));
        assert_eq!(t.sent[1], [0x00, 0xC0, 0, 0, 3]);

        let mut t = Script {
            replies: vec![vec![0x6C, 0x04], vec![9, 9, 9, 9, 0x90, 0x00]],
            sent: vec![],
        };
        let r = exchange(&mut t, &Command::new(0x00, 0xB0, 0, 0).with_le(256), false).unwrap();
        assert_eq!(r.data.len(), 4);
        assert_eq!(t.sent[1], [0x00, 0xB0, 0, 0, 4]);
    }

    #[test]
    fn chains_long_data_into_short_apdus() {
        let mut t = Script {
            replies: vec![vec![0x90, 0], vec![0x90, 0]],
            sent: vec![],
        };
        let r = exchange(
            &mut t,
            &Command::new(0x00, 0xDA, 0, 0).with_data(vec![5; 300]),
            false,
        )
        .unwrap();
        assert_eq!(r.sw, 0x9000);
        assert_eq!(
            (t.sent[0][0], t.sent[0][4], t.sent[0].len()),
            (0x10, 255, 260)
        );
        assert_eq!((t.sent[1][0], t.sent[1][4]), (0x00, 45));
    }

    #[test]
    fn a_card_that_never_stops_asking_is_an_error() {
        let mut t = Script {
            replies: vec![vec![0x61, 0x01]; 100],
            sent: vec![],
        };
        assert!(matches!(
            exchange(&mut t, &Command::new(0, 0xB0, 0, 0), false),
            Err(TransportError::Runaway)
        ));
    }
}
