//! The replay loop of the regression tests: every committed input of one fuzz target
//! (`tests/fuzz-regressions/<target>/`) through a check, failures collected by file name
//! so one run names them all. CI runs these inputs, not the fuzzer; see `fuzz/README.md`.

use std::path::{Path, PathBuf};

/// The input files under `<repository>/tests/fuzz-regressions/<target>/`, sorted
/// (README and other `.md` files are notes, not inputs).
fn inputs(repository: &Path, target: &str) -> Vec<PathBuf> {
    let dir = repository.join("tests/fuzz-regressions").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    files
}

/// Runs `check(file name, input)` on every input of `target`; an input fails when the
/// check panics (the harness's assertions) or returns a reason. Panics listing every
/// failing input.
pub fn replay(repository: &Path, target: &str, check: impl Fn(&str, &[u8]) -> Result<(), String>) {
    let mut failed = Vec::new();
    for file in inputs(repository, target) {
        let data = std::fs::read(&file).expect("readable input");
        let name = file.file_name().expect("file name").to_string_lossy().into_owned();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&name, &data))) {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => failed.push(format!("{name} ({reason})")),
            Err(_) => failed.push(name),
        }
    }
    assert!(failed.is_empty(), "fuzz regression inputs failing: {failed:?}");
}
