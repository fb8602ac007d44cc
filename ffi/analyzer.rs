//! The streaming analyser of one track: create, push interleaved frames, finish, free.

use dr_core::{Analyzer, ChannelWeighting, Options, TrackResult};

use crate::result::mm_result;
use crate::status::{
    check_frames, check_mut, check_out, check_ref, guard, guard_value, mm_status, Failure, Outcome, MM_INTERNAL_ERROR,
};

/// How the channels' DRs make the track's (`mm_analyzer_options.channel_weighting`,
/// `mm_batch_options.channel_weighting`).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mm_channel_weighting {
    /// DR Meter's default: the plain mean over the channels, silent ones (DR 0) included.
    MM_CHANNEL_WEIGHTING_EQUAL = 0,
    /// DR Meter's option for more than 2 channels: the mean weighted by each channel's
    /// RMS. Tracks of 1 or 2 channels are averaged plainly whatever this says.
    MM_CHANNEL_WEIGHTING_LOUDNESS = 1,
}

pub use mm_channel_weighting::*;

/// Measurement options. Zero-initialising is NOT the default (channel 0 would be
/// excluded): start from `mm_analyzer_options_default()` or pass NULL.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mm_analyzer_options {
    /// A channel (0-based) that is measured and reported but left out of the track's
    /// DR, e.g. the LFE channel of a layout that names one; -1 for none (the default, and
    /// what foobar2000 does: LFE included).
    pub excluded_channel: i32,
    /// An `mm_channel_weighting` value; `MM_CHANNEL_WEIGHTING_EQUAL` by default.
    pub channel_weighting: i32,
}

/// One track's analyser. Opaque; create with `mm_analyzer_new`, free with `mm_analyzer_free`.
pub struct mm_analyzer {
    state: State,
    channels: usize,
}

enum State {
    /// Taking samples.
    Open(Box<Analyzer>),
    /// `mm_analyzer_finish` was called (successfully or not).
    Finished,
    /// A panic interrupted a call: the analyser's state is unknown.
    Broken,
}

impl mm_analyzer_options {
    const DEFAULT: mm_analyzer_options = mm_analyzer_options {
        excluded_channel: -1,
        channel_weighting: MM_CHANNEL_WEIGHTING_EQUAL as i32,
    };
}

/// dr-core's refusal as a status: a change of sample kind within a track is a state error,
/// anything else an argument error.
pub(crate) fn core_failure(e: dr_core::Error) -> Failure {
    match e {
        dr_core::Error::SampleFormatChanged { .. } | dr_core::Error::IncompleteFrame { .. } => {
            Failure::state(e.to_string())
        }
        _ => Failure::invalid(e.to_string()),
    }
}

/// The weighting of an `mm_channel_weighting` value, checked.
pub(crate) fn channel_weighting(value: i32) -> Outcome<ChannelWeighting> {
    match value {
        v if v == MM_CHANNEL_WEIGHTING_EQUAL as i32 => Ok(ChannelWeighting::Equal),
        v if v == MM_CHANNEL_WEIGHTING_LOUDNESS as i32 => Ok(ChannelWeighting::Loudness),
        other => Err(Failure::invalid(format!(
            "channel weighting {other} is not an mm_channel_weighting (0 equal, 1 loudness)"
        ))),
    }
}

/// dr-core options from the C fields, checked.
pub(crate) fn core_options(excluded_channel: i32, weighting: i32, channels: usize) -> Outcome<Options> {
    let excluded_channel = match excluded_channel {
        -1 => None,
        i if i >= 0 && (i as usize) < channels => Some(i as usize),
        i => {
            return Err(Failure::invalid(format!(
                "excluded channel {i} does not exist in a {channels}-channel track (use -1 for none)"
            )))
        }
    };
    Ok(Options {
        excluded_channel,
        channel_weighting: channel_weighting(weighting)?,
    })
}

/// A new analyser, checked: sample rate > 0, channels in 1..=32.
pub(crate) fn new_analyzer(
    sample_rate: u32,
    channels: u32,
    excluded_channel: i32,
    weighting: i32,
) -> Outcome<Analyzer> {
    if sample_rate == 0 {
        return Err(Failure::invalid("sample rate is 0"));
    }
    let channels = channels as usize;
    if channels == 0 || channels > dr_core::MAX_CHANNELS {
        return Err(Failure::invalid(format!(
            "{channels} channels: 1 to {} are supported",
            dr_core::MAX_CHANNELS
        )));
    }
    let options = core_options(excluded_channel, weighting, channels)?;
    Analyzer::with_options(sample_rate, channels, options).map_err(core_failure)
}

