//! Pipelines: the preview drops under load, captures never drop, everything cancels.
//! No timing: consumers are held back by gates the test opens, so outcomes are exact.

use capture::camera::SimulatedCamera;
use capture::camera::sim::SceneVariation;
use capture::cancel::Canceller;
use capture::pipeline::{CameraPipeline, Delivery, Sent, Stop, deliver, receive, spawn_stage};
use crossbeam_channel::bounded;

#[test]
fn preview_edge_drops_frames_while_the_consumer_is_busy() {
    let c = Canceller::new();
    let (tx, rx) = bounded::<u32>(1);
    // The consumer is busy (has not taken anything yet): the first frame fills the slot,
    // the other 99 are dropped without the producer ever waiting.
    let outcomes: Vec<Sent> = (0..100)
        .map(|i| deliver(&tx, i, Delivery::DropWhenBusy, &c.token()).unwrap())
        .collect();
    assert_eq!(outcomes.iter().filter(|o| **o == Sent::Dropped).count(), 99);
    assert_eq!(rx.try_recv(), Ok(0));
    // Once it has caught up, the next frame gets through.
    assert_eq!(
        deliver(&tx, 100, Delivery::DropWhenBusy, &c.token()),
        Ok(Sent::Delivered)
    );
}

#[test]
fn capture_edge_never_drops_and_keeps_order() {
    let c = Canceller::new();
    let (tx, rx) = bounded::<u32>(1);
    let (gate_tx, gate_rx) = bounded::<()>(0);
    let consumer = std::thread::spawn(move || {
        gate_rx.recv().unwrap(); // busy until the test opens the gate
        rx.iter().collect::<Vec<_>>()
    });
    let token = c.token();
    let producer = std::thread::spawn(move || {
        for i in 0..50 {
            assert_eq!(
                deliver(&tx, i, Delivery::Lossless, &token),
                Ok(Sent::Delivered)
            );
        }
    });
    gate_tx.send(()).unwrap();
    producer.join().unwrap();
    assert_eq!(consumer.join().unwrap(), (0..50).collect::<Vec<_>>());
}

#[test]
fn cancel_releases_a_stage_blocked_on_a_full_channel_and_one_blocked_on_an_empty_one() {
    let c = Canceller::new();
    // Blocked on send: nobody ever reads `out`.
    let (in_tx, in_rx) = bounded::<u32>(4);
    let (out_tx, out_rx) = bounded::<u32>(1);
    let stage = spawn_stage(
        "doubler",
        in_rx,
        out_tx,
        Delivery::Lossless,
        c.token(),
        |x| Some(x * 2),
    )
    .unwrap();
    in_tx.send(1).unwrap();
    in_tx.send(2).unwrap();
    // Wait (by state, not by time) until the stage has taken both items: it then holds 4
    // and waits for room in the full output channel.
    while !(in_tx.is_empty() && out_rx.is_full()) {
        std::thread::yield_now();
    }
    // Blocked on receive: nothing ever arrives.
    let (_idle_tx, idle_rx) = bounded::<u32>(1);
    let token = c.token();
    let waiter = std::thread::spawn(move || receive(&idle_rx, &token));
    c.cancel();
    let stats = stage.join().unwrap();
    assert_eq!(stats.stopped_by, Some(Stop::Cancelled));
    assert_eq!(
        stats.processed, 2,
        "cancelled while delivering the second item"
    );
    assert_eq!(out_rx.try_recv(), Ok(2));
    assert_eq!(waiter.join().unwrap(), Err(Stop::Cancelled));
}

#[test]
fn camera_pipeline_previews_and_captures_a_full_frame_then_cancels() {
    let portrait =
        image::RgbImage::from_fn(120, 160, |x, y| image::Rgb([(x * 2) as u8, (y) as u8, 90]));
    let camera = SimulatedCamera::new(&portrait, 320, 180, SceneVariation::default()).unwrap();
    let c = Canceller::new();
    let pipeline = CameraPipeline::start(Box::new(camera), (160, 90), c.token()).unwrap();
    let token = c.token();
    let first = receive(&pipeline.preview, &token).unwrap();
    assert_eq!(first.image.dimensions(), (160, 90));
    let second = receive(&pipeline.preview, &token).unwrap();
    assert!(second.sequence > first.sequence);
    assert!(pipeline.request_still());
    let still = receive(&pipeline.stills, &token).unwrap();
    assert_eq!(still.image.dimensions(), (320, 180));
    assert!(pipeline.events.try_recv().is_err(), "no decode errors");
    c.cancel();
    let stats = pipeline.join();
    assert_eq!(stats.len(), 2);
    assert!(stats.iter().all(|s| s.stopped_by.is_some()));
}
