//! The measurement of one track, read through plain structs.
//!
//! Values are the ones DR Meter 1.0.8 publishes (the project's docs/ALGORITHM.md): DRs,
//! peaks and RMS columns narrowed to `float`, and their dB values as the logs print them.

use dr_core::{ChannelResult, TrackResult};

use crate::status::{check_out, check_ref, guard, guard_value, mm_status, Failure};

/// A finished track's measurement. Opaque and immutable: once made, any number of threads
/// may read it at once. Freed with `mm_result_free` (results in batch outcomes: with
/// `mm_track_outcomes_free` unless taken out of the outcome).
pub struct mm_result {
    pub(crate) track: TrackResult,
}

impl mm_result {
    pub(crate) fn into_raw(track: TrackResult) -> *mut mm_result {
        Box::into_raw(Box::new(mm_result { track }))
    }
}

/// The whole-track values: the track's row in the log. Linear values have full scale 1.0.
///
/// Every track has a DR (ABI version 1's `MM_DR_NONE` and `has_dr` are gone): a track whose
/// channels are all silent is DR0 by rule (`all_silent` says so), and each silent channel
/// counts with DR 0 in the mean (`mm_channel_result.silent`).
///
/// dB values are the published ones: `float(20 * log10(value))`; a linear value of 0 gives
/// `-INFINITY` (the log prints `-inf`, the JSON `null`). The log prints a dB value strictly
/// between -0.01 and 0.01 as `0.00`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mm_track_summary {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count; channels are read with `mm_result_channel(result, 0..channels-1)`.
    pub channels: u32,
    /// Frames per channel.
    pub frames: u64,
    /// 3-second windows measured (a tail of any length, one frame included, is a window).
    pub windows: u64,
    /// frames / sample_rate, exact.
    pub duration_seconds: f64,
    /// The duration the log prints: llround(frames / sample_rate) seconds.
    pub rounded_seconds: u64,
    /// The track's DR as published (the log's precise value): the mean of the channel DRs
    /// (silent channels as 0), narrowed to float; 0 when every channel is silent.
    pub dr: f32,
    /// `DR<n>` of the log: trunc(dr + 0.5). 0 when every channel is silent.
    pub official_dr: i32,
    /// Every channel is silent (no peak or no non-zero window RMS): the track is DR0 by rule.
    pub all_silent: bool,
    /// The channel left out of the DR mean by option, or -1.
    pub excluded_channel: i32,
    /// The row's Peak: the largest channel peak (linear).
    pub peak: f32,
    /// The row's Peak in dBFS (published); `-INFINITY` for digital silence.
    pub peak_db: f32,
    /// The row's RMS: the quadratic mean of the channels' published RMS (linear).
    pub rms: f64,
    /// The row's RMS in dBFS (published); `-INFINITY` for digital silence.
    pub rms_db: f32,
    /// NaN and infinite samples that were skipped (float input only).
    pub nonfinite_samples: u64,
}

/// One channel's values: its columns in the log. Linear values have full scale 1.0; dB
/// values follow the conventions of `mm_track_summary`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mm_channel_result {
    /// The channel's DR as published (narrowed to float); 0 for a silent channel.
    pub dr: f32,
    /// The same DR before narrowing (the track's mean is taken over these).
    pub dr_unrounded: f64,
    /// The channel's RMS column: the quadratic mean of its windows' RMS, narrowed to float.
    pub rms: f32,
    /// The same RMS before narrowing.
    pub rms_unrounded: f64,
    /// `rms` in dBFS (published); `-INFINITY` when 0.
    pub rms_db: f32,
    /// The channel's sample peak (the primary peak), narrowed to float.
    pub peak: f32,
    /// `peak` in dBFS (published); `-INFINITY` when 0.
    pub peak_db: f32,
    /// The peak the DR was computed against: the second-loudest window's peak, or the
    /// primary one when there is none or the DR against it came out negative; 0 when silent.
    pub dr_peak: f64,
    /// The RMS of the loudest 20 % of windows (from the histogram's bin centres).
    pub loud_rms: f64,
    /// Windows measured.
    pub windows: u64,
    /// No peak or no non-zero window RMS: the channel's DR is 0 by rule, not by measure.
    pub silent: bool,
    /// The channel left out of the track's DR by option (e.g. LFE).
    pub excluded: bool,
}

