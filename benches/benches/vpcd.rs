//! The per-APDU cost on the card side of vpcd, without the socket: decode a frame, answer it,
//! encode the reply. pcscd's own round trip (about 60–100 µs) dwarfs it; this shows it stays so.

use card::demo_card::{DEMO_AID, DemoCard};
use card::vpcd::{FrameDecoder, encode_frame, respond};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn select_frame() -> Vec<u8> {
    let mut apdu = vec![0x00, 0xA4, 0x04, 0x00, DEMO_AID.len() as u8];
    apdu.extend_from_slice(DEMO_AID);
    encode_frame(&apdu).unwrap_or_default()
}

fn bench_vpcd(c: &mut Criterion) {
    let frame = select_frame();
    let mut card = DemoCard::default();
    c.bench_function("vpcd decode+respond SELECT", |b| {
        b.iter(|| {
            let mut d = FrameDecoder::default();
            d.push(black_box(&frame));
            while let Ok(Some(m)) = d.next_message() {
                black_box(respond(&mut card, m).ok());
            }
        })
    });
}

criterion_group!(benches, bench_vpcd);
criterion_main!(benches);
