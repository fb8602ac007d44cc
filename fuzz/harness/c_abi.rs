//! Harness of the `c_abi` fuzz target, shared with `tests/fuzz_regressions.rs`.
//!
//! One input is a sequence of C ABI calls with arbitrary arguments, made the way a C
//! caller would make them: analysers created with any rate, channel count and options,
//! typed buffers pushed with any frame count (buffers always as large as the count says,
//! except deliberately NULL or misaligned pointers, and counts so large that the library
//! must refuse them before reading), finish called twice, result accessors with any
//! index, log builders fed any strings (NUL-terminated; valid UTF-8, invalid UTF-8, blank,
//! NULL) and rendered as every kind, batches run with scripted decode callbacks, and
//! everything freed at the end.
//!
//! A small model of each object predicts the exact status of every call from the header's
//! rules; the harness panics when the library disagrees, returns an undocumented status,
//! breaks a documented invariant (out-parameters reset on failure, `mm_last_error` set on
//! failure and left alone on success, a rendered string's length, a summary's fields, an
//! outcome's ownership), or crashes. Leaks show up under LeakSanitizer in the fuzzer and
//! as the harness's own balance of callback opens and closes.

use std::ffi::{c_char, c_void, CStr, CString};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};

use macinmeter::*;

#[path = "reader.rs"]
mod reader;
use reader::Reader;

const MAX_OPS: usize = 48;
const SLOTS: usize = 4;
const STATUS_NAMES: [&str; 9] = [
    "MM_OK",
    "MM_INVALID_ARGUMENT",
    "MM_NULL_POINTER",
    "MM_OUT_OF_MEMORY",
    "MM_CANCELLED",
    "MM_DECODE_ERROR",
    "MM_INTERNAL_ERROR",
    "MM_INVALID_STATE",
    "MM_FORMAT_CHANGED",
];

fn last_error() -> String {
    // SAFETY: mm_last_error never returns NULL; the text is read at once.
    let ptr = mm_last_error();
    assert!(!ptr.is_null());
    unsafe { CStr::from_ptr(ptr) }
        .to_str()
        .expect("mm_last_error is UTF-8")
        .to_owned()
}

/// Checks a call's status against the expected one, and the last-error rule: a failure
/// sets a non-empty message, a success leaves the previous one alone.
#[track_caller]
fn expect(what: &str, got: mm_status, want: mm_status, before: &str) {
    assert_eq!(
        got,
        want,
        "{what}: status {got:?}, expected {want:?} ({})",
        last_error()
    );
    assert_ne!(got, MM_INTERNAL_ERROR, "{what}: internal error: {}", last_error());
    if got == MM_OK {
        assert_eq!(last_error(), before, "{what}: a success changed mm_last_error");
    } else {
        assert!(!last_error().is_empty(), "{what}: failure without a message");
    }
}

/// What a pushed buffer's pointer is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Pointer {
    Valid,
    Null,
    Misaligned,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Float,
    Int(u32),
}

/// The model of one analyser handle.
struct AnalyzerModel {
    ptr: *mut mm_analyzer,
    rate: u32,
    channels: usize,
    excluded: Option<usize>,
    kind: Option<Kind>,
    frames: u64,
    nonfinite: u64,
    finished: bool,
}

/// A result handle and what it must say.
struct ResultModel {
    ptr: *mut mm_result,
    rate: u32,
    channels: usize,
    excluded: Option<usize>,
    frames: Option<u64>,
    nonfinite: Option<u64>,
}

/// An owned C string argument: NULL, or NUL-terminated bytes that may not be UTF-8.
struct CArg {
    bytes: Option<CString>,
    utf8: bool,
}

impl CArg {
    fn ptr(&self) -> *const c_char {
        self.bytes.as_ref().map_or(null(), |c| c.as_ptr())
    }
    /// The status a string check gives: `Ok(present)` or INVALID_ARGUMENT.
    fn check(&self) -> Result<bool, mm_status> {
        match &self.bytes {
            None => Ok(false),
            Some(_) if self.utf8 => Ok(true),
            Some(_) => Err(MM_INVALID_ARGUMENT),
        }
    }
}

const TRICKY: [&str; 12] = [
    "C:\\Music\\Artist\\Album\\01 Track.flac",
    "/music/a/b/c.wav",
    "é ü 🎵 \u{202e}",
    "line\nbreak\ttab\r",
    "\"quoted\" \\ {json}",
    "3/12",
    "0",
    "-1",
    "99999999999999999999",
    "/",
    "\\\\server\\share",
    "album",
];

fn c_arg(r: &mut Reader) -> CArg {
    let mode = r.u8() % 8;
    let len = r.below(24);
    let raw: Vec<u8> = r.bytes(len).iter().copied().filter(|&b| b != 0).collect();
    let valid = |s: String| CArg {
        bytes: Some(CString::new(s.replace('\0', "")).expect("no NUL")),
        utf8: true,
    };
    match mode {
        0 => CArg {
            bytes: None,
            utf8: true,
        },
        1 | 2 => valid(String::from_utf8_lossy(&raw).into_owned()),
        3 => {
            // Invalid UTF-8 for sure: 0xFF anywhere, or a continuation byte first.
            let mut bytes = raw;
            if len.is_multiple_of(2) {
                bytes.push(0xFF);
            } else {
                bytes.insert(0, 0x80);
            }
            CArg {
                bytes: Some(CString::new(bytes).expect("no NUL")),
                utf8: false,
            }
        }
        4 => valid(String::new()),
        5 => valid(" \t ".into()),
        6 => valid(TRICKY[len % TRICKY.len()].into()),
        _ => valid(TRICKY[len % TRICKY.len()].repeat(1 + raw.len() * 8)),
    }
}

