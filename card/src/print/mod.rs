//! Printing through CUPS over IPP, and the station's persistent print queue.
//!
//! [`cups`] is the thin IPP adapter (Print-Job, Get-Job-Attributes, Get-Jobs, Cancel-Job,
//! Get-Printer-Attributes); [`reasons`] turns `printer-state-reasons` into operator messages;
//! [`queue`] keeps the order of jobs in SQLite and reconciles with CUPS after a crash, so a
//! card is printed exactly once. Discovery (CUPS-Get-Printers) is [`crate::printer::list_printers`].

pub mod cups;
pub mod queue;
pub mod reasons;

pub use cups::{CupsPrinter, DocFormat, JobInfo, MEDIA_A6, MEDIA_CR80, PrinterStatus};
pub use queue::{JobStatus, PrintBackend, PrintQueue, QueueError, QueuedJob};
pub use reasons::{PrinterNotice, notices};
