//! Album log rows, sections and grouping, against text typed from LOG_FORMAT.md.

mod common;

use common::*;
use dr_report::{
    album_log, album_row, album_section_log, failures_outside_sections, sections, Failure, Report, ReportTrack,
    SectionKind, TrackMeta,
};

#[test]
fn the_two_example_rows_of_log_format_md() {
    // Row 1: 01-Title, DR12, peak -0.10 dB, RMS -15.77 dB, 4:40 = 280 s.
    let titled = ReportTrack {
        meta: TrackMeta {
            title: some("Title"),
            track_number: some("1"),
            ..meta("/music/Album/01 - Title.flac")
        },
        result: result(
            44_100,
            280 * 44_100,
            vec![channel(-0.10, -15.77, 12.3), channel(-0.10, -15.77, 12.1)],
            Some(12.2),
            Some(12),
        ),
    };
    // Row 2: no tags, DR9, 1:02:03 = 3723 s. The peak is the louder channel's; the RMS
    // the mean of the linear RMS: 0.8 m and 1.2 m average to m = -9.50 dBFS.
    let mean_rms = linear(-9.50);
    let mut left = channel(-0.01, 0.0, 9.2);
    let mut right = channel(-3.00, 0.0, 9.0);
    left.rms = 0.8 * mean_rms;
    right.rms = 1.2 * mean_rms;
    let untitled = ReportTrack {
        meta: meta("/music/Album/Some file name.flac"),
        result: result(44_100, 3723 * 44_100, vec![left, right], Some(9.1), Some(9)),
    };
    assert_eq!(album_row(&titled), "DR12      -0.10 dB   -15.77 dB      4:40 01-Title");
    assert_eq!(
        album_row(&untitled),
        "DR9       -0.01 dB    -9.50 dB   1:02:03 Some file name.flac"
    );
}

#[test]
fn row_names() {
    let mut track = plain_track(meta(r"C:\Music\Album\07 Song.flac"));
    // No tags: the file name, with Windows separators too.
    assert!(album_row(&track).ends_with(" 07 Song.flac"));
    // "3/12": the part before '/', zero-padded.
    track.meta.title = some("Song");
    track.meta.track_number = some("3/12");
    assert!(album_row(&track).ends_with(" 03-Song"));
    // A number without a title is not enough.
    track.meta.title = some("  ");
    assert!(album_row(&track).ends_with(" 07 Song.flac"));
    // A newline in a tag would break the layout.
    track.meta.title = some("Two\nLines");
    assert!(album_row(&track).ends_with(" 03-Two Lines"));
}

/// One tagged album over two sample rates and bit depths with a failure in its folder,
/// then an untagged folder holding a silent PCM track and a lossy mono track.
fn two_section_report() -> Report {
    let album_track = |number: &str, title: &str, file: &str| TrackMeta {
        artist: some("Someone"),
        album_artist: some("Artist"),
        album: some("Album"),
        title: some(title),
        track_number: some(number),
        ..meta(&format!("/music/Artist/Album/{file}"))
    };
    let intro = ReportTrack {
        meta: TrackMeta {
            bitrate_kbps: Some(900.0),
            ..album_track("1/2", "Intro", "01 Intro.flac")
        },
        result: result(
            44_100,
            180 * 44_100,
            vec![channel(-0.50, -12.0, 10.5), channel(-0.50, -12.0, 10.3)],
            Some(10.4),
            Some(10),
        ),
    };
    let song = ReportTrack {
        meta: TrackMeta {
            sample_rate: 48_000,
            bits_per_sample: Some(24),
            bitrate_kbps: Some(1200.0),
            ..album_track("2/2", "Song", "02 Song.flac")
        },
        result: result(
            48_000,
            120 * 48_000,
            vec![channel(-1.25, -14.0, 11.0), channel(-1.25, -14.0, 11.0)],
            Some(11.0),
            Some(11),
        ),
    };
    let silence = ReportTrack {
        meta: TrackMeta {
            codec: "PCM".to_string(),
            bitrate_kbps: Some(1411.0),
            ..meta("/music/Misc/take 1.wav")
        },
        // 59.6 s: rounds to 1:00.
        result: result(44_100, 2_628_360, vec![silent_channel(), silent_channel()], None, None),
    };
    let live = ReportTrack {
        meta: TrackMeta {
            codec: "MP3".to_string(),
            bits_per_sample: None,
            channels: 1,
            bitrate_kbps: Some(320.0),
            ..meta("/music/Misc/live.mp3")
        },
        result: result(44_100, 3723 * 44_100, vec![channel(0.0, -8.0, 7.5)], Some(7.5), Some(8)),
    };
    Report {
        tracks: vec![intro, silence, song, live],
        failures: vec![Failure {
            path: "/music/Artist/Album/03 Broken.flac".to_string(),
            reason: "unsupported codec".to_string(),
        }],
        interrupted: false,
        working_folder: None,
    }
}

