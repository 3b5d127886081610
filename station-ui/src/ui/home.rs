//! The first screen: what the station is, what it can reach, and the language switch.

use crate::station::{Inventory, Lang};

/// Home screen state.
pub struct HomeView {
    pub lang: Lang,
    pub inventory: Inventory,
    /// How to look again at devices and services (the real probe, or a fixed one in tests).
    probe: Box<dyn FnMut(Lang) -> Inventory>,
}

impl HomeView {
    pub fn new(lang: Lang, probe: Box<dyn FnMut(Lang) -> Inventory>) -> Self {
        let mut probe = probe;
        let inventory = probe(lang);
        Self {
            lang,
            inventory,
            probe,
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.lang;
        ui.heading(lang.pick(
            "Rekam — Stasiun Perekaman dan Personalisasi KTP-el",
            "Rekam — KTP-el Enrollment and Personalization Station",
        ));
        ui.horizontal(|ui| {
            ui.label(lang.pick("Bahasa:", "Language:"));
            ui.selectable_value(&mut self.lang, Lang::Id, "Bahasa Indonesia");
            ui.selectable_value(&mut self.lang, Lang::En, "English");
        });
        ui.separator();
        ui.label(lang.pick("Perangkat dan layanan:", "Devices and services:"));
        for line in self.inventory.report(lang) {
            ui.monospace(line);
        }
        if ui
            .button(lang.pick("Periksa ulang", "Check again"))
            .clicked()
        {
            self.inventory = (self.probe)(self.lang);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::station::ServiceState;
    use egui_kittest::{Harness, kittest::Queryable};
    use std::cell::Cell;
    use std::rc::Rc;

    fn fixed_inventory(readers: usize) -> Inventory {
        Inventory {
            usb: capture::UsbScan::Devices(vec![]),
            readers: ServiceState::Ready((0..readers).map(|i| format!("Reader {i}")).collect()),
            printers: ServiceState::Ready(vec![]),
        }
    }

    fn harness(probes: Rc<Cell<usize>>) -> Harness<'static, HomeView> {
        let view = HomeView::new(
            Lang::Id,
            Box::new(move |_| {
                probes.set(probes.get() + 1);
                fixed_inventory(probes.get())
            }),
        );
        Harness::builder()
            .with_size(egui::vec2(800.0, 400.0))
            .build_ui_state(|ui, view: &mut HomeView| view.ui(ui), view)
    }

    #[test]
    fn starts_in_indonesian_and_switches_to_english() {
        let mut h = harness(Rc::new(Cell::new(0)));
        h.run();
        h.get_by_label("Rekam — Stasiun Perekaman dan Personalisasi KTP-el");
        h.get_by_label("English").click();
        h.run();
        assert_eq!(h.state().lang, Lang::En);
        h.get_by_label("Rekam — KTP-el Enrollment and Personalization Station");
        h.get_by_label("Check again");
    }

    #[test]
    fn check_again_probes_and_shows_the_new_state() {
        let probes = Rc::new(Cell::new(0));
        let mut h = harness(probes.clone());
        h.run();
        assert_eq!(probes.get(), 1);
        h.get_by_label("  Reader 0");
        assert!(h.query_by_label("  Reader 1").is_none());
        h.get_by_label("Periksa ulang").click();
        h.run();
        assert_eq!(probes.get(), 2);
        h.get_by_label("  Reader 1");
    }
}
