//! What the CLI's test files share: where the fixtures are, running the built binary with a
//! pinned log date, and its output as text.
#![allow(dead_code)] // each test file uses what it needs

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Runs `macinmeter args` in `dir` with `MACINMETER_LOG_DATE` set to `date`.
pub fn macinmeter_dated(date: &str, args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_macinmeter"))
        .args(args)
        .current_dir(dir)
        .env("MACINMETER_LOG_DATE", date)
        .output()
        .expect("running the macinmeter binary")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
