//! Parallel analysis of many tracks decoded by the caller's callbacks, on one thread pool
//! per batch, in bounded memory: one read buffer per track in flight, all of them together
//! within `BATCH_MEMORY_BUDGET_BYTES` whatever the thread count.

use std::ffi::{c_char, c_void, CString};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use dr_core::{Analyzer, TrackResult};

use crate::analyzer::{channel_weighting, core_failure, new_analyzer, MM_CHANNEL_WEIGHTING_EQUAL};
use crate::result::mm_result;
use crate::status::{
    check_out, check_ref, guard, guard_value, mm_status, panic_message, Failure, Outcome, MM_CANCELLED,
    MM_DECODE_ERROR, MM_FORMAT_CHANGED, MM_INTERNAL_ERROR, MM_OK, MM_OUT_OF_MEMORY,
};

/// The sample type a decode callback delivers (`mm_source_format.sample_type`).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mm_sample_type {
    /// `float`, full scale ±1.0 (foobar2000's `audio_sample` in 32-bit x86 builds).
    MM_SAMPLE_F32 = 0,
    /// `double`, full scale ±1.0 (foobar2000's `audio_sample` in x64/ARM64 builds).
    MM_SAMPLE_F64 = 1,
    /// `int16_t`, full scale 32768.
    MM_SAMPLE_I16 = 2,
    /// `int32_t` with `bits_per_sample` (1..=32) significant bits, right-justified.
    MM_SAMPLE_I32 = 3,
}

pub use mm_sample_type::*;

/// The format of a track's audio as a decode callback reports it.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct mm_source_format {
    /// Sample rate in Hz (> 0).
    pub sample_rate: u32,
    /// Interleaved channels per frame (1..=32).
    pub channels: u32,
    /// An `mm_sample_type` value.
    pub sample_type: i32,
    /// Significant bits for `MM_SAMPLE_I32` (1..=32); ignored for the other types.
    pub bits_per_sample: u32,
    /// A channel left out of the track's DR (e.g. LFE), or -1 (set by `open`; later
    /// changes are ignored).
    pub excluded_channel: i32,
}

/// Opens track `track_index` (0-based, below the batch's track count) for decoding.
///
/// On success: store a handle in `*source` (any value, NULL included: the library only
/// passes it back), fill `*format`, return `MM_OK` (0). `close` will be called for it.
/// On failure: return any non-zero value (`MM_CANCELLED` marks the track cancelled, any
/// other value makes it `MM_DECODE_ERROR`) and write a NUL-terminated UTF-8 message of at
/// most `error_capacity` bytes (NUL included) to `error`; `close` is not called.
pub type mm_open_fn = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        track_index: usize,
        source: *mut *mut c_void,
        format: *mut mm_source_format,
        error: *mut c_char,
        error_capacity: usize,
    ) -> i32,
>;

/// Reads the next frames of a source into `buffer`: at most `capacity_frames` interleaved
/// frames in the format `*format` holds on entry (the one `open` reported). Returns the
/// number of frames written, 0 at the end of the track, or a negative value on error
/// (then write a message to `error` as `open` does).
///
/// If the decoder's audio changes format (sample rate, channels, sample type, integer
/// bit depth), write NOTHING to `buffer`, store the new format in `*format` and return
/// 0 or more: the library then fails the track with `MM_FORMAT_CHANGED`.
pub type mm_read_fn = Option<
    unsafe extern "C" fn(
        source: *mut c_void,
        buffer: *mut c_void,
        capacity_frames: usize,
        format: *mut mm_source_format,
        error: *mut c_char,
        error_capacity: usize,
    ) -> i64,
>;

/// Closes a source that `open` returned; called exactly once per successful `open`,
/// whatever happens afterwards (end, error, cancel).
pub type mm_close_fn = Option<unsafe extern "C" fn(source: *mut c_void)>;

/// The decode callbacks of a batch. All three are required.
///
/// Threading: `open`, `read` and `close` are called from the library's worker threads,
/// concurrently for DIFFERENT tracks (up to `threads` at once) but never concurrently
/// for the same source: one track's calls come one after the other, from one thread, in
/// the order open, read..., close. `user` is shared by all of them. The callbacks must
/// not throw C++ exceptions nor longjmp out (catch everything and return an error).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mm_decoder {
    /// Passed to `open` unchanged.
    pub user: *mut c_void,
    pub open: mm_open_fn,
    pub read: mm_read_fn,
    pub close: mm_close_fn,
}

