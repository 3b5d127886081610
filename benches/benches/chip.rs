//! KTP-el chip personalization: encoding the demo applicant into an 8 KB image (JPEG quality
//! search + signed SOD), the engine against the virtual chip in memory, and a full
//! personalization through real pcscd + vpcd (connect, secure channel, write, read back,
//! passive authentication, lock). Card insertion/removal (pcscd's ~400 ms presence poll) is
//! outside the timed part; the card is already present when the clock starts.

use std::time::{Duration, Instant};

use card::chip::demo;
use card::chip::engine::{self, Config, Outcome, Personalizer};
use card::chip::keys::{self, Direct, SoftwareKeystore};
use card::chip::profile::{self, ChipImage, ChipProfile, OpenProfile};
use card::chip::sod::Signer;
use card::chip::virtual_chip::VirtualChip;
use card::reader::{self, CardConnection};
use card::vpcd::{Connection, SlotLock};
use criterion::{Criterion, criterion_group, criterion_main};

const SLOT: u16 = 1;
const READER: &str = "Virtual PCD 00 01";

fn blank() -> VirtualChip {
    VirtualChip::manufacture(
        profile::OPEN_AID,
        [0x77; 10],
        &keys::development_master(),
        8192,
    )
}

fn personalize(
    csca: &Signer,
    image: &ChipImage,
    card: &mut dyn card::chip::apdu::Transport,
) -> Option<Outcome> {
    let mut e = Personalizer::new(
        &OpenProfile,
        &csca.cert,
        image.files.clone(),
        Config::default(),
        engine::host_challenge().ok()?,
    );
    engine::run(
        &mut e,
        card,
        &mut SoftwareKeystore::new(keys::development_master()),
    )
    .ok()
}

fn bench_chip(c: &mut Criterion) {
    let Ok(csca) = Signer::new_csca("CN=CSCA Bench,C=ID", 10) else {
        return;
    };
    let Ok(ds) = csca.issue_document_signer("CN=DS Bench,C=ID", 3) else {
        return;
    };
    let applicant = demo::applicant();
    let Ok(image) = OpenProfile.encode(&applicant, &ds, 8192) else {
        return;
    };
    println!("chip image: {}", image.report);

    let mut g = c.benchmark_group("chip");
    g.sample_size(10);
    g.bench_function("encode demo applicant into 8 KB (JPEG search + SOD)", |b| {
        b.iter(|| {
            OpenProfile
                .encode(&applicant, &ds, 8192)
                .map(|i| i.total_bytes())
                .ok()
        })
    });
    g.bench_function(
        "personalize in memory (engine + virtual chip, no pcscd)",
        |b| {
            b.iter(|| {
                let mut chip = blank();
                personalize(&csca, &image, &mut Direct(&mut chip)).map(|o| o.apdus)
            })
        },
    );

    let Ok(_slot) = SlotLock::acquire(SLOT) else {
        return;
    };
    let mut last: Option<Outcome> = None;
    g.bench_function("personalize through pcscd + vpcd (8 KB card)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let Ok(conn) = Connection::connect(SLOT) else {
                    continue;
                };
                let Ok(remover) = conn.remover() else {
                    continue;
                };
                let server = std::thread::spawn(move || conn.serve(&mut blank()).is_ok());
                if let Ok(mut card) =
                    CardConnection::wait_and_connect_exclusive(READER, Duration::from_secs(10))
                {
                    let t = Instant::now();
                    last = personalize(&csca, &image, &mut card);
                    total += t.elapsed();
                }
                remover.remove();
                let _ = server.join();
                let _ = reader::wait_for_removal(READER, Duration::from_secs(10));
                std::thread::sleep(Duration::from_millis(500));
            }
            total
        })
    });
    g.finish();
    if let Some(o) = last {
        println!(
            "pcscd+vpcd personalization: {} APDUs, {} B written, {} B read back, groups {:?}",
            o.apdus, o.bytes_written, o.bytes_read, o.verified.groups
        );
    }
}

criterion_group!(benches, bench_chip);
criterion_main!(benches);
