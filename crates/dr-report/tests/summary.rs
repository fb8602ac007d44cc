//! `--summary`: one line per album, its order, its alignment. Track DRs are chosen by hand
//! (binary-exact values: 10.25 and 11.75 average to exactly 11.00); the expected lines are
//! typed from LOG_FORMAT.md ("Album summary").

mod common;

use common::{library, lines, meta, tagged, track_with_dr as track};
use dr_report::{summary, AlbumOrder, LineEnds, LogOptions, Report};

const HEADER: &str = "DR    Tracks  Artist  Album  Folder";
const BETA: &str = "DR11       2  Beta    Zeta   /m/Beta/Zeta";
const ALPHA: &str = "DR9        1  alpha   One    /m/alpha/One";
const LOOSE: &str = "DR11       2  ?       ?      /m/Loose";

#[test]
fn run_order_is_the_order_of_each_albums_first_track() {
    let text = summary(&library(), AlbumOrder::Run, &LogOptions::default());
    assert_eq!(text, lines(&[HEADER, BETA, ALPHA, LOOSE]));
}

#[test]
fn dr_order_is_ascending_and_equal_values_go_by_name() {
    // DR9 first; the two DR11 albums by artist: "?" before "Beta".
    let text = summary(&library(), AlbumOrder::Dr, &LogOptions::default());
    assert_eq!(text, lines(&[HEADER, ALPHA, LOOSE, BETA]));
}

#[test]
fn name_order_ignores_case() {
    // Byte order would put "Beta" before "alpha".
    let text = summary(&library(), AlbumOrder::Name, &LogOptions::default());
    assert_eq!(text, lines(&[HEADER, LOOSE, ALPHA, BETA]));
}

#[test]
fn equal_artist_and_album_go_by_folder() {
    // The same untagged artist and album ("?") in two folders, listed z before a.
    let report = Report {
        tracks: vec![track(meta("/z/x.flac", 2), 7.0), track(meta("/a/x.flac", 2), 7.0)],
        ..Report::default()
    };
    for order in [AlbumOrder::Dr, AlbumOrder::Name] {
        let text = summary(&report, order, &LogOptions::default());
        assert_eq!(
            text,
            lines(&[
                "DR   Tracks  Artist  Album  Folder",
                "DR7       1  ?       ?      /a",
                "DR7       1  ?       ?      /z",
            ]),
            "{order:?}"
        );
    }
}

#[test]
fn length_weighting_is_the_options() {
    // One minute at DR 8 and three minutes at DR 12: (8 + 3 * 12) / 4 = 11 -> DR11;
    // unweighted the mean is 10 -> DR10.
    let mut long = track(tagged("/m/A/2.flac", "A", "B"), 12.0);
    long.result.frames *= 3;
    let report = Report {
        tracks: vec![track(tagged("/m/A/1.flac", "A", "B"), 8.0), long],
        ..Report::default()
    };
    let options = LogOptions {
        album_weighting: dr_core::AlbumWeighting::Length,
        ..LogOptions::default()
    };
    let row = |text: String| text.lines().nth(1).map(str::to_string);
    assert_eq!(
        row(summary(&report, AlbumOrder::Run, &options)).as_deref(),
        Some("DR11       2  A       B      /m/A")
    );
    assert_eq!(
        row(summary(&report, AlbumOrder::Run, &LogOptions::default())).as_deref(),
        Some("DR10       2  A       B      /m/A")
    );
}

#[test]
fn wide_characters_take_two_columns() {
    // "坂本龍一" is 4 characters but 8 terminal columns: the Artist column is 8 wide.
    let report = Report {
        tracks: vec![
            track(tagged("/m/s/1.flac", "坂本龍一", "async"), 12.0),
            track(tagged("/m/b/1.flac", "Björk", "Vespertine"), 9.0),
        ],
        ..Report::default()
    };
    let text = summary(&report, AlbumOrder::Run, &LogOptions::default());
    assert_eq!(
        text,
        lines(&[
            "DR    Tracks  Artist    Album       Folder",
            "DR12       1  坂本龍一  async       /m/s",
            "DR9        1  Björk     Vespertine  /m/b",
        ])
    );
}

#[test]
fn line_breaks_in_tags_stay_on_the_line() {
    let report = Report {
        tracks: vec![track(tagged("/m/x/1.flac", "A\nB", "C\tD"), 5.0)],
        ..Report::default()
    };
    let text = summary(&report, AlbumOrder::Run, &LogOptions::default());
    assert_eq!(
        text,
        lines(&["DR   Tracks  Artist  Album  Folder", "DR5       1  A B     C D    /m/x"])
    );
}

#[test]
fn an_empty_run_is_the_header_alone() {
    let text = summary(&Report::default(), AlbumOrder::Dr, &LogOptions::default());
    assert_eq!(text, "DR  Tracks  Artist  Album  Folder\n");
}

#[test]
fn failures_are_not_albums() {
    // A folder whose one file failed has no line; a failure beside a measured track does
    // not count as a track.
    let mut report = library();
    report.failures = vec![
        dr_report::Failure {
            path: "/m/Broken/x.flac".into(),
            reason: "not a FLAC stream".into(),
            kind: "malformed".into(),
            ..Default::default()
        },
        dr_report::Failure {
            path: "/m/alpha/One/02.flac".into(),
            reason: "truncated".into(),
            kind: "truncated".into(),
            ..Default::default()
        },
    ];
    let text = summary(&report, AlbumOrder::Run, &LogOptions::default());
    assert_eq!(text, lines(&[HEADER, BETA, ALPHA, LOOSE]));
}

#[test]
fn an_interrupted_run_says_so_at_the_end() {
    let report = Report {
        interrupted: true,
        ..library()
    };
    let options = LogOptions {
        line_ends: LineEnds::CrLf,
        ..LogOptions::default()
    };
    let text = summary(&report, AlbumOrder::Run, &options);
    let expected = lines(&[
        HEADER,
        BETA,
        ALPHA,
        LOOSE,
        "",
        "Interrupted: not every file was analyzed.",
    ]);
    assert_eq!(text, expected.replace('\n', "\r\n"));
}
