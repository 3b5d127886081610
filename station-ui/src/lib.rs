//! # station-ui — the `rekam` application
//!
//! [`station`] is the headless core (inventory of devices and services, later the applicant,
//! workflow, store, outbox and reports); it never imports egui. [`ui`] holds the egui views, which
//! only read station state and send it commands. The same core runs without a display.

pub mod station;
pub mod ui;
