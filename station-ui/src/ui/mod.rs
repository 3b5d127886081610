//! egui views. Each panel is a struct with `fn ui(&mut self, ui: &mut Ui)`; the views read
//! station state and send it commands, and hold no station logic of their own.

mod home;

pub use home::HomeView;

/// The eframe application: the views, and the station state they show.
pub struct StationApp {
    pub home: HomeView,
}

impl StationApp {
    pub fn new(home: HomeView) -> Self {
        Self { home }
    }
}

impl eframe::App for StationApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| self.home.ui(ui));
    }
}
