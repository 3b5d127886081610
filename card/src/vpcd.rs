//! The vpcd socket protocol (vsmartcard): how a virtual card plugs into a real pcscd.
//!
//! vpcd, a pcscd reader driver, listens on TCP 35963 + slot; the card connects as the client.
//! Every message in both directions is a 2-byte big-endian length N, then N bytes. From vpcd,
//! N == 1 is a control byte (power off/on, reset: no reply; GET ATR: reply with the ATR) and
//! N ≥ 2 is a command APDU, answered with one response APDU. Closing the socket removes the card.
//!
//! [`FrameDecoder`] and [`respond`] are the sans-IO protocol; [`serve`] is the TCP adapter.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsRawFd;

use thiserror::Error;

/// vpcd's TCP port for reader slot 0 ("Virtual PCD 00 00"); slot n listens on this + n.
pub const BASE_PORT: u16 = 35963;

/// The card side of the protocol: what any virtual card (demo card, KTP-el chip, SAM) implements.
pub trait VirtualCard {
    /// Answer-to-reset sent on every GET ATR (also vpcd's presence poll, about every 400 ms).
    fn atr(&self) -> Vec<u8>;
    /// Power off/on or reset: volatile state (selected file, secure channel) is lost.
    fn power(&mut self, event: PowerEvent);
    /// One command APDU in, one response APDU (data + SW1 SW2) out.
    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8>;
    /// True when the card has "lost power" (a fault-injected tear): [`Connection::serve`] then
    /// drops the connection without sending the pending response, as a pulled card would.
    fn removed(&self) -> bool {
        false
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerEvent {
    Off,
    On,
    Reset,
}

/// A message from vpcd to the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Power(PowerEvent),
    GetAtr,
    Apdu(Vec<u8>),
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum FrameError {
    #[error("vpcd sent an unknown control byte 0x{0:02X}")]
    UnknownControl(u8),
    #[error("vpcd sent an empty frame")]
    Empty,
    #[error("a reply of {0} bytes does not fit a vpcd frame (at most 65535)")]
    TooLong(usize),
}

/// Turns the byte stream from vpcd into messages, however the bytes are split across reads.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buf: Vec<u8>,
}

impl FrameDecoder {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete message, `Ok(None)` if more bytes are needed.
    pub fn next_message(&mut self) -> Result<Option<Message>, FrameError> {
        let [hi, lo, ..] = self.buf[..] else {
            return Ok(None);
        };
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if self.buf.len() < 2 + len {
            return Ok(None);
        }
        let payload: Vec<u8> = self.buf.drain(..2 + len).skip(2).collect();
        parse_message(payload).map(Some)
    }

    /// How many more bytes complete the frame being read (at least 1 when idle), so a blocking
    /// reader can ask for exactly that much.
    pub fn wanted(&self) -> usize {
        match self.buf[..] {
            [hi, lo, ..] => (2 + usize::from(u16::from_be_bytes([hi, lo])))
                .saturating_sub(self.buf.len())
                .max(1),
            _ => 2 - self.buf.len(),
        }
    }
}

fn parse_message(payload: Vec<u8>) -> Result<Message, FrameError> {
    match payload[..] {
        [] => Err(FrameError::Empty),
        [0x00] => Ok(Message::Power(PowerEvent::Off)),
        [0x01] => Ok(Message::Power(PowerEvent::On)),
        [0x02] => Ok(Message::Power(PowerEvent::Reset)),
        [0x04] => Ok(Message::GetAtr),
        [other] => Err(FrameError::UnknownControl(other)),
        _ => Ok(Message::Apdu(payload)),
    }
}

/// Frames one reply for vpcd.
pub fn encode_frame(payload: &[u8]) -> Result<Vec<u8>, FrameError> {
    let len = u16::try_from(payload.len()).map_err(|_| FrameError::TooLong(payload.len()))?;
    let mut out = Vec::with_capacity(2 + payload.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    Ok(out)
}

/// The card's answer to one message: `Some(frame)` to send back, `None` when vpcd expects none.
pub fn respond(
    card: &mut dyn VirtualCard,
    message: Message,
) -> Result<Option<Vec<u8>>, FrameError> {
    match message {
        Message::Power(event) => {
            card.power(event);
            Ok(None)
        }
        Message::GetAtr => encode_frame(&card.atr()).map(Some),
        Message::Apdu(apdu) => encode_frame(&card.transmit(&apdu)).map(Some),
    }
}

#[derive(Debug, Error)]
pub enum ServeError {
    #[error(
        "cannot reach vpcd on 127.0.0.1:{port} (is pcscd running with vsmartcard-vpcd?): {source}"
    )]
    Connect { port: u16, source: io::Error },
    #[error("vpcd connection failed: {0}")]
    Io(#[from] io::Error),
    #[error(transparent)]
    Frame(#[from] FrameError),
}

/// A live connection to vpcd: the card is "inserted" while it is open.
pub struct Connection {
    stream: TcpStream,
}

impl Connection {
    /// Inserts a card into reader slot `slot` of the local vpcd.
    pub fn connect(slot: u16) -> Result<Self, ServeError> {
        let port = BASE_PORT + slot;
        let stream = TcpStream::connect(("127.0.0.1", port))
            .map_err(|source| ServeError::Connect { port, source })?;
        stream.set_nodelay(true)?;
        Ok(Self { stream })
    }

    /// A handle that can "pull the card" from another thread.
    pub fn remover(&self) -> Result<Remover, ServeError> {
        Ok(Remover(self.stream.try_clone()?))
    }

    /// Answers vpcd until the connection closes (card removed by either side).
    pub fn serve(mut self, card: &mut dyn VirtualCard) -> Result<(), ServeError> {
        let mut decoder = FrameDecoder::default();
        let mut buf = vec![0u8; 4096];
        loop {
            while let Some(message) = decoder.next_message()? {
                let reply = respond(card, message)?;
                if card.removed() {
                    let _ = self.stream.shutdown(Shutdown::Both);
                    return Ok(());
                }
                if let Some(reply) = reply {
                    self.stream.write_all(&reply)?;
                }
            }
            let want = decoder.wanted().min(buf.len());
            quickack(&self.stream);
            let n = match self.stream.read(&mut buf[..want]) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if is_disconnect(&e) => return Ok(()),
                Err(e) => return Err(e.into()),
            };
            decoder.push(&buf[..n]);
        }
    }
}

/// Pulls the card out of the reader (closes its vpcd connection).
pub struct Remover(TcpStream);

impl Remover {
    pub fn remove(&self) {
        // Already closed is fine: the card is out either way.
        let _ = self.0.shutdown(Shutdown::Both);
    }
}

/// Connects a card to reader slot `slot` and serves it until removed.
pub fn serve(slot: u16, card: &mut dyn VirtualCard) -> Result<(), ServeError> {
    Connection::connect(slot)?.serve(card)
}

fn is_disconnect(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::NotConnected
    )
}

