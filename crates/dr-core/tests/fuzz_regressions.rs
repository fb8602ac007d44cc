//! Replays every input under `tests/fuzz-regressions/analyzer/` through the harness of the
//! `analyzer` fuzz target (`fuzz/harness/analyzer.rs`, the very code the fuzzer runs): each
//! must run without a panic, i.e. every way of feeding the track gives the bit-identical
//! result of a one-chunk run, and every refused call gives its documented error.
//! CI runs these inputs, not the fuzzer; see `fuzz/README.md`.

#[path = "../../../fuzz/harness/analyzer.rs"]
mod harness;

use std::path::{Path, PathBuf};

/// The input files of one target's folder (README and other `.md` files are notes).
fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fuzz-regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    files
}

#[test]
fn analyzer_fuzz_inputs_replay_cleanly() {
    let mut failed = Vec::new();
    for file in inputs("analyzer") {
        let data = std::fs::read(&file).expect("readable input");
        if std::panic::catch_unwind(|| harness::run(&data)).is_err() {
            failed.push(file.file_name().expect("file name").to_string_lossy().into_owned());
        }
    }
    assert!(failed.is_empty(), "fuzz regression inputs failing: {failed:?}");
}