/// Progress of a batch, passed to the progress callback (valid during the call only).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mm_batch_progress {
    /// The batch's track count.
    pub tracks_total: usize,
    /// Tracks finished so far (measured, failed or cancelled).
    pub tracks_finished: usize,
    /// Of those, tracks that did not give a result.
    pub tracks_failed: usize,
    /// Frames analysed so far, over all tracks.
    pub frames_analysed: u64,
    /// The track whose end this call reports, or SIZE_MAX for a periodic call.
    pub finished_track: usize,
    /// That track's status (`MM_OK` for a periodic call).
    pub finished_status: mm_status,
}

/// Called on the thread that called `mm_batch_analyze` (never concurrently with
/// itself): once when each track ends, and about every 100 ms in between. Return 0 to go
/// on, non-zero to cancel the batch. Must not throw.
pub type mm_progress_fn = Option<unsafe extern "C" fn(user: *mut c_void, progress: *const mm_batch_progress) -> i32>;

/// A cancellation flag that any thread may raise while a batch runs.
/// Create with `mm_cancel_token_new`, free with `mm_cancel_token_free` (after every batch
/// that uses it has returned).
pub struct mm_cancel_token {
    flag: AtomicBool,
}

/// Batch settings; start from `mm_batch_options_default()` (or pass NULL).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mm_batch_options {
    /// Tracks analysed at once = worker threads of the batch's pool; 0 = the number of
    /// cores available (at most 1024; never more than the track count).
    pub threads: u32,
    /// Capacity, in frames, of each track's read buffer (the `capacity_frames` that
    /// `read` gets); 0 = 8192. At most 65536. The read buffers of all tracks in flight
    /// together hold at most 8 MiB: with many threads or wide frames a track's buffer is
    /// cut to its share (8 MiB / threads, at least one frame), and `read` gets fewer
    /// frames at a time. The results do not depend on it.
    pub buffer_frames: u32,
    /// May be NULL.
    pub progress: mm_progress_fn,
    /// Passed to `progress` unchanged.
    pub progress_user: *mut c_void,
    /// May be NULL. Raising it cancels the batch.
    pub cancel: *const mm_cancel_token,
    /// How every track's channel DRs make its DR: an `mm_channel_weighting` value
    /// (`MM_CHANNEL_WEIGHTING_EQUAL` by default).
    pub channel_weighting: i32,
}

/// What happened to one track of a batch.
#[repr(C)]
#[derive(Debug)]
pub struct mm_track_outcome {
    /// `MM_OK` when measured; else why not (`MM_DECODE_ERROR`, `MM_FORMAT_CHANGED`,
    /// `MM_CANCELLED`, `MM_INVALID_ARGUMENT` for a bad format from `open`, ...).
    pub status: mm_status,
    /// The measurement when `status` is `MM_OK`, else NULL. Owned by the outcome: freed by
    /// `mm_track_outcomes_free`, or take it (copy the pointer, set the field to NULL) and
    /// free it later with `mm_result_free`.
    pub result: *mut mm_result,
    /// The reason when `status` is not `MM_OK` (UTF-8), else NULL. Owned like `result`
    /// (`mm_string_free`).
    pub error: *mut c_char,
}

/// The bytes the read buffers of a batch's tracks in flight hold together, at most (each
/// track's buffer is cut to its share, this over the batch's threads). 8 MiB: 8192-frame
/// buffers of stereo `double` (128 KiB) fit 64 threads. (The host's decoders and allocator
/// hold the rest; the CLI's budget for all its data in flight is dr-decode's
/// `DEFAULT_MEMORY_BUDGET_BYTES`.)
const BATCH_MEMORY_BUDGET_BYTES: usize = 8 << 20;
const DEFAULT_BUFFER_FRAMES: u32 = 8192;
const MAX_BUFFER_FRAMES: u32 = 65536;
const MAX_THREADS: u32 = 1024;
/// Worker stack size: the analysis needs little stack; the callbacks get this much too.
const WORKER_STACK_BYTES: usize = 2 << 20;
/// How often the progress callback is called while no track ends.
const PROGRESS_TICK: Duration = Duration::from_millis(100);
/// How long the calling thread waits for a worker's news before looking at the clock.
const POLL: Duration = Duration::from_millis(20);
/// Size of the message buffer the callbacks write to.
const ERROR_CAPACITY: usize = 512;

