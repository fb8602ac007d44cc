//! Builders for the tests: results written as struct literals from dB values chosen by
//! hand, so the expected log text can be typed from the spec.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use dr_core::{ChannelResult, TrackResult};
use dr_report::{LogDate, LogHeader, ReportTrack, TrackMeta};

pub const RULE: &str = "--------------------------------------------------------------------------------";
pub const DOUBLE_RULE: &str = "================================================================================";

/// The pinned clock of every test log.
pub fn header() -> LogHeader {
    LogHeader {
        product: "MacinMeter".to_string(),
        version: "0.1.0".to_string(),
        date: LogDate {
            year: 2026,
            month: 11,
            day: 21,
            hour: 14,
            minute: 3,
            second: 7,
        },
    }
}

pub const HEAD: &str = "MacinMeter 0.1.0\nlog date: 2026-11-21 14:03:07\n\n";

/// The linear amplitude whose level is `db` dBFS.
pub fn linear(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// A non-silent channel with the given sample peak and RMS levels (dBFS) and DR.
pub fn channel(peak_db: f64, rms_db: f64, dr: f64) -> ChannelResult {
    ChannelResult {
        dr,
        peak_selected: linear(peak_db - 0.5),
        peak_first: linear(peak_db),
        peak_second: linear(peak_db - 0.5),
        rms20: linear(peak_db - 0.5 - dr),
        peak: linear(peak_db),
        rms: linear(rms_db),
        silent: false,
    }
}

/// A channel of digital silence (§5: DR 0, silent).
pub fn silent_channel() -> ChannelResult {
    ChannelResult {
        dr: 0.0,
        peak_selected: 0.0,
        peak_first: 0.0,
        peak_second: 0.0,
        rms20: 0.0,
        peak: 0.0,
        rms: 0.0,
        silent: true,
    }
}

/// A track result whose precise DR is given by hand (`None`: all channels silent).
pub fn result(
    sample_rate: u32,
    frames: u64,
    channels: Vec<ChannelResult>,
    precise_dr: Option<f64>,
    official_dr: Option<i32>,
) -> TrackResult {
    TrackResult {
        sample_rate,
        frames,
        windows: 1,
        channels,
        precise_dr,
        official_dr,
        excluded_channel: None,
        nonfinite_samples: 0,
    }
}

/// Metadata of a 16-bit stereo FLAC file at 44.1 kHz with no tags.
pub fn meta(path: &str) -> TrackMeta {
    TrackMeta {
        path: path.to_string(),
        codec: "FLAC".to_string(),
        sample_rate: 44_100,
        bits_per_sample: Some(16),
        channels: 2,
        bitrate_kbps: Some(1024.0),
        ..TrackMeta::default()
    }
}

pub fn some(text: &str) -> Option<String> {
    Some(text.to_string())
}

/// A stereo track with DR 10 at `path`, for grouping tests.
pub fn plain_track(meta: TrackMeta) -> ReportTrack {
    ReportTrack {
        meta,
        result: result(
            44_100,
            44_100 * 60,
            vec![channel(-1.0, -12.0, 10.0), channel(-1.0, -12.0, 10.0)],
            Some(10.0),
            Some(10),
        ),
    }
}

/// Lines joined with '\n', each ending in one.
pub fn lines(lines: &[&str]) -> String {
    let mut text = String::new();
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text
}
