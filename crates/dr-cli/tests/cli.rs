//! End-to-end runs of the built `macinmeter` binary: what people see on stdout and
//! stderr, the exit status, and the files it writes. Among them, what a new user meets:
//! `--save-logs` never destroys a foo_dr.txt, a multi-disc album's log goes where all its
//! discs are, a bad `-o` or log date is refused before any file is opened, folders are
//! named by their real names, and no section is without tracks.

mod common;
use common::{fixtures, text};

use std::path::Path;
use std::process::{Command, Output};

const DATE: &str = "2026-11-21 14:03:07";

fn macinmeter(args: &[&str], dir: &Path) -> Output {
    common::macinmeter_dated(DATE, args, dir)
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

    // A destination that cannot be written is a usage error, found before measuring.
    let missing = dir.path().join("no/such/dir/log.txt");
    let out = macinmeter(
        &[album.to_str().unwrap(), "-o", missing.to_str().unwrap(), "-q"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(&format!(
        "error: {}: cannot write the log: No such file or directory",
        missing.display()
    )));
}

#[test]
fn usage_errors_exit_2_with_a_one_line_reason() {
    let here = fixtures();
    for (args, says) in [
        (vec!["--no-such-flag", "x"], "--no-such-flag"),
        (vec!["--parallel-files", "0", "x"], "1..=256"),
        (vec!["--parallel-threads", "5000", "x"], "1..=1024"),
        (vec!["--format", "xml", "x"], "[possible values: text, json, csv]"),
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
fn completions_and_man_page_come_from_the_options() {
    let here = fixtures();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = macinmeter(&["--completions", shell], &here);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = text(&out.stdout);
        assert!(
            script.contains("macinmeter") && script.contains("save-logs"),
            "{shell}: {script}"
        );
    }
    let man = macinmeter(&["--man"], &here);
    assert_eq!(man.status.code(), Some(0));
    let man = text(&man.stdout);
    assert!(man.contains(".TH macinmeter 1"), "{man}");
    assert!(man.contains("overwrite"), "{man}");
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
    // The default budget, 6 MiB = 6.29 MB.
    assert_eq!(budget, 6.29, "{}", lines[2]);
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

/// The three tagged excerpts (one album: Doug Kaufman / Excerpts A) copied into `to`.
fn copy_album(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(fixtures().join("album-flac")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

const OLD_LOG: &str = "foobar2000 1.6.16 / Dynamic Range Meter 1.1.1\nthe user's own log\n";

#[test]
fn an_existing_foo_dr_txt_is_kept_unless_overwrite_is_given() {
    let dir = tempfile::tempdir().unwrap();
    copy_album(&dir.path().join("Album"));
    let saved = dir.path().join("Album/foo_dr.txt");
    std::fs::write(&saved, OLD_LOG).unwrap();

    let out = macinmeter(&["--save-logs", "Album"], dir.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), OLD_LOG);
    let foo_dr = Path::new("Album/foo_dr.txt").display().to_string();
    assert!(
        stderr.contains(&format!(
            "note: {foo_dr}: kept as it was: it already exists (--overwrite replaces it)"
        )),
        "{stderr}"
    );

    let out = macinmeter(&["--save-logs", "--overwrite", "-q", "Album"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = std::fs::read_to_string(&saved).unwrap();
    assert!(log.contains("Doug Kaufman / Excerpts A"), "{log}");

    // --overwrite means nothing without --save-logs.
    assert_eq!(macinmeter(&["--overwrite", "Album"], dir.path()).status.code(), Some(2));
}

#[test]
fn a_folder_with_a_failed_file_does_not_replace_its_log_even_with_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    copy_album(&dir.path().join("Album"));
    std::fs::write(dir.path().join("Album/04 - cut.flac"), b"fLaC but not really").unwrap();
    let saved = dir.path().join("Album/foo_dr.txt");
    std::fs::write(&saved, OLD_LOG).unwrap();
    let out = macinmeter(&["--save-logs", "--overwrite", "Album"], dir.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), OLD_LOG);
    assert!(
        stderr.contains("kept as it was: some files in its folder could not be measured"),
        "{stderr}"
    );
}

#[test]
fn a_multi_disc_album_log_goes_into_the_folder_holding_its_discs() {
    let dir = tempfile::tempdir().unwrap();
    copy_album(&dir.path().join("Box/CD1"));
    copy_album(&dir.path().join("Box/CD2"));
    let out = macinmeter(&["--save-logs", "-q", "Box"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = std::fs::read_to_string(dir.path().join("Box/foo_dr.txt")).expect("Box/foo_dr.txt");
    assert_eq!(log.matches("Variations on an Elvish Theme").count(), 2, "{log}");
    assert!(!dir.path().join("Box/CD1/foo_dr.txt").exists());
    assert!(!dir.path().join("Box/CD2/foo_dr.txt").exists());
}

/// Makes a FIFO: opening it for reading blocks until a writer comes, which never does,
/// so a run that opens it cannot end; a run that ends has not opened it.
#[cfg(unix)]
fn fifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(made.success());
}

/// Runs macinmeter; a run still going after a generous minute is a hang (it opened the
/// FIFO), killed and reported, not a timing measurement.
#[cfg(unix)]
fn run_guarded(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_macinmeter"))
        .args(args)
        .current_dir(dir)
        .env("MACINMETER_LOG_DATE", DATE)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{args:?} opened an audio file: it blocked on the FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn a_bad_destination_or_log_date_is_refused_before_any_file_is_opened() {
    let dir = tempfile::tempdir().unwrap();
    copy_album(&dir.path().join("Album"));
    fifo(&dir.path().join("Album/00 - blocks when opened.wav"));
    std::fs::create_dir(dir.path().join("somefolder")).unwrap();
    for (args, env, says) in [
        (
            vec!["-o", "/nonexistent/out.txt", "Album"],
            vec![],
            "error: /nonexistent/out.txt: cannot write the log: No such file or directory",
        ),
        (
            vec!["-o", "somefolder", "Album"],
            vec![],
            "error: somefolder: cannot write the log: Is a directory",
        ),
        (
            vec!["Album"],
            vec![("MACINMETER_LOG_DATE", "yesterday")],
            "error: MACINMETER_LOG_DATE: log date \"yesterday\" is not \"YYYY-MM-DD HH:MM:SS\"",
        ),
    ] {
        let out = run_guarded(&args, dir.path(), &env);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().next(), Some(says), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn the_current_folder_is_named_by_its_real_name() {
    let dir = tempfile::tempdir().unwrap();
    let album = dir.path().join("My Album");
    std::fs::create_dir(&album).unwrap();
    for name in ["wav-s16.wav", "flac-24bit-96k.flac"] {
        std::fs::copy(fixtures().join("formats").join(name), album.join(name)).unwrap();
    }
    let out = macinmeter(&["--format", "json", "."], &album);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc = text(&out.stdout);
    let folder = album.canonicalize().unwrap().display().to_string();
    let folders: Vec<&str> = doc
        .lines()
        .filter_map(|l| l.trim().strip_prefix("\"folder\": \""))
        .collect();
    assert!(!folders.is_empty(), "{doc}");
    for value in folders {
        assert_eq!(
            value.trim_end_matches(['"', ',']),
            folder.replace('\\', "\\\\"),
            "{doc}"
        );
    }
}

#[test]
fn a_file_that_fails_entirely_makes_no_empty_section() {
    let dir = tempfile::tempdir().unwrap();
    copy_album(&dir.path().join("Album"));
    std::fs::create_dir(dir.path().join("Other")).unwrap();
    std::fs::write(dir.path().join("Other/bad.flac"), b"not audio").unwrap();
    let out = macinmeter(
        &["--format", "json", "Album", "Other/bad.flac", "missing.flac"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let doc = text(&out.stdout);
    // One section (the album), and both failures listed at the top level.
    let json: serde_json::Value = serde_json::from_str(&doc).expect("JSON");
    assert_eq!(json["albums"].as_array().map(Vec::len), Some(1), "{doc}");
    assert_eq!(json["failures"].as_array().map(Vec::len), Some(2), "{doc}");
    assert!(!doc.contains("\"tracks\": []"), "{doc}");
    assert!(doc.contains("bad.flac") && doc.contains("missing.flac"), "{doc}");
    let log = text(&macinmeter(&["Album", "Other/bad.flac"], dir.path()).stdout);
    assert!(!log.contains("Number of tracks:  0"), "{log}");
    assert!(log.contains("Failed: Other/bad.flac: "), "{log}");
}