const DEFAULT_OPTIONS: mm_batch_options = mm_batch_options {
    threads: 0,
    buffer_frames: 0,
    progress: None,
    progress_user: std::ptr::null_mut(),
    cancel: std::ptr::null(),
    channel_weighting: MM_CHANNEL_WEIGHTING_EQUAL as i32,
};

impl fmt::Display for mm_source_format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.sample_type {
            0 => "float".to_owned(),
            1 => "double".to_owned(),
            2 => "int16".to_owned(),
            3 => format!("int32 ({} bits)", self.bits_per_sample),
            other => format!("sample type {other}"),
        };
        write!(f, "{} Hz, {} channels, {}", self.sample_rate, self.channels, kind)
    }
}

impl mm_source_format {
    /// Bytes per sample of a valid sample type.
    fn sample_bytes(&self) -> Option<usize> {
        match self.sample_type {
            0 => Some(4),
            1 => Some(8),
            2 => Some(2),
            3 => Some(4),
            _ => None,
        }
    }

    /// The same audio format (the LFE choice is fixed at open and not compared).
    fn same_audio(&self, other: &mm_source_format) -> bool {
        self.sample_rate == other.sample_rate
            && self.channels == other.channels
            && self.sample_type == other.sample_type
            && (self.sample_type != MM_SAMPLE_I32 as i32 || self.bits_per_sample == other.bits_per_sample)
    }
}

/// The state every worker reads.
struct Shared<'a> {
    decoder: mm_decoder,
    buffer_frames: usize,
    /// Each track's share of `BATCH_MEMORY_BUDGET_BYTES`.
    buffer_bytes_per_track: usize,
    cancelled: AtomicBool,
    external: Option<&'a mm_cancel_token>,
    frames: AtomicU64,
    /// `mm_batch_options.channel_weighting`, checked.
    channel_weighting: i32,
}

// SAFETY: `Shared` holds the caller's `user` pointer and C function pointers. The header's
// contract for `mm_batch_analyze` makes the caller guarantee that the callbacks may be
// called from any thread, concurrently for different tracks, with that `user`; the
// library never dereferences `user` itself. The other fields are atomics or shared refs
// to a Sync type.
unsafe impl Sync for Shared<'_> {}

impl Shared<'_> {
    fn cancelled(&self) -> bool {
        if self.cancelled.load(Ordering::Relaxed) {
            return true;
        }
        let external = self.external.is_some_and(|t| t.flag.load(Ordering::Relaxed));
        if external {
            self.cancelled.store(true, Ordering::Relaxed);
        }
        external
    }
}

/// A callback's message from its zero-initialised buffer (NUL-terminated or not).
fn callback_message(buffer: &[c_char], fallback: &str) -> String {
    let bytes: Vec<u8> = buffer.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
    let text = String::from_utf8_lossy(&bytes).trim().to_owned();
    if text.is_empty() {
        fallback.to_owned()
    } else {
        text
    }
}

/// Closes the source when dropped, so it is closed on every path (panics included).
struct OpenSource {
    source: *mut c_void,
    close: unsafe extern "C" fn(*mut c_void),
}

impl Drop for OpenSource {
    fn drop(&mut self) {
        // SAFETY: `source` came from a successful `open` and is closed exactly once, here
        // (header contract of `mm_close_fn`).
        unsafe { (self.close)(self.source) }
    }
}

/// The analyser for the format `open` reported, or why that format cannot be analysed.
fn analyzer_for(format: &mm_source_format, weighting: i32) -> Outcome<Analyzer> {
    let bad = |what: String| Err(Failure::invalid(format!("the open callback reported {what}")));
    if format.sample_type < 0 || format.sample_type > MM_SAMPLE_I32 as i32 {
        return bad(format!("an unknown sample type {}", format.sample_type));
    }
    if format.sample_type == MM_SAMPLE_I32 as i32 && !(1..=32).contains(&format.bits_per_sample) {
        return bad(format!("{} bits per int32 sample (1 to 32)", format.bits_per_sample));
    }
    new_analyzer(format.sample_rate, format.channels, format.excluded_channel, weighting)
        .map_err(|f| Failure::invalid(format!("the open callback reported an unusable format: {}", f.message)))
}

