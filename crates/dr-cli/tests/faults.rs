//! Filesystem faults met by the built `macinmeter`: files that cannot be read, folders that
//! cannot be listed, names that are not UTF-8, files that change during the run, logs that
//! cannot be written, and non-finite samples. In each case the run says what failed, naming
//! the path and the reason, reports everything else, leaves no half-written log, and exits 1
//! (0 for the non-finite samples, which are measured with a warning).
//!
//! Tests may run as root, whom permissions do not stop: those cases then use faults that
//! stop root too (a socket where a file is expected, a directory where the log goes, a
//! file-size limit) and say so; only "a folder that cannot be listed" has no such stand-in
//! and is skipped with a note.

#![cfg(unix)]

mod common;
use common::text;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const DATE: &str = "2026-11-21 14:03:07";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn command(args: &[&OsStr], dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_macinmeter"));
    command.args(args).current_dir(dir).env("MACINMETER_LOG_DATE", DATE);
    command
}

fn macinmeter(args: &[&str], dir: &Path) -> Output {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    command(&args, dir).output().expect("the binary runs")
}

/// Permissions do not stop this process (root, or CAP_DAC_OVERRIDE).
fn permissions_are_ignored(dir: &Path) -> bool {
    let probe = dir.join("permission-probe");
    std::fs::write(&probe, b"x").expect("probe file");
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let ignored = std::fs::read(&probe).is_ok();
    let _ = std::fs::remove_file(&probe);
    ignored
}

/// The 44-byte header of a stereo 44.1 kHz WAV of `frames` frames: format tag 1 (integer
/// PCM) or 3 (IEEE float), `bits` per sample.
fn stereo_wav_header(format_tag: u16, bits: u16, frames: u32) -> Vec<u8> {
    let frame_bytes = 2 * u32::from(bits / 8);
    let mut bytes = b"RIFF".to_vec();
    bytes.extend_from_slice(&(36 + frames * frame_bytes).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    for field in [format_tag, 2] {
        bytes.extend_from_slice(&field.to_le_bytes());
    }
    for field in [44_100, 44_100 * frame_bytes] {
        bytes.extend_from_slice(&field.to_le_bytes());
    }
    for field in [frame_bytes as u16, bits] {
        bytes.extend_from_slice(&field.to_le_bytes());
    }
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&(frames * frame_bytes).to_le_bytes());
    bytes
}

/// A 16-bit stereo WAV of `seconds` of a tone whose loudness changes each second.
fn wav(seconds: u32) -> Vec<u8> {
    let frames = 44_100 * seconds;
    let mut bytes = stereo_wav_header(1, 16, frames);
    bytes.reserve(frames as usize * 4);
    for frame in 0..frames {
        let level = f64::from(1 + frame / 44_100 % 7) / 8.0;
        let value = (level * (f64::from(frame) * 0.0627).sin() * 32_000.0) as i16;
        bytes.extend_from_slice(&value.to_le_bytes());
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    bytes
}

fn temporaries_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".tmp"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn unreadable_files_are_named_and_the_rest_measured() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("good.wav"), wav(3)).unwrap();
    // A socket where a file is expected: opening it fails for every user, root included.
    let _socket = std::os::unix::net::UnixListener::bind(root.join("socket.flac")).unwrap();
    let ignored = permissions_are_ignored(root);
    std::fs::write(root.join("locked.wav"), wav(3)).unwrap();
    std::fs::set_permissions(root.join("locked.wav"), std::fs::Permissions::from_mode(0o000)).unwrap();

    for args in [vec!["good.wav", "socket.flac", "locked.wav"], vec!["."]] {
        let out = macinmeter(&args, root);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        let socket = if args.len() == 1 {
            "./socket.flac"
        } else {
            "socket.flac"
        };
        assert!(
            stderr.contains(&format!("error: {socket}: cannot open: No such device or address\n")),
            "{stderr}"
        );
        assert!(stdout.contains(&format!("Failed: {socket}: cannot open: ")), "{stdout}");
        assert!(stdout.contains("good"), "the readable file is measured: {stdout}");
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        if !ignored {
            let locked = if args.len() == 1 { "./locked.wav" } else { "locked.wav" };
            assert!(
                stderr.contains(&format!("error: {locked}: cannot open: Permission denied\n")),
                "{stderr}"
            );
        }
    }
    if ignored {
        eprintln!("note: running with permissions ignored (root): chmod 000 does not make a file unreadable, so only the socket stands for one");
    }
}

