//! `--summary`, `--sort` and `--format csv` through the binary, over the conformance WAVs
//! (dr-conformance): each folder is one album. A track's tokens are those real foobar2000
//! printed; an album's Official DR is computed here from foobar2000's printed channel DRs
//! (trunc(mean + 0.5), LOG_FORMAT.md), and for two folders also read from real DR Meter logs.

mod common;
use common::text;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

fn macinmeter(args: &[&str], dir: &Path) -> Output {
    common::macinmeter_dated("2026-07-18 15:13:41", args, dir)
}

/// The folder of each conformance case, by id ("01-core").
fn folder_of_case() -> BTreeMap<String, String> {
    dr_conformance::cases()
        .into_iter()
        .map(|case| {
            let folder = case.file_name.split('/').next().unwrap_or("").to_string();
            (case.id.to_string(), folder)
        })
        .collect()
}

/// Each folder's (Official DR, number of tracks) from foobar2000's rows: a track's DR is
/// the mean of its printed channel DRs (2 decimals: within 0.005), the album's the
/// rounded mean of its tracks'. Every mean is checked to be far enough from a rounding
/// edge that the printed precision cannot move it.
fn expected_albums() -> BTreeMap<String, (i32, usize)> {
    let folders = folder_of_case();
    let mut track_drs: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for row in dr_conformance::expected() {
        let channel_drs: Vec<f64> = row.ch_dr.iter().map(|v| v.parse().expect("a number")).collect();
        let track_dr = channel_drs.iter().sum::<f64>() / channel_drs.len() as f64;
        track_drs.entry(folders[&row.id].clone()).or_default().push(track_dr);
    }
    track_drs
        .into_iter()
        .map(|(folder, drs)| {
            let mean = drs.iter().sum::<f64>() / drs.len() as f64;
            let from_edge = (mean.fract() - 0.5).abs();
            assert!(from_edge > 0.02, "{folder}: mean {mean} is too near a rounding edge");
            (folder, ((mean + 0.5).trunc() as i32, drs.len()))
        })
        .collect()
}

/// The `Official DR value: DR<n>` of a real DR Meter log.
fn real_official_dr(log: &str) -> i32 {
    let line = log
        .lines()
        .find_map(|l| l.strip_prefix("Official DR value: DR"))
        .expect("the real log's Official DR line");
    line.trim().parse().expect("a number")
}

#[test]
fn the_expected_albums_agree_with_real_logs() {
    let albums = expected_albums();
    assert_eq!(
        albums["02-degenerate"].0,
        real_official_dr(dr_conformance::REAL_LOG_MONO)
    );
    assert_eq!(
        albums["03-multichannel"].0,
        real_official_dr(dr_conformance::REAL_LOG_MULTICHANNEL)
    );
}

#[test]
fn summary_lists_each_album_once_sorted_by_dr() {
    let dir = tempfile::tempdir().expect("temp dir");
    dr_conformance::write_wavs(dir.path()).expect("writing the conformance WAVs");
    let out = macinmeter(&["--summary", "--sort", "dr", "."], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();

    // Lowest DR first; equal DRs (all these albums are "? / ?") by folder.
    let mut expected: Vec<(i32, usize, String)> = expected_albums()
        .into_iter()
        .map(|(folder, (dr, tracks))| (dr, tracks, format!("./{folder}")))
        .collect();
    expected.sort_by(|a, b| (a.0, &a.2).cmp(&(b.0, &b.2)));
    assert_eq!(lines.len(), 1 + expected.len(), "{stdout}");
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["DR", "Tracks", "Artist", "Album", "Folder"]
    );
    for (line, (dr, tracks, folder)) in lines[1..].iter().zip(&expected) {
        let dr = format!("DR{dr}");
        let tracks = tracks.to_string();
        assert_eq!(
            line.split_whitespace().collect::<Vec<_>>(),
            [dr.as_str(), tracks.as_str(), "?", "?", folder.as_str()],
            "{stdout}"
        );
    }
    // Aligned: every folder starts in the header's Folder column.
    let column = lines[0].find("Folder").expect("Folder heading");
    assert!(
        lines[1..].iter().all(|line| line.find("./") == Some(column)),
        "{stdout}"
    );
}

/// The CSV's rows as maps from column name to field.
fn csv_rows(bytes: &[u8]) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader.headers().expect("header").iter().map(String::from).collect();
    reader
        .records()
        .map(|record| {
            let record = record.expect("a well-formed record");
            header.iter().cloned().zip(record.iter().map(String::from)).collect()
        })
        .collect()
}