/// A log date argument and whether `mm_log_render` must accept it.
fn date_arg(r: &mut Reader) -> (CArg, Option<bool>) {
    match r.u8() % 4 {
        0 => (
            CArg {
                bytes: None,
                utf8: true,
            },
            Some(true),
        ),
        1 | 2 => {
            let year = r.below(10_000);
            let fields: Vec<usize> = (0..5)
                .map(|_| {
                    let wide = r.bool();
                    r.below(if wide { 100 } else { 62 })
                })
                .collect();
            let (mo, d, h, mi, s) = (fields[0], fields[1], fields[2], fields[3], fields[4]);
            let ok = (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && s < 61;
            let text = format!("{year:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
            (
                CArg {
                    bytes: Some(CString::new(text).expect("digits")),
                    utf8: true,
                },
                Some(ok),
            )
        }
        _ => {
            let arg = c_arg(r);
            let verdict = if arg.utf8 { None } else { Some(false) };
            (arg, verdict)
        }
    }
}

/// A sample buffer of `samples` elements of `T`, or a pointer that is NULL or misaligned.
struct Buffer<T> {
    storage: Vec<T>,
    bytes: Vec<u8>,
    pointer: Pointer,
}

impl<T: Copy> Buffer<T> {
    fn new(values: Vec<T>, pointer: Pointer) -> Self {
        let mut bytes = Vec::new();
        if pointer == Pointer::Misaligned {
            // The same values, one byte past an aligned address.
            let size = std::mem::size_of_val(&values[..]);
            bytes = vec![0u8; size + 2 * std::mem::align_of::<T>()];
            let offset = bytes.as_ptr().align_offset(std::mem::align_of::<T>()) + 1;
            // SAFETY: `values` is `size` readable bytes; `bytes` holds `offset + size`.
            unsafe {
                std::ptr::copy_nonoverlapping(values.as_ptr().cast::<u8>(), bytes.as_mut_ptr().add(offset), size)
            };
            bytes.truncate(offset + size);
        }
        Buffer {
            storage: values,
            bytes,
            pointer,
        }
    }

    fn ptr(&self) -> *const T {
        match self.pointer {
            Pointer::Valid => self.storage.as_ptr(),
            Pointer::Null => null(),
            Pointer::Misaligned => {
                let offset = self.bytes.as_ptr().align_offset(std::mem::align_of::<T>()) + 1;
                // SAFETY: within `bytes` (or one past its end for an empty buffer).
                unsafe { self.bytes.as_ptr().add(offset.min(self.bytes.len())) }.cast()
            }
        }
    }
}

/// The status `check_frames` gives before anything is read.
fn frames_status(frames: usize, channels: usize, size: usize, align: usize, pointer: Pointer) -> mm_status {
    let Some(samples) = frames.checked_mul(channels) else {
        return MM_INVALID_ARGUMENT;
    };
    if samples == 0 {
        return MM_OK;
    }
    match pointer {
        Pointer::Null => return MM_NULL_POINTER,
        Pointer::Misaligned if align > 1 => return MM_INVALID_ARGUMENT,
        _ => {}
    }
    match samples.checked_mul(size) {
        Some(bytes) if bytes <= isize::MAX as usize => MM_OK,
        _ => MM_INVALID_ARGUMENT,
    }
}

struct State {
    analyzers: Vec<AnalyzerModel>,
    results: Vec<ResultModel>,
    /// Each builder, its track count and the host its logs name (as the first line shows it).
    builders: Vec<(*mut mm_log_builder, usize, Option<String>)>,
    tokens: Vec<(*mut mm_cancel_token, bool)>,
}

impl State {
    fn pick_analyzer(&mut self, r: &mut Reader) -> Option<usize> {
        let i = r.below(SLOTS + 1);
        (i < self.analyzers.len()).then_some(i)
    }
    fn pick_result(&mut self, r: &mut Reader) -> Option<usize> {
        let i = r.below(SLOTS + 1);
        (i < self.results.len()).then_some(i)
    }
    fn pick_builder(&mut self, r: &mut Reader) -> Option<usize> {
        let i = r.below(SLOTS + 1);
        (i < self.builders.len()).then_some(i)
    }

    /// Keeps a new result, or frees it at once when the slots are full.
    fn keep_result(&mut self, result: ResultModel) {
        check_result(&result);
        if self.results.len() < SLOTS {
            self.results.push(result);
        } else {
            // SAFETY: a live result, freed once.
            unsafe { mm_result_free(result.ptr) };
        }
    }
}

/// Runs one input: panics on any disagreement with the header's rules.
pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let mut st = State {
        analyzers: Vec::new(),
        results: Vec::new(),
        builders: Vec::new(),
        tokens: Vec::new(),
    };
    let mut ops = 0;
    while !r.is_empty() && ops < MAX_OPS {
        ops += 1;
        let before = last_error();
        match r.u8() % 16 {
            0 | 1 => op_new_analyzer(&mut r, &mut st, &before),
            2..=5 => op_push(&mut r, &mut st, &before),
            6 | 7 => op_finish(&mut r, &mut st, &before),
            8 => op_result(&mut r, &mut st, &before),
            9 => op_builder_new(&mut r, &mut st, &before),
            10 => op_add_track(&mut r, &mut st, &before),
            11 => op_add_failure(&mut r, &mut st, &before),
            12 => op_render(&mut r, &mut st, &before),
            13 => op_misc(&mut r, &mut st, &before),
            14 => op_batch(&mut r, &mut st, &before),
            _ => op_free(&mut r, &mut st),
        }
    }
    // Free everything, in an order the input chooses (results may outlive analysers and
    // builders, and builders hold copies).
    let first = r.u8() % 3;
    for round in 0..3 {
        match (first + round) % 3 {
            0 => {
                for a in st.analyzers.drain(..) {
                    // SAFETY: live handle, freed once.
                    unsafe { mm_analyzer_free(a.ptr) };
                }
            }
            1 => {
                for res in st.results.drain(..) {
                    // SAFETY: live handle, freed once.
                    unsafe { mm_result_free(res.ptr) };
                }
            }
            _ => {
                for (b, _, _) in st.builders.drain(..) {
                    // SAFETY: live handle, freed once.
                    unsafe { mm_log_builder_free(b) };
                }
                for (t, _) in st.tokens.drain(..) {
                    // SAFETY: live handle, freed once.
                    unsafe { mm_cancel_token_free(t) };
                }
            }
        }
    }
}

fn op_new_analyzer(r: &mut Reader, st: &mut State, before: &str) {
    let rate = match r.u8() % 6 {
        0 => 0,
        1 => 1,
        2 => 100,
        3 => 44_100,
        4 => u32::MAX,
        _ => r.u32(),
    };
    let channels = match r.u8() % 4 {
        0 => r.u32(),
        _ => r.below(34) as u32,
    };
    let options_mode = r.u8() % 4;
    let excluded_raw = match r.u8() % 4 {
        0 => r.i32(),
        1 => -1,
        _ => r.below(34) as i32 - 1,
    };
    let weighting_raw = match r.u8() % 8 {
        0 => r.i32(),
        1 => MM_CHANNEL_WEIGHTING_LOUDNESS as i32,
        _ => MM_CHANNEL_WEIGHTING_EQUAL as i32,
    };
    let options = mm_analyzer_options {
        excluded_channel: excluded_raw,
        channel_weighting: weighting_raw,
    };
    let default = mm_analyzer_options_default();
    assert_eq!(
        (default.excluded_channel, default.channel_weighting),
        (-1, MM_CHANNEL_WEIGHTING_EQUAL as i32)
    );
    let (options_ptr, excluded, weighting) = match options_mode {
        0 => (null(), -1, 0),
        1 => (&default as *const mm_analyzer_options, -1, 0),
        _ => (&options as *const mm_analyzer_options, excluded_raw, weighting_raw),
    };
    let out_null = r.u8().is_multiple_of(16);
    let mut out: *mut mm_analyzer = std::ptr::dangling_mut::<mm_analyzer>(); // must be reset
    let out_ptr = if out_null { null_mut() } else { &mut out as *mut _ };
    // SAFETY: `options_ptr` is NULL or a live local; `out_ptr` is NULL or writable.
    let status = unsafe { mm_analyzer_new(rate, channels, options_ptr, out_ptr) };
    let ch = channels as usize;
    let excluded_ok = excluded == -1 || (excluded >= 0 && (excluded as usize) < ch);
    let weighting_ok = (0..=1).contains(&weighting);
    let want = if out_null {
        MM_NULL_POINTER
    } else if rate == 0 || ch == 0 || ch > 32 || !excluded_ok || !weighting_ok {
        MM_INVALID_ARGUMENT
    } else {
        MM_OK
    };
    expect("mm_analyzer_new", status, want, before);
    if out_null {
        return;
    }
    if status != MM_OK {
        assert!(out.is_null(), "a failed mm_analyzer_new leaves *out NULL");
        return;
    }
    assert!(!out.is_null());
    let model = AnalyzerModel {
        ptr: out,
        rate,
        channels: ch,
        excluded: (excluded >= 0).then_some(excluded as usize),
        kind: None,
        frames: 0,
        nonfinite: 0,
        finished: false,
    };
    if st.analyzers.len() < SLOTS {
        st.analyzers.push(model);
    } else {
        // SAFETY: a live handle, freed once.
        unsafe { mm_analyzer_free(model.ptr) };
    }
}

fn op_push(r: &mut Reader, st: &mut State, before: &str) {
    let slot = st.pick_analyzer(r);
    let channels = slot.map_or(1 + r.below(8), |i| st.analyzers[i].channels);
    let sample_type = r.u8() % 4;
    let pointer = match r.u8() % 16 {
        0 => Pointer::Null,
        1 => Pointer::Misaligned,
        _ => Pointer::Valid,
    };
    let bits = match r.u8() % 8 {
        0 => r.u32(),
        1 => 16,
        2 => 24,
        3 => 32,
        _ => 1 + r.below(32) as u32,
    };
    let huge = r.u8().is_multiple_of(32);
    let (size, align) = match sample_type {
        0 => (4, 4),
        1 => (8, 8),
        2 => (2, 2),
        _ => (4, 4),
    };
    // Counts the library must refuse before reading: the sample count or the byte size overflows.
    let frames = if huge {
        match r.u8() % 3 {
            0 => usize::MAX,
            1 => (usize::MAX / channels).saturating_add(1),
            _ => (isize::MAX as usize / size) / channels + 1,
        }
    } else {
        let short = r.bool();
        r.below(if short { 8 } else { 1500 })
    };
    // Real buffers are only made for counts the checks let through.
    let samples = if huge { 0 } else { frames * channels };
    let value_mode = r.u8();
    let mut nonfinite = 0u64;
    let float = |r: &mut Reader| -> f64 {
        match value_mode % 4 {
            0 => f64::from(r.i16()) / 32768.0,
            1 => match r.u8() % 6 {
                0 => f64::NAN,
                1 => f64::INFINITY,
                2 => -1.0,
                3 => 1e300,
                _ => f64::from(r.i16()) / 32768.0,
            },
            _ => f64::from(r.i16()) / 32768.0 * f64::from(value_mode >> 2),
        }
    };
    let pre = frames_status(frames, channels, size, align, pointer);
    let status = match sample_type {
        0 => {
            let values: Vec<f32> = (0..samples).map(|_| float(r) as f32).collect();
            nonfinite = values.iter().filter(|x| !x.is_finite()).count() as u64;
            let buf = Buffer::new(values, pointer);
            let ptr = slot.map_or(null_mut(), |i| st.analyzers[i].ptr);
            // SAFETY: `buf` holds `frames * channels` floats at `ptr()` unless the pointer is
            // NULL or the count is one the library refuses before reading.
            unsafe { mm_analyzer_push_f32(ptr, buf.ptr(), frames) }
        }
        1 => {
            let values: Vec<f64> = (0..samples).map(|_| float(r)).collect();
            nonfinite = values.iter().filter(|x| !x.is_finite()).count() as u64;
            let buf = Buffer::new(values, pointer);
            let ptr = slot.map_or(null_mut(), |i| st.analyzers[i].ptr);
            // SAFETY: as above, with doubles.
            unsafe { mm_analyzer_push_f64(ptr, buf.ptr(), frames) }
        }
        2 => {
            let values: Vec<i16> = (0..samples).map(|_| r.i16()).collect();
            let buf = Buffer::new(values, pointer);
            let ptr = slot.map_or(null_mut(), |i| st.analyzers[i].ptr);
            // SAFETY: as above, with int16_t.
            unsafe { mm_analyzer_push_i16(ptr, buf.ptr(), frames) }
        }
        _ => {
            let values: Vec<i32> = (0..samples).map(|_| r.i32()).collect();
            let buf = Buffer::new(values, pointer);
            let ptr = slot.map_or(null_mut(), |i| st.analyzers[i].ptr);
            // SAFETY: as above, with int32_t.
            unsafe { mm_analyzer_push_i32(ptr, buf.ptr(), frames, bits) }
        }
    };
    let kind = match sample_type {
        0 | 1 => Kind::Float,
        2 => Kind::Int(16),
        _ => Kind::Int(bits),
    };
    let Some(i) = slot else {
        expect("push to NULL", status, MM_NULL_POINTER, before);
        return;
    };
    let a = &mut st.analyzers[i];
    let want = if pre != MM_OK {
        pre
    } else if a.finished {
        MM_INVALID_STATE
    } else if matches!(kind, Kind::Int(b) if !(1..=32).contains(&b)) {
        MM_INVALID_ARGUMENT
    } else if a.kind.is_some_and(|k| k != kind) {
        MM_INVALID_STATE
    } else {
        MM_OK
    };
    expect("mm_analyzer_push", status, want, before);
    if status == MM_OK {
        a.kind = Some(kind);
        a.frames += frames as u64;
        a.nonfinite += nonfinite;
    }
}

fn op_finish(r: &mut Reader, st: &mut State, before: &str) {
    let slot = st.pick_analyzer(r);
    let out_null = r.u8().is_multiple_of(16);
    let twice = r.bool();
    for call in 0..1 + usize::from(twice) {
        let before = if call == 0 { before.to_owned() } else { last_error() };
        let mut out: *mut mm_result = std::ptr::dangling_mut::<mm_result>();
        let out_ptr = if out_null { null_mut() } else { &mut out as *mut _ };
        let ptr = slot.map_or(null_mut(), |i| st.analyzers[i].ptr);
        // SAFETY: `ptr` is NULL or a live analyser; `out_ptr` NULL or writable.
        let status = unsafe { mm_analyzer_finish(ptr, out_ptr) };
        let want = match slot {
            _ if out_null => MM_NULL_POINTER,
            None => MM_NULL_POINTER,
            Some(i) if st.analyzers[i].finished => MM_INVALID_STATE,
            Some(_) => MM_OK,
        };
        expect("mm_analyzer_finish", status, want, &before);
        if out_null {
            continue;
        }
        if status != MM_OK {
            assert!(out.is_null(), "a failed finish leaves *out NULL");
            continue;
        }
        let a = &mut st.analyzers[slot.expect("finished a live analyser")];
        a.finished = true;
        assert!(!out.is_null());
        let result = ResultModel {
            ptr: out,
            rate: a.rate,
            channels: a.channels,
            excluded: a.excluded,
            frames: Some(a.frames),
            nonfinite: Some(a.nonfinite),
        };
        st.keep_result(result);
    }
}

/// Everything a result's summary and channels must say.
fn check_result(res: &ResultModel) {
    let mut s = std::mem::MaybeUninit::<mm_track_summary>::uninit();
    // SAFETY: a live result; `s` is writable.
    let status = unsafe { mm_result_summary(res.ptr, s.as_mut_ptr()) };
    assert_eq!(status, MM_OK);
    // SAFETY: written by a successful call.
    let s = unsafe { s.assume_init() };
    assert_eq!(s.sample_rate, res.rate);
    assert_eq!(s.channels as usize, res.channels);
    assert_eq!(s.excluded_channel, res.excluded.map_or(-1, |c| c as i32));
    if let Some(frames) = res.frames {
        assert_eq!(s.frames, frames);
        // ALGORITHM.md §1: trunc(rate * 3.0040816326530613) frames; every non-empty tail is a window.
        let window = (f64::from(res.rate) * 3.004_081_632_653_061_3) as u64;
        assert_eq!(s.windows, frames.div_ceil(window));
    }
    if let Some(n) = res.nonfinite {
        assert_eq!(s.nonfinite_samples, n);
    }
    assert_eq!(
        s.duration_seconds.to_bits(),
        (s.frames as f64 / f64::from(s.sample_rate)).to_bits()
    );
    assert_eq!(s.rounded_seconds, s.duration_seconds.round() as u64);
    // Every track has a DR: `DR<n>` is trunc(dr + 0.5) of the published float.
    assert!(!s.dr.is_nan(), "{s:?}");
    assert_eq!(s.official_dr, (f64::from(s.dr) + 0.5).trunc() as i32, "{s:?}");
    assert_eq!(s.peak_db == f32::NEG_INFINITY, s.peak == 0.0, "{s:?}");
    assert_eq!(s.rms_db == f32::NEG_INFINITY, s.rms == 0.0, "{s:?}");
    let mut all_silent = true;
    for c in 0..s.channels {
        let mut ch = std::mem::MaybeUninit::<mm_channel_result>::uninit();
        // SAFETY: a live result; `ch` is writable.
        let status = unsafe { mm_result_channel(res.ptr, c, ch.as_mut_ptr()) };
        assert_eq!(status, MM_OK);
        // SAFETY: written by a successful call.
        let ch = unsafe { ch.assume_init() };
        assert_eq!(ch.excluded, res.excluded == Some(c as usize));
        // No negative DR (§4); a silent channel is DR 0 by rule.
        assert!(ch.dr_unrounded >= 0.0 && ch.dr == ch.dr_unrounded as f32, "{ch:?}");
        assert!(!ch.silent || ch.dr == 0.0, "{ch:?}");
        assert_eq!(ch.windows, s.windows);
        assert!(ch.peak <= s.peak, "{ch:?}");
        all_silent &= ch.silent;
    }
    assert_eq!(s.all_silent, all_silent, "{s:?}");
    if all_silent {
        assert_eq!((s.dr, s.official_dr), (0.0, 0), "{s:?}");
    }
}

fn op_result(r: &mut Reader, st: &mut State, before: &str) {
    let slot = st.pick_result(r);
    let ptr = slot.map_or(null(), |i| st.results[i].ptr as *const mm_result);
    let out_null = r.u8().is_multiple_of(16);
    if r.bool() {
        let mut s = std::mem::MaybeUninit::<mm_track_summary>::uninit();
        let out = if out_null { null_mut() } else { s.as_mut_ptr() };
        // SAFETY: `ptr` NULL or live; `out` NULL or writable.
        let status = unsafe { mm_result_summary(ptr, out) };
        let want = if out_null || slot.is_none() {
            MM_NULL_POINTER
        } else {
            MM_OK
        };
        expect("mm_result_summary", status, want, before);
        if !out_null && status != MM_OK {
            // SAFETY: reset to the neutral value even on failure (header conventions).
            let s = unsafe { s.assume_init() };
            assert_eq!((s.channels, s.frames, s.all_silent, s.official_dr), (0, 0, true, 0));
        }
    } else {
        let index = match r.u8() % 4 {
            0 => r.u32(),
            _ => r.below(10) as u32,
        };
        let mut c = std::mem::MaybeUninit::<mm_channel_result>::uninit();
        let out = if out_null { null_mut() } else { c.as_mut_ptr() };
        // SAFETY: `ptr` NULL or live; `out` NULL or writable.
        let status = unsafe { mm_result_channel(ptr, index, out) };
        let want = match slot {
            _ if out_null => MM_NULL_POINTER,
            None => MM_NULL_POINTER,
            Some(i) if index as usize >= st.results[i].channels => MM_INVALID_ARGUMENT,
            Some(_) => MM_OK,
        };
        expect("mm_result_channel", status, want, before);
        if !out_null && status != MM_OK {
            // SAFETY: reset to the neutral value even on failure.
            let c = unsafe { c.assume_init() };
            assert!(c.silent && !c.excluded && c.dr == 0.0 && c.peak == 0.0, "{c:?}");
        }
    }
}

fn op_builder_new(r: &mut Reader, st: &mut State, before: &str) {
    let out_null = r.u8().is_multiple_of(16);
    let mut out: *mut mm_log_builder = std::ptr::dangling_mut::<mm_log_builder>();
    let out_ptr = if out_null { null_mut() } else { &mut out as *mut _ };
    // SAFETY: NULL or writable.
    let status = unsafe { mm_log_builder_new(out_ptr) };
    expect(
        "mm_log_builder_new",
        status,
        if out_null { MM_NULL_POINTER } else { MM_OK },
        before,
    );
    if out_null {
        return;
    }
    assert!(!out.is_null());
    if st.builders.len() < SLOTS {
        st.builders.push((out, 0, None));
    } else {
        // SAFETY: live, freed once.
        unsafe { mm_log_builder_free(out) };
    }
}

fn op_add_track(r: &mut Reader, st: &mut State, before: &str) {
    let b = st.pick_builder(r);
    let res = st.pick_result(r);
    let meta_null = r.u8().is_multiple_of(16);
    let strings: Vec<CArg> = (0..8).map(|_| c_arg(r)).collect();
    let meta = mm_track_meta {
        path: strings[0].ptr(),
        artist: strings[1].ptr(),
        album_artist: strings[2].ptr(),
        album: strings[3].ptr(),
        title: strings[4].ptr(),
        track_number: strings[5].ptr(),
        disc_number: strings[6].ptr(),
        codec: strings[7].ptr(),
        bits_per_sample: match r.u8() % 4 {
            0 => r.u32(),
            1 => 0,
            _ => 16,
        },
        channel_mask: match r.u8() % 4 {
            0 => r.u32(),
            1 => 0x3f,
            2 => 0x3,
            _ => (1u32 << r.below(32)) | 0x8,
        },
        bitrate_kbps: match r.u8() % 4 {
            0 => f64::from_bits(r.u64()),
            1 => 0.0,
            _ => f64::from(r.u16()),
        },
    };
    let builder = b.map_or(null_mut(), |i| st.builders[i].0);
    let result = res.map_or(null(), |i| st.results[i].ptr as *const mm_result);
    let meta_ptr = if meta_null {
        null()
    } else {
        &meta as *const mm_track_meta
    };
    // SAFETY: every pointer is NULL or live; the strings are NUL-terminated.
    let status = unsafe { mm_log_builder_add_track(builder, result, meta_ptr) };
    let want = (|| {
        if b.is_none() || res.is_none() || meta_null {
            return MM_NULL_POINTER;
        }
        match strings[0].check() {
            Err(s) => return s,
            Ok(false) => return MM_NULL_POINTER,
            Ok(true) => {}
        }
        for s in &strings[1..] {
            if let Err(s) = s.check() {
                return s;
            }
        }
        MM_OK
    })();
    expect("mm_log_builder_add_track", status, want, before);
    if status == MM_OK {
        st.builders[b.expect("builder")].1 += 1;
    }
}

fn op_add_failure(r: &mut Reader, st: &mut State, before: &str) {
    let b = st.pick_builder(r);
    let path = c_arg(r);
    let reason = c_arg(r);
    let kind = match r.u8() % 4 {
        0 => c_arg(r),
        // A kind the JSON schema lists, from the status of a batch outcome.
        _ => CArg {
            // SAFETY: mm_failure_kind returns a static NUL-terminated string.
            bytes: Some(unsafe { CStr::from_ptr(mm_failure_kind(r.i32() % 10)) }.to_owned()),
            utf8: true,
        },
    };
    let builder = b.map_or(null_mut(), |i| st.builders[i].0);
    // SAFETY: NULL or live; NUL-terminated strings.
    let status = unsafe { mm_log_builder_add_failure(builder, path.ptr(), reason.ptr(), kind.ptr()) };
    let want = (|| {
        if b.is_none() {
            return MM_NULL_POINTER;
        }
        for s in [&path, &reason, &kind] {
            match s.check() {
                Err(s) => return s,
                Ok(false) => return MM_NULL_POINTER,
                Ok(true) => {}
            }
        }
        let known = [
            "open",
            "unsupported",
            "invalid_parameters",
            "malformed",
            "truncated",
            "corrupt",
            "stream_changed",
            "cancelled",
            "analysis",
            "internal",
        ];
        let text = kind.bytes.as_ref().map(|k| k.to_bytes()).unwrap_or_default();
        if !known.iter().any(|k| k.as_bytes() == text) {
            return MM_INVALID_ARGUMENT;
        }
        MM_OK
    })();
    expect("mm_log_builder_add_failure", status, want, before);
}

fn op_render(r: &mut Reader, st: &mut State, before: &str) {
    let b = st.pick_builder(r);
    let kind = match r.u8() % 8 {
        0 => r.i32(),
        1 => -1,
        2 => 3,
        k => i32::from(k % 3),
    };
    let (date, date_ok) = date_arg(r);
    let out_null = r.u8().is_multiple_of(16);
    let len_null = r.u8().is_multiple_of(4);
    let mut out: *mut c_char = std::ptr::dangling_mut::<c_char>();
    let mut len: usize = 12345;
    let out_ptr = if out_null { null_mut() } else { &mut out as *mut _ };
    let len_ptr = if len_null { null_mut() } else { &mut len as *mut usize };
    let builder = b.map_or(null(), |i| st.builders[i].0 as *const mm_log_builder);
    // SAFETY: every pointer is NULL or live/writable; `date` NUL-terminated.
    let status = unsafe { mm_log_render(builder, kind, date.ptr(), out_ptr, len_ptr) };
    let want = if out_null || b.is_none() {
        Some(MM_NULL_POINTER)
    } else {
        match date_ok {
            Some(false) => Some(MM_INVALID_ARGUMENT),
            // Arbitrary UTF-8 text: the library decides; a valid date is then checked below.
            None => None,
            Some(true) if !(0..=2).contains(&kind) => Some(MM_INVALID_ARGUMENT),
            Some(true) => Some(MM_OK),
        }
    };
    match want {
        Some(want) => expect("mm_log_render", status, want, before),
        None => {
            let want = if status == MM_OK || (0..=2).contains(&kind) {
                status
            } else {
                MM_INVALID_ARGUMENT
            };
            assert!(matches!(status, MM_OK | MM_INVALID_ARGUMENT), "{status:?}");
            expect("mm_log_render (free-form date)", status, want, before);
        }
    }
    if out_null {
        return;
    }
    if status != MM_OK {
        assert!(out.is_null(), "a failed render leaves *out NULL");
        if !len_null {
            assert_eq!(len, 0, "a failed render resets *out_len");
        }
        return;
    }
    assert!(!out.is_null());
    // SAFETY: a NUL-terminated string handed over by the library.
    let text = unsafe { CStr::from_ptr(out) };
    let text_str = text.to_str().expect("rendered logs are UTF-8");
    if !len_null {
        assert_eq!(len, text.to_bytes().len(), "*out_len is the length without the NUL");
    }
    let (_, tracks, host) = &st.builders[b.expect("builder")];
    let product = match host {
        Some(host) => format!("{host} / MacinMeter v"),
        None => "MacinMeter v".to_owned(),
    };
    if kind != 2 {
        // Text logs: CRLF line ends only.
        let bytes = text.to_bytes();
        for (at, _) in bytes.iter().enumerate().filter(|&(_, &c)| c == b'\n') {
            assert!(at > 0 && bytes[at - 1] == b'\r', "a bare LF at byte {at}: {text_str}");
        }
    }
    match kind {
        0 => assert!(text_str.starts_with(&product), "{product}: {text_str}"),
        1 => assert_eq!(text_str.is_empty(), *tracks == 0),
        _ => assert!(
            text_str.starts_with('{') && text_str.trim_end().ends_with('}'),
            "{text_str}"
        ),
    }
    // SAFETY: handed over by mm_log_render, freed once.
    unsafe { mm_string_free(out) };
}

fn op_misc(r: &mut Reader, st: &mut State, before: &str) {
    match r.u8() % 10 {
        8 => {
            let b = st.pick_builder(r);
            let host = c_arg(r);
            let builder = b.map_or(null_mut(), |i| st.builders[i].0);
            // SAFETY: NULL or live; `host` NULL or NUL-terminated.
            let status = unsafe { mm_log_builder_set_host(builder, host.ptr()) };
            let want = match (b, host.check()) {
                (None, _) => MM_NULL_POINTER,
                (_, Err(s)) => s,
                _ => MM_OK,
            };
            expect("mm_log_builder_set_host", status, want, before);
            if let (MM_OK, Some(i)) = (status, b) {
                // The first line shows the trimmed host, control characters as spaces.
                let text = host
                    .bytes
                    .as_ref()
                    .map(|h| h.to_str().expect("UTF-8").trim().to_owned());
                st.builders[i].2 = text
                    .filter(|h| !h.is_empty())
                    .map(|h| h.chars().map(|c| if c.is_control() { ' ' } else { c }).collect());
            }
        }
        9 => {
            let b = st.pick_builder(r);
            let builder = b.map_or(null_mut(), |i| st.builders[i].0);
            let columns = r.bool();
            let weighting = match r.u8() % 4 {
                0 => r.i32(),
                k => i32::from(k % 2),
            };
            // SAFETY: NULL or live.
            let status = unsafe { mm_log_builder_set_channel_columns(builder, columns) };
            let want = if b.is_some() { MM_OK } else { MM_NULL_POINTER };
            expect("mm_log_builder_set_channel_columns", status, want, before);
            let before = last_error();
            // SAFETY: NULL or live.
            let status = unsafe { mm_log_builder_set_album_weighting(builder, weighting) };
            let want = match b {
                None => MM_NULL_POINTER,
                Some(_) if (0..=1).contains(&weighting) => MM_OK,
                Some(_) => MM_INVALID_ARGUMENT,
            };
            expect("mm_log_builder_set_album_weighting", status, want, &before);
        }
        0 => {
            let code = match r.u8() % 2 {
                0 => r.i32(),
                _ => r.below(12) as i32 - 1,
            };
            let ptr = mm_status_name(code);
            assert!(!ptr.is_null());
            // SAFETY: a static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(ptr) }.to_str().expect("ASCII");
            let want = usize::try_from(code)
                .ok()
                .and_then(|c| STATUS_NAMES.get(c).copied())
                .unwrap_or("unknown status");
            assert_eq!(name, want);
        }
        1 => {
            // SAFETY: a static NUL-terminated string.
            let v = unsafe { CStr::from_ptr(mm_version()) }.to_str().expect("ASCII");
            assert!(!v.is_empty());
            assert_eq!(mm_abi_version(), MM_ABI_VERSION);
        }
        2 => {
            // SAFETY: NULL is ignored by every free function.
            unsafe {
                mm_string_free(null_mut());
                mm_analyzer_free(null_mut());
                mm_result_free(null_mut());
                mm_log_builder_free(null_mut());
                mm_cancel_token_free(null_mut());
                mm_track_outcomes_free(null_mut(), 0);
                mm_track_outcomes_free(null_mut(), r.u16() as usize);
            }
            assert_eq!(last_error(), before);
        }
        3 => {
            let b = st.pick_builder(r);
            let builder = b.map_or(null_mut(), |i| st.builders[i].0);
            // SAFETY: NULL or live.
            let status = unsafe { mm_log_builder_set_interrupted(builder, r.bool()) };
            let want = if b.is_some() { MM_OK } else { MM_NULL_POINTER };
            expect("mm_log_builder_set_interrupted", status, want, before);
        }
        4 => {
            let out_null = r.u8().is_multiple_of(8);
            let mut out: *mut mm_cancel_token = std::ptr::dangling_mut::<mm_cancel_token>();
            let out_ptr = if out_null { null_mut() } else { &mut out as *mut _ };
            // SAFETY: NULL or writable.
            let status = unsafe { mm_cancel_token_new(out_ptr) };
            let want = if out_null { MM_NULL_POINTER } else { MM_OK };
            expect("mm_cancel_token_new", status, want, before);
            if !out_null {
                assert!(!out.is_null());
                if st.tokens.len() < SLOTS {
                    st.tokens.push((out, false));
                } else {
                    // SAFETY: live, freed once.
                    unsafe { mm_cancel_token_free(out) };
                }
            }
        }
        5 => {
            let i = r.below(SLOTS + 1);
            let token = st.tokens.get(i).map_or(null(), |t| t.0 as *const mm_cancel_token);
            // SAFETY: NULL or live.
            let status = unsafe { mm_cancel_token_cancel(token) };
            let want = if token.is_null() { MM_NULL_POINTER } else { MM_OK };
            expect("mm_cancel_token_cancel", status, want, before);
            if let Some(t) = st.tokens.get_mut(i) {
                t.1 = true;
            }
        }
        _ => {
            // Misaligned out-parameters are refused, not written.
            let mut storage = [0u64; 4];
            let base = storage.as_mut_ptr().cast::<u8>();
            // SAFETY: one byte into a 32-byte local: in bounds, misaligned for pointers.
            let misaligned = unsafe { base.add(1) };
            // SAFETY: the library checks alignment before writing.
            let status = unsafe { mm_log_builder_new(misaligned.cast()) };
            expect(
                "mm_log_builder_new (misaligned out)",
                status,
                MM_INVALID_ARGUMENT,
                before,
            );
            assert_eq!(storage, [0; 4], "a misaligned out-parameter was written");
        }
    }
}

fn op_free(r: &mut Reader, st: &mut State) {
    match r.u8() % 4 {
        0 if !st.analyzers.is_empty() => {
            let i = r.below(st.analyzers.len());
            let a = st.analyzers.remove(i);
            // SAFETY: live, freed once.
            unsafe { mm_analyzer_free(a.ptr) };
        }
        1 if !st.results.is_empty() => {
            let i = r.below(st.results.len());
            let res = st.results.remove(i);
            // SAFETY: live, freed once.
            unsafe { mm_result_free(res.ptr) };
        }
        2 if !st.builders.is_empty() => {
            let i = r.below(st.builders.len());
            let (b, _, _) = st.builders.remove(i);
            // SAFETY: live, freed once.
            unsafe { mm_log_builder_free(b) };
        }
        3 if !st.tokens.is_empty() => {
            let i = r.below(st.tokens.len());
            let (t, _) = st.tokens.remove(i);
            // SAFETY: live, freed once.
            unsafe { mm_cancel_token_free(t) };
        }
        _ => {}
    }
}

// ---- batches with scripted decode callbacks ----

/// One step of a track's read script.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Write this many frames (at most the capacity) and return the count.
    Frames(usize),
    /// Return more frames than the capacity (writing nothing).
    TooMany(i64),
    /// Return a negative count, with or without a message.
    Error(i64, bool),
    /// Change a field of `*format`, write nothing, return 0.
    Change(u8),
}