impl State {
    /// Why a call that needs an open analyser is refused in this state.
    fn refusal(&self) -> Failure {
        match self {
            State::Open(_) => Failure::new(MM_INTERNAL_ERROR, "the analyser is open"),
            State::Finished => Failure::state("the analyser was already finished: create a new one"),
            State::Broken => Failure::state("the analyser is unusable after an internal error: free it"),
        }
    }
}

impl mm_analyzer {
    /// Runs `f` on the open analyser. The state is `Broken` while `f` runs, so a panic
    /// inside leaves the handle unusable rather than half-updated.
    fn with_open<T>(&mut self, f: impl FnOnce(&mut Analyzer) -> Outcome<T>) -> Outcome<T> {
        match std::mem::replace(&mut self.state, State::Broken) {
            State::Open(mut analyzer) => {
                let out = f(&mut analyzer);
                self.state = State::Open(analyzer);
                out
            }
            other => {
                let refusal = other.refusal();
                self.state = other;
                Err(refusal)
            }
        }
    }

    fn finish(&mut self) -> Outcome<TrackResult> {
        match std::mem::replace(&mut self.state, State::Finished) {
            State::Open(analyzer) => analyzer.finish().map_err(core_failure),
            other => {
                let refusal = other.refusal();
                self.state = other;
                Err(refusal)
            }
        }
    }
}

/// Default options (DR Meter's): no channel excluded, equal channel weighting.
#[no_mangle]
pub extern "C" fn mm_analyzer_options_default() -> mm_analyzer_options {
    mm_analyzer_options::DEFAULT
}

/// Creates the analyser of one track of `channels` (1..=32) interleaved channels at
/// `sample_rate` Hz (> 0). `options` may be NULL for the defaults.
///
/// On success `*out` is a new analyser that the caller owns and frees with
/// `mm_analyzer_free`; on failure `*out` is NULL.
///
/// # Safety
/// `out` is NULL or writable; `options` is NULL or points to a readable `mm_analyzer_options`.
#[no_mangle]
pub unsafe extern "C" fn mm_analyzer_new(
    sample_rate: u32,
    channels: u32,
    options: *const mm_analyzer_options,
    out: *mut *mut mm_analyzer,
) -> mm_status {
    guard(|| {
        // SAFETY: `out` is NULL or writable (caller contract).
        let out = unsafe { check_out(out, std::ptr::null_mut(), "out") }?;
        let options = if options.is_null() {
            mm_analyzer_options::DEFAULT
        } else {
            // SAFETY: non-NULL and readable (caller contract).
            *unsafe { check_ref(options, "options") }?
        };
        let analyzer = new_analyzer(
            sample_rate,
            channels,
            options.excluded_channel,
            options.channel_weighting,
        )?;
        *out = Box::into_raw(Box::new(mm_analyzer {
            state: State::Open(Box::new(analyzer)),
            channels: channels as usize,
        }));
        Ok(())
    })
}

/// Shared body of the push functions.
///
/// # Safety
/// `analyzer` is NULL or a live analyser not used elsewhere during the call; `samples` is
/// NULL or readable for `frames * channels` elements.
unsafe fn push<T>(
    analyzer: *mut mm_analyzer,
    samples: *const T,
    frames: usize,
    add: impl FnOnce(&mut Analyzer, &[T]) -> dr_core::Result<()>,
) -> mm_status {
    guard(|| {
        // SAFETY: caller contract of the push functions.
        let analyzer = unsafe { check_mut(analyzer, "analyzer") }?;
        // SAFETY: caller contract of the push functions.
        let data = unsafe { check_frames(samples, frames, analyzer.channels, "samples") }?;
        analyzer.with_open(|a| add(a, data).map_err(core_failure))
    })
}

/// Adds `frames` interleaved frames of 32-bit float samples (full scale ±1.0), in the
/// track's order. Any frame count, 0 included (then `samples` may be NULL). Float and
/// double calls mix freely within a track; float and integer do not (`MM_INVALID_STATE`).
/// NaN and infinite samples are skipped and counted.
///
/// # Safety
/// `analyzer` is NULL or a live analyser that no other thread uses during the call;
/// `samples` is NULL or points to `frames * channels` readable floats.
#[no_mangle]
pub unsafe extern "C" fn mm_analyzer_push_f32(
    analyzer: *mut mm_analyzer,
    samples: *const f32,
    frames: usize,
) -> mm_status {
    // SAFETY: forwarded caller contract.
    unsafe { push(analyzer, samples, frames, |a, d| a.add_interleaved_f32(d)) }
}