#[test]
fn csv_rows_carry_foobar2000s_tokens_and_the_albums_dr() {
    let dir = tempfile::tempdir().expect("temp dir");
    let written = dr_conformance::write_wavs(dir.path()).expect("writing the conformance WAVs");
    let out = macinmeter(&["--format", "csv", "."], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows = csv_rows(&out.stdout);
    assert_eq!(rows.len(), written.len());

    let albums = expected_albums();
    let folders = folder_of_case();
    for expected in dr_conformance::expected() {
        let case = dr_conformance::case(&expected.id).expect("a case");
        let row = rows
            .iter()
            .find(|row| row["path"] == format!("./{}", case.file_name))
            .unwrap_or_else(|| panic!("{}: no row", expected.id));
        let folder = &folders[&expected.id];
        assert_eq!(row["official_dr"], expected.dr.to_string(), "{}", expected.id);
        assert_eq!(row["peak_db"], expected.peak, "{}", expected.id);
        assert_eq!(row["rms_db"], expected.rms, "{}", expected.id);
        assert_eq!(row["duration"], expected.duration, "{}", expected.id);
        assert_eq!(row["sample_rate"], case.sample_rate.to_string(), "{}", expected.id);
        assert_eq!(row["channels"], case.channels.to_string(), "{}", expected.id);
        assert_eq!(row["bits"], case.format.bits().to_string(), "{}", expected.id);
        assert_eq!(
            row["album_official_dr"],
            albums[folder].0.to_string(),
            "{}",
            expected.id
        );
        assert_eq!(row["album_folder"], format!("./{folder}"), "{}", expected.id);
        // Untagged WAVs: no tag fields.
        for column in [
            "artist",
            "album_artist",
            "album",
            "title",
            "track_number",
            "disc_number",
        ] {
            assert_eq!(row[column], "", "{}: {column}", expected.id);
        }
    }
}

#[test]
fn csv_summary_is_one_row_per_album_sorted_by_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    dr_conformance::write_wavs(dir.path()).expect("writing the conformance WAVs");
    let out = macinmeter(&["--summary", "--format", "csv", "--sort", "name", "."], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows = csv_rows(&out.stdout);
    // By name: every artist and album is "?", so by folder; a BTreeMap iterates in that order.
    let expected: Vec<(String, String, String)> = expected_albums()
        .into_iter()
        .map(|(folder, (dr, tracks))| (dr.to_string(), tracks.to_string(), format!("./{folder}")))
        .collect();
    let got: Vec<(String, String, String)> = rows
        .iter()
        .map(|row| (row["official_dr"].clone(), row["tracks"].clone(), row["folder"].clone()))
        .collect();
    assert_eq!(got, expected);
    assert!(rows.iter().all(|row| row["kind"] == "folder" && row["artist"] == "?"));
}

#[test]
fn a_failed_file_is_on_stderr_not_in_the_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    dr_conformance::write_wavs(dir.path()).expect("writing the conformance WAVs");
    std::fs::write(dir.path().join("07-album/bad.wav"), b"RIFF\x04\x00\x00\x00WAVEjunk").expect("writing");
    let albums = expected_albums();

    let out = macinmeter(&["--format", "csv", "07-album"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("bad.wav"), "{}", text(&out.stderr));
    let rows = csv_rows(&out.stdout);
    assert_eq!(rows.len(), albums["07-album"].1);
    assert!(rows.iter().all(|row| !row["path"].contains("bad.wav")));

    let out = macinmeter(&["--summary", "07-album"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("bad.wav"));
    let stdout = text(&out.stdout);
    let row: Vec<&str> = stdout.lines().nth(1).unwrap_or("").split_whitespace().collect();
    let (dr, tracks) = albums["07-album"];
    assert_eq!(
        row,
        [format!("DR{dr}").as_str(), &tracks.to_string(), "?", "?", "07-album"]
    );
}

#[test]
fn combinations_that_mean_nothing_are_usage_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        &["--summary", "--format", "json", "."][..],
        &["--sort", "dr", "."],
        &["--sort", "name", "--format", "json", "."],
        &["--summary", "--log", "track", "."],
        &["--summary", "--sort", "loudness", "."],
    ] {
        let out = macinmeter(args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 2, "{args:?}: {stderr}");
    }
}

#[test]
fn an_empty_folder_prints_nothing_and_exits_2() {
    // As every format: nothing to measure is a usage error, so no empty table either.
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [&["--summary", "."][..], &["--format", "csv", "."]] {
        let out = macinmeter(args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
