//! Replays every input under `tests/fuzz-regressions/c_abi/` through the harness of the
//! `c_abi` fuzz target (`fuzz/harness/c_abi.rs`, the very code the fuzzer runs): sequences
//! of C ABI calls with arbitrary arguments, each of whose statuses must be the one the
//! header documents, with every object freed at the end. CI runs these inputs, not the
//! fuzzer; see `fuzz/README.md`.

#[path = "../fuzz/harness/c_abi.rs"]
mod harness;

use std::path::{Path, PathBuf};

/// The input files of one target's folder (README and other `.md` files are notes).
fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
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
fn c_abi_fuzz_inputs_replay_cleanly() {
    let mut failed = Vec::new();
    for file in inputs("c_abi") {
        let data = std::fs::read(&file).expect("readable input");
        if std::panic::catch_unwind(|| harness::run(&data)).is_err() {
            failed.push(file.file_name().expect("file name").to_string_lossy().into_owned());
        }
    }
    assert!(failed.is_empty(), "fuzz regression inputs failing: {failed:?}");
}
