//! End-to-end runs of the built `macinmeter` binary: what people see on stdout and
//! stderr, the exit status, and the files it writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DATE: &str = "2026-11-21 14:03:07";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn macinmeter(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_macinmeter"))
        .args(args)
        .current_dir(dir)
        .env("MACINMETER_LOG_DATE", DATE)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A library: two album folders (one nested, mixed formats: tagged files and an untagged
/// one), a corrupt FLAC, a text file, a hidden file.
fn library() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("Library");
    let album = lib.join("Excerpts A");
    let other = lib.join("Various/Formats");
    std::fs::create_dir_all(&album).unwrap();
    std::fs::create_dir_all(&other).unwrap();
    for entry in std::fs::read_dir(fixtures().join("album-flac")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, album.join(path.file_name().unwrap())).unwrap();
    }
    for name in [
        "aac-adts.aac",
        "vorbis-q5.ogg",
        "flac-mono-16bit-44k.flac",
        "wav-s16.wav",
    ] {
        std::fs::copy(fixtures().join("formats").join(name), other.join(name)).unwrap();
    }
    // A FLAC cut in the middle of its audio.
    let flac = std::fs::read(fixtures().join("formats/flac-24bit-96k.flac")).unwrap();
    std::fs::write(other.join("cut.flac"), &flac[..flac.len() / 2]).unwrap();
    std::fs::write(other.join("notes.txt"), "not audio").unwrap();
    std::fs::write(other.join(".hidden.flac"), "hidden").unwrap();
    dir
}

#[test]
fn a_library_with_a_corrupt_file_reports_the_rest_and_exits_1() {
    let dir = library();
    let out = macinmeter(&["Library", "--save-logs", "-q"], dir.path());
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    // The corrupt file: an error naming it on stderr, and a Failed line in the log.
    let cut = Path::new("Library/Various/Formats/cut.flac").display().to_string();
    assert!(stderr.contains(&format!("error: {cut}: ")), "stderr: {stderr}");
    assert!(stdout.contains(&format!("Failed: {cut}: ")), "stdout: {stdout}");
    // Everything else measured: the tagged album and the folder of formats.
    assert!(stdout.contains("Analyzed: Doug Kaufman / Excerpts A"));
    // The untagged files of that folder: DR Meter's `? / ?` section.
    assert!(stdout.contains("Analyzed: ? / ?"));
    // The tagged excerpts in the formats folder form their own album section.
    assert!(stdout.contains("Analyzed: Matthias Le Bidan / Excerpts B"));
    for name in [
        "?-aac-adts",
        "01-Frozen-Bubble 2-player theme",
        "01-Variations on an Elvish Theme",
    ] {
        assert!(stdout.contains(name), "{name} missing from: {stdout}");
    }
    // Non-audio and hidden files are passed over in silence when walking.
    assert!(!stdout.contains("notes.txt") && !stderr.contains("notes.txt"));
    assert!(!stdout.contains(".hidden") && !stderr.contains(".hidden"));
    // --save-logs wrote each section's log into its folder, and it is that section.
    let saved_album = std::fs::read_to_string(dir.path().join("Library/Excerpts A/foo_dr.txt")).unwrap();
    assert!(saved_album.starts_with("MacinMeter "));
    assert!(saved_album.contains("Analyzed: Doug Kaufman / Excerpts A"));
    assert!(!saved_album.contains("Formats"));
    // Two sections live in the formats folder: its log holds both.
    let saved_formats = std::fs::read_to_string(dir.path().join("Library/Various/Formats/foo_dr.txt")).unwrap();
    assert!(saved_formats.contains("Analyzed: ? / ?"));
    assert!(saved_formats.contains("Analyzed: Matthias Le Bidan / Excerpts B"));
    assert_eq!(saved_formats.matches("log date:").count(), 1);
    assert!(saved_formats.contains(&format!("Failed: {cut}: ")));
    // No temporary files left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("Library/Excerpts A"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn thread_counts_and_serial_give_identical_logs() {
    let dir = library();
    let runs: Vec<String> = [
        vec!["--serial"],
        vec!["--parallel-threads", "1"],
        vec!["--parallel-threads", "2"],
        vec![
            "--parallel-threads",
            "8",
            "--parallel-files",
            "3",
            "--parallel-batch",
            "7",
        ],
    ]
    .iter()
    .map(|extra| {
        let mut args = vec!["Library", "-q"];
        args.extend(extra);
        let out = macinmeter(&args, dir.path());
        assert_eq!(out.status.code(), Some(1)); // the corrupt file
        text(&out.stdout)
    })
    .collect();
    for run in &runs[1..] {
        assert_eq!(run, &runs[0]);
    }
}

