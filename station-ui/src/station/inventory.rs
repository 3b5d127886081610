//! What the station can reach right now: USB devices, card readers, printers.
//! Each line says what was found, or what is wrong and what to do, in the operator's language.

use capture::{UsbScan, usb};
use card::{printer, reader};

use super::Lang;

/// The state of one external service, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceState<T> {
    Ready(Vec<T>),
    /// The service is missing; `advice` says what the operator should do.
    Unavailable {
        detail: String,
        advice: String,
    },
}

/// One look at everything the station depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    pub usb: UsbScan,
    pub readers: ServiceState<String>,
    pub printers: ServiceState<printer::PrinterInfo>,
}

impl Inventory {
    /// Looks at the bus, pcscd and CUPS.
    pub fn probe(lang: Lang) -> Self {
        Self {
            usb: usb::scan(),
            readers: match reader::list_readers() {
                Ok(r) => ServiceState::Ready(r),
                Err(e) => ServiceState::Unavailable {
                    detail: e.to_string(),
                    advice: lang
                        .pick(
                            "Jalankan layanan kartu: `scripts/services start`, lalu coba lagi.",
                            "Start the card service: `scripts/services start`, then try again.",
                        )
                        .into(),
                },
            },
            printers: match printer::list_printers(&printer::cups_uri()) {
                Ok(p) => ServiceState::Ready(p),
                Err(e) => ServiceState::Unavailable {
                    detail: e.to_string(),
                    advice: lang
                        .pick(
                            "Jalankan layanan cetak: `scripts/services start`, lalu coba lagi.",
                            "Start the print service: `scripts/services start`, then try again.",
                        )
                        .into(),
                },
            },
        }
    }

    /// The inventory as lines of text for the headless demo and the log.
    pub fn report(&self, lang: Lang) -> Vec<String> {
        let mut out = Vec::new();
        match &self.usb {
            UsbScan::Unavailable { reason } => out.push(format!(
                "{}: {} ({reason}). {}",
                lang.pick("USB", "USB"),
                lang.pick("tidak tersedia", "unavailable"),
                lang.pick("Memakai perangkat simulasi.", "Using simulated devices."),
            )),
            UsbScan::Devices(devs) => {
                out.push(format!(
                    "USB: {} {}",
                    devs.len(),
                    lang.pick("perangkat", "devices")
                ));
                for d in devs {
                    let what = d.driver.map_or_else(
                        || lang.pick("tidak dikenal", "unknown").to_owned(),
                        |(_, name)| name.to_owned(),
                    );
                    out.push(format!("  {:04x}:{:04x} {what}", d.vendor_id, d.product_id));
                }
            }
        }
        push_service(
            &mut out,
            lang.pick("Pembaca kartu", "Card readers"),
            &self.readers,
            |r| r.clone(),
            lang,
        );
        push_service(
            &mut out,
            lang.pick("Printer", "Printers"),
            &self.printers,
            |p| format!("{} ({})", p.name, printer_state(p.state, lang)),
            lang,
        );
        out
    }
}

fn push_service<T>(
    out: &mut Vec<String>,
    title: &str,
    state: &ServiceState<T>,
    show: impl Fn(&T) -> String,
    lang: Lang,
) {
    match state {
        ServiceState::Ready(items) if items.is_empty() => {
            out.push(format!("{title}: {}", lang.pick("tidak ada", "none")));
        }
        ServiceState::Ready(items) => {
            out.push(format!("{title}: {}", items.len()));
            out.extend(items.iter().map(|i| format!("  {}", show(i))));
        }
        ServiceState::Unavailable { detail, advice } => {
            out.push(format!("{title}: {detail}. {advice}"));
        }
    }
}

fn printer_state(state: i32, lang: Lang) -> &'static str {
    match state {
        3 => lang.pick("siap", "idle"),
        4 => lang.pick("sedang mencetak", "printing"),
        5 => lang.pick("berhenti", "stopped"),
        _ => lang.pick("tidak diketahui", "unknown"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_explains_missing_services_in_the_operators_language() {
        let inv = Inventory {
            usb: UsbScan::Unavailable {
                reason: "/sys/bus/usb/devices/ not found".into(),
            },
            readers: ServiceState::Unavailable {
                detail: "pcscd down".into(),
                advice: "Jalankan layanan kartu".into(),
            },
            printers: ServiceState::Ready(vec![printer::PrinterInfo {
                name: "KTP_PDF".into(),
                state: 3,
                make_and_model: None,
            }]),
        };
        let id = inv.report(Lang::Id).join("\n");
        assert!(id.contains("USB: tidak tersedia"), "{id}");
        assert!(id.contains("Memakai perangkat simulasi"), "{id}");
        assert!(
            id.contains("Pembaca kartu: pcscd down. Jalankan layanan kartu"),
            "{id}"
        );
        assert!(id.contains("KTP_PDF (siap)"), "{id}");
        let en = inv.report(Lang::En).join("\n");
        assert!(en.contains("KTP_PDF (idle)"), "{en}");
    }
}
