//! Builders for the tests: results written as struct literals from values chosen by hand,
//! so the expected log text can be typed from LOG_FORMAT.md.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use dr_core::{ChannelResult, TrackResult};
use dr_report::{LogDate, LogHeader, Report, ReportTrack, TrackMeta};

pub const RULE: &str = "--------------------------------------------------------------------------------";
pub const DOUBLE_RULE: &str = "================================================================================";

pub const DATE: LogDate = LogDate {
    year: 2026,
    month: 11,
    day: 21,
    hour: 14,
    minute: 3,
    second: 7,
};

/// The CLI's head with the pinned clock.
pub fn header() -> LogHeader {
    LogHeader {
        host: None,
        version: "0.1.0".to_string(),
        date: DATE,
    }
}

pub const HEAD: &str = "MacinMeter v0.1.0\nlog date: 2026-11-21 14:03:07\n\n";

/// The linear amplitude whose level is `db` dBFS, as the f32 a result publishes.
pub fn linear(db: f64) -> f32 {
    10f64.powf(db / 20.0) as f32
}

/// A non-silent channel: DR `dr`, RMS column `rms_db`, peak `peak_db` (dBFS).
pub fn channel(dr: f32, rms_db: f64, peak_db: f64) -> ChannelResult {
    let rms = linear(rms_db);
    ChannelResult {
        dr,
        dr_unrounded: f64::from(dr),
        rms,
        rms_unrounded: f64::from(rms),
        peak: linear(peak_db),
        dr_peak: f64::from(linear(peak_db)),
        loud_rms: f64::from(linear(peak_db)) / 10f64.powf(f64::from(dr) / 20.0),
        windows: 10,
        silent: false,
    }
}

/// A channel of digital silence (DR 0 by rule).
pub fn silent_channel() -> ChannelResult {
    ChannelResult {
        dr: 0.0,
        dr_unrounded: 0.0,
        rms: 0.0,
        rms_unrounded: 0.0,
        peak: 0.0,
        dr_peak: 0.0,
        loud_rms: 0.0,
        windows: 10,
        silent: true,
    }
}

/// A track result with its row values given by hand: DR `dr` (published), Peak and RMS
/// of the row from `peak_db` / `rms_db` (None: -inf).
pub fn result(
    sample_rate: u32,
    frames: u64,
    channels: Vec<ChannelResult>,
    dr: f32,
    row: (Option<f64>, Option<f64>),
) -> TrackResult {
    TrackResult {
        sample_rate,
        frames,
        windows: 10,
        channels,
        dr,
        official_dr: (f64::from(dr) + 0.5).trunc() as i32,
        peak: row.0.map_or(0.0, linear),
        rms: row.1.map_or(0.0, |db| f64::from(linear(db))),
        excluded_channel: None,
        nonfinite_samples: 0,
    }
}

/// Metadata of a 16-bit FLAC file at 44.1 kHz with no tags and no named layout.
pub fn meta(path: &str, channels: u16) -> TrackMeta {
    TrackMeta {
        path: path.to_string(),
        codec: "FLAC".to_string(),
        sample_rate: 44_100,
        bits_per_sample: Some(16),
        channels,
        bitrate_kbps: Some(1024.0),
        ..TrackMeta::default()
    }
}

pub fn some(text: &str) -> Option<String> {
    Some(text.to_string())
}

/// A stereo track of one minute with DR 10 at `path`, for grouping tests.
pub fn plain_track(meta: TrackMeta) -> ReportTrack {
    track_with_dr(meta, 10.0)
}

/// A stereo minute at 44.1 kHz, both channels and the track DR `dr`, Peak -1 dBFS, RMS -12 dBFS.
pub fn track_with_dr(meta: TrackMeta, dr: f32) -> ReportTrack {
    let channels = vec![channel(dr, -12.0, -1.0), channel(dr, -12.0, -1.0)];
    ReportTrack {
        meta,
        result: result(44_100, 44_100 * 60, channels, dr, (Some(-1.0), Some(-12.0))),
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

/// Metadata of [`meta`] with artist and album tags.
pub fn tagged(path: &str, artist: &str, album: &str) -> TrackMeta {
    TrackMeta {
        artist: some(artist),
        album: some(album),
        ..meta(path, 2)
    }
}

/// Three albums, their tracks interleaved (the DRs binary-exact, so means are exact):
/// - Beta / Zeta over CD1 and CD2: DR 10.25 and 11.75, mean 11.00 -> DR11, folder /m/Beta/Zeta;
/// - alpha / One: DR 8.5 -> trunc(9.0) = DR9;
/// - two untagged files of /m/Loose: DR 11 each -> DR11, shown as ? / ?.
pub fn library() -> Report {
    Report {
        tracks: vec![
            track_with_dr(tagged("/m/Beta/Zeta/CD1/01.flac", "Beta", "Zeta"), 10.25),
            track_with_dr(tagged("/m/alpha/One/01.flac", "alpha", "One"), 8.5),
            track_with_dr(tagged("/m/Beta/Zeta/CD2/01.flac", "Beta", "Zeta"), 11.75),
            track_with_dr(meta("/m/Loose/a.flac", 2), 11.0),
            track_with_dr(meta("/m/Loose/b.flac", 2), 11.0),
        ],
        ..Report::default()
    }
}
