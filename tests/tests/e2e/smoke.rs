//! The services work: pcscd lists the vpcd readers, our virtual card answers through the real
//! PC/SC stack, and a page printed over IPP comes out of cups-pdf as a one-page PDF.

use std::time::{Duration, Instant};

use card::demo_card::{DEMO_AID, DemoCard};
use card::printer;
use card::reader::{self, CardConnection};
use card::vpcd::{Connection, SlotLock};

use crate::common::{TEST_READER, TEST_SLOT, pdf_out_dir, pdf_printer};

#[test]
fn pcscd_lists_the_vpcd_readers() {
    let readers = reader::list_readers().expect("pcscd running (scripts/services start)");
    assert!(
        readers.iter().any(|r| r == "Virtual PCD 00 00")
            && readers.iter().any(|r| r == TEST_READER),
        "vpcd readers missing from {readers:?}"
    );
}

#[test]
fn virtual_card_answers_select_through_pcscd() {
    let _slot = SlotLock::acquire(TEST_SLOT).unwrap();
    let conn = Connection::connect(TEST_SLOT).unwrap();
    let remover = conn.remover().unwrap();
    let card_thread = std::thread::spawn(move || {
        let mut card = DemoCard::default();
        conn.serve(&mut card).map(|()| card.is_selected())
    });

    let reader = CardConnection::wait_and_connect(TEST_READER, Duration::from_secs(10)).unwrap();
    let mut select = vec![0x00, 0xA4, 0x04, 0x00, DEMO_AID.len() as u8];
    select.extend_from_slice(DEMO_AID);
    assert_eq!(reader.transmit(&select).unwrap(), [0x90, 0x00]);
    let unknown = [0x00, 0xA4, 0x04, 0x00, 0x03, 0xA0, 0x00, 0x01];
    assert_eq!(reader.transmit(&unknown).unwrap(), [0x6A, 0x82]);
    let challenge = reader.transmit(&[0x00, 0x84, 0x00, 0x00, 0x08]).unwrap();
    assert_eq!((challenge.len(), &challenge[8..]), (10, &[0x90, 0x00][..]));
    drop(reader);

    remover.remove();
    let selected_at_end = card_thread.join().unwrap().unwrap();
    // The failed SELECT came last, so the card ends with nothing selected.
    assert!(!selected_at_end);
}

#[test]
fn a_page_printed_through_cups_lands_as_a_one_page_pdf() {
    let printers = printer::list_printers(&printer::cups_uri()).expect("cupsd running");
    let queue = pdf_printer();
    assert!(
        printers.iter().any(|p| p.name == queue),
        "queue {queue} missing from {printers:?}"
    );

    let title = format!("rekam-smoke-{}", std::process::id());
    let job = printer::print_png(&printer::cups_uri(), &queue, &title, test_page()).unwrap();
    let state =
        printer::wait_for_job(&printer::cups_uri(), &queue, job, Duration::from_secs(60)).unwrap();
    assert_eq!(state, printer::JobState::Completed);

    let pdf = pdf_out_dir().join(format!("{title}-job_{job}.pdf"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !pdf.is_file() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.lines()
            .any(|l| l.split_whitespace().eq(["Pages:", "1"])),
        "{pdf:?}: {info}"
    );
    std::fs::remove_file(&pdf).ok();
}

/// A small PNG with something on it: a dark frame and a diagonal.
fn test_page() -> Vec<u8> {
    let (w, h) = (320u32, 200u32);
    let img = image::GrayImage::from_fn(w, h, |x, y| {
        let edge = x < 4 || y < 4 || x >= w - 4 || y >= h - 4;
        let diagonal = (x * h / w).abs_diff(y) < 2;
        image::Luma([if edge || diagonal { 0 } else { 255 }])
    });
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}
