//! Card faces and receipts printed through real cupsd (cups-pdf), checked with poppler, and the
//! print queue's exactly-once behaviour when the printer stops, vanishes, or an answer is lost.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use card::face::{self, Document, FaceError, TextField, sample};
use card::print::{
    CupsPrinter, DocFormat, JobInfo, JobStatus, MEDIA_A6, MEDIA_CR80, PrintBackend, PrintQueue,
    PrinterNotice, PrinterStatus,
};
use card::printer::{self, PrinterError};

use crate::common::{pdf_out_dir, pdf_printer};

const MM_TO_PT: f64 = 72.0 / 25.4;

fn temp_db(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!(
        "rekam-print-{tag}-{}-{nanos}.sqlite",
        std::process::id()
    ))
}

fn cups() -> CupsPrinter {
    CupsPrinter::new(&printer::cups_uri(), &pdf_printer())
}

/// The PDF cups-pdf wrote for job `id` named `name` (waits for it to be complete).
fn output_pdf(name: &str, id: i32) -> PathBuf {
    let pdf = pdf_out_dir().join(format!("{name}-job_{id}.pdf"));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !pdf.is_file() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(pdf.is_file(), "{pdf:?} missing");
    pdf
}

/// Every PDF cups-pdf wrote for any of `names`.
fn outputs_for(names: &[String]) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(pdf_out_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let f = p.file_name().unwrap().to_string_lossy().into_owned();
            names.iter().any(|n| f.starts_with(&format!("{n}-job_")))
        })
        .collect();
    found.sort();
    found
}

/// Prints `doc` as PDF through a fresh station queue to `printer`; returns the PDF cups-pdf
/// wrote and a copy of the PDF the station sent.
fn print_through(
    printer: &CupsPrinter,
    tag: &str,
    doc: &Document,
    media: &str,
) -> (PathBuf, PathBuf) {
    let db = temp_db(tag);
    let queue = PrintQueue::open(&db).unwrap();
    let sent = doc.pdf().unwrap();
    let sent_path = db.with_extension("pdf");
    std::fs::write(&sent_path, &sent).unwrap();
    let seq = queue.enqueue(tag, DocFormat::Pdf, media, &sent).unwrap();
    let end = queue
        .run_until_idle(printer, Instant::now() + Duration::from_secs(60))
        .unwrap();
    assert!(end.is_none(), "queue not drained: {end:?}");
    let job = queue.get(seq, printer).unwrap();
    let JobStatus::Done { ipp_id } = job.status else {
        panic!("{job:?}")
    };
    let names = queue.attempt_names(seq).unwrap();
    assert_eq!(names.len(), 1, "one attempt");
    std::fs::remove_file(&db).ok();
    (output_pdf(&names[0], ipp_id), sent_path)
}

/// Prints `doc` on REKAM_PDF (page size and pixels are checked on this one), and again on a
/// cups-pdf queue of the test's own with `pdftops-renderer-default=pdftocairo` (text is checked
/// on that one). Why two: the default renderer (Ghostscript) keeps the exact page size but
/// turns the embedded CID fonts into Type 3 fonts with meaningless ToUnicode maps, so
/// `pdftotext` reads glyph codes; pdftocairo keeps the text but rounds and rotates the page
/// box. Both are real CUPS paths; a card printer's raster driver is indifferent to either.
/// Returns (printed on REKAM_PDF, printed via pdftocairo, sent).
fn print_through_cups(tag: &str, doc: &Document, media: &str) -> (PathBuf, PathBuf, PathBuf) {
    let (printed, sent) = print_through(&cups(), tag, doc, media);
    let tq = TestQueue::create_with(tag, &["-o", "pdftops-renderer-default=pdftocairo"]);
    let (with_text, sent_again) = print_through(&tq.printer(), tag, doc, media);
    std::fs::remove_file(sent_again).ok();
    (printed, with_text, sent)
}