#[test]
fn a_non_audio_file_named_explicitly_is_an_error() {
    let dir = library();
    let out = macinmeter(
        &[
            "Library/Various/Formats/notes.txt",
            "Library/Various/Formats/aac-adts.aac",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let notes = Path::new("Library/Various/Formats/notes.txt").display().to_string();
    assert!(stderr.contains(&format!("error: {notes}: ")), "{stderr}");
    assert!(text(&out.stdout).contains("?-aac-adts"));
}

#[test]
fn a_single_track_gets_the_section_layout_and_json_is_one_document() {
    let dir = fixtures().join("formats");
    let out = macinmeter(&["flac-24bit-96k.flac"], &dir);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    // DR Meter's section layout for any number of tracks.
    assert!(stdout.contains("Number of tracks:  1"), "{stdout}");
    assert!(stdout.contains(&format!("log date: {DATE}")));
    // --log track asks for the detailed per-channel layout.
    let detailed = text(&macinmeter(&["--log", "track", "flac-24bit-96k.flac"], &dir).stdout);
    assert!(detailed.contains("Statistics for:"), "{detailed}");

    let json = macinmeter(&["--format", "json", "flac-24bit-96k.flac", "missing.flac"], &dir);
    assert_eq!(json.status.code(), Some(1));
    let doc = text(&json.stdout);
    assert!(doc.trim_start().starts_with('{') && doc.trim_end().ends_with('}'));
    assert!(doc.contains("\"schema\": 2"));
    assert!(doc.contains("missing.flac"), "the failure is in the document: {doc}");
}

#[test]
fn output_goes_to_a_file_or_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("log.txt");
    let album = fixtures().join("album-flac");
    let out = macinmeter(
        &[album.to_str().unwrap(), "-o", target.to_str().unwrap(), "-q"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .contains("Official DR value: DR8"));

    let missing = dir.path().join("no/such/dir/log.txt");
    let out = macinmeter(
        &[album.to_str().unwrap(), "-o", missing.to_str().unwrap(), "-q"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains(&format!("error: {}: cannot write the log", missing.display())));
}

#[test]
fn usage_errors_exit_2_with_a_one_line_reason() {
    let here = fixtures();
    for (args, says) in [
        (vec!["--no-such-flag", "x"], "--no-such-flag"),
        (vec!["--parallel-files", "0", "x"], "1..=256"),
        (vec!["--parallel-threads", "5000", "x"], "1..=1024"),
        (vec!["--format", "xml", "x"], "xml"),
        (vec![], "no PATH given"),
    ] {
        let out = macinmeter(&args, &here);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: ") && first.contains(says),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn nothing_to_measure_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cover.jpg"), "x").unwrap();
    let out = macinmeter(&["."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nothing to measure"));
}

#[test]
fn help_and_version() {
    let here = fixtures();
    let help = macinmeter(&["--help"], &here);
    assert_eq!(help.status.code(), Some(0));
    let help = text(&help.stdout);
    for option in [
        "--format",
        "--save-logs",
        "--parallel-files",
        "--serial",
        "--exclude-lfe",
        "Exit status",
    ] {
        assert!(help.contains(option), "{option}");
    }
    assert!(help.lines().count() < 60, "help stays short");
    let version = text(&macinmeter(&["--version"], &here).stdout);
    assert_eq!(version.trim(), format!("macinmeter {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn stats_go_to_stderr_after_the_log() {
    let out = macinmeter(&["--stats", "-q", "album-flac"], &fixtures());
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert!(
        stdout.contains("Official DR value: DR8"),
        "the log is unchanged: {stdout}"
    );
    assert!(!stdout.contains("stats:"));
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("stats: ")).collect();
    assert_eq!(lines.len(), 3, "stderr: {stderr}");
    // Figures that do not depend on timing.
    assert!(
        lines[0].starts_with("stats: 3 files, 0.01 h of audio, 1.7 MB read in "),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains(" MB/s, "), "{}", lines[0]);
    assert!(lines[1].contains("threads in the pool"), "{}", lines[1]);
    let (peak, budget) = bytes_in_flight(lines[2]);
    assert!(peak > 0.0 && peak <= budget, "{}", lines[2]);
    // The default budget, 8 MiB.
    assert_eq!(budget, 8.39, "{}", lines[2]);
    assert!(lines[2].contains("), peak RSS "), "{}", lines[2]);
    let serial = text(&macinmeter(&["--stats", "--serial", "-q", "album-flac"], &fixtures()).stderr);
    assert!(serial.contains(" 1 threads in the pool"), "{serial}");
    let serial_line = serial.lines().find(|l| l.contains("in flight")).expect("memory line");
    let (serial_peak, _) = bytes_in_flight(serial_line);
    assert!(serial_peak > 0.0 && serial_peak <= peak, "{serial_line}");
}

/// The MB figures of "stats: peak X MB of audio data in flight (budget Y MB), ...".
fn bytes_in_flight(line: &str) -> (f64, f64) {
    let number_after = |marker: &str| -> f64 {
        let rest = &line[line.find(marker).unwrap_or_else(|| panic!("{marker:?} in {line}")) + marker.len()..];
        let number = rest.split(' ').next().unwrap_or_default();
        number
            .parse()
            .unwrap_or_else(|_| panic!("a number after {marker:?} in {line}"))
    };
    (number_after("stats: peak "), number_after("(budget "))
}