/// Decodes and measures one track.
fn run_track(shared: &Shared, index: usize) -> Outcome<TrackResult> {
    let cancelled = || Failure::new(MM_CANCELLED, "cancelled");
    if shared.cancelled() {
        return Err(cancelled());
    }
    let (open, read, close) = match (shared.decoder.open, shared.decoder.read, shared.decoder.close) {
        (Some(o), Some(r), Some(c)) => (o, r, c),
        _ => return Err(Failure::new(MM_INTERNAL_ERROR, "callbacks missing (checked before)")),
    };
    let mut format = mm_source_format {
        sample_rate: 0,
        channels: 0,
        sample_type: -1,
        bits_per_sample: 0,
        excluded_channel: -1,
    };
    let mut source: *mut c_void = std::ptr::null_mut();
    let mut error = [0 as c_char; ERROR_CAPACITY];
    // SAFETY: the callback contract (header) — `user` is the caller's, the out-pointers are
    // valid locals, and `error` holds ERROR_CAPACITY writable bytes.
    let rc = unsafe {
        open(
            shared.decoder.user,
            index,
            &mut source,
            &mut format,
            error.as_mut_ptr(),
            ERROR_CAPACITY,
        )
    };
    if rc != 0 {
        let message = callback_message(&error, "the open callback gave no message");
        return Err(if rc == MM_CANCELLED as i32 {
            Failure::new(MM_CANCELLED, format!("cancelled at open: {message}"))
        } else {
            Failure::new(MM_DECODE_ERROR, format!("open failed: {message}"))
        });
    }
    let source = OpenSource { source, close };
    let mut analyzer = analyzer_for(&format, shared.channel_weighting)?;
    let channels = format.channels as usize;
    let sample_bytes = format.sample_bytes().unwrap_or(8);
    let capacity = shared
        .buffer_frames
        .min((shared.buffer_bytes_per_track / (channels * sample_bytes)).max(1));
    // ≤ 65536 frames * 32 channels * 8 bytes: no overflow. u64 words keep every sample type aligned.
    let words = (capacity * channels * sample_bytes).div_ceil(8);
    let mut buffer: Vec<u64> = Vec::new();
    buffer.try_reserve_exact(words).map_err(|_| {
        Failure::new(
            MM_OUT_OF_MEMORY,
            format!("no memory for a read buffer of {} bytes", words * 8),
        )
    })?;
    buffer.resize(words, 0);
    let mut frames_done: u64 = 0;
    loop {
        if shared.cancelled() {
            return Err(cancelled());
        }
        let mut now = format;
        error[0] = 0;
        // SAFETY: `source` is open and used by this thread only; `buffer` holds
        // `capacity` frames of `format`; `now` and `error` are valid locals (header contract).
        let n = unsafe {
            read(
                source.source,
                buffer.as_mut_ptr().cast(),
                capacity,
                &mut now,
                error.as_mut_ptr(),
                ERROR_CAPACITY,
            )
        };
        if !now.same_audio(&format) {
            return Err(Failure::new(
                MM_FORMAT_CHANGED,
                format!("the format changed at frame {frames_done}: {format}, then {now}"),
            ));
        }
        if n < 0 {
            let message = callback_message(&error, "the read callback gave no message");
            return Err(Failure::new(
                MM_DECODE_ERROR,
                format!("read failed at frame {frames_done}: {message}"),
            ));
        }
        if n == 0 {
            break;
        }
        let frames = n as u64;
        if frames > capacity as u64 {
            return Err(Failure::invalid(format!(
                "the read callback returned {n} frames into a buffer of {capacity}"
            )));
        }
        push(&mut analyzer, &buffer, frames as usize * channels, &format)?;
        frames_done += frames;
        shared.frames.fetch_add(frames, Ordering::Relaxed);
    }
    drop(source);
    analyzer.finish().map_err(core_failure)
}

/// The first `samples` samples of `buffer`, as the format's type, into the analyser.
fn push(analyzer: &mut Analyzer, buffer: &[u64], samples: usize, format: &mm_source_format) -> Outcome {
    let bytes: &[u8] = {
        let all = buffer.len() * 8;
        // SAFETY: a u64 slice is readable as `len * 8` initialised bytes.
        unsafe { std::slice::from_raw_parts(buffer.as_ptr().cast::<u8>(), all) }
    };
    /// Reinterprets the start of the (8-aligned, initialised) buffer as `n` samples of `T`.
    fn view<T>(bytes: &[u8], n: usize) -> &[T] {
        assert!(n * std::mem::size_of::<T>() <= bytes.len() && bytes.as_ptr().cast::<T>().is_aligned());
        // SAFETY: in bounds and aligned (asserted); every bit pattern is a valid f32, f64,
        // i16 or i32, and the bytes are initialised (zero-filled, then written by `read`).
        unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<T>(), n) }
    }
    let pushed = match format.sample_type {
        0 => analyzer.add_interleaved_f32(view::<f32>(bytes, samples)),
        1 => analyzer.add_interleaved_f64(view::<f64>(bytes, samples)),
        2 => analyzer.add_interleaved_i16(view::<i16>(bytes, samples)),
        _ => analyzer.add_interleaved_i32(view::<i32>(bytes, samples), format.bits_per_sample),
    };
    pushed.map_err(core_failure)
}

