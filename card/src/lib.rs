//! # card — the KTP-el chip and the card face
//!
//! Chip side: ISO 7816-4 APDUs, data groups, the signed SOD, the personalization engine, the
//! PC/SC transport and a virtual chip that plugs into real pcscd through vsmartcard's vpcd.
//! Face side: rendering the CR-80 card and printing it through CUPS over IPP.
//!
//! Protocol logic is sans-IO (bytes in, bytes out); [`vpcd::serve`], [`reader`] and
//! [`printer`] are the thin adapters to sockets, pcscd and cupsd.

pub mod chip;
pub mod demo_card;
pub mod face;
pub mod print;
pub mod printer;
pub mod reader;
pub mod vpcd;
