//! Harness of the `decode` fuzz target: arbitrary bytes through dr-decode's in-memory
//! entry point `measure_bytes`, on a one-thread pool built once.
//!
//! The first byte chooses the extension hint (low nibble: one of a small set, or none)
//! and the packets per parallel batch (high bits: 1..=4, so small files still spread over
//! several batches); the rest is the file.
//!
//! Checks: no panic in MacinMeter's own code (dr-decode catches decoder panics and reports
//! them as `ErrorKind::Internal`: a finding all the same), no `ErrorKind::Analysis` (the
//! analyser refusing decoded audio is a bug), a measured track is self-consistent, and the
//! parallel path gives the bit-identical result of the sequential one
//! (`DecodeOptions::parallel_packets`, documented as the reference the parallel path must
//! match bit for bit), or an error of the same kind.
//!
//! Panics inside third-party crates (symphonia: arithmetic overflow under the fuzzer's
//! overflow checks, ...) are what dr-decode's `catch_unwind` is for: they are let through to
//! it, reported on stderr once per place, and, when `MM_FUZZ_THIRD_PARTY_DIR` names a
//! folder, the first input reaching each place is saved there (a reproducer to report
//! upstream). The input then only has to end in `ErrorKind::Internal` or a result.

#[path = "result_bits.rs"]
mod result_bits;

use std::sync::{Mutex, Once, OnceLock};

use dr_decode::{Control, DecodeError, DecodeOptions, ErrorKind, MeasuredTrack};

const HINTS: [Option<&str>; 16] = [
    None,
    Some("flac"),
    Some("wav"),
    Some("aiff"),
    Some("mp3"),
    Some("m4a"),
    Some("aac"),
    Some("ogg"),
    Some("opus"),
    Some("mka"),
    Some("webm"),
    Some("caf"),
    Some("aifc"),
    Some("mp4"),
    Some("txt"),
    Some(".FLAC"),
];

fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| dr_decode::build_thread_pool(1).expect("a one-thread pool"))
}

/// The input being decoded (for saving third-party reproducers) and the third-party panics
/// it caused.
static CURRENT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static THIRD_PARTY: Mutex<Vec<String>> = Mutex::new(Vec::new());
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Lets panics in dependencies unwind to dr-decode's `catch_unwind` (the fuzzer's own hook
/// would abort at once) and records them; every other panic goes to the previous hook.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let Some(location) = info.location() else {
                return previous(info);
            };
            if !location.file().contains("/registry/src/") {
                return previous(info);
            }
            let place = format!(
                "{}:{}",
                location.file().rsplit("/registry/src/").next().unwrap_or(""),
                location.line()
            );
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let text = format!("{place}: {message}");
            let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
            if !seen.contains(&place) {
                seen.push(place.clone());
                eprintln!("third-party panic (left to dr-decode's catch_unwind): {text}");
                if let Some(dir) = std::env::var_os("MM_FUZZ_THIRD_PARTY_DIR") {
                    let name: String = place
                        .chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                                c
                            } else {
                                '_'
                            }
                        })
                        .collect();
                    let input = CURRENT.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    let _ = std::fs::write(std::path::Path::new(&dir).join(name), input);
                }
            }
            THIRD_PARTY.lock().unwrap_or_else(|e| e.into_inner()).push(text);
        }));
    });
}

/// The dependency panics (place: message) the last `run` let through to dr-decode. A
/// regression test expects none: each is a bug, only contained by `catch_unwind`.
#[allow(dead_code)] // used by the regression test, not by the fuzz target
pub fn third_party_panics() -> Vec<String> {
    THIRD_PARTY.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// One decode of an input as `run` makes it first (parallel path), for tests that expect
/// a particular outcome.
#[allow(dead_code)] // used by the regression test, not by the fuzz target
pub fn measure(data: &[u8]) -> Option<Result<MeasuredTrack, DecodeError>> {
    let (&first, bytes) = data.split_first()?;
    let options = DecodeOptions {
        batch_packets: 1 + usize::from(first >> 4) % 4,
        ..DecodeOptions::default()
    };
    Some(dr_decode::measure_bytes(
        bytes,
        HINTS[usize::from(first & 15)],
        pool(),
        &options,
        Control::new(),
    ))
}

fn check_outcome(outcome: &Result<MeasuredTrack, DecodeError>, third_party: bool) {
    match outcome {
        Ok(track) => {
            let r = &track.result;
            assert!(r.sample_rate > 0, "{track:?}");
            assert!(!r.channels.is_empty() && r.channels.len() <= dr_core::MAX_CHANNELS);
            let window = dr_core::window_frames(r.sample_rate);
            // ALGORITHM.md §1: every non-empty tail is a window; §6: DR<n> = trunc(dr + 0.5).
            assert_eq!(r.windows, r.frames.div_ceil(window));
            assert_eq!(r.official_dr, dr_core::official_dr(r.dr));
        }
        Err(e) => {
            if !third_party {
                assert_ne!(e.kind(), ErrorKind::Internal, "a decoder panicked: {e}");
            }
            assert_ne!(e.kind(), ErrorKind::Analysis, "the analyser refused decoded audio: {e}");
            assert!(!e.to_string().is_empty());
        }
    }
}

/// Runs one input: panics on a finding.
pub fn run(data: &[u8]) {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    install_panic_hook();
    THIRD_PARTY.lock().unwrap_or_else(|e| e.into_inner()).clear();
    if std::env::var_os("MM_FUZZ_THIRD_PARTY_DIR").is_some() {
        let mut current = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
        current.clear();
        current.extend_from_slice(data);
    }
    let third_party = || !THIRD_PARTY.lock().unwrap_or_else(|e| e.into_inner()).is_empty();
    let hint = HINTS[usize::from(first & 15)];
    let options = DecodeOptions {
        batch_packets: 1 + usize::from(first >> 4) % 4,
        ..DecodeOptions::default()
    };
    let parallel = dr_decode::measure_bytes(bytes, hint, pool(), &options, Control::new());
    check_outcome(&parallel, third_party());
    let sequential_options = DecodeOptions {
        parallel_packets: false,
        ..options
    };
    let sequential = dr_decode::measure_bytes(bytes, hint, pool(), &sequential_options, Control::new());
    check_outcome(&sequential, third_party());
    if third_party() {
        // A dependency panicked: the two paths need not fail at the same point.
        return;
    }
    match (&parallel, &sequential) {
        (Ok(p), Ok(s)) => {
            assert_eq!(
                result_bits::fingerprint(&p.result),
                result_bits::fingerprint(&s.result),
                "parallel and sequential decoding differ:\n{:?}\n{:?}",
                p.result,
                s.result
            );
        }
        (Err(p), Err(s)) => assert_eq!(p.kind(), s.kind(), "parallel: {p}\nsequential: {s}"),
        _ => panic!(
            "parallel and sequential decoding disagree:\nparallel: {:?}\nsequential: {:?}",
            parallel.as_ref().map(|t| &t.result),
            sequential.as_ref().map(|t| &t.result)
        ),
    }
}
