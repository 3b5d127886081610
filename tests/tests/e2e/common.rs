//! What the end-to-end tests share: where the services put things.

use std::path::PathBuf;

/// The cups-pdf queue `scripts/services start` creates.
pub fn pdf_printer() -> String {
    std::env::var("REKAM_PDF_PRINTER").unwrap_or_else(|_| "REKAM_PDF".into())
}

/// Where that queue writes its PDFs.
pub fn pdf_out_dir() -> PathBuf {
    std::env::var_os("REKAM_PDF_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/spool/cups-pdf/rekam"))
}

/// The vpcd slot tests plug their virtual cards into ("Virtual PCD 00 01").
pub const TEST_SLOT: u16 = 1;
pub const TEST_READER: &str = "Virtual PCD 00 01";
