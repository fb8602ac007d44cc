//! `--format csv`: the columns of LOG_FORMAT.md ("CSV"), quoting, order, and output that
//! parses back with the csv crate's reader. Track values are chosen by hand (common.rs):
//! DR 10.25 prints `10`/`10.25`, Peak -1 dBFS `-1.00`, RMS -12 dBFS `-12.00`, a minute `1:00`.

mod common;

use common::{library, meta, some, tagged, track_with_dr as track};
use dr_report::{albums_csv, tracks_csv, AlbumOrder, Failure, LineEnds, LogOptions, Report};

/// The columns as LOG_FORMAT.md lists them, typed here rather than taken from the crate.
const TRACK_HEADER: &str = "path,artist,album_artist,album,title,track_number,disc_number,official_dr,dr,\
                            peak_db,rms_db,duration,frames,sample_rate,channels,bits,bitrate_kbps,codec,\
                            album_official_dr,album_dr,album_folder";
const ALBUM_HEADER: &str = "official_dr,dr,tracks,artist,album,folder,kind";

/// Header and records as the csv crate's reader reads them back.
fn parse(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .expect("a header row")
        .iter()
        .map(String::from)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("a well-formed record").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn every_track_is_a_row_with_its_albums_dr() {
    let text = tracks_csv(&library(), AlbumOrder::Run, &LogOptions::default());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], TRACK_HEADER);
    // Albums in run order, each album's tracks together: Zeta's CD2 track follows CD1's.
    assert_eq!(
        &lines[1..],
        [
            "/m/Beta/Zeta/CD1/01.flac,Beta,,Zeta,,,,10,10.25,-1.00,-12.00,1:00,2646000,44100,2,16,1024,FLAC,11,11.00,/m/Beta/Zeta",
            "/m/Beta/Zeta/CD2/01.flac,Beta,,Zeta,,,,12,11.75,-1.00,-12.00,1:00,2646000,44100,2,16,1024,FLAC,11,11.00,/m/Beta/Zeta",
            "/m/alpha/One/01.flac,alpha,,One,,,,9,8.50,-1.00,-12.00,1:00,2646000,44100,2,16,1024,FLAC,9,8.50,/m/alpha/One",
            "/m/Loose/a.flac,,,,,,,11,11.00,-1.00,-12.00,1:00,2646000,44100,2,16,1024,FLAC,11,11.00,/m/Loose",
            "/m/Loose/b.flac,,,,,,,11,11.00,-1.00,-12.00,1:00,2646000,44100,2,16,1024,FLAC,11,11.00,/m/Loose",
        ]
    );
    let (header, rows) = parse(&text);
    assert_eq!(header.len(), 21);
    assert!(rows.iter().all(|row| row.len() == 21));
}

#[test]
fn albums_follow_the_order_asked() {
    let paths = |order| {
        let (_, rows) = parse(&tracks_csv(&library(), order, &LogOptions::default()));
        rows.into_iter().map(|row| row[0].clone()).collect::<Vec<_>>()
    };
    // DR9 first, then the DR11 albums by artist: "?" (Loose) before "Beta".
    assert_eq!(
        paths(AlbumOrder::Dr),
        [
            "/m/alpha/One/01.flac",
            "/m/Loose/a.flac",
            "/m/Loose/b.flac",
            "/m/Beta/Zeta/CD1/01.flac",
            "/m/Beta/Zeta/CD2/01.flac",
        ]
    );
    assert_eq!(
        paths(AlbumOrder::Name),
        [
            "/m/Loose/a.flac",
            "/m/Loose/b.flac",
            "/m/alpha/One/01.flac",
            "/m/Beta/Zeta/CD1/01.flac",
            "/m/Beta/Zeta/CD2/01.flac",
        ]
    );
}

#[test]
fn the_album_rows_of_summary() {
    let text = albums_csv(&library(), AlbumOrder::Dr, &LogOptions::default());
    assert_eq!(
        text,
        common::lines(&[
            ALBUM_HEADER,
            "9,8.50,1,alpha,One,/m/alpha/One,album",
            "11,11.00,2,?,?,/m/Loose,folder",
            "11,11.00,2,Beta,Zeta,/m/Beta/Zeta,album",
        ])
    );
}

