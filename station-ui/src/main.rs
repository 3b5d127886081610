//! `rekam`: opens the station window where there is a display, else runs the headless demo.

use station_ui::station::{Inventory, Lang};
use station_ui::ui::{HomeView, StationApp};

fn main() -> anyhow::Result<()> {
    let lang = Lang::from_env();
    if has_display() {
        run_window(lang)
    } else {
        run_headless(lang);
        Ok(())
    }
}

fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

fn run_window(lang: Lang) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Rekam")
            .with_inner_size([1024.0, 700.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Rekam",
        options,
        Box::new(move |_cc| {
            Ok(Box::new(StationApp::new(HomeView::new(
                lang,
                Box::new(Inventory::probe),
            ))))
        }),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
}

fn run_headless(lang: Lang) {
    println!(
        "{}",
        lang.pick(
            "Tidak ada layar (DISPLAY/WAYLAND_DISPLAY kosong): menjalankan demo tanpa layar.",
            "No display (DISPLAY/WAYLAND_DISPLAY unset): running the headless demo.",
        )
    );
    for line in Inventory::probe(lang).report(lang) {
        println!("{line}");
    }
}