fn into_outcome(result: Outcome<TrackResult>) -> mm_track_outcome {
    match result {
        Ok(track) => mm_track_outcome {
            status: MM_OK,
            result: mm_result::into_raw(track),
            error: std::ptr::null_mut(),
        },
        Err(f) => mm_track_outcome {
            status: f.status,
            result: std::ptr::null_mut(),
            error: CString::new(f.message.replace('\0', " "))
                .unwrap_or_default()
                .into_raw(),
        },
    }
}

fn free_outcome(outcome: &mut mm_track_outcome) {
    if !outcome.result.is_null() {
        // SAFETY: made by mm_result::into_raw and owned by the outcome (header contract).
        drop(unsafe { Box::from_raw(outcome.result) });
        outcome.result = std::ptr::null_mut();
    }
    if !outcome.error.is_null() {
        // SAFETY: made by CString::into_raw and owned by the outcome (header contract).
        drop(unsafe { CString::from_raw(outcome.error) });
        outcome.error = std::ptr::null_mut();
    }
}

/// Default batch options: all cores, 8192-frame buffers, no progress, no cancel token,
/// equal channel weighting.
#[no_mangle]
pub extern "C" fn mm_batch_options_default() -> mm_batch_options {
    DEFAULT_OPTIONS
}

/// Measures `track_count` tracks that the caller's callbacks decode, up to
/// `options->threads` at once on a thread pool of the library's (made for this call,
/// its workers' stacks 2 MiB), and blocks until all have ended or the batch is cancelled.
/// `options` may be NULL for the defaults.
///
/// `outcomes` points to `track_count` entries that the library writes (their old contents
/// are not read), in input order: entry i is track i's outcome. Every entry is written
/// as soon as the arguments `outcomes` and `track_count` are checked (tracks that never
/// ran: `MM_CANCELLED` with NULL `result`/`error` until they end), so the array can
/// always be passed to `mm_track_outcomes_free` afterwards.
///
/// Returns `MM_OK` when every track has ended (some may have failed: look at each
/// entry), `MM_CANCELLED` when the batch was cancelled (tracks that ended before keep
/// their outcomes; the others are `MM_CANCELLED`), or an argument error (`decoder` or a
/// callback NULL, bad options such as an unknown `channel_weighting`).
///
/// Cancelling (token, or a non-zero return from `progress`) stops the batch as soon as
/// every track in flight has returned from its current `read` call: no new `open` or
/// `read` is made afterwards.
///
/// # Safety
/// `decoder` and `options` are NULL or readable; `outcomes` is NULL or writable for
/// `track_count` entries and not touched by anyone else until the call returns; the
/// callbacks and `user` pointers follow the contracts above; `options->cancel` is NULL or
/// a live token.
#[no_mangle]
pub unsafe extern "C" fn mm_batch_analyze(
    decoder: *const mm_decoder,
    track_count: usize,
    options: *const mm_batch_options,
    outcomes: *mut mm_track_outcome,
) -> mm_status {
    guard(|| {
        // SAFETY: caller contract (writable for `track_count` entries).
        let outcomes = unsafe { init_outcomes(outcomes, track_count) }?;
        // SAFETY: caller contract.
        let decoder = *unsafe { check_ref(decoder, "decoder") }?;
        if decoder.open.is_none() || decoder.read.is_none() || decoder.close.is_none() {
            return Err(Failure::null("a decoder callback (open, read or close)"));
        }
        let options = if options.is_null() {
            DEFAULT_OPTIONS
        } else {
            // SAFETY: caller contract.
            *unsafe { check_ref(options, "options") }?
        };
        if options.threads > MAX_THREADS {
            return Err(Failure::invalid(format!(
                "{} threads: at most {MAX_THREADS} (0 = the cores available)",
                options.threads
            )));
        }
        if options.buffer_frames > MAX_BUFFER_FRAMES {
            return Err(Failure::invalid(format!(
                "a read buffer of {} frames: at most {MAX_BUFFER_FRAMES} (0 = {DEFAULT_BUFFER_FRAMES})",
                options.buffer_frames
            )));
        }
        channel_weighting(options.channel_weighting)?;
        let external = if options.cancel.is_null() {
            None
        } else {
            // SAFETY: a live token for the duration of the call (caller contract).
            Some(unsafe { check_ref(options.cancel, "cancel") }?)
        };
        if track_count == 0 {
            return Ok(());
        }
        let threads = match options.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n as usize,
        }
        .clamp(1, track_count);
        let buffer_frames = match options.buffer_frames {
            0 => DEFAULT_BUFFER_FRAMES,
            n => n,
        } as usize;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(WORKER_STACK_BYTES)
            .thread_name(|i| format!("macinmeter-{i}"))
            .build()
            .map_err(|e| Failure::new(MM_INTERNAL_ERROR, format!("cannot start {threads} worker threads: {e}")))?;
        let shared = Shared {
            decoder,
            buffer_frames,
            buffer_bytes_per_track: BATCH_MEMORY_BUDGET_BYTES / threads,
            cancelled: AtomicBool::new(false),
            external,
            frames: AtomicU64::new(0),
            channel_weighting: options.channel_weighting,
        };
        run_batch(&pool, &shared, &options, outcomes);
        if shared.cancelled() {
            let finished = outcomes.iter().filter(|o| o.status != MM_CANCELLED).count();
            return Err(Failure::new(
                MM_CANCELLED,
                format!("the batch was cancelled: {finished} of {track_count} tracks had ended"),
            ));
        }
        Ok(())
    })
}

