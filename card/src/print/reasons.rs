//! `printer-state-reasons` (RFC 8011 §5.4.12, PWG 5100.9) → what the operator should do.
//!
//! Pure: keywords in, notices out. The keywords carry a severity suffix (`-report`,
//! `-warning`, `-error`) which is stripped before matching; unknown keywords other than
//! `none` are still shown, verbatim, so nothing the printer says is hidden.

use std::fmt;

/// Something about the printer the operator needs to know or fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterNotice {
    /// The printer does not answer (offline, unplugged, or CUPS cannot reach it).
    Offline,
    /// The card hopper or paper tray is empty.
    MediaEmpty,
    MediaJam,
    /// Ribbon (card printers) or toner/ink finished.
    RibbonEmpty,
    RibbonLow,
    DoorOpen,
    /// The queue is stopped in CUPS (cupsdisable / an earlier error).
    Paused,
    /// The queue refuses new jobs (cupsreject).
    NotAccepting,
    /// The queue no longer exists in CUPS.
    Gone,
    /// Any other reason, as the printer reported it.
    Other(String),
}

impl PrinterNotice {
    /// Bahasa Indonesia first, then English.
    pub fn message(&self) -> String {
        match self {
            PrinterNotice::Offline => {
                "Printer tidak terhubung: periksa kabel dan daya / Printer offline: check cable and power".into()
            }
            PrinterNotice::MediaEmpty => {
                "Kartu/kertas habis: isi ulang wadah kartu / Out of cards or paper: refill the hopper".into()
            }
            PrinterNotice::MediaJam => {
                "Kartu/kertas macet: buka printer dan keluarkan / Card or paper jam: open the printer and clear it".into()
            }
            PrinterNotice::RibbonEmpty => {
                "Pita (ribbon) habis: ganti pita / Ribbon finished: replace the ribbon".into()
            }
            PrinterNotice::RibbonLow => {
                "Pita (ribbon) hampir habis / Ribbon almost finished".into()
            }
            PrinterNotice::DoorOpen => "Penutup printer terbuka / Printer cover open".into(),
            PrinterNotice::Paused => {
                "Antrean printer dihentikan: aktifkan kembali printer / Printer queue stopped: resume the printer".into()
            }
            PrinterNotice::NotAccepting => {
                "Printer menolak pekerjaan baru / Printer is not accepting jobs".into()
            }
            PrinterNotice::Gone => {
                "Printer tidak ditemukan di CUPS / Printer no longer exists in CUPS".into()
            }
            PrinterNotice::Other(k) => format!("Status printer / Printer status: {k}"),
        }
    }

    /// Whether printing cannot go on until someone acts.
    pub fn blocks_printing(&self) -> bool {
        !matches!(self, PrinterNotice::RibbonLow | PrinterNotice::Other(_))
    }
}

impl fmt::Display for PrinterNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// The notices for a set of `printer-state-reasons` keywords, without duplicates, in order.
pub fn notices<S: AsRef<str>>(reasons: &[S]) -> Vec<PrinterNotice> {
    let mut out: Vec<PrinterNotice> = Vec::new();
    for r in reasons {
        if let Some(n) = notice(r.as_ref())
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
    out
}

fn notice(keyword: &str) -> Option<PrinterNotice> {
    let base = ["-error", "-warning", "-report"]
        .iter()
        .find_map(|s| keyword.strip_suffix(s))
        .unwrap_or(keyword);
    Some(match base {
        "none" | "" => return None,
        "offline" | "shutdown" | "connecting-to-device" | "timed-out" => PrinterNotice::Offline,
        "media-empty" | "media-needed" | "input-tray-missing" => PrinterNotice::MediaEmpty,
        "media-jam" => PrinterNotice::MediaJam,
        "marker-supply-empty" | "toner-empty" | "marker-waste-full" => PrinterNotice::RibbonEmpty,
        "marker-supply-low" | "toner-low" | "marker-waste-almost-full" => PrinterNotice::RibbonLow,
        "door-open" | "cover-open" | "interlock-open" => PrinterNotice::DoorOpen,
        "paused" | "moving-to-paused" | "stopped-partly" | "stopping" => PrinterNotice::Paused,
        _ => PrinterNotice::Other(keyword.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_printer_reasons_map_to_operator_notices() {
        let n = notices(&[
            "media-empty-error",
            "marker-supply-low-warning",
            "offline-report",
            "paused",
            "none",
            "cups-insecure-filter-warning",
        ]);
        assert_eq!(
            n,
            vec![
                PrinterNotice::MediaEmpty,
                PrinterNotice::RibbonLow,
                PrinterNotice::Offline,
                PrinterNotice::Paused,
                PrinterNotice::Other("cups-insecure-filter-warning".into()),
            ]
        );
        assert!(n[0].blocks_printing() && !n[1].blocks_printing());
        assert!(n[0].message().contains("habis") && n[0].message().contains("Out of cards"));
    }

    #[test]
    fn none_and_duplicates_vanish() {
        assert!(notices(&["none"]).is_empty());
        assert_eq!(notices(&["media-jam-error", "media-jam-warning"]).len(), 1);
    }
}