/// `-INFINITY` for a published dB value of 0 linear (`None`).
fn db_or_minus_inf(db: Option<f32>) -> f32 {
    db.unwrap_or(f32::NEG_INFINITY)
}

pub(crate) fn summary(track: &TrackResult) -> mm_track_summary {
    mm_track_summary {
        sample_rate: track.sample_rate,
        channels: track.channels.len() as u32,
        frames: track.frames,
        windows: track.windows,
        duration_seconds: track.duration_seconds(),
        rounded_seconds: track.rounded_seconds(),
        dr: track.dr,
        official_dr: track.official_dr,
        all_silent: track.all_silent(),
        excluded_channel: track.excluded_channel.map_or(-1, |i| i as i32),
        peak: track.peak,
        peak_db: db_or_minus_inf(track.peak_db()),
        rms: track.rms,
        rms_db: db_or_minus_inf(track.rms_db()),
        nonfinite_samples: track.nonfinite_samples,
    }
}

fn channel_values(c: &ChannelResult, excluded: bool) -> mm_channel_result {
    mm_channel_result {
        dr: c.dr,
        dr_unrounded: c.dr_unrounded,
        rms: c.rms,
        rms_unrounded: c.rms_unrounded,
        rms_db: db_or_minus_inf(c.rms_db()),
        peak: c.peak,
        peak_db: db_or_minus_inf(c.peak_db()),
        dr_peak: c.dr_peak,
        loud_rms: c.loud_rms,
        windows: c.windows,
        silent: c.silent,
        excluded,
    }
}

const EMPTY_SUMMARY: mm_track_summary = mm_track_summary {
    sample_rate: 0,
    channels: 0,
    frames: 0,
    windows: 0,
    duration_seconds: 0.0,
    rounded_seconds: 0,
    dr: 0.0,
    official_dr: 0,
    all_silent: true,
    excluded_channel: -1,
    peak: 0.0,
    peak_db: f32::NEG_INFINITY,
    rms: 0.0,
    rms_db: f32::NEG_INFINITY,
    nonfinite_samples: 0,
};

const EMPTY_CHANNEL: mm_channel_result = mm_channel_result {
    dr: 0.0,
    dr_unrounded: 0.0,
    rms: 0.0,
    rms_unrounded: 0.0,
    rms_db: f32::NEG_INFINITY,
    peak: 0.0,
    peak_db: f32::NEG_INFINITY,
    dr_peak: 0.0,
    loud_rms: 0.0,
    windows: 0,
    silent: true,
    excluded: false,
};

/// Copies the whole-track values into `*out`.
///
/// # Safety
/// `result` is NULL or a live result; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mm_result_summary(result: *const mm_result, out: *mut mm_track_summary) -> mm_status {
    guard(|| {
        // SAFETY: caller contract.
        let out = unsafe { check_out(out, EMPTY_SUMMARY, "out") }?;
        // SAFETY: caller contract.
        let result = unsafe { check_ref(result, "result") }?;
        *out = summary(&result.track);
        Ok(())
    })
}

/// Copies channel `channel`'s values (0-based, below the summary's `channels`) into `*out`.
///
/// # Safety
/// `result` is NULL or a live result; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mm_result_channel(
    result: *const mm_result,
    channel: u32,
    out: *mut mm_channel_result,
) -> mm_status {
    guard(|| {
        // SAFETY: caller contract.
        let out = unsafe { check_out(out, EMPTY_CHANNEL, "out") }?;
        // SAFETY: caller contract.
        let result = unsafe { check_ref(result, "result") }?;
        let track = &result.track;
        let c = track.channels.get(channel as usize).ok_or_else(|| {
            Failure::invalid(format!(
                "channel {channel} does not exist in a {}-channel result",
                track.channels.len()
            ))
        })?;
        *out = channel_values(c, track.excluded_channel == Some(channel as usize));
        Ok(())
    })
}

/// Frees a result. NULL is ignored.
///
/// # Safety
/// `result` is NULL or a result returned by this library and not freed yet; it is not
/// used afterwards (by any thread).
#[no_mangle]
pub unsafe extern "C" fn mm_result_free(result: *mut mm_result) {
    guard_value((), || {
        if !result.is_null() {
            // SAFETY: made by Box::into_raw in mm_result::into_raw, freed once (caller contract).
            drop(unsafe { Box::from_raw(result) });
        }
    })
}
