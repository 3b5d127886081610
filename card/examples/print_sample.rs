//! Prints a sample document through the station's print queue to a CUPS queue and follows it
//! to completion, showing the operator notices on the way:
//! `cargo run -p card --example print_sample -- REKAM_PDF ktp|kia|kia-under-five|receipt [queue.sqlite]`

use std::time::{Duration, Instant};

use card::face::{self, sample};
use card::print::{CupsPrinter, DocFormat, JobStatus, MEDIA_A6, MEDIA_CR80, PrintQueue};
use card::printer;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let queue_name = args.next().unwrap_or_else(|| "REKAM_PDF".into());
    let kind = args.next().unwrap_or_else(|| "ktp".into());
    let db = args.next().unwrap_or_else(|| {
        std::env::temp_dir()
            .join("rekam-print-queue.sqlite")
            .display()
            .to_string()
    });
    let (doc, media) = match kind.as_str() {
        "ktp" => (face::ktp_front(&sample::ktp()?)?, MEDIA_CR80),
        "kia" => (face::kia_front(&sample::kia()?)?, MEDIA_CR80),
        "kia-under-five" => (face::kia_front(&sample::kia_under_five()?)?, MEDIA_CR80),
        "receipt" => (face::receipt(&sample::receipt()?)?, MEDIA_A6),
        other => return Err(format!("unknown document {other}").into()),
    };
    let printer = CupsPrinter::new(&printer::cups_uri(), &queue_name);
    let queue = PrintQueue::open(std::path::Path::new(&db))?;
    let seq = queue.enqueue(&kind, DocFormat::Pdf, media, &doc.pdf()?)?;
    println!("queued {kind} as #{seq} in {db}");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let Some(head) = queue.pump(&printer)? else {
            break;
        };
        match &head.status {
            JobStatus::Printing { notices, .. } => {
                for n in notices {
                    println!("#{}: {n}", head.seq);
                }
            }
            JobStatus::Failed { reason } => {
                println!("#{} failed: {reason}", head.seq);
                break;
            }
            _ => {}
        }
        if Instant::now() > deadline {
            println!("still printing after 2 min");
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    println!("#{seq}: {:?}", queue.get(seq, &printer)?.status);
    Ok(())
}