/// As `mm_analyzer_push_f32`, for doubles (foobar2000's `audio_sample` on x64/ARM64).
///
/// # Safety
/// As `mm_analyzer_push_f32`, with `frames * channels` readable doubles.
#[no_mangle]
pub unsafe extern "C" fn mm_analyzer_push_f64(
    analyzer: *mut mm_analyzer,
    samples: *const f64,
    frames: usize,
) -> mm_status {
    // SAFETY: forwarded caller contract.
    unsafe { push(analyzer, samples, frames, |a, d| a.add_interleaved_f64(d)) }
}

/// Adds `frames` interleaved frames of 16-bit integer PCM (full scale 32768). Gives the
/// same DR as the same PCM pushed as float (v / 32768.0), summed exactly.
///
/// # Safety
/// As `mm_analyzer_push_f32`, with `frames * channels` readable `int16_t`.
#[no_mangle]
pub unsafe extern "C" fn mm_analyzer_push_i16(
    analyzer: *mut mm_analyzer,
    samples: *const i16,
    frames: usize,
) -> mm_status {
    // SAFETY: forwarded caller contract.
    unsafe { push(analyzer, samples, frames, |a, d| a.add_interleaved_i16(d)) }
}

/// Adds `frames` interleaved frames of integer PCM with `bits` (1..=32) significant bits,
/// right-justified (24-bit audio: values in -8388608..=8388607, `bits` = 24; full scale
/// 2^(bits-1)). Values beyond the range are clamped. The bit depth is fixed by the first
/// integer call of a track.
///
/// # Safety
/// As `mm_analyzer_push_f32`, with `frames * channels` readable `int32_t`.
#[no_mangle]
pub unsafe extern "C" fn mm_analyzer_push_i32(
    analyzer: *mut mm_analyzer,
    samples: *const i32,
    frames: usize,
    bits: u32,
) -> mm_status {
    // SAFETY: forwarded caller contract.
    unsafe { push(analyzer, samples, frames, |a, d| a.add_interleaved_i32(d, bits)) }
}

/// Ends the track and computes its result. The analyser is finished afterwards (further
/// pushes and finishes return `MM_INVALID_STATE`) and must still be freed.
///
/// On success `*out` is a new result that the caller owns and frees with
/// `mm_result_free`; on failure `*out` is NULL.
///
/// # Safety
/// `analyzer` is NULL or a live analyser that no other thread uses during the call; `out`
/// is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mm_analyzer_finish(analyzer: *mut mm_analyzer, out: *mut *mut mm_result) -> mm_status {
    guard(|| {
        // SAFETY: `out` is NULL or writable (caller contract).
        let out = unsafe { check_out(out, std::ptr::null_mut(), "out") }?;
        // SAFETY: caller contract.
        let analyzer = unsafe { check_mut(analyzer, "analyzer") }?;
        let track = analyzer.finish()?;
        *out = mm_result::into_raw(track);
        Ok(())
    })
}

/// Frees an analyser (finished or not). NULL is ignored.
///
/// # Safety
/// `analyzer` is NULL or was returned by `mm_analyzer_new` and not freed yet; it is not
/// used afterwards.
#[no_mangle]
pub unsafe extern "C" fn mm_analyzer_free(analyzer: *mut mm_analyzer) {
    guard_value((), || {
        if !analyzer.is_null() {
            // SAFETY: made by Box::into_raw in mm_analyzer_new, freed once (caller contract).
            drop(unsafe { Box::from_raw(analyzer) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_a_call_leaves_the_analyser_broken_not_half_updated() {
        let mut handle = mm_analyzer {
            state: State::Open(Box::new(new_analyzer(44_100, 2, -1, 0).unwrap())),
            channels: 2,
        };
        let status = guard(|| handle.with_open(|_| panic!("simulated bug")));
        assert_eq!(status, crate::status::MM_INTERNAL_ERROR);
        let again = handle.with_open(|_| Ok(())).unwrap_err();
        assert_eq!(again.status, crate::status::MM_INVALID_STATE);
        assert!(again.message.contains("internal error"), "{}", again.message);
        assert_eq!(handle.finish().unwrap_err().status, crate::status::MM_INVALID_STATE);
    }
}