/// The document's text is in the PDF the station sends and in the PDF cups-pdf printed.
fn assert_text(sent: &Path, printed: &Path, wanted: &[&str]) -> String {
    let sent_text = squash(&pdftotext(sent));
    let printed_text = squash(&pdftotext(printed));
    for want in wanted {
        assert!(
            sent_text.contains(want),
            "'{want}' missing from the sent PDF: {sent_text}"
        );
        assert!(
            printed_text.contains(want),
            "'{want}' missing from the printed PDF: {printed_text}"
        );
    }
    printed_text
}

fn pdfinfo_page_size(pdf: &Path) -> (f64, f64) {
    let out = Command::new("pdfinfo").arg(pdf).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("Page size:"))
        .unwrap_or_else(|| panic!("no page size in {text}"));
    let nums: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().eq(["Pages:", "1"])),
        "{text}"
    );
    (nums[0], nums[1])
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// Renders page 1 of `pdf` at exactly `w`×`h` pixels (300 dpi for our pages).
fn pdftoppm(pdf: &Path, w: u32, h: u32) -> image::RgbImage {
    let prefix = std::env::temp_dir().join(format!(
        "rekam-ppm-{}-{}",
        std::process::id(),
        pdf.file_stem().unwrap().to_string_lossy()
    ));
    let status = Command::new("pdftoppm")
        .args(["-png", "-singlefile", "-scale-to-x"])
        .arg(w.to_string())
        .arg("-scale-to-y")
        .arg(h.to_string())
        .arg(pdf)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    let png = prefix.with_extension("png");
    let img = image::open(&png).unwrap().to_rgb8();
    std::fs::remove_file(&png).ok();
    img
}

/// Mean absolute difference (0–255) and the share of pixels off by more than 64, compared at
/// 100 dpi: Ghostscript resamples the page's pictures and anti-aliases glyphs its own way, so
/// a 300 dpi comparison would measure sub-pixel phase, not content.
fn difference(a: &image::RgbImage, b: &image::RgbImage) -> (f64, f64) {
    assert_eq!(a.dimensions(), b.dimensions());
    let (w, h) = (a.width() / 3, a.height() / 3);
    let small = |i: &image::RgbImage| {
        image::imageops::resize(i, w, h, image::imageops::FilterType::Triangle)
    };
    let (a, b) = (small(a), small(b));
    let mut sum = 0u64;
    let mut far = 0u64;
    for (p, q) in a.pixels().zip(b.pixels()) {
        let d = (0..3).map(|c| p[c].abs_diff(q[c]) as u64).max().unwrap();
        sum += d;
        far += u64::from(d > 64);
    }
    let n = u64::from(w) * u64::from(h);
    (sum as f64 / n as f64, far as f64 / n as f64)
}

/// The printed page matches our own rendering, and our rendering the reference in `docs/`.
fn assert_matches_reference(pdf: &Path, doc: &Document, reference: &str) {
    assert_matches_reference_within(pdf, doc, reference, 4.0);
}

/// As [`assert_matches_reference`] with a given mean-difference bound for the printed page.
fn assert_matches_reference_within(pdf: &Path, doc: &Document, reference: &str, max_mean: f64) {
    let ours = image::load_from_memory(&doc.png().unwrap())
        .unwrap()
        .to_rgb8();
    let printed = pdftoppm(pdf, ours.width(), ours.height());
    let (mean, far) = difference(&ours, &printed);
    assert!(
        mean < max_mean && far < 0.01,
        "{reference}: printed page differs from the rendering: mean {mean:.2}, far {far:.4}"
    );
    let committed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/faces")
        .join(reference);
    let committed = image::open(&committed).unwrap().to_rgb8();
    let (mean, far) = difference(&ours, &committed);
    assert!(
        mean < 1.0 && far < 0.001,
        "{reference}: rendering drifted from the committed reference: mean {mean:.2}, far {far:.4} \
         (regenerate with `cargo run -p card --example render_faces -- docs/faces`)"
    );
}

