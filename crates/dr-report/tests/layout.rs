//! DR Meter 1.0.8's section layout (LOG_FORMAT.md) for what the real logs do not show.
//! Every expected line was typed from the printf formats of LOG_FORMAT.md (produced with
//! an independent printf, Python's `%` operator, and pasted here), never from this crate.

mod common;

use common::*;
use dr_report::{album_log, Failure, LineEnds, LogHeader, LogOptions, Report, ReportTrack, TrackMeta};

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

fn track(
    meta: TrackMeta,
    channels: Vec<dr_core::ChannelResult>,
    dr: f32,
    row: (Option<f64>, Option<f64>),
) -> ReportTrack {
    let frames = 44_100 * 60;
    ReportTrack {
        meta,
        result: result(44_100, frames, channels, dr, row),
    }
}

/// The table lines of a log: from the line after the header's rule to the next rule.
fn table_rows(log: &str) -> Vec<&str> {
    let lines: Vec<&str> = log.lines().collect();
    let start = lines.iter().position(|l| l.starts_with("DR   ")).expect("table header") + 2;
    let end = start + lines[start..].iter().position(|l| *l == RULE).expect("closing rule");
    lines[start..end].to_vec()
}

fn table_header(log: &str) -> &str {
    log.lines().find(|l| l.starts_with("DR   ")).expect("table header")
}

#[test]
fn channel_columns_are_the_union_of_the_section_in_speaker_order() {
    let stereo = track(
        meta("/m/A/t1.flac", 2),
        vec![channel(12.0, -12.0, -1.0), channel(8.0, -14.0, -1.0)],
        10.0,
        (Some(-1.0), Some(-13.0)),
    );
    let three = track(
        TrackMeta {
            channel_names: names(&["FL", "FR", "FC"]),
            ..meta("/m/A/t2.flac", 3)
        },
        vec![
            channel(10.0, -10.0, 0.0),
            channel(20.0, -20.0, 0.0),
            channel(30.0, -30.0, 0.0),
        ],
        20.0,
        (Some(0.0), Some(-14.32)),
    );
    // No layout named: foobar2000's guess for 6 channels is 5.1 (FL FR FC LFE BL BR).
    let six = track(
        meta("/m/A/t3.flac", 6),
        [6.0, 9.0, 12.0, 30.0, 15.0, 18.0]
            .iter()
            .map(|&d| channel(d, -f64::from(d), 0.0))
            .collect(),
        15.0,
        (Some(0.0), Some(-10.89)),
    );
    let eight = track(
        TrackMeta {
            channel_names: names(&["FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR"]),
            ..meta("/m/A/t4.flac", 8)
        },
        (1..=8).map(|d| channel(d as f32, -f64::from(d), -0.5)).collect(),
        4.5,
        (Some(-0.5), Some(-4.0)),
    );
    let report = Report {
        tracks: vec![stereo, three, six, eight],
        ..Report::default()
    };
    let log = album_log(&report, &header(), &LogOptions::default());
    assert_eq!(
        table_header(&log),
        "DR         Peak           RMS       Duration Track                                    DR (FL)      DR (FR)      DR (FC)     DR (LFE)      DR (BL)      DR (BR)      DR (SL)      DR (SR)     RMS (FL)     RMS (FR)     RMS (FC)    RMS (LFE)     RMS (BL)     RMS (BR)     RMS (SL)     RMS (SR)"
    );
    assert_eq!(
        table_rows(&log),
        [
            "DR10      -1.00 dBFS   -13.00 dBFS      1:00 ?-t1                                    12.00 dB      8.00 dB                                                                                -12.00 dBFS  -14.00 dBFS                                                                              ",
            "DR20       0.00 dBFS   -14.32 dBFS      1:00 ?-t2                                    10.00 dB     20.00 dB     30.00 dB                                                                   -10.00 dBFS  -20.00 dBFS  -30.00 dBFS                                                                 ",
            "DR15       0.00 dBFS   -10.89 dBFS      1:00 ?-t3                                     6.00 dB      9.00 dB     12.00 dB     30.00 dB     15.00 dB     18.00 dB                             -6.00 dBFS   -9.00 dBFS  -12.00 dBFS  -30.00 dBFS  -15.00 dBFS  -18.00 dBFS                          ",
            "DR5       -0.50 dBFS    -4.00 dBFS      1:00 ?-t4                                     1.00 dB      2.00 dB      3.00 dB      4.00 dB      5.00 dB      6.00 dB      7.00 dB      8.00 dB   -1.00 dBFS   -2.00 dBFS   -3.00 dBFS   -4.00 dBFS   -5.00 dBFS   -6.00 dBFS   -7.00 dBFS   -8.00 dBFS",
        ]
    );
    // Album: the mean of the f32 track DRs, (10 + 20 + 15 + 4.5) / 4 = 12.375 -> DR12.
    assert!(log.contains("\nNumber of tracks:  4\nOfficial DR value: DR12\n"));
    assert!(log.contains("\nChannels:          2, 3, 6, 8\n"));
}