#[test]
fn a_folder_that_cannot_be_listed_is_named_and_the_rest_measured() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let locked = root.join("Library/Locked");
    std::fs::create_dir_all(&locked).unwrap();
    std::fs::write(locked.join("hidden-away.wav"), wav(3)).unwrap();
    std::fs::write(root.join("Library/open.wav"), wav(3)).unwrap();
    if permissions_are_ignored(root) {
        eprintln!("note: running with permissions ignored (root): no folder can be made unlistable; skipped");
        return;
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = macinmeter(&["Library"], root);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: Library/Locked: cannot list folder: Permission denied"),
        "{stderr}"
    );
    assert!(stdout.contains("Failed: Library/Locked: cannot list folder: Permission denied"));
    assert!(stdout.contains("open"), "the rest is measured: {stdout}");
}

#[test]
fn names_that_are_not_utf8_are_measured_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Latin-1 "café.wav" and a file whose name holds an invalid byte, not audio.
    let cafe = OsStr::from_bytes(b"caf\xE9.wav");
    let broken = OsStr::from_bytes(b"bad\xFF.wav");
    std::fs::write(root.join(cafe), wav(4)).unwrap();
    std::fs::write(root.join(broken), b"not audio at all").unwrap();
    let missing = OsStr::from_bytes(b"gone\xFE.flac");

    let out = command(&[cafe, broken, missing], root).output().unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // Names are shown with U+FFFD for the bytes that are not UTF-8.
    assert!(stdout.contains("caf\u{FFFD}"), "{stdout}");
    assert!(
        stderr.contains("error: bad\u{FFFD}.wav: unsupported format: not audio (a text file)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: gone\u{FFFD}.flac: cannot open: No such file or directory"),
        "{stderr}"
    );
    assert!(stdout.contains("Failed: bad\u{FFFD}.wav: unsupported format"));

    // A folder walk finds them too, and JSON stays valid UTF-8.
    let out = macinmeter(&[".", "--format", "json"], root);
    assert_eq!(out.status.code(), Some(1));
    let json = String::from_utf8(out.stdout).expect("JSON output is UTF-8");
    assert!(json.contains("\"path\": \"./caf\u{FFFD}.wav\""), "{json}");
    assert!(json.contains("./bad\u{FFFD}.wav"), "{json}");
}

/// Is `target` open in process `pid`?
fn has_open(pid: u32, target: &Path) -> bool {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|fds| {
            fds.flatten()
                .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|link| link == target))
        })
        .unwrap_or(false)
}