/// Writes every entry to the not-run state and returns the array.
///
/// # Safety
/// `outcomes` is NULL or writable for `count` entries.
unsafe fn init_outcomes<'a>(outcomes: *mut mm_track_outcome, count: usize) -> Outcome<&'a mut [mm_track_outcome]> {
    if count == 0 {
        return Ok(&mut []);
    }
    if count
        .checked_mul(std::mem::size_of::<mm_track_outcome>())
        .is_none_or(|b| b > isize::MAX as usize)
    {
        return Err(Failure::invalid(format!("{count} outcomes overflow the address space")));
    }
    let not_run = || mm_track_outcome {
        status: MM_CANCELLED,
        result: std::ptr::null_mut(),
        error: std::ptr::null_mut(),
    };
    // SAFETY: writable for one entry (caller contract); checks NULL and alignment.
    unsafe { check_out(outcomes, not_run(), "outcomes") }?;
    for i in 1..count {
        // SAFETY: within the `count` writable entries; aligned as the first one is.
        unsafe { outcomes.add(i).write(not_run()) };
    }
    // SAFETY: `count` initialised, aligned entries, size checked above, exclusively ours.
    Ok(unsafe { std::slice::from_raw_parts_mut(outcomes, count) })
}

/// Runs every track on the pool while this thread collects outcomes and reports progress.
fn run_batch(pool: &rayon::ThreadPool, shared: &Shared, options: &mm_batch_options, outcomes: &mut [mm_track_outcome]) {
    let total = outcomes.len();
    let (tx, rx) = mpsc::channel::<(usize, Outcome<TrackResult>)>();
    pool.in_place_scope(|scope| {
        for index in 0..total {
            let tx = tx.clone();
            scope.spawn(move |_| {
                let result = catch_unwind(AssertUnwindSafe(|| run_track(shared, index))).unwrap_or_else(|p| {
                    Err(Failure::new(
                        MM_INTERNAL_ERROR,
                        format!("internal error (a bug in libmacinmeter): {}", panic_message(&*p)),
                    ))
                });
                let _ = tx.send((index, result));
            });
        }
        drop(tx);
        let mut progress = mm_batch_progress {
            tracks_total: total,
            tracks_finished: 0,
            tracks_failed: 0,
            frames_analysed: 0,
            finished_track: usize::MAX,
            finished_status: MM_OK,
        };
        let mut last_report = Instant::now();
        loop {
            let news = match rx.recv_timeout(POLL) {
                Ok(news) => Some(news),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            };
            let _ = shared.cancelled();
            let report = match news {
                Some((index, result)) => {
                    let outcome = into_outcome(result);
                    progress.tracks_finished += 1;
                    progress.tracks_failed += usize::from(outcome.status != MM_OK);
                    progress.finished_track = index;
                    progress.finished_status = outcome.status;
                    free_outcome(&mut outcomes[index]);
                    outcomes[index] = outcome;
                    true
                }
                None if last_report.elapsed() >= PROGRESS_TICK => {
                    progress.finished_track = usize::MAX;
                    progress.finished_status = MM_OK;
                    true
                }
                None => false,
            };
            if let (true, Some(callback)) = (report, options.progress) {
                progress.frames_analysed = shared.frames.load(Ordering::Relaxed);
                last_report = Instant::now();
                // SAFETY: called on the calling thread, never concurrently with itself, with
                // the caller's `progress_user` and a pointer valid for the call (header contract).
                if unsafe { callback(options.progress_user, &progress) } != 0 {
                    shared.cancelled.store(true, Ordering::Relaxed);
                }
            }
        }
    });
}

