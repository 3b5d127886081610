//! The headless station core. Never imports egui.

pub mod i18n;
pub mod inventory;

pub use i18n::Lang;
pub use inventory::{Inventory, ServiceState};
