//! Cancellation shared by every stage and driver loop.
//!
//! A [`Canceller`] owns the only sender of a channel that never carries a message; cancelling
//! drops it, so every [`CancelToken`] sees its receiver disconnect. Threads blocked in a
//! `crossbeam_channel::select!` on [`CancelToken::receiver`] wake at once, without polling and
//! without timeouts, and loops can also ask [`CancelToken::is_cancelled`] between steps.

use std::sync::{Arc, Mutex};

use crossbeam_channel::{Receiver, Sender, TryRecvError};

/// Cancels every token made from it (also when dropped).
#[derive(Debug)]
pub struct Canceller {
    tx: Arc<Mutex<Option<Sender<()>>>>,
    rx: Receiver<()>,
}

/// A stage's view of cancellation; cheap to clone.
#[derive(Debug, Clone)]
pub struct CancelToken {
    rx: Receiver<()>,
}

impl Default for Canceller {
    fn default() -> Self {
        Self::new()
    }
}

impl Canceller {
    pub fn new() -> Self {
        let (tx, rx) = crossbeam_channel::bounded(0);
        Self {
            tx: Arc::new(Mutex::new(Some(tx))),
            rx,
        }
    }

    pub fn token(&self) -> CancelToken {
        CancelToken {
            rx: self.rx.clone(),
        }
    }

    pub fn cancel(&self) {
        // A poisoned lock still holds the sender; take it either way.
        let mut guard = match self.tx.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        guard.take();
    }
}

impl CancelToken {
    /// A token that is never cancelled (for one-shot calls outside a pipeline).
    pub fn never() -> Self {
        // One process-wide channel whose sender lives forever.
        static NEVER: std::sync::OnceLock<(Sender<()>, Receiver<()>)> = std::sync::OnceLock::new();
        let (_, rx) = NEVER.get_or_init(|| crossbeam_channel::bounded(0));
        Self { rx: rx.clone() }
    }

    pub fn is_cancelled(&self) -> bool {
        matches!(self.rx.try_recv(), Err(TryRecvError::Disconnected))
    }

    /// For `select!`: becomes ready (with an error) when cancelled.
    pub fn receiver(&self) -> &Receiver<()> {
        &self.rx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_reaches_every_token_and_wakes_select() {
        let c = Canceller::new();
        let a = c.token();
        let b = a.clone();
        assert!(!a.is_cancelled());
        let waiter = std::thread::spawn(move || {
            crossbeam_channel::select! {
                recv(b.receiver()) -> msg => msg.is_err(),
            }
        });
        c.cancel();
        assert!(waiter.join().unwrap());
        assert!(a.is_cancelled());
        assert!(!CancelToken::never().is_cancelled());
    }
}