#[test]
fn commas_quotes_and_line_breaks_in_tags_are_quoted_and_read_back() {
    let title = "Hello, \"World\"";
    let album = "Live\nat the \"Hall\"";
    let report = Report {
        tracks: vec![track(
            dr_report::TrackMeta {
                title: some(title),
                track_number: some("3/12"),
                disc_number: some("1"),
                album_artist: some("Various, Artists"),
                ..tagged("/m/a,b/01.flac", "X", album)
            },
            7.0,
        )],
        ..Report::default()
    };
    let text = tracks_csv(&report, AlbumOrder::Run, &LogOptions::default());
    // RFC 4180: the field in quotes, its quotes doubled, the line break kept.
    assert!(text.contains(",\"Hello, \"\"World\"\"\",3/12,1,"), "{text}");
    assert!(text.contains("\"Live\nat the \"\"Hall\"\"\""), "{text}");
    assert!(text.starts_with(&format!("{TRACK_HEADER}\n\"/m/a,b/01.flac\",X,\"Various, Artists\",")));
    let (_, rows) = parse(&text);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], "/m/a,b/01.flac");
    assert_eq!(rows[0][2], "Various, Artists");
    assert_eq!(rows[0][3], album);
    assert_eq!(rows[0][4], title);
    // The track number as tagged, not as the log's "03".
    assert_eq!(rows[0][5], "3/12");
    // The album's folder and its DR: the section is "Various, Artists" / the album.
    assert_eq!(rows[0][18..], ["7", "7.00", "/m/a,b"]);
}

#[test]
fn absent_values_are_empty_and_silence_is_minus_inf() {
    // A lossy mono file of digital silence: no bit depth, Peak and RMS -inf (as the log),
    // DR 0; no bitrate known.
    let silent = dr_report::ReportTrack {
        meta: dr_report::TrackMeta {
            codec: "MP3".into(),
            bits_per_sample: None,
            bitrate_kbps: None,
            ..meta("/m/s/silence.mp3", 1)
        },
        result: common::result(44_100, 44_100 * 3, vec![common::silent_channel()], 0.0, (None, None)),
    };
    let report = Report {
        tracks: vec![silent],
        ..Report::default()
    };
    let text = tracks_csv(&report, AlbumOrder::Run, &LogOptions::default());
    assert_eq!(
        text.lines().nth(1),
        Some("/m/s/silence.mp3,,,,,,,0,0.00,-inf,-inf,0:03,132300,44100,1,,,MP3,0,0.00,/m/s")
    );
}

#[test]
fn a_non_utf8_path_is_its_lossy_form() {
    // The caller gives the lossy form in `path` and the bytes in `path_bytes`; CSV is text.
    let report = Report {
        tracks: vec![track(
            dr_report::TrackMeta {
                path_bytes: Some(b"/m/caf\xe9.flac".to_vec()),
                ..meta("/m/caf\u{FFFD}.flac", 2)
            },
            10.0,
        )],
        ..Report::default()
    };
    let (_, rows) = parse(&tracks_csv(&report, AlbumOrder::Run, &LogOptions::default()));
    assert_eq!(rows[0][0], "/m/caf\u{FFFD}.flac");
}

#[test]
fn failed_files_have_no_row() {
    let report = Report {
        failures: vec![Failure {
            path: "/m/Loose/c.flac".into(),
            reason: "not a FLAC stream".into(),
            kind: "malformed".into(),
            ..Failure::default()
        }],
        ..library()
    };
    let (_, rows) = parse(&tracks_csv(&report, AlbumOrder::Run, &LogOptions::default()));
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|row| row[0] != "/m/Loose/c.flac"));
}

#[test]
fn an_empty_run_is_the_header_alone() {
    let options = LogOptions::default();
    assert_eq!(
        tracks_csv(&Report::default(), AlbumOrder::Run, &options),
        format!("{TRACK_HEADER}\n")
    );
    assert_eq!(
        albums_csv(&Report::default(), AlbumOrder::Name, &options),
        format!("{ALBUM_HEADER}\n")
    );
}

#[test]
fn crlf_records_when_asked() {
    let options = LogOptions {
        line_ends: LineEnds::CrLf,
        ..LogOptions::default()
    };
    let text = albums_csv(&library(), AlbumOrder::Run, &options);
    assert_eq!(text.matches("\r\n").count(), 4);
    assert_eq!(text.matches('\n').count(), 4);
}
