//! The KTP-el chip: BER-TLV and APDUs, an open ICAO 9303-style chip profile with a signed SOD,
//! an SCP03-style secure channel, the sans-IO personalization engine, the PC/SC adapter and a
//! virtual chip (plus a virtual SAM) that plugs into real pcscd through vpcd.

pub mod apdu;
pub mod demo;
pub mod dg;
pub mod profile;
pub mod scp;
pub mod sod;
pub mod tlv;
