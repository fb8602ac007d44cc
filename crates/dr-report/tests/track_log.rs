//! The detailed single-track log, against text typed from LOG_FORMAT.md.

mod common;

use common::*;
use dr_report::{track_log, ReportTrack, TrackMeta};

/// 10584000 frames at 44.1 kHz: 240 s.
const FOUR_MINUTES: u64 = 10_584_000;

fn tagged(path: &str) -> TrackMeta {
    TrackMeta {
        artist: some("Artist"),
        title: some("Title"),
        ..meta(path)
    }
}

#[test]
fn stereo_is_the_example_of_log_format_md() {
    // Precise DR = (12.34 + 12.10) / 2 = 12.22.
    let track = ReportTrack {
        meta: tagged("/music/Album/01.flac"),
        result: result(
            44_100,
            FOUR_MINUTES,
            vec![channel(-0.10, -16.20, 12.34), channel(-0.12, -16.50, 12.10)],
            Some(12.22),
            Some(12),
        ),
    };
    let expected = lines(&[
        RULE,
        "Statistics for: Artist - Title",
        "Number of samples: 10584000",
        "Duration: 4:00",
        RULE,
        "",
        "                 Left              Right",
        "",
        "Peak Value:     -0.10 dB   ---     -0.12 dB",
        "Avg RMS:       -16.20 dB   ---    -16.50 dB",
        "DR channel:     12.34 dB   ---     12.10 dB",
        RULE,
        "",
        "Official DR Value: DR12",
        "Precise DR Value: 12.22 dB",
        "",
        "Samplerate:        44100 Hz",
        "Channels:          2",
        "Bits per sample:   16",
        "Bitrate:           1024 kbps",
        "Codec:             FLAC",
        DOUBLE_RULE,
    ]);
    assert_eq!(track_log(&track, &header()), format!("{HEAD}{expected}"));
}

#[test]
fn mono_has_one_column_and_no_precise_line() {
    let track = ReportTrack {
        meta: TrackMeta {
            channels: 1,
            bits_per_sample: Some(24),
            bitrate_kbps: Some(700.0),
            sample_rate: 96_000,
            ..meta("/music/Speech/talk.flac")
        },
        // 59.6 s at 96 kHz, rounded to 1:00.
        result: result(
            96_000,
            5_721_600,
            vec![channel(-3.00, -20.00, 8.49)],
            Some(8.49),
            Some(8),
        ),
    };
    let expected = lines(&[
        RULE,
        "Statistics for: talk.flac",
        "Number of samples: 5721600",
        "Duration: 1:00",
        RULE,
        "",
        "                 Mono",
        "",
        "Peak Value:     -3.00 dB",
        "Avg RMS:       -20.00 dB",
        "DR channel:      8.49 dB",
        RULE,
        "",
        "Official DR Value: DR8",
        "",
        "Samplerate:        96000 Hz",
        "Channels:          1",
        "Bits per sample:   24",
        "Bitrate:           700 kbps",
        "Codec:             FLAC",
        DOUBLE_RULE,
    ]);
    assert_eq!(track_log(&track, &header()), format!("{HEAD}{expected}"));
}

#[test]
fn surround_rows_mark_lfe_and_silence() {
    // Precise DR = mean of the five non-silent channels (the LFE included, §6):
    // (11.84 + 12.02 + 13.10 + 9.75 + 14.36) / 5 = 12.214.
    let track = ReportTrack {
        meta: TrackMeta {
            codec: "AAC".to_string(),
            bits_per_sample: None,
            channels: 6,
            sample_rate: 48_000,
            bitrate_kbps: Some(384.0),
            channel_names: ["FL", "FR", "FC", "LFE", "BL", "BR"].map(String::from).to_vec(),
            lfe_channel: Some(3),
            ..tagged("/movies/5.1.m4a")
        },
        result: result(
            48_000,
            3723 * 48_000,
            vec![
                channel(-0.52, -17.10, 11.84),
                channel(-0.61, -17.33, 12.02),
                channel(-1.20, -19.00, 13.10),
                channel(-6.00, -25.50, 9.75),
                channel(-3.40, -22.00, 14.36),
                silent_channel(),
            ],
            Some(12.214),
            Some(12),
        ),
    };
    let expected = lines(&[
        RULE,
        "Statistics for: Artist - Title",
        "Number of samples: 178704000",
        "Duration: 1:02:03",
        RULE,
        "",
        "Channel 1 (FL)   Peak -0.52 dB   RMS -17.10 dB   DR 11.84 dB",
        "Channel 2 (FR)   Peak -0.61 dB   RMS -17.33 dB   DR 12.02 dB",
        "Channel 3 (FC)   Peak -1.20 dB   RMS -19.00 dB   DR 13.10 dB",
        "Channel 4 (LFE)   Peak -6.00 dB   RMS -25.50 dB   DR 9.75 dB [LFE]",
        "Channel 5 (BL)   Peak -3.40 dB   RMS -22.00 dB   DR 14.36 dB",
        "Channel 6 (BR)   Peak -inf dB   RMS -inf dB   DR 0.00 dB [silent]",
        RULE,
        "",
        "Official DR Value: DR12",
        "Precise DR Value: 12.21 dB",
        "",
        "Samplerate:        48000 Hz",
        "Channels:          6",
        "Bits per sample:   -",
        "Bitrate:           384 kbps",
        "Codec:             AAC",
        DOUBLE_RULE,
    ]);
    assert_eq!(track_log(&track, &header()), format!("{HEAD}{expected}"));
}

