//! The KTP-el chip: BER-TLV and APDUs, an open ICAO 9303-style chip profile with a signed SOD,
//! an SCP03-style secure channel, the sans-IO personalization engine, the PC/SC adapter and a
//! virtual chip (plus a virtual SAM) that plugs into real pcscd through vpcd.
//!
//! Layers, outside in: [`pcsc_transport`] (pcscd) and [`crate::vpcd`] (the virtual card's
//! socket) are the only I/O; [`engine`] drives [`apdu`]/[`scp`] commands as a pure state
//! machine; [`profile`] turns an applicant into files ([`dg`], [`sod`]); [`keys`] supplies
//! session keys without exposing master keys; [`virtual_chip`] is the card side.

pub mod apdu;
pub mod demo;
pub mod dg;
pub mod engine;
pub mod keys;
pub mod pcsc_transport;
pub mod profile;
pub mod scp;
pub mod sod;
pub mod tlv;
pub mod virtual_chip;

#[cfg(test)]
mod tests;