#[test]
fn stereo_gets_columns_only_when_asked_and_long_names_are_cut() {
    let long = track(
        TrackMeta {
            track_number: some("7/12"),
            title: some(&"A".repeat(40)),
            ..meta("/m/A/x.flac", 2)
        },
        vec![channel(12.0, -12.0, 0.0), silent_channel()],
        6.0,
        (Some(0.0), Some(-15.01)),
    );
    let silence = track(
        meta("/m/A/silence.flac", 2),
        vec![silent_channel(), silent_channel()],
        0.0,
        (None, None),
    );
    let report = Report {
        tracks: vec![long, silence],
        ..Report::default()
    };
    let plain = album_log(&report, &header(), &LogOptions::default());
    assert_eq!(
        table_header(&plain),
        "DR         Peak           RMS       Duration Track"
    );
    assert_eq!(
        table_rows(&plain),
        [
            "DR6        0.00 dBFS   -15.01 dBFS      1:00 07-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "DR0        -inf dBFS     -inf dBFS      1:00 ?-silence",
        ]
    );
    let options = LogOptions {
        channel_columns_for_stereo: true,
        ..LogOptions::default()
    };
    let columns = album_log(&report, &header(), &options);
    assert_eq!(
        table_header(&columns),
        "DR         Peak           RMS       Duration Track                                    DR (FL)      DR (FR)     RMS (FL)     RMS (FR)"
    );
    assert_eq!(
        table_rows(&columns),
        [
            "DR6        0.00 dBFS   -15.01 dBFS      1:00 07-AAAAAAAAAAAAAAAAAAAAAAAAAAAAA(\u{2026})     12.00 dB      0.00 dB  -12.00 dBFS    -inf dBFS",
            "DR0        -inf dBFS     -inf dBFS      1:00 ?-silence                                0.00 dB      0.00 dB    -inf dBFS    -inf dBFS",
        ]
    );
    // Mono never gets columns, even when asked.
    let mono = track(
        meta("/m/B/m.flac", 1),
        vec![channel(9.0, -9.0, 0.0)],
        9.0,
        (Some(0.0), Some(-9.0)),
    );
    let mono_log = album_log(
        &Report {
            tracks: vec![mono],
            ..Report::default()
        },
        &header(),
        &options,
    );
    assert_eq!(
        table_header(&mono_log),
        "DR         Peak           RMS       Duration Track"
    );
}

#[test]
fn durations_round_to_nearest_second_then_grow_units() {
    // llround(frames / rate) at 2 Hz: 119 frames = 59.5 s -> 60 s; 7199 = 3599.5 s;
    // 172799 = 86399.5 s; 1209599 = 604799.5 s: each a tie rounded away from zero.
    let expected = [
        (119, "DR10      -1.00 dBFS   -12.00 dBFS      1:00 ?-d"),
        (7_199, "DR10      -1.00 dBFS   -12.00 dBFS   1:00:00 ?-d"),
        (172_799, "DR10      -1.00 dBFS   -12.00 dBFS1d 0:00:00 ?-d"),
        (1_209_599, "DR10      -1.00 dBFS   -12.00 dBFS1wk 0d 0:00:00 ?-d"),
    ];
    for (frames, row) in expected {
        let t = ReportTrack {
            meta: TrackMeta {
                sample_rate: 2,
                ..meta("/m/d.flac", 2)
            },
            result: result(
                2,
                frames,
                vec![channel(10.0, -12.0, -1.0); 2],
                10.0,
                (Some(-1.0), Some(-12.0)),
            ),
        };
        let log = album_log(
            &Report {
                tracks: vec![t],
                ..Report::default()
            },
            &header(),
            &LogOptions::default(),
        );
        assert_eq!(table_rows(&log), [row], "{frames} frames");
    }
}

#[test]
fn footers_are_sorted_and_the_bitrate_is_weighted_by_duration() {
    let pcm = |path: &str, rate: u32, seconds: u64, codec: &str, kbps: f64| ReportTrack {
        meta: TrackMeta {
            codec: codec.to_string(),
            sample_rate: rate,
            bitrate_kbps: Some(kbps),
            ..meta(path, 2)
        },
        result: result(
            rate,
            u64::from(rate) * seconds,
            vec![channel(10.0, -12.0, -1.0); 2],
            10.0,
            (Some(-1.0), Some(-12.0)),
        ),
    };
    let report = Report {
        tracks: vec![
            pcm("/m/A/1.wav", 48_000, 60, "PCM (floating-point)", 1411.2),
            pcm("/m/A/2.wav", 8_000, 60, "PCM", 256.0),
            pcm("/m/A/3.wav", 44_100, 120, "PCM", 256.0),
        ],
        ..Report::default()
    };
    let log = album_log(&report, &header(), &LogOptions::default());
    // (1411.2 * 60 + 256 * 60 + 256 * 120) / 240 = 544.8 -> 545.
    let footer = lines(&[
        "Samplerate:        8000, 44100, 48000 Hz",
        "Channels:          2",
        "Bits per sample:   16",
        "Bitrate:           545 kbps",
        "Codec:             PCM, PCM (floating-point)",
        DOUBLE_RULE,
    ]);
    assert!(log.ends_with(&footer), "{log}");
}

