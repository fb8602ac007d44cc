//! Ctrl-C: the run stops early, prints what finished, says it was interrupted, exits 1,
//! and replaces or writes no foo_dr.txt for a folder it did not finish.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A 7-second FLAC: 150 copies measured one at a time cannot finish before the signal.
fn excerpt() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/album-flac/01 - Variations on an Elvish Theme (excerpt).flac")
}

/// What an interrupted run printed and how it ended.
struct Interrupted {
    stdout: String,
    /// Standard error after the "measuring N files" line.
    stderr: String,
    code: Option<i32>,
}

/// Runs macinmeter with `args` (which hold `-v`) in `dir`, sends it SIGINT once it has
/// announced "measuring {files} files" (after its Ctrl-C handler is in place), and
/// collects what it printed.
fn interrupt(args: &[&str], dir: &Path, files: usize) -> Interrupted {
    let mut child = Command::new(env!("CARGO_BIN_EXE_macinmeter"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 && !line.contains("measuring") {
        line.clear();
    }
    assert!(line.contains(&format!("measuring {files} files")), "{line}");
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let code = child.wait().unwrap().code();
    Interrupted {
        stdout,
        stderr: rest,
        code,
    }
}

#[test]
fn ctrl_c_reports_what_finished_as_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    const COPIES: usize = 150;
    for i in 0..COPIES {
        std::fs::copy(excerpt(), dir.path().join(format!("{i:03}.flac"))).unwrap();
    }
    let Interrupted { stdout, stderr, code } = interrupt(&["--serial", "-v", "."], dir.path(), COPIES);
    assert_eq!(code, Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("interrupted: the log below covers only the files that finished"),
        "{stderr}"
    );
    assert!(stdout.contains("Interrupted: not every file was analyzed."), "{stdout}");
    // Exactly the files -v announced as finished are rows; the others are neither rows
    // nor failures.
    let rows = stdout
        .lines()
        .filter(|l| l.starts_with("DR") && !l.starts_with("DR "))
        .count();
    let finished = stderr.lines().filter(|l| l.starts_with("DR")).count();
    assert_eq!(rows, finished, "stdout: {stdout}\nstderr: {stderr}");
    assert!(rows < COPIES, "{rows} rows");
    assert!(!stdout.contains("Failed:"), "{stdout}");
}

#[test]
fn ctrl_c_with_save_logs_replaces_no_log_and_writes_none_for_unfinished_folders() {
    let dir = tempfile::tempdir().unwrap();
    for folder in ["A", "B"] {
        std::fs::create_dir(dir.path().join(folder)).unwrap();
    }
    for i in 0..150 {
        std::fs::copy(excerpt(), dir.path().join(format!("A/{i:03}.flac"))).unwrap();
    }
    std::fs::copy(excerpt(), dir.path().join("B/001.flac")).unwrap();
    let complete_log = "a complete log of A, kept by its owner\n";
    std::fs::write(dir.path().join("A/foo_dr.txt"), complete_log).unwrap();

    // --overwrite: even asked to replace logs, an unfinished folder's is not touched.
    let args = [
        "--serial",
        "-v",
        "--save-logs",
        "--overwrite",
        "-o",
        "out.txt",
        "A",
        "B",
    ];
    let Interrupted { stderr, code, .. } = interrupt(&args, dir.path(), 151);
    assert_eq!(code, Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("interrupted: the log in out.txt covers only the files that finished"),
        "{stderr}"
    );
    let finished = stderr.lines().filter(|l| l.starts_with("DR")).count();
    assert!(finished < 150, "A was finished before the signal: {finished} files");
    // A was not finished: its log is byte-identical; B was never reached: no log.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("A/foo_dr.txt")).unwrap(),
        complete_log
    );
    assert!(!dir.path().join("B/foo_dr.txt").exists());
    if finished > 0 {
        assert!(
            stderr.contains(
                "note: A/foo_dr.txt: not saved: the run was stopped before every file in its folder was measured"
            ),
            "{stderr}"
        );
    }
    // The log named with -o is written, marked as interrupted.
    let log = std::fs::read_to_string(dir.path().join("out.txt")).unwrap();
    assert!(log.contains("Interrupted: not every file was analyzed."), "{log}");
}