struct TrackScript {
    open_rc: i32,
    open_message: bool,
    format: mm_source_format,
    steps: Vec<Step>,
    fill: u8,
}

struct BatchScript {
    tracks: Vec<TrackScript>,
    opens: AtomicUsize,
    closes: AtomicUsize,
    cancel_after: Option<usize>,
    progress_calls: AtomicUsize,
    cancelled_by_progress: AtomicUsize,
}

/// A source handle: its batch and track, and how far it got.
struct Source {
    batch: *const BatchScript,
    track: usize,
    step: usize,
    counter: u32,
}

/// What a track must end with if nothing cancels it, and its frame count when measured.
fn natural_outcome(t: &TrackScript, capacity: usize) -> (mm_status, u64) {
    if t.open_rc != 0 {
        return (
            if t.open_rc == MM_CANCELLED as i32 {
                MM_CANCELLED
            } else {
                MM_DECODE_ERROR
            },
            0,
        );
    }
    let f = &t.format;
    let type_ok = (0..=3).contains(&f.sample_type);
    let bits_ok = f.sample_type != 3 || (1..=32).contains(&f.bits_per_sample);
    let ch_ok = (1..=32).contains(&f.channels);
    let ex_ok = f.excluded_channel == -1 || (f.excluded_channel >= 0 && (f.excluded_channel as u32) < f.channels);
    if !type_ok || !bits_ok || f.sample_rate == 0 || !ch_ok || !ex_ok {
        return (MM_INVALID_ARGUMENT, 0);
    }
    let mut frames = 0;
    for step in &t.steps {
        match *step {
            Step::Frames(n) => {
                let n = n.min(capacity);
                if n == 0 {
                    return (MM_OK, frames);
                }
                frames += n as u64;
            }
            Step::TooMany(_) => return (MM_INVALID_ARGUMENT, 0),
            Step::Error(..) => return (MM_DECODE_ERROR, 0),
            // Read returns 0: a change is noticed, else the track ends there.
            Step::Change(c) if format_changes(c, f) => return (MM_FORMAT_CHANGED, 0),
            Step::Change(_) => return (MM_OK, frames),
        }
    }
    (MM_OK, frames)
}