/// The first section as LOG_FORMAT.md lays it out. Album DR: (10.4 + 11.0) / 2 = 10.7
/// -> DR11. Bitrate: (900·180 + 1200·120) / 300 = 1020 kbps.
fn expected_album_section() -> String {
    lines(&[
        RULE,
        "Analyzed: Artist / Album",
        RULE,
        "",
        "DR         Peak         RMS     Duration Track",
        RULE,
        "DR10      -0.50 dB   -12.00 dB      3:00 01-Intro",
        "DR11      -1.25 dB   -14.00 dB      2:00 02-Song",
        RULE,
        "",
        "Number of tracks:  2",
        "Official DR value: DR11",
        "",
        "Samplerate:        44100 Hz, 48000 Hz",
        "Channels:          2",
        "Bits per sample:   16, 24",
        "Bitrate:           1020 kbps",
        "Codec:             FLAC",
        DOUBLE_RULE,
        "Failed: /music/Artist/Album/03 Broken.flac: unsupported codec",
    ])
}

/// The folder section. Album DR: only live.mp3 has one, 7.5 -> DR8 (half away from 0).
/// Bits: the MP3 has none, so 16. Bitrate: (1411·59.6 + 320·3723) / 3782.6 = 337.19.
fn expected_folder_section() -> String {
    lines(&[
        RULE,
        "Analyzed folder: Misc",
        RULE,
        "",
        "DR         Peak         RMS     Duration Track",
        RULE,
        "DR-        -inf dB     -inf dB      1:00 take 1.wav",
        "DR8        0.00 dB    -8.00 dB   1:02:03 live.mp3",
        RULE,
        "",
        "Number of tracks:  2",
        "Official DR value: DR8",
        "",
        "Samplerate:        44100 Hz",
        "Channels:          2, 1",
        "Bits per sample:   16",
        "Bitrate:           337 kbps",
        "Codec:             PCM, MP3",
        DOUBLE_RULE,
    ])
}

#[test]
fn album_log_of_two_sections_with_a_failure() {
    let expected = format!("{HEAD}{}\n{}", expected_album_section(), expected_folder_section());
    assert_eq!(album_log(&two_section_report(), &header()), expected);
}

#[test]
fn each_section_alone_is_its_folders_log() {
    let report = two_section_report();
    let sections = sections(&report);
    assert_eq!(sections.len(), 2);
    assert_eq!(sections[0].folder, "/music/Artist/Album");
    assert_eq!(sections[1].folder, "/music/Misc");
    assert_eq!(
        album_section_log(&sections[0], &header()),
        format!("{HEAD}{}", expected_album_section())
    );
    assert_eq!(
        album_section_log(&sections[1], &header()),
        format!("{HEAD}{}", expected_folder_section())
    );
}

#[test]
fn every_line_fits_80_columns_and_ends_in_a_newline() {
    let log = album_log(&two_section_report(), &header());
    assert!(log.ends_with('\n'));
    assert!(!log.contains('\r'));
    assert!(log.lines().all(|l| l.chars().count() <= 80));
}

