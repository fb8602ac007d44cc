//! The JSON document of LOG_FORMAT.md (schema 2); `docs/report.schema.json` is its
//! JSON Schema.

use serde::Serialize;

use crate::channels::track_labels;
use crate::group::sections;
use crate::model::{tag, Failure, LogDate, LogOptions, Report, ReportTrack, ToolInfo};

/// Bump when a key changes meaning (LOG_FORMAT.md).
pub const JSON_SCHEMA: u32 = 2;

#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    tool: &'a ToolInfo,
    /// The log date of the text log of the same run: `YYYY-MM-DD HH:MM:SS`.
    log_date: String,
    interrupted: bool,
    tracks: Vec<JsonTrack<'a>>,
    albums: Vec<JsonAlbum>,
    failures: Vec<JsonFailure<'a>>,
}

/// The tags the report uses, `null` when absent or blank.
#[derive(Serialize)]
struct JsonTags<'a> {
    artist: Option<&'a str>,
    album_artist: Option<&'a str>,
    album: Option<&'a str>,
    title: Option<&'a str>,
    track_number: Option<&'a str>,
    disc_number: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonTrack<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<&'a [u8]>,
    tags: JsonTags<'a>,
    codec: &'a str,
    sample_rate: u32,
    bits: Option<u32>,
    bitrate_kbps: Option<u32>,
    channels: u16,
    frames: u64,
    /// ALGORITHM.md §1: windows cut, the tail included.
    windows: u64,
    duration_seconds: Option<f64>,
    official_dr: i32,
    /// The published f32 track DR.
    dr: f32,
    peak_db: Option<f32>,
    rms_db: Option<f32>,
    /// The channel left out of the mean by option, if any.
    excluded_channel: Option<usize>,
    channel_results: Vec<JsonChannel>,
}

#[derive(Serialize)]
struct JsonChannel {
    label: String,
    dr: f32,
    rms_db: Option<f32>,
    peak_db: Option<f32>,
    loud_rms_db: Option<f64>,
    dr_peak_db: Option<f64>,
    windows: u64,
    silent: bool,
    lfe: bool,
}

#[derive(Serialize)]
struct JsonAlbum {
    /// "album" (grouped by tags) or "folder" (untagged files of one folder).
    kind: &'static str,
    artist: String,
    album: String,
    folder: String,
    official_dr: i32,
    dr: f32,
    /// Indices into `tracks`.
    tracks: Vec<usize>,
    /// Indices into `failures`.
    failures: Vec<usize>,
}

#[derive(Serialize)]
struct JsonFailure<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<&'a [u8]>,
    reason: &'a str,
    kind: &'a str,
}

/// JSON has no infinities or NaN: those become `null` (a 0 linear value is -inf dB).
fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

fn db(linear: f64) -> Option<f64> {
    finite(dr_core::to_db(linear))
}

fn json_failure(failure: &Failure) -> JsonFailure<'_> {
    JsonFailure {
        path: &failure.path,
        path_bytes: failure.path_bytes.as_deref(),
        reason: &failure.reason,
        kind: &failure.kind,
    }
}

fn json_track(track: &ReportTrack) -> JsonTrack<'_> {
    let meta = &track.meta;
    let result = &track.result;
    JsonTrack {
        path: &meta.path,
        path_bytes: meta.path_bytes.as_deref(),
        tags: JsonTags {
            artist: tag(&meta.artist),
            album_artist: tag(&meta.album_artist),
            album: tag(&meta.album),
            title: tag(&meta.title),
            track_number: tag(&meta.track_number),
            disc_number: tag(&meta.disc_number),
        },
        codec: &meta.codec,
        sample_rate: meta.sample_rate,
        bits: meta.bits_per_sample,
        bitrate_kbps: meta.rounded_bitrate_kbps(),
        channels: meta.channels,
        frames: result.frames,
        windows: result.windows,
        duration_seconds: finite(result.duration_seconds()),
        official_dr: result.official_dr,
        dr: result.dr,
        peak_db: result.peak_db(),
        rms_db: result.rms_db(),
        excluded_channel: result.excluded_channel,
        channel_results: result
            .channels
            .iter()
            .zip(track_labels(meta))
            .enumerate()
            .map(|(index, (channel, label))| JsonChannel {
                label: label.to_string(),
                dr: channel.dr,
                rms_db: channel.rms_db(),
                peak_db: channel.peak_db(),
                loud_rms_db: db(channel.loud_rms),
                dr_peak_db: db(channel.dr_peak),
                windows: channel.windows,
                silent: channel.silent,
                lfe: meta.lfe_channel == Some(index),
            })
            .collect(),
    }
}

/// The whole run as one pretty-printed JSON document (2-space indent, `\n` at the
/// end). Floats are serde_json's shortest round-trip form, i.e. full precision.
/// `albums` are the sections of [`crate::sections`], in the same order.
pub fn json(report: &Report, tool: &ToolInfo, date: LogDate, options: &LogOptions) -> String {
    // Sections without a measured track are no album: their failures are still listed.
    let albums = sections(report)
        .iter()
        .filter(|section| !section.tracks.is_empty())
        .map(|section| {
            let album = section.album_result(options.album_weighting);
            JsonAlbum {
                kind: section.kind.name(),
                artist: section.artist(),
                album: section.album(),
                folder: section.folder.clone(),
                official_dr: album.official_dr,
                dr: album.dr,
                tracks: section.track_indices.clone(),
                failures: section.failure_indices.clone(),
            }
        })
        .collect();
    let failures = report.failures.iter().map(json_failure).collect();
    let document = Document {
        schema: JSON_SCHEMA,
        tool,
        log_date: date.to_string(),
        interrupted: report.interrupted,
        tracks: report.tracks.iter().map(json_track).collect(),
        albums,
        failures,
    };
    match serde_json::to_string_pretty(&document) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // Unreachable for these plain structs (string keys, no custom serializers);
        // still a valid document rather than a panic.
        Err(_) => format!("{{\"schema\": {JSON_SCHEMA}, \"error\": \"serialization failed\"}}\n"),
    }
}
