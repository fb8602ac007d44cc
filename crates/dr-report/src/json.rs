//! The JSON document of LOG_FORMAT.md (schema 1).

use serde::Serialize;

use crate::group::{sections, SectionKind};
use crate::model::{tag, Failure, Report, ReportTrack, ToolInfo};

/// Bump when a key changes meaning (LOG_FORMAT.md).
pub const JSON_SCHEMA: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    tool: &'a ToolInfo,
    interrupted: bool,
    tracks: Vec<JsonTrack<'a>>,
    albums: Vec<JsonAlbum>,
    failures: &'a [Failure],
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
    tags: JsonTags<'a>,
    codec: &'a str,
    sample_rate: u32,
    bits: Option<u32>,
    bitrate_kbps: Option<u32>,
    channels: u16,
    channel_names: &'a [String],
    frames: u64,
    /// ALGORITHM.md §1: windows cut (the counted tail included).
    windows: u64,
    duration_seconds: Option<f64>,
    official_dr: Option<i32>,
    precise_dr: Option<f64>,
    /// The channel left out of the mean by option, if any.
    excluded_channel: Option<usize>,
    channel_results: Vec<JsonChannel>,
}

#[derive(Serialize)]
struct JsonChannel {
    dr: Option<f64>,
    peak_db: Option<f64>,
    rms_db: Option<f64>,
    rms20_db: Option<f64>,
    peak_selected_db: Option<f64>,
    silent: bool,
    lfe: bool,
}

#[derive(Serialize)]
struct JsonAlbum {
    /// "album" (grouped by tags) or "folder".
    kind: &'static str,
    artist: Option<String>,
    album: Option<String>,
    folder: String,
    official_dr: Option<i32>,
    precise_dr: Option<f64>,
    /// Indices into `tracks`.
    tracks: Vec<usize>,
    /// Indices into `failures`.
    failures: Vec<usize>,
}

/// JSON has no infinities or NaN: those become `null` (a 0 linear value is -inf dB).
fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

fn db(linear: f64) -> Option<f64> {
    finite(dr_core::to_db(linear))
}

fn json_track(track: &ReportTrack) -> JsonTrack<'_> {
    let meta = &track.meta;
    let result = &track.result;
    JsonTrack {
        path: &meta.path,
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
        // Rounded as logs print it: a bitrate is a property, not a measurement.
        bitrate_kbps: meta.bitrate_kbps.filter(|k| k.is_finite()).map(|k| k.round() as u32),
        channels: meta.channels,
        channel_names: &meta.channel_names,
        frames: result.frames,
        windows: result.windows,
        duration_seconds: finite(result.duration_seconds()),
        official_dr: result.official_dr,
        precise_dr: result.precise_dr.and_then(finite),
        excluded_channel: result.excluded_channel,
        channel_results: result
            .channels
            .iter()
            .enumerate()
            .map(|(index, channel)| JsonChannel {
                dr: finite(channel.dr),
                peak_db: db(channel.peak),
                rms_db: db(channel.rms),
                rms20_db: db(channel.rms20),
                peak_selected_db: db(channel.peak_selected),
                silent: channel.silent,
                lfe: meta.lfe_channel == Some(index),
            })
            .collect(),
    }
}

/// The whole run as one pretty-printed JSON document (2-space indent, `\n` at the
/// end). Floats are serde_json's shortest round-trip form, i.e. full precision.
/// `albums` are the sections of [`crate::sections`], in the same order.
pub fn json(report: &Report, tool: &ToolInfo) -> String {
    let albums = sections(report)
        .iter()
        .map(|section| {
            let album = section.album_result();
            let (kind, artist, album_tag) = match &section.kind {
                SectionKind::Album { artist, album } => ("album", Some(artist.clone()), Some(album.clone())),
                SectionKind::Folder => ("folder", None, None),
            };
            JsonAlbum {
                kind,
                artist,
                album: album_tag,
                folder: section.folder.clone(),
                official_dr: album.official_dr,
                precise_dr: album.precise_dr.and_then(finite),
                tracks: section.track_indices.clone(),
                failures: section.failure_indices.clone(),
            }
        })
        .collect();
    let document = Document {
        schema: JSON_SCHEMA,
        tool,
        interrupted: report.interrupted,
        tracks: report.tracks.iter().map(json_track).collect(),
        albums,
        failures: &report.failures,
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
