//! Work shared out over scoped threads, for the index's searches and builds and the
//! extractor's ridge restoration.

/// The cores this process may use (1 if the system will not say).
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Items per share when `len` items are split among `threads` (at least one).
pub(crate) fn share_len(len: usize, threads: usize) -> usize {
    len.div_ceil(threads.max(1)).max(1)
}

/// Runs `f` on every share, each on its own scoped thread (in place when there is one share),
/// and returns the results in share order.
pub(crate) fn on_threads<S: Send, R: Send>(shares: Vec<S>, f: impl Fn(S) -> R + Sync) -> Vec<R> {
    if shares.len() <= 1 {
        return shares.into_iter().map(f).collect();
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| {
                let f = &f;
                scope.spawn(move || f(share))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(result) => result,
                // A worker panic is a bug in this crate: surface it, don't hide it.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}
