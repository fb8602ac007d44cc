//! How a measurement runs: options, the one thread pool, progress and cancellation.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Packets handed to one pool job when a codec decodes packets independently.
pub const DEFAULT_BATCH_PACKETS: usize = 64;

/// Stack size of the pool's threads. The decoders keep their buffers on the heap; 2 MiB
/// leaves room for a file task nested under another one's wait (see `parallel.rs`).
pub const DEFAULT_STACK_BYTES: usize = 2 * 1024 * 1024;

/// Options of one measurement (or of every file of a batch).
#[derive(Clone, Debug)]
pub struct DecodeOptions {
    /// Packets per pool job for codecs whose packets decode independently (FLAC, ALAC,
    /// integer PCM). 0 is taken as 1.
    pub batch_packets: usize,
    /// Batches of one file being read or decoding at once; 0 = twice the pool's thread
    /// count. Bounds the packets held to `max_batches_in_flight * batch_packets`, for one
    /// file and, through one shared budget, for all the files of `measure_files` together.
    pub max_batches_in_flight: usize,
    /// Decode independent packets on several pool threads. `false` decodes every file
    /// sequentially (the reference the parallel path must match bit for bit).
    pub parallel_packets: bool,
    /// Leave the LFE channel out of the track's DR mean, when the container names one.
    pub exclude_lfe: bool,
    /// How channel DRs make the track's (DR Meter's loudness weighting for > 2 channels).
    pub channel_weighting: dr_core::ChannelWeighting,
    /// Files measured at once by [`crate::measure_files`]; 0 = the pool's thread count.
    pub parallel_files: usize,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            batch_packets: DEFAULT_BATCH_PACKETS,
            max_batches_in_flight: 0,
            parallel_packets: true,
            exclude_lfe: false,
            channel_weighting: dr_core::ChannelWeighting::Equal,
            parallel_files: 0,
        }
    }
}

impl DecodeOptions {
    pub(crate) fn effective_batch_packets(&self) -> usize {
        self.batch_packets.max(1)
    }

    pub(crate) fn effective_batches_in_flight(&self) -> usize {
        if self.max_batches_in_flight > 0 {
            self.max_batches_in_flight
        } else {
            2 * rayon::current_num_threads().max(1)
        }
    }

    pub(crate) fn effective_parallel_files(&self) -> usize {
        if self.parallel_files > 0 {
            self.parallel_files
        } else {
            rayon::current_num_threads().max(1)
        }
    }
}

/// Progress of a measurement, shared with a caller that polls it (wrap it in an `Arc` to
/// poll from another thread). Counts are frames per channel; a batch adds up all its files.
///
/// It also keeps two memory gauges for `macinmeter --stats`, over all files at once:
/// compressed packets read and not yet decoded, and bytes of decoded audio held by the
/// decoders at work. They are relaxed atomics updated once per batch of packets (once per
/// file on the sequential path), never per packet or sample.
#[derive(Debug, Default)]
pub struct Progress {
    frames_done: AtomicU64,
    frames_expected: AtomicU64,
    files_done: AtomicU64,
    files_total: AtomicU64,
    packets_in_flight: Gauge,
    decoded_bytes: Gauge,
}

/// A level that goes up and down, and the highest it has been.
#[derive(Debug, Default)]
struct Gauge {
    now: AtomicU64,
    peak: AtomicU64,
}

impl Gauge {
    fn hold(&self, amount: u64) -> Held<'_> {
        let now = self.now.fetch_add(amount, Ordering::Relaxed) + amount;
        self.peak.fetch_max(now, Ordering::Relaxed);
        Held {
            gauge: Some(self),
            amount,
        }
    }

    fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }
}

/// An amount counted on a [`Progress`] gauge until this is dropped (nothing without one).
#[must_use = "the amount is released when this is dropped"]
pub(crate) struct Held<'p> {
    gauge: Option<&'p Gauge>,
    amount: u64,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if let Some(gauge) = self.gauge {
            gauge.now.fetch_sub(self.amount, Ordering::Relaxed);
        }
    }
}

impl Progress {
    pub fn new() -> Self {
        Self::default()
    }

    /// Frames decoded and analysed so far.
    pub fn frames_done(&self) -> u64 {
        self.frames_done.load(Ordering::Relaxed)
    }

    /// Frames the files opened so far declare (grows as a batch opens more files).
    pub fn frames_expected(&self) -> u64 {
        self.frames_expected.load(Ordering::Relaxed)
    }

    /// Files finished, measured or failed.
    pub fn files_done(&self) -> u64 {
        self.files_done.load(Ordering::Relaxed)
    }

    /// Files in the batch (1 for a single measurement).
    pub fn files_total(&self) -> u64 {
        self.files_total.load(Ordering::Relaxed)
    }

    /// The most compressed packets read from files and not yet decoded at any one moment,
    /// over all files: those handed to decode jobs (each file also gathers up to one batch,
    /// `DecodeOptions::batch_packets`, before handing it over) or, on the sequential path,
    /// one per file decoding.
    pub fn peak_packets_in_flight(&self) -> u64 {
        self.packets_in_flight.peak()
    }

    /// The most bytes of decoded audio held at any one moment, over all files: the output
    /// buffer of each decoder at work (its capacity) plus the integer copy made of it for
    /// the analyser. Idle decoders kept for reuse within a file are not counted.
    pub fn peak_decoded_bytes(&self) -> u64 {
        self.decoded_bytes.peak()
    }

    /// Done / expected in 0..=1 (0 while nothing is known).
    pub fn fraction(&self) -> f64 {
        let expected = self.frames_expected();
        if expected == 0 {
            return 0.0;
        }
        (self.frames_done() as f64 / expected as f64).clamp(0.0, 1.0)
    }