#[test]
fn files_cut_or_deleted_while_the_run_is_under_way() {
    if !Path::new("/proc/self/fd").exists() {
        eprintln!("note: no /proc: cannot watch the run; skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    // A first file long enough to still be decoding when the others are changed.
    std::fs::write(root.join("1-long.wav"), wav(150)).unwrap();
    std::fs::copy(fixture("formats/flac-24bit-96k.flac"), root.join("2-cut.flac")).unwrap();
    std::fs::copy(fixture("formats/wav-s16.wav"), root.join("3-deleted.wav")).unwrap();
    std::fs::write(root.join("4-fine.wav"), wav(3)).unwrap();

    // --serial: one file after the other, in order. Once the first is open, the walk is
    // over (it comes before any decoding) and the others are not yet opened.
    let child = command(&[OsStr::new("--serial"), OsStr::new(".")], &root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let long = root.join("1-long.wav");
    let started = Instant::now();
    while !has_open(child.id(), &long) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run never opened the first file"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let cut = std::fs::OpenOptions::new()
        .write(true)
        .open(root.join("2-cut.flac"))
        .unwrap();
    let cut_len = cut.metadata().unwrap().len() / 2;
    cut.set_len(cut_len).unwrap();
    std::fs::remove_file(root.join("3-deleted.wav")).unwrap();
    let still_first = has_open(child.id(), &long);
    let out = child.wait_with_output().unwrap();
    assert!(
        still_first,
        "the first file was done before the others were changed: the machine outran the test's 150 s of audio"
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error: ./2-cut.flac: truncated: decoded "), "{stderr}");
    assert!(
        stderr.contains("error: ./3-deleted.wav: cannot open: No such file or directory\n"),
        "{stderr}"
    );
    assert!(stdout.contains("Failed: ./2-cut.flac: truncated: decoded "), "{stdout}");
    assert!(stdout.contains("Failed: ./3-deleted.wav: cannot open: "), "{stdout}");
    assert!(stdout.contains("1-long") && stdout.contains("4-fine"), "{stdout}");
    assert!(stdout.contains("Number of tracks:  2"), "{stdout}");
}

#[test]
fn saved_logs_that_cannot_be_written_are_named_and_the_others_saved() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for folder in ["Library/A", "Library/B", "Library/C"] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
        std::fs::write(root.join(folder).join("t.wav"), wav(3)).unwrap();
    }
    // B: a directory where its log would go; renaming the finished log over it fails, for
    // root too. C (when permissions count): a folder the log cannot be created in.
    std::fs::create_dir(root.join("Library/B/foo_dr.txt")).unwrap();
    let read_only_c = !permissions_are_ignored(root);
    if read_only_c {
        std::fs::set_permissions(root.join("Library/C"), std::fs::Permissions::from_mode(0o555)).unwrap();
    } else {
        eprintln!("note: running with permissions ignored (root): no read-only folder; the log over a directory stands for it");
    }
    // --overwrite: B's "log" exists, and replacing it is asked for.
    let out = macinmeter(&["Library", "--save-logs", "--overwrite", "-q"], root);
    std::fs::set_permissions(root.join("Library/C"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: Library/B/foo_dr.txt: cannot save the log: "),
        "{stderr}"
    );
    assert!(root.join("Library/B/foo_dr.txt").is_dir());
    assert!(temporaries_in(&root.join("Library/B")).is_empty());
    if read_only_c {
        assert!(
            stderr.contains("error: Library/C/foo_dr.txt: cannot save the log: Permission denied"),
            "{stderr}"
        );
        assert!(!root.join("Library/C/foo_dr.txt").exists());
    }
    // The other folder's log is saved, and the whole log still goes to stdout.
    let saved = std::fs::read_to_string(root.join("Library/A/foo_dr.txt")).unwrap();
    assert!(saved.contains("Analyzed: ? / ?"), "{saved}");
    // One untagged section per folder.
    assert_eq!(stdout.matches("Analyzed: ? / ?").count(), 3, "{stdout}");
}

#[test]
fn an_output_that_cannot_be_written_is_named_and_leaves_no_partial_log() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("Album")).unwrap();
    std::fs::write(root.join("Album/t.wav"), wav(3)).unwrap();

    // The target's folder is a device, not a folder: nothing can be created in it. That
    // is found before measuring: a usage error, and nothing else is written.
    let out = macinmeter(&["Album", "-o", "/dev/full/log.txt", "--save-logs", "-q"], root);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("error: /dev/full/log.txt: cannot write the log: Not a directory"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert!(!root.join("Album/foo_dr.txt").exists());

    // The disk "fills" in the middle of writing: a file-size limit makes the write fail
    // (with SIGXFSZ ignored, as `trap ''` leaves it through exec). The old log stays whole.
    std::fs::write(root.join("dr.json"), "the previous log\n").unwrap();
    let script = format!(
        "trap '' XFSZ; ulimit -f 1; exec '{}' Album --format json -o dr.json -q",
        env!("CARGO_BIN_EXE_macinmeter")
    );
    let out = Command::new("/bin/sh")
        .args(["-c", &script])
        .current_dir(root)
        .env("MACINMETER_LOG_DATE", DATE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("error: dr.json: cannot write the log: File too large"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(root.join("dr.json")).unwrap(),
        "the previous log\n"
    );
    assert!(temporaries_in(root).is_empty(), "{:?}", temporaries_in(root));
}

#[test]
fn non_finite_samples_are_measured_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A float WAV (format 3): a loud and a quiet second, then NaN, +inf and -inf samples.
    let frames: u32 = 44_100 * 2;
    let mut bytes = stereo_wav_header(3, 32, frames);
    for frame in 0..frames {
        let level = if frame < 44_100 { 0.5 } else { 0.05 };
        let value = match frame {
            1000 => f32::NAN,
            2000 => f32::INFINITY,
            3000 => f32::NEG_INFINITY,
            _ => level * (frame as f32 * 0.0627).sin(),
        };
        bytes.extend_from_slice(&value.to_le_bytes());
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    std::fs::write(root.join("nan.wav"), bytes).unwrap();
    let out = macinmeter(&["nan.wav"], root);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: nan.wav: 6 samples are NaN or infinite; they were left out of the measurement"),
        "{stderr}"
    );
    assert!(stdout.contains("Official DR value: DR"), "{stdout}");
}
