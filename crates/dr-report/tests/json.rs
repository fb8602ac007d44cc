//! The JSON document, parsed back with serde_json.

mod common;

use common::*;
use dr_report::{json, Failure, Report, ReportTrack, ToolInfo, TrackMeta};
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
    let mut loud = channel(0.0, -10.0, 12.345678901234567);
    // 20·log10(0.5) = -6.020599913279624 (Python math.log10), not a 2-decimal value.
    loud.peak = 0.5;
    let measured = ReportTrack {
        meta: TrackMeta {
            artist: some("Artist"),
            album: some("Album"),
            title: some("Title"),
            track_number: some("1/9"),
            channel_names: vec!["FL".to_string(), "FR".to_string()],
            ..meta("/m/Album/01.flac")
        },
        result: result(
            44_100,
            66_150, // 1.5 s
            vec![loud, channel(-1.0, -11.0, 12.0)],
            Some(12.172839450617284),
            Some(12),
        ),
    };
    let silent = ReportTrack {
        meta: TrackMeta {
            codec: "MP3".to_string(),
            bits_per_sample: None,
            ..meta("/m/Album/02.mp3")
        },
        result: result(44_100, 44_100, vec![silent_channel(), silent_channel()], None, None),
    };
    Report {
        tracks: vec![measured, silent],
        failures: vec![Failure {
            path: "/m/Other/x.flac".to_string(),
            reason: "bad header".to_string(),
        }],
        interrupted: true,
        working_folder: None,
    }
}

#[test]
fn document_keys_and_values() {
    let mut report = report();
    // A window count no other field has, so the key cannot be filled from elsewhere.
    report.tracks[0].result.windows = 7;
    let text = json(&report, &tool());
    assert!(text.ends_with("}\n"));
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");

    assert_eq!(
        keys(&doc),
        ["albums", "failures", "interrupted", "schema", "tool", "tracks"]
    );
    assert_eq!(doc["schema"], 1);
    assert_eq!(doc["tool"]["name"], "MacinMeter");
    assert_eq!(doc["tool"]["version"], "0.1.0");
    assert_eq!(doc["interrupted"], true);

    let track = &doc["tracks"][0];
    assert_eq!(
        keys(track),
        [
            "bitrate_kbps",
            "bits",
            "channel_names",
            "channel_results",
            "channels",
            "codec",
            "duration_seconds",
            "excluded_channel",
            "frames",
            "official_dr",
            "path",
            "precise_dr",
            "sample_rate",
            "tags",
            "windows"
        ]
    );
    assert_eq!(track["windows"], 7);
    assert_eq!(track["path"], "/m/Album/01.flac");
    assert_eq!(track["tags"]["artist"], "Artist");
    assert_eq!(track["tags"]["album_artist"], Value::Null);
    assert_eq!(track["tags"]["track_number"], "1/9");
    assert_eq!(track["codec"], "FLAC");
    assert_eq!(track["sample_rate"], 44_100);
    assert_eq!(track["bits"], 16);
    assert_eq!(track["channels"], 2);
    assert_eq!(track["channel_names"], serde_json::json!(["FL", "FR"]));
    assert_eq!(track["frames"], 66_150);
    assert_eq!(track["duration_seconds"], 1.5);
    assert_eq!(track["official_dr"], 12);
    // Full precision, not 12.17.
    assert_eq!(track["precise_dr"], 12.172839450617284);

    let left = &track["channel_results"][0];
    assert_eq!(
        keys(left),
        [
            "dr",
            "lfe",
            "peak_db",
            "peak_selected_db",
            "rms20_db",
            "rms_db",
            "silent"
        ]
    );
    assert_eq!(left["dr"], 12.345678901234567);
    let peak_db = left["peak_db"].as_f64().expect("a number");
    assert!((peak_db - -6.020599913279624).abs() < 1e-12, "{peak_db}");
    let rms_db = left["rms_db"].as_f64().expect("a number");
    assert!((rms_db - -10.0).abs() < 1e-9, "{rms_db}");
    assert_eq!(left["silent"], false);
    assert_eq!(left["lfe"], false);

    // A silent track: no DR, and -inf dB is null.
    let silent = &doc["tracks"][1];
    assert_eq!(silent["official_dr"], Value::Null);
    assert_eq!(silent["precise_dr"], Value::Null);
    assert_eq!(silent["bits"], Value::Null);
    let channel = &silent["channel_results"][1];
    for key in ["peak_db", "rms_db", "rms20_db", "peak_selected_db"] {
        assert_eq!(channel[key], Value::Null, "{key}");
    }
    assert_eq!(channel["silent"], true);

    // Artist + album: one album of both tracks; its DR is the measured track's alone.
    let albums = doc["albums"].as_array().expect("albums");
    assert_eq!(albums.len(), 2);
    assert_eq!(albums[0]["kind"], "album");
    assert_eq!(albums[0]["artist"], "Artist");
    assert_eq!(albums[0]["album"], "Album");
    assert_eq!(albums[0]["folder"], "/m/Album");
    assert_eq!(albums[0]["tracks"], serde_json::json!([0]));
    assert_eq!(albums[0]["official_dr"], 12);
    assert_eq!(albums[0]["precise_dr"], 12.172839450617284);
    // The MP3 has no album tag: a folder section of its own, same folder.
    assert_eq!(albums[1]["kind"], "folder");
    assert_eq!(albums[1]["tracks"], serde_json::json!([1]));
    assert_eq!(albums[1]["official_dr"], Value::Null);
    assert_eq!(albums[1]["folder"], "/m/Album");
    // The failure's folder has no track: no section (none is without tracks); the
    // failure is in the document's list.
    assert_eq!(albums[0]["failures"], serde_json::json!([]));
    assert_eq!(albums[1]["failures"], serde_json::json!([]));
    assert_eq!(doc["failures"][0]["path"], "/m/Other/x.flac");
    assert_eq!(doc["failures"][0]["reason"], "bad header");
}

#[test]
fn lfe_flag_follows_the_metadata() {
    let mut report = report();
    report.tracks[0].meta.lfe_channel = Some(1);
    let doc: Value = serde_json::from_str(&json(&report, &tool())).expect("valid JSON");
    assert_eq!(doc["tracks"][0]["channel_results"][0]["lfe"], false);
    assert_eq!(doc["tracks"][0]["channel_results"][1]["lfe"], true);
}