/// Page size within Ghostscript's output precision (0.01 pt).
fn assert_size_mm(pdf: &Path, size: (f32, f32)) {
    assert_size_within(pdf, size, 0.05);
}

fn assert_size_within(pdf: &Path, (w_mm, h_mm): (f32, f32), tolerance_pt: f64) {
    let (w, h) = pdfinfo_page_size(pdf);
    let (ew, eh) = (f64::from(w_mm) * MM_TO_PT, f64::from(h_mm) * MM_TO_PT);
    assert!(
        (w - ew).abs() < tolerance_pt && (h - eh).abs() < tolerance_pt,
        "{pdf:?}: page {w} x {h} pt, expected {ew:.3} x {eh:.3}"
    );
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn ktp_front_prints_through_cups_at_card_size_with_its_text() {
    let doc = face::ktp_front(&sample::ktp().unwrap()).unwrap();
    let (pdf, with_text, sent) = print_through_cups("ktp", &doc, MEDIA_CR80);
    assert_size_mm(&pdf, face::CR80_MM);
    assert_size_mm(&sent, face::CR80_MM);
    assert_text(
        &sent,
        &with_text,
        &[
            "PROVINSI JAWA BARAT",
            "KOTA BANDUNG",
            "3273015708900003",
            "SITI NUR'AINI RAHMAWATI",
            "BANDUNG, 17-08-1990",
            "PEREMPUAN",
            "Gol. Darah : O",
            "JL. CIHAMPELAS GG. SUKAASIH II NO. 12B",
            "003/011",
            "CIPAGANTI",
            "COBLONG",
            "KARYAWAN SWASTA",
            "SEUMUR HIDUP",
            "26-11-2026",
        ],
    );
    assert_matches_reference(&pdf, &doc, "ktp-front.png");
    for f in [pdf, with_text, sent] {
        std::fs::remove_file(f).ok();
    }
}

#[test]
fn kia_front_prints_through_cups_with_accented_name() {
    let doc = face::kia_front(&sample::kia().unwrap()).unwrap();
    let (pdf, with_text, sent) = print_through_cups("kia", &doc, MEDIA_CR80);
    assert_size_mm(&pdf, face::CR80_MM);
    assert_text(
        &sent,
        &with_text,
        &[
            "KARTU IDENTITAS ANAK",
            "RAFFA ANDRÉS PRADIPTA",
            "3404010503160002",
            "05-03-2033",
            "KABUPATEN SLEMAN",
        ],
    );
    assert_matches_reference(&pdf, &doc, "kia-front.png");
    for f in [pdf, with_text, sent] {
        std::fs::remove_file(f).ok();
    }
}

#[test]
fn receipt_prints_through_cups_on_a6_with_masked_nik() {
    let doc = face::receipt(&sample::receipt().unwrap()).unwrap();
    let (pdf, with_text, sent) = print_through_cups("receipt", &doc, MEDIA_A6);
    assert_size_mm(&pdf, face::A6_MM);
    let text = assert_text(
        &sent,
        &with_text,
        &[
            "BUKTI PEREKAMAN KTP-el",
            "REG-3273-20261126-000123",
            "************0003",
            "Perekaman KTP-el baru",
            "Loket Pengambilan Kecamatan Coblong",
            "27-11-2026",
            "LAPOR!",
            "PENGADUAN / COMPLAINTS",
        ],
    );
    assert!(
        !text.contains("3273015708900003"),
        "full NIK on the receipt"
    );
    assert_matches_reference(&pdf, &doc, "receipt.png");
    for f in [pdf, with_text, sent] {
        std::fs::remove_file(f).ok();
    }
}

#[test]
fn overlong_fields_are_errors_before_anything_is_printed() {
    let mut card = sample::ktp().unwrap();
    card.address = TextField::new(&"JL. PANJANG SEKALI NOMOR ".repeat(8)).unwrap();
    let err = face::ktp_front(&card).unwrap_err();
    assert!(
        matches!(
            err,
            FaceError::FieldTooLong {
                field: "Alamat",
                max: 2,
                ..
            }
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("terlalu panjang") && msg.contains("too long"),
        "{msg}"
    );

    let mut card = sample::ktp().unwrap();
    card.name = TextField::new("Hubertus Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaftschaferswessenschafewarenwohlgepflegeundsorgfaltigkeitbeschutzenvorangreifendurch").unwrap();
    assert!(matches!(
        face::ktp_front(&card).unwrap_err(),
        FaceError::WordTooWide { field: "Nama", .. }
    ));

    let mut kia = sample::kia_under_five().unwrap();
    kia.photo = sample::kia().unwrap().photo;
    assert!(matches!(
        face::kia_front(&kia).unwrap_err(),
        FaceError::KiaPhotoNotAllowed { age: 3 }
    ));
}

/// A second cups-pdf queue this test owns, so stopping or deleting it disturbs no one.
struct TestQueue(String, Vec<String>);

impl TestQueue {
    fn create(tag: &str) -> Self {
        Self::create_with(tag, &[])
    }

    fn create_with(tag: &str, options: &[&str]) -> Self {
        let name = format!("REKAM_T_{tag}_{}", std::process::id());
        let q = Self(name, options.iter().map(|o| o.to_string()).collect());
        q.add();
        q
    }

    fn add(&self) {
        let ok = Command::new("lpadmin")
            .args(["-p", &self.0, "-E", "-v", "cups-pdf:/"])
            .args([
                "-m",
                "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd",
                "-o",
                "TitlePref=1",
            ])
            .args(&self.1)
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "lpadmin could not add {}", self.0);
    }

    fn run(&self, tool: &str) {
        let out = Command::new(tool).arg(&self.0).output().unwrap();
        assert!(out.status.success(), "{tool} {}: {out:?}", self.0);
    }

    fn delete(&self) {
        Command::new("lpadmin").args(["-x", &self.0]).output().ok();
    }

    fn printer(&self) -> CupsPrinter {
        CupsPrinter::new(&printer::cups_uri(), &self.0)
    }
}

impl Drop for TestQueue {
    fn drop(&mut self) {
        self.delete();
    }
}

fn small_card() -> Vec<u8> {
    face::kia_front(&sample::kia_under_five().unwrap())
        .unwrap()
        .pdf()
        .unwrap()
}

#[test]
fn a_printer_that_stops_then_vanishes_mid_job_prints_exactly_once_after_retry() {
    let tq = TestQueue::create("gone");
    let printer = tq.printer();
    tq.run("cupsdisable");

    let db = temp_db("gone");
    let seq = {
        let queue = PrintQueue::open(&db).unwrap();
        let seq = queue
            .enqueue("kia", DocFormat::Pdf, MEDIA_CR80, &small_card())
            .unwrap();
        let job = queue.pump(&printer).unwrap().unwrap();
        let JobStatus::Printing { notices, .. } = &job.status else {
            panic!("{job:?}")
        };
        assert!(notices.contains(&PrinterNotice::Paused), "{notices:?}");
        seq
        // The station "crashes" here: the queue is dropped with the job held in CUPS.
    };

    let queue = PrintQueue::open(&db).unwrap();
    let before = queue.get(seq, &printer).unwrap();
    let JobStatus::Printing { ipp_id, .. } = before.status else {
        panic!("{before:?}")
    };
    queue.pump(&printer).unwrap();
    assert_eq!(
        queue.get(seq, &printer).unwrap().attempts,
        1,
        "not resent after restart"
    );

    // The printer goes away with the job in it.
    tq.delete();
    let failed = queue.pump(&printer).unwrap().unwrap();
    let JobStatus::Failed { reason } = &failed.status else {
        panic!("{failed:?}")
    };
    assert!(
        reason.contains("tidak ditemukan") && reason.contains("no longer exists"),
        "{reason}"
    );
    // The failed head blocks the queue until the operator acts.
    assert!(matches!(
        queue.pump(&printer).unwrap().unwrap().status,
        JobStatus::Failed { .. }
    ));

    // It comes back; the operator retries: printed once, as attempt 2.
    tq.add();
    queue.retry(seq).unwrap();
    let end = queue
        .run_until_idle(&printer, Instant::now() + Duration::from_secs(60))
        .unwrap();
    assert!(end.is_none(), "{end:?}");
    let done = queue.get(seq, &printer).unwrap();
    assert!(
        matches!(done.status, JobStatus::Done { ipp_id: id } if id != ipp_id),
        "{done:?}"
    );
    assert_eq!(done.attempts, 2);
    let names = queue.attempt_names(seq).unwrap();
    let printed = outputs_for(&names);
    assert_eq!(printed.len(), 1, "{printed:?}");
    assert!(printed[0].to_string_lossy().contains(&names[1]));
    for p in printed {
        std::fs::remove_file(p).ok();
    }
    std::fs::remove_file(&db).ok();
}

/// The real CUPS printer, except that the answer to Print-Job is lost on the way back (as when
/// the station crashes or the link drops right after sending): CUPS has the job, we don't know.
struct LostAnswer(CupsPrinter);

impl PrintBackend for LostAnswer {
    fn submit(
        &self,
        name: &str,
        f: DocFormat,
        media: &str,
        doc: Vec<u8>,
    ) -> Result<i32, PrinterError> {
        self.0.submit(name, f, media, doc)?;
        Err(PrinterError::NoService {
            uri: "ipp://localhost:631/".into(),
            detail: "connection reset after sending".into(),
        })
    }
    fn job(&self, id: i32) -> Result<Option<JobInfo>, PrinterError> {
        self.0.job(id)
    }
    fn jobs_named(&self, name: &str) -> Result<Vec<JobInfo>, PrinterError> {
        self.0.jobs_named(name)
    }
    fn cancel(&self, id: i32) -> Result<(), PrinterError> {
        self.0.cancel(id)
    }
    fn status(&self) -> Result<Option<PrinterStatus>, PrinterError> {
        self.0.status()
    }
}

#[test]
fn a_lost_print_job_answer_is_reconciled_by_name_not_resent() {
    let db = temp_db("lost");
    let seq = {
        let queue = PrintQueue::open(&db).unwrap();
        let seq = queue
            .enqueue("kia", DocFormat::Pdf, MEDIA_CR80, &small_card())
            .unwrap();
        let job = queue.pump(&LostAnswer(cups())).unwrap().unwrap();
        assert!(
            matches!(job.status, JobStatus::Submitting { .. }),
            "{job:?}"
        );
        seq
    };
    // Restart with a working link: the queue finds the job CUPS already has.
    let queue = PrintQueue::open(&db).unwrap();
    let end = queue
        .run_until_idle(&cups(), Instant::now() + Duration::from_secs(60))
        .unwrap();
    assert!(end.is_none(), "{end:?}");
    let done = queue.get(seq, &cups()).unwrap();
    assert!(matches!(done.status, JobStatus::Done { .. }), "{done:?}");
    assert_eq!(done.attempts, 1);
    let names = queue.attempt_names(seq).unwrap();
    let found = cups().jobs_named(&names[0]).unwrap();
    assert_eq!(found.len(), 1, "CUPS got the job once: {found:?}");
    let printed = outputs_for(&names);
    assert_eq!(printed.len(), 1, "{printed:?}");
    for p in printed {
        std::fs::remove_file(p).ok();
    }
    std::fs::remove_file(&db).ok();
}

#[test]
fn cancel_reprint_and_order_through_cups() {
    let tq = TestQueue::create("order");
    let printer = tq.printer();
    let db = temp_db("order");
    let queue = PrintQueue::open(&db).unwrap();
    let card = small_card();

    // Held printer: the first job is canceled while CUPS holds it, and nothing comes out.
    tq.run("cupsdisable");
    let first = queue
        .enqueue("kia", DocFormat::Pdf, MEDIA_CR80, &card)
        .unwrap();
    let second = queue
        .enqueue("kia", DocFormat::Pdf, MEDIA_CR80, &card)
        .unwrap();
    let third = queue
        .enqueue("kia", DocFormat::Pdf, MEDIA_CR80, &card)
        .unwrap();
    let head = queue.pump(&printer).unwrap().unwrap();
    assert_eq!(head.seq, first);
    let JobStatus::Printing { ipp_id: held, .. } = head.status else {
        panic!("{head:?}")
    };
    // The queue keeps order: the second job is not sent while the first is unfinished.
    queue.pump(&printer).unwrap();
    assert_eq!(
        queue.get(second, &printer).unwrap().status,
        JobStatus::Queued
    );
    queue.cancel(first, &printer).unwrap();
    assert_eq!(
        queue.get(first, &printer).unwrap().status,
        JobStatus::Canceled
    );
    assert_eq!(
        printer.job(held).unwrap().map(|j| j.state),
        Some(printer::JobState::Canceled)
    );

    tq.run("cupsenable");
    let end = queue
        .run_until_idle(&printer, Instant::now() + Duration::from_secs(60))
        .unwrap();
    assert!(end.is_none(), "{end:?}");
    let id = |seq| match queue.get(seq, &printer).unwrap().status {
        JobStatus::Done { ipp_id } => ipp_id,
        other => panic!("{seq}: {other:?}"),
    };
    assert!(id(second) < id(third), "printed in queue order");

    // Reprint of a finished card is a new job at the end.
    let again = queue.reprint(second).unwrap();
    assert!(again > third);
    queue
        .run_until_idle(&printer, Instant::now() + Duration::from_secs(60))
        .unwrap();
    assert!(id(again) > id(third));
    assert!(
        queue.reprint(first).is_err(),
        "a canceled job is not reprinted"
    );

    let mut names = Vec::new();
    for seq in [first, second, third, again] {
        names.extend(queue.attempt_names(seq).unwrap());
    }
    let printed = outputs_for(&names);
    assert_eq!(
        printed.len(),
        3,
        "second, third and the reprint: {printed:?}"
    );
    for p in printed {
        std::fs::remove_file(p).ok();
    }
    std::fs::remove_file(&db).ok();
}

#[test]
fn a_card_sent_as_png_prints_at_card_size_and_matches() {
    let doc = face::kia_front(&sample::kia_under_five().unwrap()).unwrap();
    let db = temp_db("png");
    let queue = PrintQueue::open(&db).unwrap();
    let seq = queue
        .enqueue("kia", DocFormat::Png, MEDIA_CR80, &doc.png().unwrap())
        .unwrap();
    let end = queue
        .run_until_idle(&cups(), Instant::now() + Duration::from_secs(60))
        .unwrap();
    assert!(end.is_none(), "{end:?}");
    let JobStatus::Done { ipp_id } = queue.get(seq, &cups()).unwrap().status else {
        panic!("not done")
    };
    let name = &queue.attempt_names(seq).unwrap()[0];
    let pdf = output_pdf(name, ipp_id);
    // CUPS's imagetopdf places the picture on a page 0.18 pt (0.06 mm) narrower than asked;
    // the PDF path is the exact one.
    assert_size_within(&pdf, face::CR80_MM, 0.25);
    // imagetopdf resamples the picture once more: allow a little more blur than the PDF path.
    assert_matches_reference_within(&pdf, &doc, "kia-front-under-five.png", 6.0);
    std::fs::remove_file(&pdf).ok();
    std::fs::remove_file(&db).ok();
}
