//! [`Transport`] over a PC/SC card connection (the `pcsc` crate through pcscd).

use super::apdu::{Transport, TransportError};
use crate::reader::CardConnection;

impl Transport for CardConnection {
    fn transmit_raw(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self.transmit(apdu) {
            // vpcd reports a card that vanished mid-command as an empty answer, not an error.
            Ok(resp) if resp.is_empty() => Err(TransportError::Link(
                "tidak ada jawaban / no answer from the card".into(),
            )),
            Ok(resp) => Ok(resp),
            Err(e) => Err(TransportError::Link(e.to_string())),
        }
    }
}