/// Whether change `c` alters what `same_audio` compares.
fn format_changes(c: u8, f: &mm_source_format) -> bool {
    match c % 5 {
        0..=2 => true,           // rate, channels, sample type
        3 => f.sample_type == 3, // bits: only integer PCM compares them
        _ => false,              // the excluded channel: ignored after open
    }
}

fn write_message(error: *mut c_char, capacity: usize, text: &str) {
    let n = text.len().min(capacity.saturating_sub(1));
    // SAFETY: `error` holds `capacity` writable bytes (callback contract).
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr().cast::<c_char>(), error, n);
        *error.add(n) = 0;
    }
}

unsafe extern "C" fn cb_open(
    user: *mut c_void,
    index: usize,
    source: *mut *mut c_void,
    format: *mut mm_source_format,
    error: *mut c_char,
    capacity: usize,
) -> i32 {
    // SAFETY: `user` is the BatchScript the harness passed, alive during the batch.
    let script = unsafe { &*(user as *const BatchScript) };
    let t = &script.tracks[index];
    if t.open_rc != 0 {
        if t.open_message {
            write_message(error, capacity, "scripted open failure ✗");
        }
        return t.open_rc;
    }
    script.opens.fetch_add(1, Ordering::SeqCst);
    // SAFETY: valid out-pointers (library contract).
    unsafe {
        *format = t.format;
        *source = Box::into_raw(Box::new(Source {
            batch: script,
            track: index,
            step: 0,
            counter: u32::from(t.fill),
        }))
        .cast();
    }
    0
}