#[test]
fn a_folder_whose_files_all_failed_gets_only_its_failed_lines() {
    let report = Report {
        tracks: vec![plain_track(meta("/m/A/1.flac", 2))],
        failures: vec![
            Failure {
                path: "/m/B/bad.flac".into(),
                reason: "not a FLAC stream".into(),
                kind: "malformed".into(),
                ..Failure::default()
            },
            Failure {
                path: "/m/A/2.flac".into(),
                reason: "truncated".into(),
                kind: "truncated".into(),
                ..Failure::default()
            },
        ],
        ..Report::default()
    };
    let log = album_log(&report, &header(), &LogOptions::default());
    assert_eq!(log.matches("Analyzed: ").count(), 1, "{log}");
    assert!(log.contains(&format!("{DOUBLE_RULE}\nFailed: /m/A/2.flac: truncated\n")));
    assert!(log.ends_with("\n\nFailed: /m/B/bad.flac: not a FLAC stream\n"), "{log}");
}

#[test]
fn headings_use_question_marks_and_the_component_writes_crlf() {
    let tagged = plain_track(TrackMeta {
        album: some("Album"),
        ..meta("/m/A/1.flac", 2)
    });
    let artist_only = plain_track(TrackMeta {
        artist: some("Artist"),
        ..meta("/m/B/1.flac", 2)
    });
    let report = Report {
        tracks: vec![tagged, artist_only],
        ..Report::default()
    };
    let host = LogHeader {
        host: Some("foobar2000 v2.25.10".into()),
        ..header()
    };
    let options = LogOptions {
        line_ends: LineEnds::CrLf,
        ..LogOptions::default()
    };
    let log = album_log(&report, &host, &options);
    assert!(log.starts_with("foobar2000 v2.25.10 / MacinMeter v0.1.0\r\nlog date: 2026-11-21 14:03:07\r\n\r\n"));
    assert!(log.contains("\r\nAnalyzed: ? / Album\r\n"));
    assert!(log.contains("\r\nAnalyzed: Artist / ?\r\n"));
    assert!(!log.replace("\r\n", "").contains('\n'), "every line end is CRLF");
    assert!(log.ends_with(&format!("{DOUBLE_RULE}\r\n")));
    // The CLI: LF and its own product line.
    let cli = album_log(&report, &header(), &LogOptions::default());
    assert!(cli.starts_with(HEAD));
    assert!(!cli.contains('\r'));
}

#[test]
fn a_multi_disc_album_belongs_in_the_folder_holding_its_discs() {
    let disc = |path: &str| {
        plain_track(TrackMeta {
            artist: some("A"),
            album: some("Box"),
            ..meta(path, 2)
        })
    };
    let report = Report {
        tracks: vec![disc("/m/Box/CD1/01.flac"), disc("/m/Box/CD2/01.flac")],
        ..Report::default()
    };
    let sections = dr_report::sections(&report);
    assert_eq!(sections.len(), 1);
    assert_eq!(sections[0].folder, "/m/Box");
}

#[test]
fn the_current_folder_is_named_by_its_real_name() {
    // `cd "My Album" && macinmeter .` gives paths like "./01.flac".
    let mut report = Report {
        tracks: vec![plain_track(meta("./01.flac", 2)), plain_track(meta("./02.flac", 2))],
        ..Report::default()
    };
    report.working_folder = Some("/home/u/My Album".to_string());
    let sections = dr_report::sections(&report);
    assert_eq!(sections.len(), 1);
    assert_eq!(sections[0].folder, "/home/u/My Album");
    assert_eq!(sections[0].folder_name, "My Album");
    // "macinmeter ../x.flac" from inside CD1: the folder above.
    report.tracks = vec![plain_track(meta("../x.flac", 2))];
    assert_eq!(dr_report::sections(&report)[0].folder_name, "u");
}

#[test]
fn an_interrupted_run_says_so_at_the_end_and_an_empty_one_is_the_head() {
    let mut report = Report {
        tracks: vec![plain_track(meta("/m/a.flac", 2))],
        ..Report::default()
    };
    assert!(!album_log(&report, &header(), &LogOptions::default()).contains("Interrupted"));
    report.interrupted = true;
    let log = album_log(&report, &header(), &LogOptions::default());
    assert!(log.ends_with(&format!("{DOUBLE_RULE}\n\nInterrupted: not every file was analyzed.\n")));
    assert_eq!(album_log(&Report::default(), &header(), &LogOptions::default()), HEAD);
}
