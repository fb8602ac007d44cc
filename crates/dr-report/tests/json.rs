//! The JSON document (schema 2), parsed back with serde_json; values chosen by hand.

mod common;

use common::*;
use dr_report::{json, Failure, LogOptions, Report, ReportTrack, ToolInfo, TrackMeta};
use serde_json::Value;

fn tool() -> ToolInfo {
    ToolInfo {
        name: "MacinMeter".to_string(),
        version: "0.1.0".to_string(),
    }
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

fn report() -> Report {
    let mut loud = channel(12.25, -10.0, 0.0);
    // 0.5 is exact in f32: 20·log10(0.5) = -6.020599913279624 (Python), -6.0206 as f32.
    loud.peak = 0.5;
    loud.windows = 7;
    let measured = ReportTrack {
        meta: TrackMeta {
            artist: some("Artist"),
            album: some("Album"),
            title: some("Title"),
            track_number: some("1/9"),
            channel_names: vec!["FL".to_string(), "FR".to_string()],
            ..meta("/m/Album/01.flac", 2)
        },
        result: result(
            44_100,
            66_150, // 1.5 s
            vec![loud, channel(12.0, -11.0, -1.0)],
            12.125,
            (Some(-1.0), Some(-10.5)),
        ),
    };
    let silent = ReportTrack {
        meta: TrackMeta {
            codec: "MP3".to_string(),
            bits_per_sample: None,
            ..meta("/m/Album/02.mp3", 2)
        },
        result: result(
            44_100,
            44_100,
            vec![silent_channel(), silent_channel()],
            0.0,
            (None, None),
        ),
    };
    Report {
        tracks: vec![measured, silent],
        failures: vec![Failure {
            path: "/m/Other/x\u{FFFD}.flac".to_string(),
            path_bytes: Some(b"/m/Other/x\xff.flac".to_vec()),
            reason: "bad header".to_string(),
            kind: "malformed".to_string(),
        }],
        interrupted: true,
        working_folder: None,
    }
}

#[test]
fn document_keys_and_values() {
    let text = json(&report(), &tool(), DATE, &LogOptions::default());
    assert!(text.ends_with("}\n"));
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");

    assert_eq!(
        keys(&doc),
        [
            "albums",
            "failures",
            "interrupted",
            "log_date",
            "schema",
            "tool",
            "tracks"
        ]
    );
    assert_eq!(doc["schema"], 2);
    assert_eq!(doc["tool"]["name"], "MacinMeter");
    assert_eq!(doc["log_date"], "2026-11-21 14:03:07");
    assert_eq!(doc["interrupted"], true);

    let track = &doc["tracks"][0];
    assert_eq!(
        keys(track),
        [
            "bitrate_kbps",
            "bits",
            "channel_results",
            "channels",
            "codec",
            "dr",
            "duration_seconds",
            "excluded_channel",
            "frames",
            "official_dr",
            "path",
            "peak_db",
            "rms_db",
            "sample_rate",
            "tags",
            "windows"
        ]
    );
    assert_eq!(track["path"], "/m/Album/01.flac");
    assert_eq!(track["tags"]["artist"], "Artist");
    assert_eq!(track["tags"]["album_artist"], Value::Null);
    assert_eq!(track["tags"]["track_number"], "1/9");
    assert_eq!(track["frames"], 66_150);
    assert_eq!(track["duration_seconds"], 1.5);
    // trunc(12.125 + 0.5) = 12; the f32 DR exactly (12.125 is exact in binary).
    assert_eq!(track["official_dr"], 12);
    assert_eq!(track["dr"], 12.125);
    let peak_db = track["peak_db"].as_f64().expect("a number");
    assert!((peak_db - -1.0).abs() < 1e-5, "{peak_db}");

    let left = &track["channel_results"][0];
    assert_eq!(
        keys(left),
        [
            "dr",
            "dr_peak_db",
            "label",
            "lfe",
            "loud_rms_db",
            "peak_db",
            "rms_db",
            "silent",
            "windows"
        ]
    );
    assert_eq!(left["label"], "FL");
    assert_eq!(left["dr"], 12.25);
    assert_eq!(left["windows"], 7);
    // f32(-6.020599913279624) printed shortest as an f32.
    assert_eq!(left["peak_db"].as_f64(), Some(-6.0206));
    assert_eq!(left["silent"], false);
    assert_eq!(doc["tracks"][0]["channel_results"][1]["label"], "FR");

    // A silent track: DR0, and -inf dB is null.
    let silent = &doc["tracks"][1];
    assert_eq!(silent["official_dr"], 0);
    assert_eq!(silent["dr"], 0.0);
    assert_eq!(silent["peak_db"], Value::Null);
    assert_eq!(silent["rms_db"], Value::Null);
    assert_eq!(silent["bits"], Value::Null);
    let channel = &silent["channel_results"][1];
    for key in ["peak_db", "rms_db", "loud_rms_db", "dr_peak_db"] {
        assert_eq!(channel[key], Value::Null, "{key}");
    }
    assert_eq!(channel["silent"], true);

    // One tagged album, one untagged folder section; the failed-only folder is no album.
    let albums = doc["albums"].as_array().expect("albums");
    assert_eq!(albums.len(), 2);
    assert_eq!(albums[0]["kind"], "album");
    assert_eq!(albums[0]["artist"], "Artist");
    assert_eq!(albums[0]["album"], "Album");
    assert_eq!(albums[0]["tracks"], serde_json::json!([0]));
    assert_eq!(albums[0]["official_dr"], 12);
    assert_eq!(albums[0]["dr"], 12.125);
    assert_eq!(albums[1]["kind"], "folder");
    assert_eq!(albums[1]["artist"], "?");
    assert_eq!(albums[1]["album"], "?");
    assert_eq!(albums[1]["folder"], "/m/Album");
    assert_eq!(albums[1]["official_dr"], 0);

    let failure = &doc["failures"][0];
    assert_eq!(keys(failure), ["kind", "path", "path_bytes", "reason"]);
    assert_eq!(failure["kind"], "malformed");
    assert_eq!(failure["path_bytes"].as_array().map(Vec::len), Some(16));
    assert_eq!(failure["path_bytes"][10], 0xff);
    // A valid UTF-8 path carries no bytes.
    assert!(track.get("path_bytes").is_none());
    // The failure's folder has no track: no section (none is without tracks); the
    // failure is in the document's list.
    assert_eq!(albums[0]["failures"], serde_json::json!([]));
    assert_eq!(albums[1]["failures"], serde_json::json!([]));
    assert_eq!(doc["failures"][0]["path"], "/m/Other/x\u{FFFD}.flac");
    assert_eq!(doc["failures"][0]["reason"], "bad header");
}

#[test]
fn lfe_flag_follows_the_metadata() {
    let mut report = report();
    report.tracks[0].meta.lfe_channel = Some(1);
    let doc: Value = serde_json::from_str(&json(&report, &tool(), DATE, &LogOptions::default())).expect("valid JSON");
    assert_eq!(doc["tracks"][0]["channel_results"][0]["lfe"], false);
    assert_eq!(doc["tracks"][0]["channel_results"][1]["lfe"], true);
}