/// Frees the results and messages that `count` outcomes own and sets those pointers to
/// NULL (so a second call is harmless). The array itself is the caller's.
///
/// # Safety
/// `outcomes` is NULL (with `count` 0) or points to `count` entries written by
/// `mm_batch_analyze` whose pointers were left alone or set to NULL.
#[no_mangle]
pub unsafe extern "C" fn mm_track_outcomes_free(outcomes: *mut mm_track_outcome, count: usize) {
    guard_value((), || {
        if outcomes.is_null() || count == 0 || !outcomes.is_aligned() {
            return;
        }
        // SAFETY: `count` initialised entries owned by the caller (contract above).
        let all = unsafe { std::slice::from_raw_parts_mut(outcomes, count) };
        all.iter_mut().for_each(free_outcome);
    })
}

/// Creates a cancel token (not raised). The caller owns it: `mm_cancel_token_free`.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mm_cancel_token_new(out: *mut *mut mm_cancel_token) -> mm_status {
    guard(|| {
        // SAFETY: caller contract.
        let out = unsafe { check_out(out, std::ptr::null_mut(), "out") }?;
        *out = Box::into_raw(Box::new(mm_cancel_token {
            flag: AtomicBool::new(false),
        }));
        Ok(())
    })
}

/// Raises the token: every batch using it stops promptly with `MM_CANCELLED`. Any thread,
/// any time while the token lives (also before or after a batch; it stays raised).
///
/// # Safety
/// `token` is NULL or a live token.
#[no_mangle]
pub unsafe extern "C" fn mm_cancel_token_cancel(token: *const mm_cancel_token) -> mm_status {
    guard(|| {
        // SAFETY: caller contract.
        let token = unsafe { check_ref(token, "token") }?;
        token.flag.store(true, Ordering::Relaxed);
        Ok(())
    })
}

