//! The measurement of one track, read through plain structs.

use dr_core::TrackResult;

use crate::status::{check_out, check_ref, guard, guard_value, mm_status, Failure};

/// `official_dr` of a track that has no DR (every channel silent): not a DR value.
pub const MM_DR_NONE: i32 = i32::MIN;

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

/// The whole-track values. Linear values have full scale 1.0: dBFS = 20 * log10(x)
/// (0 is -inf dB).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mm_track_summary {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count; channels are read with `mm_result_channel(result, 0..channels-1)`.
    pub channels: u32,
    /// Frames per channel (a dropped one-frame tail included).
    pub frames: u64,
    /// 3-second windows measured (a counted tail included).
    pub windows: u64,
    /// frames / sample_rate.
    pub duration_seconds: f64,
    /// False when every (counted) channel is silent: then there is no DR (`DR-` in logs,
    /// null in JSON), `precise_dr` is NaN and `official_dr` is `MM_DR_NONE`.
    pub has_dr: bool,
    /// Mean channel DR in dB over the non-silent, non-excluded channels.
    pub precise_dr: f64,
    /// `precise_dr` rounded half away from zero (the `DRn` value), or `MM_DR_NONE`.
    pub official_dr: i32,
    /// The channel left out of the mean by option, or -1.
    pub excluded_channel: i32,
    /// Album-log Peak column: the largest channel sample peak (linear).
    pub peak: f64,
    /// Album-log RMS column: the mean of the channels' linear RMS.
    pub rms: f64,
    /// NaN and infinite samples that were skipped (float input only).
    pub nonfinite_samples: u64,
}

/// One channel's values. Linear values have full scale 1.0.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mm_channel_result {
    /// The channel's DR in dB: 20 * log10(peak_selected / rms20), 0 when either is 0.
    pub dr: f64,
    /// Sample peak over the whole track.
    pub peak: f64,
    /// sqrt(2 * sum(x^2) / frames) over the whole track (a sine's RMS equals its peak).
    pub rms: f64,
    /// RMS of the loudest 20 % of the 3-second windows.
    pub rms20: f64,
    /// The window peak the DR uses: the second-largest window peak if above 0, else the largest.
    pub peak_selected: f64,
    /// The largest window peak.
    pub peak_first: f64,
    /// The second-largest window peak (the largest again with one window).
    pub peak_second: f64,
    /// Silent channels (peak or rms20 at or below 1e-12) are left out of the track's DR.
    pub silent: bool,
    /// The channel excluded from the track's DR by option (e.g. LFE).
    pub excluded: bool,
}

pub(crate) fn summary(track: &TrackResult) -> mm_track_summary {
    mm_track_summary {
        sample_rate: track.sample_rate,
        channels: track.channels.len() as u32,
        frames: track.frames,
        windows: track.windows,
        duration_seconds: track.duration_seconds(),
        has_dr: track.precise_dr.is_some(),
        precise_dr: track.precise_dr.unwrap_or(f64::NAN),
        official_dr: track.official_dr.unwrap_or(MM_DR_NONE),
        excluded_channel: track.excluded_channel.map_or(-1, |i| i as i32),
        peak: track.peak(),
        rms: track.mean_rms(),
        nonfinite_samples: track.nonfinite_samples,
    }
}

const EMPTY_SUMMARY: mm_track_summary = mm_track_summary {
    sample_rate: 0,
    channels: 0,
    frames: 0,
    windows: 0,
    duration_seconds: 0.0,
    has_dr: false,
    precise_dr: f64::NAN,
    official_dr: MM_DR_NONE,
    excluded_channel: -1,
    peak: 0.0,
    rms: 0.0,
    nonfinite_samples: 0,
};

const EMPTY_CHANNEL: mm_channel_result = mm_channel_result {
    dr: 0.0,
    peak: 0.0,
    rms: 0.0,
    rms20: 0.0,
    peak_selected: 0.0,
    peak_first: 0.0,
    peak_second: 0.0,
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
        *out = mm_channel_result {
            dr: c.dr,
            peak: c.peak,
            rms: c.rms,
            rms20: c.rms20,
            peak_selected: c.peak_selected,
            peak_first: c.peak_first,
            peak_second: c.peak_second,
            silent: c.silent,
            excluded: track.excluded_channel == Some(channel as usize),
        };
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