/// vpcd writes the length and the payload in two send() calls; with Nagle on its side and a
/// delayed ACK on ours every APDU would stall about 50 ms. Re-arming TCP_QUICKACK before each
/// read removes the stall (std's `set_quickack` is unstable, hence libc).
fn quickack(stream: &TcpStream) {
    let one: libc::c_int = 1;
    // SAFETY: a valid socket descriptor owned by `stream`, a pointer to a live c_int and its size.
    let _ = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
}

/// Only one card can sit in a vpcd slot, and tests in several processes (and developers' runs
/// side by side) share the machine's pcscd: whoever uses a slot holds this lock.
pub struct SlotLock {
    _file: std::fs::File,
}

impl SlotLock {
    /// Blocks until slot `slot` is free, then holds it until dropped.
    pub fn acquire(slot: u16) -> io::Result<Self> {
        let path = std::env::temp_dir().join(format!("rekam-vpcd-slot{slot}.lock"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        file.lock()?;
        Ok(Self { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo {
        powered: Vec<PowerEvent>,
    }

    impl VirtualCard for Echo {
        fn atr(&self) -> Vec<u8> {
            vec![0x3B, 0x00]
        }
        fn power(&mut self, event: PowerEvent) {
            self.powered.push(event);
        }
        fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
            let mut r = apdu.to_vec();
            r.extend([0x90, 0x00]);
            r
        }
    }

    #[test]
    fn decodes_frames_split_anywhere() {
        let stream = [0u8, 1, 0x04, 0, 5, 0x00, 0xA4, 0x04, 0x00, 0x00, 0, 1, 0x02];
        for split in 0..=stream.len() {
            let mut d = FrameDecoder::default();
            let mut got = Vec::new();
            for part in [&stream[..split], &stream[split..]] {
                d.push(part);
                while let Some(m) = d.next_message().unwrap() {
                    got.push(m);
                }
            }
            assert_eq!(
                got,
                vec![
                    Message::GetAtr,
                    Message::Apdu(vec![0x00, 0xA4, 0x04, 0x00, 0x00]),
                    Message::Power(PowerEvent::Reset)
                ],
                "split at {split}"
            );
        }
    }

    #[test]
    fn wanted_asks_for_exactly_the_rest_of_a_frame() {
        let mut d = FrameDecoder::default();
        assert_eq!(d.wanted(), 2);
        d.push(&[0]);
        assert_eq!(d.wanted(), 1);
        d.push(&[5, 1, 2]);
        assert_eq!(d.wanted(), 3);
    }

    #[test]
    fn rejects_unknown_control_and_empty_frames() {
        let mut d = FrameDecoder::default();
        d.push(&[0, 1, 0x07]);
        assert_eq!(d.next_message(), Err(FrameError::UnknownControl(0x07)));
        d.push(&[0, 0]);
        assert_eq!(d.next_message(), Err(FrameError::Empty));
    }

    #[test]
    fn power_gets_no_reply_atr_and_apdu_do() {
        let mut card = Echo { powered: vec![] };
        assert_eq!(respond(&mut card, Message::Power(PowerEvent::On)), Ok(None));
        assert_eq!(card.powered, vec![PowerEvent::On]);
        assert_eq!(
            respond(&mut card, Message::GetAtr),
            Ok(Some(vec![0, 2, 0x3B, 0x00]))
        );
        assert_eq!(
            respond(&mut card, Message::Apdu(vec![1, 2])),
            Ok(Some(vec![0, 4, 1, 2, 0x90, 0x00]))
        );
    }

    #[test]
    fn refuses_replies_longer_than_a_frame() {
        assert_eq!(
            encode_frame(&vec![0; 70_000]),
            Err(FrameError::TooLong(70_000))
        );
    }
}