unsafe extern "C" fn cb_read(
    source: *mut c_void,
    buffer: *mut c_void,
    capacity: usize,
    format: *mut mm_source_format,
    error: *mut c_char,
    error_capacity: usize,
) -> i64 {
    // SAFETY: a Source from cb_open, used by one thread at a time.
    let src = unsafe { &mut *(source as *mut Source) };
    // SAFETY: the script outlives the batch.
    let t = unsafe { &(&*src.batch).tracks[src.track] };
    // SAFETY: `format` is valid for reading and writing (library contract).
    let f = unsafe { &mut *format };
    assert_eq!(
        (f.sample_rate, f.channels, f.sample_type),
        (t.format.sample_rate, t.format.channels, t.format.sample_type),
        "read gets the format open reported"
    );
    let Some(step) = t.steps.get(src.step).copied() else {
        return 0;
    };
    src.step += 1;
    match step {
        Step::Frames(n) => {
            let n = n.min(capacity);
            let samples = n * f.channels as usize;
            // Deterministic sample values of the reported type, written within capacity.
            let mut next = || {
                src.counter = src.counter.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                src.counter
            };
            // SAFETY: the buffer holds `capacity` frames of the format, aligned for it.
            unsafe {
                match f.sample_type {
                    0 => {
                        let b = std::slice::from_raw_parts_mut(buffer.cast::<f32>(), samples);
                        b.iter_mut().for_each(|x| *x = (next() >> 16) as i16 as f32 / 32768.0);
                    }
                    1 => {
                        let b = std::slice::from_raw_parts_mut(buffer.cast::<f64>(), samples);
                        b.iter_mut()
                            .for_each(|x| *x = f64::from((next() >> 16) as i16) / 32768.0);
                    }
                    2 => {
                        let b = std::slice::from_raw_parts_mut(buffer.cast::<i16>(), samples);
                        b.iter_mut().for_each(|x| *x = (next() >> 16) as i16);
                    }
                    _ => {
                        let b = std::slice::from_raw_parts_mut(buffer.cast::<i32>(), samples);
                        b.iter_mut().for_each(|x| *x = next() as i32);
                    }
                }
            }
            n as i64
        }
        Step::TooMany(extra) => capacity as i64 + 1 + extra,
        Step::Error(n, message) => {
            if message {
                write_message(error, error_capacity, "scripted read failure");
            }
            n
        }
        Step::Change(c) => {
            match c % 5 {
                0 => f.sample_rate = f.sample_rate.wrapping_add(1),
                1 => f.channels = f.channels.wrapping_add(1),
                2 => f.sample_type = (f.sample_type + 1) % 4,
                3 => f.bits_per_sample = f.bits_per_sample.wrapping_add(1),
                _ => f.excluded_channel = f.excluded_channel.wrapping_sub(1),
            }
            0
        }
    }
}

