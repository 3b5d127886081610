//! [`Transport`] over a PC/SC card connection (the `pcsc` crate through pcscd).

use super::apdu::{Transport, TransportError};
use crate::reader::CardConnection;

impl Transport for CardConnection {
    fn transmit_raw(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.transmit(apdu)
            .map_err(|e| TransportError::Link(e.to_string()))
    }
}
