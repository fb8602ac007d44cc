//! Ctrl-C: the run stops early, prints what finished, says it was interrupted, exits 1.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn ctrl_c_reports_what_finished_as_interrupted() {
    // Enough work that the run cannot finish before the signal lands: 150 copies of a
    // 7-second FLAC, measured one at a time.
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/album-flac/01 - Variations on an Elvish Theme (excerpt).flac");
    const COPIES: usize = 150;
    for i in 0..COPIES {
        std::fs::copy(&source, dir.path().join(format!("{i:03}.flac"))).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_macinmeter"))
        .args(["--serial", "-v", "."])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // -v announces the run after the Ctrl-C handler is in place: signal only then.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 && !line.contains("measuring") {
        line.clear();
    }
    assert!(line.contains("measuring 150 files"), "{line}");
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());

    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(1), "stderr: {rest}");
    assert!(rest.contains("interrupted"), "{rest}");
    assert!(stdout.contains("Interrupted: not every file was analyzed."), "{stdout}");
    // Exactly the files -v announced as finished are rows; the others are neither rows
    // nor failures.
    let rows = stdout
        .lines()
        .filter(|l| l.starts_with("DR") && !l.starts_with("DR "))
        .count();
    let finished = rest.lines().filter(|l| l.starts_with("DR")).count();
    assert_eq!(rows, finished, "stdout: {stdout}\nstderr: {rest}");
    assert!(rows < COPIES, "{rows} rows");
    assert!(!stdout.contains("Failed:"), "{stdout}");
}