#[test]
fn three_channels_reproduce_the_row_of_log_format_md() {
    let mut track = ReportTrack {
        meta: TrackMeta {
            channels: 3,
            channel_names: ["FL", "FR", "FC"].map(String::from).to_vec(),
            ..meta("/m/3.0.flac")
        },
        result: result(
            44_100,
            FOUR_MINUTES,
            vec![
                channel(-0.50, -16.00, 12.00),
                channel(-0.51, -16.10, 12.50),
                channel(-0.52, -17.10, 11.84),
            ],
            Some(12.113333333333333),
            Some(12),
        ),
    };
    let log = track_log(&track, &header());
    assert!(log.contains("\nChannel 3 (FC)   Peak -0.52 dB   RMS -17.10 dB   DR 11.84 dB\n"));
    assert!(log.contains("\nPrecise DR Value: 12.11 dB\n"));

    // Unknown layout: no names. A channel left out by option is marked.
    track.meta.channel_names.clear();
    track.result.excluded_channel = Some(0);
    let log = track_log(&track, &header());
    assert!(log.contains("\nChannel 1   Peak -0.50 dB   RMS -16.00 dB   DR 12.00 dB [excluded]\n"));
    assert!(log.contains("\nChannel 3   Peak -0.52 dB   RMS -17.10 dB   DR 11.84 dB\n"));
}

#[test]
fn an_all_silent_track_has_no_dr() {
    let track = ReportTrack {
        meta: meta("/m/silence.flac"),
        result: result(
            44_100,
            FOUR_MINUTES,
            vec![silent_channel(), silent_channel()],
            None,
            None,
        ),
    };
    let log = track_log(&track, &header());
    assert!(log.contains("\nPeak Value:      -inf dB   ---      -inf dB\n"));
    assert!(log.contains("\nOfficial DR Value: DR-\nPrecise DR Value: -\n"));
}

#[test]
fn degenerate_input_renders_without_panicking() {
    // No channels, no sample rate, no path: nothing to divide by or index.
    let track = ReportTrack {
        meta: TrackMeta::default(),
        result: result(0, 5, vec![], None, None),
    };
    let log = track_log(&track, &header());
    assert!(log.contains("\nStatistics for: \nNumber of samples: 5\nDuration: 0:00\n"));
    // The Precise line is for two or more channels.
    assert!(log.contains("\nOfficial DR Value: DR-\n\nSamplerate:        0 Hz\n"));
    assert!(log.contains("\nBits per sample:   -\nBitrate:           -\nCodec:             -\n"));
    // Peak and RMS of no channels are 0 linear: -inf.
    assert_eq!(
        dr_report::album_row(&track),
        "DR-        -inf dB     -inf dB      0:00 "
    );
    let report = dr_report::Report {
        tracks: vec![track],
        ..dr_report::Report::default()
    };
    let tool = dr_report::ToolInfo::default();
    let doc: serde_json::Value = serde_json::from_str(&dr_report::json(&report, &tool)).expect("valid JSON");
    // 5 frames / 0 Hz has no duration.
    assert_eq!(doc["tracks"][0]["duration_seconds"], serde_json::Value::Null);
}
