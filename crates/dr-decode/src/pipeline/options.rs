//! How a measurement runs: options, the one thread pool, progress and cancellation.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::budget::MemoryBudget;

/// Packets handed to one pool job when a codec decodes packets independently.
pub const DEFAULT_BATCH_PACKETS: usize = 64;

/// The bytes of audio data a run holds at once, at most: compressed packets read and not
/// yet decoded (read-ahead included) plus the decoders' output buffers and their integer
/// copies, over all files and threads together (see `budget.rs`). 6 MiB: 2 threads run as
/// fast as with the 8 MiB they held before the budget (4 batches of 64 packets of
/// 24-bit/96 kHz FLAC, ~27 KB each), and the peak memory of a run with more threads, which
/// fill the budget, stays within 6 MB of a 2-thread run's (bench/RESULTS.md).
pub const DEFAULT_MEMORY_BUDGET_BYTES: usize = 6 << 20;

/// Stack size of the pool's threads. The decoders keep their buffers on the heap; 2 MiB
/// leaves room for a file task nested under another one's wait (see `parallel.rs`).
pub const DEFAULT_STACK_BYTES: usize = 2 * 1024 * 1024;

/// Options of one measurement (or of every file of a batch).
#[derive(Clone, Debug)]
pub struct DecodeOptions {
    /// Packets per pool job for codecs whose packets decode independently (FLAC, ALAC,
    /// integer PCM). 0 is taken as 1.
    pub batch_packets: usize,
    /// Batches of one file being read or decoding at once, at most; 0 = twice the pool's
    /// thread count. The bytes they hold are bounded by `memory_budget_bytes` anyway.
    pub max_batches_in_flight: usize,
    /// The run's byte budget for audio data in flight; 0 = [`DEFAULT_MEMORY_BUDGET_BYTES`].
    /// A run is one call of `measure_file`, `measure_bytes` or `measure_files`.
    pub memory_budget_bytes: usize,
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
            memory_budget_bytes: DEFAULT_MEMORY_BUDGET_BYTES,
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

    pub(crate) fn effective_memory_budget(&self) -> usize {
        match self.memory_budget_bytes {
            0 => DEFAULT_MEMORY_BUDGET_BYTES,
            bytes => bytes,
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
/// It also keeps, for `macinmeter --stats`, the most bytes of audio data held at once
/// (compressed and decoded, see [`DEFAULT_MEMORY_BUDGET_BYTES`]) and the budget they had,
/// noted when each run ends.
#[derive(Debug, Default)]
pub struct Progress {
    frames_done: AtomicU64,
    frames_expected: AtomicU64,
    files_done: AtomicU64,
    files_total: AtomicU64,
    peak_bytes_in_flight: AtomicU64,
    memory_budget_bytes: AtomicU64,
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

    /// The most bytes of audio data in flight at any one moment of the runs ended so far
    /// (reserved in the budget: compressed packets read and not yet decoded, and the
    /// decoders' output buffers with their integer copies, over all files).
    pub fn peak_bytes_in_flight(&self) -> u64 {
        self.peak_bytes_in_flight.load(Ordering::Relaxed)
    }

    /// The byte budget of those runs (the largest, if they had different ones).
    pub fn memory_budget_bytes(&self) -> u64 {
        self.memory_budget_bytes.load(Ordering::Relaxed)
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

    /// Notes what a finished run's budget saw.
    pub(crate) fn note_memory(&self, budget: &MemoryBudget) {
        self.peak_bytes_in_flight.fetch_max(budget.peak(), Ordering::Relaxed);
        self.memory_budget_bytes.fetch_max(budget.capacity(), Ordering::Relaxed);
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
    /// The run's byte budget, shared by all its files (set by every `measure_*` call).
    pub(crate) memory_budget: Option<&'a MemoryBudget>,
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