/// Frees a token. NULL is ignored.
///
/// # Safety
/// `token` is NULL or a token from `mm_cancel_token_new`, not freed yet, and no batch that
/// uses it is running.
#[no_mangle]
pub unsafe extern "C" fn mm_cancel_token_free(token: *mut mm_cancel_token) {
    guard_value((), || {
        if !token.is_null() {
            // SAFETY: made by Box::into_raw in mm_cancel_token_new, freed once (caller contract).
            drop(unsafe { Box::from_raw(token) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    const TRACKS: usize = 12;
    const CHANNELS: u32 = 8;
    const FRAMES: u64 = 100_000;
    /// Bytes of one frame of the test's audio: CHANNELS doubles.
    const FRAME_BYTES: usize = CHANNELS as usize * 8;

    /// The test's own count of read-buffer bytes in use, from the capacity each `read`
    /// is given (one batch at a time: the test runs its batches one after the other).
    static BUFFER_BYTES_IN_USE: AtomicUsize = AtomicUsize::new(0);
    static PEAK_BUFFER_BYTES: AtomicUsize = AtomicUsize::new(0);

    struct Source {
        track: u64,
        frame: u64,
        buffer_bytes: usize,
    }

    unsafe extern "C" fn open(
        _user: *mut c_void,
        track_index: usize,
        source: *mut *mut c_void,
        format: *mut mm_source_format,
        _error: *mut c_char,
        _error_capacity: usize,
    ) -> i32 {
        let state = Box::new(Source {
            track: track_index as u64,
            frame: 0,
            buffer_bytes: 0,
        });
        // SAFETY: valid out-pointers from the library (callback contract).
        unsafe {
            *source = Box::into_raw(state).cast();
            *format = mm_source_format {
                sample_rate: 48_000,
                channels: CHANNELS,
                sample_type: MM_SAMPLE_F64 as i32,
                bits_per_sample: 0,
                excluded_channel: -1,
            };
        }
        0
    }

    unsafe extern "C" fn read(
        source: *mut c_void,
        buffer: *mut c_void,
        capacity_frames: usize,
        _format: *mut mm_source_format,
        _error: *mut c_char,
        _error_capacity: usize,
    ) -> i64 {
        // SAFETY: `source` came from `open` above and is used by one thread at a time.
        let state = unsafe { &mut *source.cast::<Source>() };
        let bytes = capacity_frames * FRAME_BYTES;
        if bytes != state.buffer_bytes {
            let now = BUFFER_BYTES_IN_USE.fetch_add(bytes, Ordering::SeqCst) + bytes;
            BUFFER_BYTES_IN_USE.fetch_sub(state.buffer_bytes, Ordering::SeqCst);
            PEAK_BUFFER_BYTES.fetch_max(now - state.buffer_bytes, Ordering::SeqCst);
            state.buffer_bytes = bytes;
        }
        let frames = (capacity_frames as u64).min(FRAMES - state.frame);
        let samples = frames as usize * CHANNELS as usize;
        // SAFETY: the library's buffer holds `capacity_frames` frames of doubles.
        let out = unsafe { std::slice::from_raw_parts_mut(buffer.cast::<f64>(), samples) };
        for (i, sample) in out.iter_mut().enumerate() {
            let n = state.frame * u64::from(CHANNELS) + i as u64;
            *sample = ((n * 7919 + state.track * 104_729) % 2001) as f64 / 1000.0 - 1.0;
        }
        state.frame += frames;
        frames as i64
    }

    unsafe extern "C" fn close(source: *mut c_void) {
        // SAFETY: made by Box::into_raw in `open`, closed once (callback contract).
        let state = unsafe { Box::from_raw(source.cast::<Source>()) };
        BUFFER_BYTES_IN_USE.fetch_sub(state.buffer_bytes, Ordering::SeqCst);
    }

    /// Each track's result, analysed `threads` at a time with 65536-frame buffers.
    fn analyse(threads: u32) -> Vec<TrackResult> {
        let decoder = mm_decoder {
            user: std::ptr::null_mut(),
            open: Some(open),
            read: Some(read),
            close: Some(close),
        };
        let options = mm_batch_options {
            threads,
            buffer_frames: MAX_BUFFER_FRAMES,
            ..DEFAULT_OPTIONS
        };
        let mut outcomes: Vec<mm_track_outcome> = Vec::with_capacity(TRACKS);
        // SAFETY: valid decoder and options; `outcomes` has room for TRACKS entries.
        let status = unsafe { mm_batch_analyze(&decoder, TRACKS, &options, outcomes.as_mut_ptr()) };
        assert_eq!(status, MM_OK);
        // SAFETY: mm_batch_analyze wrote every entry.
        unsafe { outcomes.set_len(TRACKS) };
        let results = outcomes
            .iter()
            .map(|outcome| {
                assert_eq!(outcome.status, MM_OK);
                // SAFETY: a result the library made for an MM_OK outcome.
                unsafe { &*outcome.result }.track.clone()
            })
            .collect();
        // SAFETY: entries written by mm_batch_analyze.
        unsafe { mm_track_outcomes_free(outcomes.as_mut_ptr(), TRACKS) };
        results
    }

    /// 12 tracks at once of 8-channel doubles with the largest buffers asked for would hold
    /// 12 x 65536 x 64 bytes = 48 MiB; the batch keeps them within its 8 MiB, and the
    /// results are those of one track at a time with whole 65536-frame buffers (4 MiB).
    #[test]
    fn read_buffers_stay_within_the_budget_whatever_the_threads() {
        let one_at_a_time = analyse(1);
        assert_eq!(PEAK_BUFFER_BYTES.load(Ordering::SeqCst), 65536 * FRAME_BYTES);
        PEAK_BUFFER_BYTES.store(0, Ordering::SeqCst);
        let twelve_at_once = analyse(TRACKS as u32);
        let peak = PEAK_BUFFER_BYTES.load(Ordering::SeqCst);
        assert!(peak > 0 && peak <= 8 << 20, "{peak} bytes of read buffers");
        assert_eq!(twelve_at_once, one_at_a_time);
        assert_eq!(BUFFER_BYTES_IN_USE.load(Ordering::SeqCst), 0);
    }
}
