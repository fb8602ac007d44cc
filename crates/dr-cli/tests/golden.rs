//! Golden logs (issue 4): the `macinmeter` binary's output compared with values
//! computed independently of the Rust code.
//!
//! * Text logs: the album log and the single-track log printed for shipped
//!   excerpts are compared byte for byte with `tests/golden/*.txt`. Those files
//!   are written by `tests/golden/make-golden.sh` with the Python reference
//!   (`tests/reference/dr_log.py` on top of `dr_reference.py`: ffmpeg decoding,
//!   plain-Python arithmetic, a renderer written from
//!   `docs/LOG_FORMAT.md`), never from this program's output. The log
//!   date is pinned through `MACINMETER_LOG_DATE`.
//! * JSON values are compared with `tests/reference/expected.json` by dr-decode's
//!   fixtures test (every printed channel token of lossless files equal); the JSON's
//!   shape by tests/schema.rs; real foobar2000 output by tests/conformance.rs.
//!
//! Paths are given relative to the workspace root (the process's current
//! directory), as make-golden.sh gives them, so names and folder headings agree.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The pinned `log date:` (same value as in make-golden.sh).
const LOG_DATE: &str = "2026-11-21 14:03:07";

fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn run_macinmeter(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_macinmeter"))
        .args(args)
        .current_dir(workspace_root())
        .env("MACINMETER_LOG_DATE", LOG_DATE)
        .output()
        .expect("running the macinmeter binary")
}

// ------------------------------------------------------------------ text logs

/// Runs the binary with `args` and compares its stdout with `tests/golden/<golden>`.
fn check_golden(golden: &str, args: &[&str]) {
    let path = workspace_root().join("tests/golden").join(golden);
    let expected = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let out = run_macinmeter(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "macinmeter {args:?} exited with {:?}\nstderr:\n{stderr}",
        out.status.code()
    );
    if out.stdout == expected {
        return;
    }
    let exp = String::from_utf8_lossy(&expected);
    let act = String::from_utf8_lossy(&out.stdout);
    let exp_lines: Vec<&str> = exp.split('\n').collect();
    let act_lines: Vec<&str> = act.split('\n').collect();
    let mut report = String::new();
    let mut differing = 0;
    for i in 0..exp_lines.len().max(act_lines.len()) {
        let e = exp_lines.get(i).copied();
        let a = act_lines.get(i).copied();
        if e != a {
            differing += 1;
            if differing > 12 {
                continue;
            }
            report.push_str(&format!(
                "line {:>3}: expected {:?}\n          actual   {:?}\n",
                i + 1,
                e.unwrap_or("<none>"),
                a.unwrap_or("<none>")
            ));
        }
    }
    if differing > 12 {
        report.push_str(&format!("({} more differing lines)\n", differing - 12));
    }
    panic!(
        "stdout of `macinmeter {}` differs from tests/golden/{golden} \
         (made by tests/golden/make-golden.sh from the Python reference; \
         do not regenerate it from this program's output):\n{report}\
         --- full actual output ---\n{act}--- stderr ---\n{stderr}",
        args.join(" ")
    );
}

// Keep these in step with tests/golden/make-golden.sh.

#[test]
fn golden_album_log_album_flac() {
    check_golden("album-flac.album.txt", &["tests/fixtures/album-flac"]);
}

/// The same album with per-channel columns for stereo (`--channel-columns`).
#[test]
fn golden_album_log_album_flac_columns() {
    check_golden(
        "album-flac.columns.txt",
        &["--channel-columns", "tests/fixtures/album-flac"],
    );
}

/// 5.1, stereo and mono in one section: columns because one track has more than 2
/// channels; each track fills the columns of its own speakers.
#[test]
fn golden_album_log_mixed_channels() {
    check_golden(
        "mixed-channels.columns.txt",
        &[
            "tests/fixtures/formats/flac-5.1-24bit-48k.flac",
            "tests/fixtures/formats/wav-s16.wav",
            "tests/fixtures/formats/flac-mono-16bit-44k.flac",
        ],
    );
}

#[test]
fn golden_track_log_flac_24bit_96k() {
    check_golden(
        "flac-24bit-96k.track.txt",
        &["--log", "track", "tests/fixtures/formats/flac-24bit-96k.flac"],
    );
}

#[test]
fn golden_track_log_mono() {
    check_golden(
        "flac-mono-16bit-44k.track.txt",
        &["--log", "track", "tests/fixtures/formats/flac-mono-16bit-44k.flac"],
    );
}

/// 5.1: one row per channel with its layout name, the LFE channel marked.
#[test]
fn golden_track_log_surround() {
    check_golden(
        "flac-5.1-24bit-48k.track.txt",
        &["--log", "track", "tests/fixtures/formats/flac-5.1-24bit-48k.flac"],
    );
}

/// Lossless formats mixed in one album section (all four carry the same
/// artist/album tags; the WAV file's are in its RIFF INFO chunk): PCM WAV and
/// AIFF, mono FLAC, 24-bit ALAC. Footer lists distinct values.
#[test]
fn golden_album_log_mixed_lossless() {
    check_golden(
        "mixed-lossless.album.txt",
        &[
            "tests/fixtures/formats/wav-s16.wav",
            "tests/fixtures/formats/aiff-s16.aiff",
            "tests/fixtures/formats/flac-mono-16bit-44k.flac",
            "tests/fixtures/formats/alac-24bit.m4a",
        ],
    );
}

/// Several sections: tracks of album A interleaved with others (grouped in
/// first-appearance order), an untagged file (ADTS AAC: `Analyzed: ? / ?`),
/// and a lossy track left out of `Bits per sample:`. The lossy values printed
/// here are at least 0.0015 dB away from a 2-decimal rounding edge (see
/// make-golden.sh), far beyond the decoders' differences.
#[test]
fn golden_album_log_mixed_sections() {
    check_golden(
        "mixed-sections.album.txt",
        &[
            "tests/fixtures/album-flac/01 - Variations on an Elvish Theme (excerpt).flac",
            "tests/fixtures/formats/aac-adts.aac",
            "tests/fixtures/formats/flac-24bit-96k.flac",
            "tests/fixtures/album-flac/02 - Heroes Rite (excerpt).flac",
            "tests/fixtures/formats/mp3-cbr192.mp3",
        ],
    );
}