unsafe extern "C" fn cb_close(source: *mut c_void) {
    // SAFETY: a Source from cb_open, closed exactly once (a second close is a double free).
    let src = unsafe { Box::from_raw(source as *mut Source) };
    // SAFETY: the script outlives the batch.
    unsafe { &*src.batch }.closes.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn cb_progress(user: *mut c_void, p: *const mm_batch_progress) -> i32 {
    // SAFETY: the BatchScript the harness passed; `p` valid during the call.
    let (script, p) = unsafe { (&*(user as *const BatchScript), &*p) };
    script.progress_calls.fetch_add(1, Ordering::SeqCst);
    assert_eq!(p.tracks_total, script.tracks.len());
    assert!(p.tracks_finished <= p.tracks_total && p.tracks_failed <= p.tracks_finished);
    assert!(p.finished_track == usize::MAX || p.finished_track < p.tracks_total);
    match script.cancel_after {
        Some(k) if p.tracks_finished >= k => {
            script.cancelled_by_progress.fetch_add(1, Ordering::SeqCst);
            1
        }
        _ => 0,
    }
}

/// The threads of this process (Linux), to let a batch's pool wind down.
fn thread_count() -> Option<usize> {
    std::fs::read_dir("/proc/self/task").ok().map(|d| d.count())
}

/// Waits (at most about a second) until the batch's worker threads have exited. The pool is
/// dropped when the batch returns, but its threads end a moment later; under the fuzzer,
/// LeakSanitizer's stop-the-world check after the input raced with exiting threads and
/// left the process stopped (state T) until it was sent SIGCONT.
fn wait_for_threads(before: Option<usize>) {
    let Some(before) = before else {
        return;
    };
    for _ in 0..1000 {
        if thread_count().is_none_or(|n| n <= before) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

fn op_batch(r: &mut Reader, st: &mut State, before: &str) {
    let count = r.below(5);
    let mut tracks = Vec::new();
    for _ in 0..count {
        let open_rc = match r.u8() % 8 {
            0 => r.i32(),
            1 => MM_CANCELLED as i32,
            _ => 0,
        };
        let open_message = r.bool();
        let format = mm_source_format {
            sample_rate: match r.u8() % 8 {
                0 => 0,
                1 => r.u32(),
                _ => 1 + r.below(200) as u32,
            },
            channels: match r.u8() % 8 {
                0 => r.u32() % 40,
                _ => 1 + r.below(8) as u32,
            },
            sample_type: match r.u8() % 8 {
                0 => r.i32(),
                k => i32::from(k % 4),
            },
            bits_per_sample: match r.u8() % 8 {
                0 => r.u32() % 40,
                _ => 1 + r.below(32) as u32,
            },
            excluded_channel: match r.u8() % 8 {
                0 => r.below(10) as i32 - 2,
                _ => -1,
            },
        };
        let steps = (0..r.below(8))
            .map(|_| match r.u8() % 16 {
                0 => Step::TooMany(r.below(3) as i64),
                1 => Step::Error(-1 - r.below(3) as i64, r.bool()),
                2 => Step::Change(r.u8()),
                _ => Step::Frames(r.below(700)),
            })
            .collect();
        tracks.push(TrackScript {
            open_rc,
            open_message,
            format,
            steps,
            fill: r.u8(),
        });
    }
    let script = BatchScript {
        tracks,
        opens: AtomicUsize::new(0),
        closes: AtomicUsize::new(0),
        cancel_after: (r.u8().is_multiple_of(4)).then(|| r.below(count + 1)),
        progress_calls: AtomicUsize::new(0),
        cancelled_by_progress: AtomicUsize::new(0),
    };
    let decoder_mode = r.u8() % 16;
    let decoder = mm_decoder {
        user: &script as *const BatchScript as *mut c_void,
        open: if decoder_mode == 1 { None } else { Some(cb_open) },
        read: if decoder_mode == 2 { None } else { Some(cb_read) },
        close: if decoder_mode == 3 { None } else { Some(cb_close) },
    };
    let decoder_ptr = if decoder_mode == 0 {
        null()
    } else {
        &decoder as *const mm_decoder
    };
    let threads = match r.u8() % 16 {
        0 => 0,
        1 => 1025 + r.below(10) as u32,
        k => 1 + u32::from(k % 2),
    };
    let buffer_frames = match r.u8() % 8 {
        0 => 0,
        1 => 65_536 + r.below(3) as u32,
        _ => 1 + r.below(600) as u32,
    };
    let token_slot = r.below(SLOTS + 2);
    let token = st.tokens.get(token_slot).copied();
    let mut options = mm_batch_options_default();
    assert_eq!((options.threads, options.buffer_frames), (0, 0));
    assert_eq!(options.channel_weighting, MM_CHANNEL_WEIGHTING_EQUAL as i32);
    options.threads = threads;
    options.buffer_frames = buffer_frames;
    options.channel_weighting = match r.u8() % 8 {
        0 => r.i32(),
        1 => MM_CHANNEL_WEIGHTING_LOUDNESS as i32,
        _ => MM_CHANNEL_WEIGHTING_EQUAL as i32,
    };
    if script.cancel_after.is_some() || r.bool() {
        options.progress = Some(cb_progress);
        options.progress_user = &script as *const BatchScript as *mut c_void;
    }
    options.cancel = token.map_or(null(), |t| t.0 as *const mm_cancel_token);
    let options_null = r.u8().is_multiple_of(8);
    let options_ptr = if options_null {
        null()
    } else {
        &options as *const mm_batch_options
    };
    let outcomes_mode = r.u8() % 16;
    let sentinel = || mm_track_outcome {
        status: MM_INTERNAL_ERROR,
        result: std::ptr::dangling_mut::<mm_result>(),
        error: std::ptr::dangling_mut::<c_char>(),
    };
    let mut outcomes: Vec<mm_track_outcome> = (0..count).map(|_| sentinel()).collect();
    let (outcomes_ptr, passed_count) = match outcomes_mode {
        0 if count > 0 => (null_mut(), count),
        1 => (null_mut(), usize::MAX / 8),
        _ => (outcomes.as_mut_ptr(), count),
    };
    // SAFETY: every pointer is NULL or live for the call; `outcomes` holds `count` entries
    // (the other counts come with NULL, which is refused before anything is written).
    let threads_before = thread_count();
    let status = unsafe { mm_batch_analyze(decoder_ptr, passed_count, options_ptr, outcomes_ptr) };
    wait_for_threads(threads_before);
    assert_eq!(
        script.opens.load(Ordering::SeqCst),
        script.closes.load(Ordering::SeqCst),
        "every successful open is closed exactly once"
    );

    let effective = if options_null {
        mm_batch_options_default()
    } else {
        options
    };
    let arg_status = if passed_count != count {
        if passed_count
            .checked_mul(std::mem::size_of::<mm_track_outcome>())
            .is_none_or(|b| b > isize::MAX as usize)
        {
            MM_INVALID_ARGUMENT
        } else {
            MM_NULL_POINTER
        }
    } else if (count > 0 && outcomes_ptr.is_null()) || decoder_ptr.is_null() || (1..=3).contains(&decoder_mode) {
        // NULL outcomes, decoder or callback.
        MM_NULL_POINTER
    } else if effective.threads > 1024
        || effective.buffer_frames > 65_536
        || !(0..=1).contains(&effective.channel_weighting)
    {
        MM_INVALID_ARGUMENT
    } else {
        MM_OK
    };
    if arg_status != MM_OK || count == 0 {
        expect("mm_batch_analyze (arguments)", status, arg_status, before);
        assert_eq!(script.opens.load(Ordering::SeqCst), 0);
        if outcomes_ptr == outcomes.as_mut_ptr() {
            // Written as "not run" as soon as `outcomes` and the count were checked.
            for o in &outcomes {
                assert!(
                    o.status == MM_CANCELLED && o.result.is_null() && o.error.is_null(),
                    "{o:?}"
                );
            }
        }
        return;
    }
    let capacity = match effective.buffer_frames {
        0 => 8192,
        n => n as usize,
    };
    let token_raised = token.is_some_and(|t| t.1) && !options_null;
    let progress_cancelled = script.cancelled_by_progress.load(Ordering::SeqCst) > 0 && !options_null;
    let cancelled = token_raised || progress_cancelled;
    if cancelled {
        assert_eq!(status, MM_CANCELLED, "{}", last_error());
        assert!(!last_error().is_empty());
    } else {
        expect("mm_batch_analyze", status, MM_OK, before);
    }
    for (i, o) in outcomes.iter_mut().enumerate() {
        let (want, frames) = natural_outcome(&script.tracks[i], capacity);
        let fine = o.status == want || (cancelled && o.status == MM_CANCELLED);
        assert!(
            fine,
            "track {i}: {:?}, expected {want:?} (cancelled: {cancelled})",
            o.status
        );
        if o.status == MM_OK {
            assert!(!o.result.is_null() && o.error.is_null(), "{o:?}");
            let f = &script.tracks[i].format;
            // Take the result out of the outcome: it is then the caller's to free.
            let taken = ResultModel {
                ptr: o.result,
                rate: f.sample_rate,
                channels: f.channels as usize,
                excluded: (f.excluded_channel >= 0).then_some(f.excluded_channel as usize),
                frames: Some(frames),
                nonfinite: Some(0),
            };
            o.result = null_mut();
            st.keep_result(taken);
        } else {
            assert!(o.result.is_null(), "{o:?}");
            if o.status != MM_CANCELLED {
                assert!(!o.error.is_null(), "{o:?}");
            }
            if !o.error.is_null() {
                // SAFETY: a NUL-terminated string owned by the outcome.
                let text = unsafe { CStr::from_ptr(o.error) }.to_str().expect("UTF-8 message");
                assert!(!text.is_empty());
            }
        }
    }
    // SAFETY: entries written by mm_batch_analyze; freeing twice is harmless.
    unsafe {
        mm_track_outcomes_free(outcomes.as_mut_ptr(), outcomes.len());
        mm_track_outcomes_free(outcomes.as_mut_ptr(), outcomes.len());
    }
    for o in &outcomes {
        assert!(o.result.is_null() && o.error.is_null());
    }
}
