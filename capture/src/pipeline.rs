//! Capture pipelines: threads joined by bounded crossbeam channels.
//!
//! Two delivery policies, chosen per edge:
//! - [`Delivery::DropWhenBusy`] for the live preview: a stage never waits for a slow
//!   consumer; a frame that finds the channel full is dropped and counted, so the preview
//!   always shows a recent frame and never builds a backlog;
//! - [`Delivery::Lossless`] for captures: the sender waits for room, so no accepted capture is
//!   ever lost.
//!
//! Every blocking point also waits on the [`CancelToken`], so cancelling stops all stages
//! promptly, including one blocked on a full or an empty channel.

use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender, TrySendError, select};
use image::RgbImage;

use crate::camera::{Camera, CameraError, decode};
use crate::cancel::CancelToken;
use crate::preview::PreviewScaler;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    DropWhenBusy,
    Lossless,
}

/// Why a send or receive gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Cancelled,
    /// The other end has gone away.
    Closed,
}

/// What became of one item offered to the next stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Delivered,
    Dropped,
}

/// Offers `item` downstream under `policy`.
pub fn deliver<T>(
    tx: &Sender<T>,
    item: T,
    policy: Delivery,
    cancel: &CancelToken,
) -> Result<Sent, Stop> {
    match policy {
        Delivery::DropWhenBusy => match tx.try_send(item) {
            Ok(()) => Ok(Sent::Delivered),
            Err(TrySendError::Full(_)) => Ok(Sent::Dropped),
            Err(TrySendError::Disconnected(_)) => Err(Stop::Closed),
        },
        Delivery::Lossless => select! {
            send(tx, item) -> r => r.map(|()| Sent::Delivered).map_err(|_| Stop::Closed),
            recv(cancel.receiver()) -> _ => Err(Stop::Cancelled),
        },
    }
}

/// Receives the next item, or stops on cancellation or when the sender is gone.
pub fn receive<T>(rx: &Receiver<T>, cancel: &CancelToken) -> Result<T, Stop> {
    select! {
        recv(rx) -> r => r.map_err(|_| Stop::Closed),
        recv(cancel.receiver()) -> _ => Err(Stop::Cancelled),
    }
}

/// Counters a stage returns when it ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageStats {
    pub processed: u64,
    pub dropped: u64,
    pub stopped_by: Option<Stop>,
}

/// Spawns a stage: receive → `work` → deliver, until cancelled or its input closes.
/// `work` may return `None` to pass nothing on for an item.
pub fn spawn_stage<I, O, F>(
    name: &str,
    input: Receiver<I>,
    output: Sender<O>,
    policy: Delivery,
    cancel: CancelToken,
    mut work: F,
) -> std::io::Result<JoinHandle<StageStats>>
where
    I: Send + 'static,
    O: Send + 'static,
    F: FnMut(I) -> Option<O> + Send + 'static,
{
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let mut stats = StageStats::default();
            loop {
                let item = match receive(&input, &cancel) {
                    Ok(i) => i,
                    Err(stop) => break stats.stopped(stop),
                };
                let Some(out) = work(item) else { continue };
                stats.processed += 1;
                match deliver(&output, out, policy, &cancel) {
                    Ok(Sent::Delivered) => {}
                    Ok(Sent::Dropped) => stats.dropped += 1,
                    Err(stop) => break stats.stopped(stop),
                }
            }
        })
}

impl StageStats {
    fn stopped(mut self, stop: Stop) -> Self {
        self.stopped_by = Some(stop);
        self
    }
}

/// A decoded camera frame with its sequence number. Pixels hidden from `Debug`.
#[derive(Clone)]
pub struct Frame {
    pub sequence: u64,
    pub image: RgbImage,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("sequence", &self.sequence)
            .field("size", &self.image.dimensions())
            .finish()
    }
}

/// What the camera pipeline reports besides frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CameraEvent {
    /// A frame could not be decoded and was skipped.
    BadFrame(String),
    /// The camera failed (unplugged…); the source stage has stopped.
    Failed(CameraError),
}

/// The running camera pipeline:
/// `camera → decode → {preview: resize to preview size (drop when busy), stills: full frame (lossless, on request)}`.
pub struct CameraPipeline {
    pub preview: Receiver<Frame>,
    pub stills: Receiver<Frame>,
    pub events: Receiver<CameraEvent>,
    request: Sender<()>,
    handles: Vec<JoinHandle<StageStats>>,
}

impl CameraPipeline {
    /// Starts the source and preview stages. `preview_size` is the preview's (w, h).
    pub fn start(
        mut camera: Box<dyn Camera>,
        preview_size: (u32, u32),
        cancel: CancelToken,
    ) -> std::io::Result<Self> {
        let (decoded_tx, decoded_rx) = crossbeam_channel::bounded::<Frame>(1);
        let (preview_tx, preview_rx) = crossbeam_channel::bounded::<Frame>(1);
        let (still_tx, still_rx) = crossbeam_channel::bounded::<Frame>(4);
        let (request_tx, request_rx) = crossbeam_channel::bounded::<()>(4);
        let (event_tx, event_rx) = crossbeam_channel::bounded::<CameraEvent>(16);

        let source_cancel = cancel.clone();
        let source = std::thread::Builder::new()
            .name("camera-source".into())
            .spawn(move || {
                let mut stats = StageStats::default();
                loop {
                    if source_cancel.is_cancelled() {
                        break stats.stopped(Stop::Cancelled);
                    }
                    let raw = match camera.next_frame() {
                        Ok(raw) => raw,
                        Err(e) => {
                            let _ = event_tx.try_send(CameraEvent::Failed(e));
                            break stats.stopped(Stop::Closed);
                        }
                    };
                    let image = match decode(&raw) {
                        Ok(img) => img,
                        Err(e) => {
                            let _ = event_tx.try_send(CameraEvent::BadFrame(e.to_string()));
                            continue;
                        }
                    };
                    stats.processed += 1;
                    let frame = Frame {
                        sequence: raw.sequence,
                        image,
                    };
                    // A pending still request takes this frame, losslessly.
                    if request_rx.try_recv().is_ok()
                        && let Err(stop) =
                            deliver(&still_tx, frame.clone(), Delivery::Lossless, &source_cancel)
                    {
                        break stats.stopped(stop);
                    }
                    match deliver(&decoded_tx, frame, Delivery::DropWhenBusy, &source_cancel) {
                        Ok(Sent::Delivered) => {}
                        Ok(Sent::Dropped) => stats.dropped += 1,
                        Err(stop) => break stats.stopped(stop),
                    }
                }
            })?;

        let mut scaler = PreviewScaler::new(preview_size.0, preview_size.1);
        let preview = spawn_stage(
            "camera-preview",
            decoded_rx,
            preview_tx,
            Delivery::DropWhenBusy,
            cancel,
            move |f: Frame| {
                scaler.scale(&f.image).ok().map(|image| Frame {
                    sequence: f.sequence,
                    image,
                })
            },
        )?;

        Ok(Self {
            preview: preview_rx,
            stills: still_rx,
            events: event_rx,
            request: request_tx,
            handles: vec![source, preview],
        })
    }

    /// Asks for the next full-resolution frame on [`Self::stills`].
    pub fn request_still(&self) -> bool {
        self.request.try_send(()).is_ok()
    }

    /// Waits for every stage to end (cancel first) and returns their counters.
    pub fn join(self) -> Vec<StageStats> {
        drop(self.preview);
        drop(self.stills);
        self.handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    }
}