    pub(crate) fn add_frames_done(&self, frames: u64) {
        self.frames_done.fetch_add(frames, Ordering::Relaxed);
    }

    pub(crate) fn add_frames_expected(&self, frames: u64) {
        self.frames_expected.fetch_add(frames, Ordering::Relaxed);
    }

    /// A finished file (measured, failed or cancelled) that processed a different count
    /// than it declared: move its expectation to what was really processed, so the ratio
    /// reaches 1 when every file is done.
    pub(crate) fn settle_file(&self, declared: u64, decoded: u64) {
        if decoded > declared {
            self.frames_expected.fetch_add(decoded - declared, Ordering::Relaxed);
        } else {
            // Saturate: another file's expectation may already have been added.
            let shortfall = declared - decoded;
            let _ = self
                .frames_expected
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                    Some(v.saturating_sub(shortfall))
                });
        }
        self.files_done.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_files_total(&self, files: u64) {
        self.files_total.fetch_add(files, Ordering::Relaxed);
    }
}

/// What the caller can watch and stop. Both are optional.
#[derive(Clone, Copy, Debug, Default)]
pub struct Control<'a> {
    /// Set to `true` to stop: work stops within about 100 ms with a `Cancelled` error.
    pub cancel: Option<&'a AtomicBool>,
    /// Updated as frames are decoded.
    pub progress: Option<&'a Progress>,
    /// Frames done for the current file alone (set per file, so a failed file's share of
    /// the expectation can be settled to what it really processed).
    pub(crate) file_frames: Option<&'a AtomicU64>,
    /// The run's allowance of decode batches shared by all its files (set by
    /// `measure_files`; a single file has none and uses its own allowance).
    pub(crate) batch_budget: Option<&'a BatchBudget>,
}

/// How many batches of packets may decode at once over all files of a run, beyond the
/// one each file may always have decoding (so no file ever waits on another's). Sized so
/// that the two together are one file's allowance (`measure_files`): the packets and
/// decoded buffers in flight are then those of a single file however many files are
/// open, instead of that allowance times the files in flight.
#[derive(Debug)]
pub(crate) struct BatchBudget {
    free: AtomicU64,
}

impl BatchBudget {
    pub(crate) fn new(batches: usize) -> Self {
        BatchBudget {
            free: AtomicU64::new(batches as u64),
        }
    }
}

/// A batch's place: the file's own one, one in the run's [`BatchBudget`], or none needed
/// (a single file, bounded by its own allowance alone). Given back on drop.
#[must_use = "the slot is given back when this is dropped"]
pub(crate) enum BatchSlot<'b> {
    Own(&'b AtomicBool),
    Shared(&'b BatchBudget),
    Unbudgeted,
}

impl Drop for BatchSlot<'_> {
    fn drop(&mut self) {
        match self {
            BatchSlot::Own(free) => free.store(true, Ordering::Relaxed),
            BatchSlot::Shared(budget) => {
                budget.free.fetch_add(1, Ordering::Relaxed);
            }
            BatchSlot::Unbudgeted => {}
        }
    }
}

impl<'a> Control<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_cancel(mut self, cancel: &'a AtomicBool) -> Self {
        self.cancel = Some(cancel);
        self
    }

    pub fn with_progress(mut self, progress: &'a Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancel.is_some_and(|flag| flag.load(Ordering::Relaxed))
    }

    pub(crate) fn frames_done(&self, frames: u64) {
        if let Some(progress) = self.progress {
            progress.add_frames_done(frames);
        }
        if let Some(file_frames) = self.file_frames {
            file_frames.fetch_add(frames, Ordering::Relaxed);
        }
    }

    /// Counts `packets` compressed packets in flight until the guard is dropped.
    pub(crate) fn hold_packets(&self, packets: usize) -> Held<'a> {
        self.hold(|progress| &progress.packets_in_flight, packets)
    }

    /// Counts `bytes` of decoded audio held until the guard is dropped.
    pub(crate) fn hold_decoded_bytes(&self, bytes: usize) -> Held<'a> {
        self.hold(|progress| &progress.decoded_bytes, bytes)
    }

    fn hold(&self, gauge: impl Fn(&'a Progress) -> &'a Gauge, amount: usize) -> Held<'a> {
        match self.progress {
            Some(progress) => gauge(progress).hold(amount as u64),
            None => Held { gauge: None, amount: 0 },
        }
    }

    /// A place for one more decode batch of a file: its own place while free (`own_free`,
    /// `true` at the start, so no file ever waits on another's batches), else one in the
    /// run's budget; `None` while both are taken (then the file waits for one of its own
    /// batches to finish).
    pub(crate) fn take_batch_slot<'b>(&self, own_free: &'b AtomicBool) -> Option<BatchSlot<'b>>
    where
        'a: 'b,
    {
        let Some(budget) = self.batch_budget else {
            return Some(BatchSlot::Unbudgeted);
        };
        if own_free.swap(false, Ordering::Relaxed) {
            return Some(BatchSlot::Own(own_free));
        }
        budget
            .free
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |free| free.checked_sub(1))
            .ok()
            .map(|_| BatchSlot::Shared(budget))
    }

    /// The same control, also counting the frames of one file.
    pub(crate) fn for_file(self, file_frames: &'a AtomicU64) -> Control<'a> {
        Control {
            file_frames: Some(file_frames),
            ..self
        }
    }
}

/// Builds the process's one thread pool: `threads` workers (0 = one per core) with an
/// explicit stack size. The CLI and the C ABI each build exactly one and pass it to every
/// call; file-level and packet-level work then share it.
pub fn build_thread_pool(threads: usize) -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(DEFAULT_STACK_BYTES)
        .thread_name(|index| format!("dr-decode-{index}"))
        .build()
}