#[test]
fn grouping_keeps_first_appearance_and_falls_back_to_artist() {
    let tagged = |path: &str, album_artist: Option<&str>, artist: &str, album: &str| {
        plain_track(TrackMeta {
            album_artist: album_artist.map(str::to_string),
            artist: some(artist),
            album: some(album),
            ..meta(path)
        })
    };
    let report = Report {
        tracks: vec![
            tagged("/m/X/1.flac", Some("AA"), "Guest", "X"), // 0: AA / X
            tagged("/m/Y/1.flac", None, "BB", "Y"),          // 1: BB / Y (artist fallback)
            tagged("/m/X/2.flac", Some("AA"), "Other", "X"), // 2: AA / X again
            plain_track(meta("/m/misc/a.flac")),             // 3: folder misc
            tagged("/m/Y/2.flac", Some(" "), "BB", "Y"),     // 4: blank album artist: BB / Y
            tagged("/m/X/3.flac", None, "CC", "X"),          // 5: CC / X, a new section
            plain_track(TrackMeta {
                artist: some("DD"),
                ..meta("/m/misc/b.flac") // 6: artist but no album: folder misc
            }),
        ],
        failures: vec![
            Failure {
                path: "/nowhere/x.flac".to_string(),
                reason: "cannot open".to_string(),
            },
            Failure {
                path: "/m/Y/3.flac".to_string(),
                reason: "truncated".to_string(),
            },
        ],
        interrupted: false,
        working_folder: None,
    };
    let sections = sections(&report);
    let summary: Vec<(SectionKind, Vec<usize>, Vec<usize>)> = sections
        .iter()
        .map(|s| (s.kind.clone(), s.track_indices.clone(), s.failure_indices.clone()))
        .collect();
    let album = |artist: &str, album: &str| SectionKind::Album {
        artist: artist.to_string(),
        album: album.to_string(),
    };
    assert_eq!(
        summary,
        vec![
            (album("AA", "X"), vec![0, 2], vec![]),
            (album("BB", "Y"), vec![1, 4], vec![1]),
            (SectionKind::Folder, vec![3, 6], vec![]),
            (album("CC", "X"), vec![5], vec![]),
        ]
    );
    assert_eq!(sections[2].folder_name, "misc");
    // A file that failed where nothing was measured makes no section of its own.
    assert_eq!(failures_outside_sections(&report), vec![0]);
    // A tagged album's log belongs in the folder holding all its tracks.
    assert_eq!(sections[0].folder, "/m/X");
    assert_eq!(sections[1].folder, "/m/Y");
    assert_eq!(sections[0].heading(), "AA / X");
    // The tracks follow the indices.
    assert_eq!(sections[1].tracks[1].meta.path, "/m/Y/2.flac");

    // A folder where every file failed: no section with no tracks, only its failure
    // after the sections.
    let expected_tail = lines(&[DOUBLE_RULE, "", "Failed: /nowhere/x.flac: cannot open"]);
    let log = album_log(&report, &header());
    assert!(
        log.ends_with(&format!("\n{expected_tail}")),
        "log ends:\n{}",
        &log[log.len().saturating_sub(600)..]
    );
}

#[test]
fn a_multi_disc_album_belongs_in_the_folder_holding_its_discs() {
    let disc = |path: &str| {
        plain_track(TrackMeta {
            artist: some("A"),
            album: some("Box"),
            ..meta(path)
        })
    };
    let report = Report {
        tracks: vec![disc("/m/Box/CD1/01.flac"), disc("/m/Box/CD2/01.flac")],
        ..Report::default()
    };
    let sections = sections(&report);
    assert_eq!(sections.len(), 1);
    assert_eq!(sections[0].folder, "/m/Box");
}

#[test]
fn the_current_folder_is_named_by_its_real_name() {
    // `cd "My Album" && macinmeter .` gives paths like "./01.flac".
    let mut report = Report {
        tracks: vec![plain_track(meta("./01.flac")), plain_track(meta("./02.flac"))],
        ..Report::default()
    };
    report.working_folder = Some("/home/u/My Album".to_string());
    let sections = sections(&report);
    assert_eq!(sections.len(), 1);
    assert_eq!(sections[0].folder, "/home/u/My Album");
    assert_eq!(sections[0].folder_name, "My Album");
    assert_eq!(sections[0].heading(), "My Album");
    // "macinmeter ../x.flac" from inside CD1: the folder above.
    report.tracks = vec![plain_track(meta("../x.flac"))];
    assert_eq!(dr_report::sections(&report)[0].folder_name, "u");
}

#[test]
fn an_interrupted_run_says_so_at_the_end() {
    let mut report = Report {
        tracks: vec![plain_track(meta("/m/a.flac"))],
        ..Report::default()
    };
    assert!(!album_log(&report, &header()).contains("Interrupted"));
    report.interrupted = true;
    let log = album_log(&report, &header());
    assert!(log.ends_with(&format!("{DOUBLE_RULE}\n\nInterrupted: not every file was analyzed.\n")));
}

#[test]
fn an_empty_report_is_the_head_alone() {
    assert_eq!(album_log(&Report::default(), &header()), HEAD);
}
