//! PC/SC readers through pcscd (the `pcsc` crate): the thin adapter the chip engine drives.

use std::ffi::CString;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ReaderError {
    #[error("the smart-card service (pcscd) is not running or not reachable: {0}")]
    NoService(pcsc::Error),
    #[error("PC/SC error: {0}")]
    Pcsc(#[from] pcsc::Error),
    #[error("reader '{0}' not found")]
    NotFound(String),
}

/// Names of the readers pcscd knows, in its order. No readers is an empty list, not an error.
pub fn list_readers() -> Result<Vec<String>, ReaderError> {
    let ctx = context()?;
    reader_names(&ctx)
}

pub(crate) fn context() -> Result<pcsc::Context, ReaderError> {
    pcsc::Context::establish(pcsc::Scope::User).map_err(ReaderError::NoService)
}

fn reader_names(ctx: &pcsc::Context) -> Result<Vec<String>, ReaderError> {
    let mut buf = vec![0u8; 4096];
    match ctx.list_readers(&mut buf) {
        Ok(names) => Ok(names.map(|n| n.to_string_lossy().into_owned()).collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(pcsc::Error::InsufficientBuffer) => {
            let mut buf = vec![0u8; ctx.list_readers_len()?];
            Ok(ctx
                .list_readers(&mut buf)?
                .map(|n| n.to_string_lossy().into_owned())
                .collect())
        }
        Err(e) => Err(e.into()),
    }
}

/// Waits up to `timeout` until `reader` has no card (after a pull, before the next insert).
pub fn wait_for_removal(reader: &str, timeout: std::time::Duration) -> Result<(), ReaderError> {
    let ctx = context()?;
    let name = CString::new(reader).map_err(|_| ReaderError::NotFound(reader.to_owned()))?;
    let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
    let deadline = std::time::Instant::now() + timeout;
    loop {
        ctx.get_status_change(
            deadline.saturating_duration_since(std::time::Instant::now()),
            &mut states,
        )?;
        if states[0].event_state().contains(pcsc::State::EMPTY) {
            return Ok(());
        }
        states[0].sync_current_state();
    }
}

/// A connected card in a named reader, shared with other processes between transactions.
pub struct CardConnection {
    card: pcsc::Card,
}

impl CardConnection {
    /// Waits up to `timeout` for a card in `reader`, then connects to it.
    pub fn wait_and_connect(
        reader: &str,
        timeout: std::time::Duration,
    ) -> Result<Self, ReaderError> {
        Self::wait_and_connect_mode(reader, timeout, pcsc::ShareMode::Shared)
    }

    /// Like [`CardConnection::wait_and_connect`], but no other process may talk to the card
    /// until this connection is dropped: a personalization job owns the card.
    pub fn wait_and_connect_exclusive(
        reader: &str,
        timeout: std::time::Duration,
    ) -> Result<Self, ReaderError> {
        Self::wait_and_connect_mode(reader, timeout, pcsc::ShareMode::Exclusive)
    }

    fn wait_and_connect_mode(
        reader: &str,
        timeout: std::time::Duration,
        mode: pcsc::ShareMode,
    ) -> Result<Self, ReaderError> {
        let ctx = context()?;
        let name = CString::new(reader).map_err(|_| ReaderError::NotFound(reader.to_owned()))?;
        let mut states = [pcsc::ReaderState::new(name.clone(), pcsc::State::UNAWARE)];
        let deadline = std::time::Instant::now() + timeout;
        loop {
            ctx.get_status_change(
                deadline.saturating_duration_since(std::time::Instant::now()),
                &mut states,
            )?;
            if states[0].event_state().contains(pcsc::State::UNKNOWN) {
                return Err(ReaderError::NotFound(reader.to_owned()));
            }
            if states[0].event_state().contains(pcsc::State::PRESENT) {
                break;
            }
            states[0].sync_current_state();
        }
        let card = ctx.connect(&name, mode, pcsc::Protocols::ANY)?;
        Ok(Self { card })
    }

    /// Sends one command APDU and returns the response APDU (data + SW1 SW2).
    pub fn transmit(&self, apdu: &[u8]) -> Result<Vec<u8>, ReaderError> {
        let mut rx = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        Ok(self.card.transmit(apdu, &mut rx)?.to_vec())
    }
}
