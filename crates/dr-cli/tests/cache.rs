//! The results cache through the built CLI (`--cache FILE` in a temp dir): a re-run reuses
//! every unchanged file and prints the same bytes; a changed file, another analyser version
//! or another result-changing option is measured again; a damaged or foreign database is
//! set aside and rebuilt; runs at once share one; `--no-cache` writes nothing.
//!
//! The reference each time is a run without the cache (the measurement itself, which the
//! golden and conformance tests check), or real foobar2000 DR Meter 1.0.8 output.

mod common;
use common::{fixtures, text};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

const DATE: &str = "2026-11-27 18:00:00";

fn command(args: &[&str], dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_macinmeter"));
    command
        .args(args)
        .current_dir(dir)
        .env("MACINMETER_LOG_DATE", DATE)
        .env_remove("MACINMETER_NO_CACHE");
    command
}

fn macinmeter(args: &[&str], dir: &Path) -> Output {
    command(args, dir).output().expect("the binary runs")
}

/// A run that must succeed; its output.
fn ok(args: &[&str], dir: &Path) -> Output {
    let out = macinmeter(args, dir);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    out
}

/// What `--stats` says came from the cache; `None` when it names no cache.
fn from_cache(out: &Output) -> Option<u64> {
    text(&out.stderr).lines().find_map(|line| {
        line.strip_prefix("stats: ")?
            .strip_suffix(" files from the results cache, not measured again")?
            .parse()
            .ok()
    })
}

/// What `--stats` says was measured (decoded or failed).
fn measured(out: &Output) -> u64 {
    let stderr = text(&out.stderr);
    let line = stderr.lines().find(|l| l.contains("h of audio")).expect("a stats line");
    line.strip_prefix("stats: ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the count of files measured")
}

/// Album folder with the three FLAC excerpts, and beside it a 5.1 WAV (named LFE
/// channel), a float WAV and an MP3: five files, lossless and lossy.
fn library() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let album = dir.path().join("music/Album");
    let other = dir.path().join("music/Other");
    std::fs::create_dir_all(&album).unwrap();
    std::fs::create_dir_all(&other).unwrap();
    for entry in std::fs::read_dir(fixtures().join("album-flac")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, album.join(path.file_name().unwrap())).unwrap();
    }
    for name in ["wav-ext-5.1-s16-48k.wav", "wav-f32.wav", "mp3-cbr192.mp3"] {
        std::fs::copy(fixtures().join("formats").join(name), other.join(name)).unwrap();
    }
    dir
}

const FILES: u64 = 6;

fn cache_arg(dir: &Path) -> String {
    dir.join("cache/results.sqlite3").to_string_lossy().into_owned()
}

/// `args` with `--cache <dir>/cache/results.sqlite3 --stats` before them.
fn cached(dir: &Path, args: &[&str]) -> Output {
    std::fs::create_dir_all(dir.join("cache")).unwrap();
    let db = cache_arg(dir);
    let mut all = vec!["--cache", db.as_str(), "--stats"];
    all.extend_from_slice(args);
    ok(&all, dir)
}

fn uncached(dir: &Path, args: &[&str]) -> Vec<u8> {
    let mut all = vec!["--no-cache"];
    all.extend_from_slice(args);
    ok(&all, dir).stdout
}

#[test]
fn a_second_run_reuses_every_file_and_prints_the_same_bytes() {
    let dir = library();
    let d = dir.path();
    for args in [
        &["music"][..],
        &["--format", "json", "music"],
        &["--log", "track", "music"],
    ] {
        let reference = uncached(d, args);
        let _ = std::fs::remove_dir_all(d.join("cache"));
        let first = cached(d, args);
        assert_eq!(from_cache(&first), Some(0), "{}", text(&first.stderr));
        assert_eq!(measured(&first), FILES);
        let second = cached(d, args);
        assert_eq!(from_cache(&second), Some(FILES), "{}", text(&second.stderr));
        assert_eq!(measured(&second), 0);
        assert_eq!(text(&first.stdout), text(&reference), "{args:?}: the first run's log");
        assert_eq!(text(&second.stdout), text(&reference), "{args:?}: the re-run's log");
    }
    // The same files under other relative paths (from another folder) are the same files.
    let from_music = ok(&["--cache", &cache_arg(d), "--stats", "Album"], &d.join("music"));
    assert_eq!(from_cache(&from_music), Some(3));
    assert_eq!(from_music.stdout, uncached(&d.join("music"), &["Album"]));
}

/// The stats of the run after `change`, which must re-measure exactly `expected_measured`
/// files; its log equals a run without the cache.
fn after_change(d: &Path, expected_measured: u64) {
    let run = cached(d, &["music"]);
    assert_eq!(measured(&run), expected_measured, "{}", text(&run.stderr));
    assert_eq!(from_cache(&run), Some(FILES - expected_measured));
    assert_eq!(text(&run.stdout), text(&uncached(d, &["music"])));
    // Now kept again: the next run measures nothing.
    assert_eq!(from_cache(&cached(d, &["music"])), Some(FILES));
}

#[test]
fn a_touched_file_is_measured_again_and_only_it() {
    let dir = library();
    let d = dir.path();
    cached(d, &["music"]);
    let wav = d.join("music/Other/wav-f32.wav");
    let file = std::fs::File::options().write(true).open(&wav).unwrap();
    let old = file.metadata().unwrap().modified().unwrap();
    // One nanosecond later is a change too (the kept time is in ns).
    file.set_modified(old + Duration::from_nanos(1)).unwrap();
    drop(file);
    after_change(d, 1);
}

#[test]
fn files_rewritten_by_write_tags_are_measured_again_once() {
    let dir = library();
    let d = dir.path();
    let flac = d
        .join("music/Album")
        .read_dir()
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let before = std::fs::metadata(&flac).unwrap();
    let tagging = cached(d, &["--write-tags", "music"]);
    assert_eq!(measured(&tagging), FILES);
    let after = std::fs::metadata(&flac).unwrap();
    assert!(
        (after.len(), after.modified().unwrap()) != (before.len(), before.modified().unwrap()),
        "the tagged file was rewritten"
    );
    // A rewritten file is another file to the cache (its size-derived bitrate may differ).
    after_change(d, FILES);
}

#[test]
fn a_file_of_another_size_with_the_same_time_is_measured_again() {
    let dir = library();
    let d = dir.path();
    cached(d, &["music"]);
    // Another recording in its place, same name, same modification time: only the size
    // tells them apart.
    let target = d.join("music/Album/02 - Heroes Rite (excerpt).flac");
    let time = std::fs::metadata(&target).unwrap().modified().unwrap();
    let other = std::fs::read(fixtures().join("formats/flac-mono-16bit-44k.flac")).unwrap();
    assert_ne!(other.len() as u64, std::fs::metadata(&target).unwrap().len());
    std::fs::write(&target, other).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&target)
        .unwrap()
        .set_modified(time)
        .unwrap();
    after_change(d, 1);
}

#[test]
fn another_analyser_version_measures_everything_again() {
    let dir = library();
    let d = dir.path();
    cached(d, &["music"]);
    // As a database left by an older build: every entry names another analyser version.
    let db = rusqlite::Connection::open(d.join("cache/results.sqlite3")).unwrap();
    let changed = db
        .execute("UPDATE results SET analyser = 'revision 0; an older build'", [])
        .unwrap();
    assert_eq!(changed as u64, FILES);
    drop(db);
    after_change(d, FILES);
}

#[test]
fn result_changing_options_measure_again_and_others_do_not() {
    let dir = library();
    let d = dir.path();
    cached(d, &["music"]);
    // Thread and batch options never change results: everything is reused.
    let serial = cached(d, &["--serial", "--parallel-batch", "3", "music"]);
    assert_eq!(from_cache(&serial), Some(FILES));
    assert_eq!(text(&serial.stdout), text(&uncached(d, &["music"])));
    // --exclude-lfe changes results: all measured again, and the 5.1 file's DR differs
    // (in its unrounded value: the JSON's `dr`).
    let lfe = cached(d, &["--exclude-lfe", "--format", "json", "music"]);
    assert_eq!(from_cache(&lfe), Some(0));
    let reference = uncached(d, &["--exclude-lfe", "--format", "json", "music"]);
    assert_eq!(text(&lfe.stdout), text(&reference));
    assert_ne!(
        text(&lfe.stdout),
        text(&uncached(d, &["--format", "json", "music"])),
        "the LFE channel counts"
    );
    assert_eq!(from_cache(&cached(d, &["--exclude-lfe", "music"])), Some(FILES));
    // And back: the entries were replaced, so measured again.
    assert_eq!(from_cache(&cached(d, &["music"])), Some(0));
    assert_eq!(from_cache(&cached(d, &["--weight-by-loudness", "music"])), Some(0));
}

/// The conformance files 301-303 (2, 3 and 6 channels) in `dir`.
fn multichannel_wavs(dir: &Path) -> Vec<String> {
    ["301", "302", "303"]
        .iter()
        .map(|id| {
            let case = dr_conformance::case(id).expect("a conformance case");
            let name = Path::new(case.file_name)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            std::fs::write(dir.join(&name), dr_conformance::wav(&case).bytes).unwrap();
            name
        })
        .collect()
}

#[test]
fn a_reused_result_prints_foobar2000s_log() {
    let dir = tempfile::tempdir().unwrap();
    let names = multichannel_wavs(dir.path());
    let mut args = vec!["--channel-columns"];
    args.extend(names.iter().map(String::as_str));
    cached(dir.path(), &args);
    let again = cached(dir.path(), &args);
    assert_eq!(from_cache(&again), Some(3));
    let log = String::from_utf8(again.stdout).unwrap();
    assert_eq!(
        dr_conformance::comparable_log_lines(&log),
        dr_conformance::comparable_log_lines(dr_conformance::REAL_LOG_MULTICHANNEL)
    );
}

/// The files set aside beside the database.
fn set_aside(d: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(d.join("cache"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("results.sqlite3.broken-"))
        .collect();
    found.sort();
    found
}

/// Runs over a database file holding `bad`: a warning naming it, the right log, the bad
/// file kept aside unchanged, and a working cache afterwards.
fn recovers_from(d: &Path, why: &str) {
    let db = d.join("cache/results.sqlite3");
    let bad = std::fs::read(&db).unwrap();
    let run = cached(d, &["music"]);
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains(&format!("warning: results cache {}: ", db.display())) && stderr.contains("set aside as"),
        "{why}: {stderr}"
    );
    assert_eq!(from_cache(&run), Some(0), "{why}");
    assert_eq!(text(&run.stdout), text(&uncached(d, &["music"])), "{why}");
    let aside = set_aside(d);
    assert_eq!(aside.len(), 1, "{why}: {aside:?}");
    assert_eq!(std::fs::read(&aside[0]).unwrap(), bad, "{why}: set aside unchanged");
    let next = cached(d, &["music"]);
    assert_eq!(from_cache(&next), Some(FILES), "{why}: {}", text(&next.stderr));
    assert!(!text(&next.stderr).contains("warning"), "{why}");
}

#[test]
fn a_database_of_random_bytes_is_set_aside_and_rebuilt() {
    let dir = library();
    let d = dir.path();
    std::fs::create_dir_all(d.join("cache")).unwrap();
    // A fixed pseudo-random sequence (xorshift), 8 KiB.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..8192)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(d.join("cache/results.sqlite3"), bytes).unwrap();
    recovers_from(d, "random bytes");
}

#[test]
fn a_damaged_page_of_a_real_cache_is_set_aside_and_rebuilt() {
    let dir = library();
    let d = dir.path();
    cached(d, &["music"]);
    // Fold the WAL into the file, then overwrite the second page (the table's root).
    let db_path = d.join("cache/results.sqlite3");
    let db = rusqlite::Connection::open(&db_path).unwrap();
    db.pragma_update(None, "journal_mode", "DELETE").unwrap();
    let page_size: i64 = db.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    drop(db);
    let mut bytes = std::fs::read(&db_path).unwrap();
    let page = page_size as usize;
    assert!(bytes.len() >= 2 * page);
    bytes[page..2 * page].fill(0xA5);
    std::fs::write(&db_path, bytes).unwrap();
    recovers_from(d, "a damaged page");
}

#[test]
fn another_programs_database_is_set_aside_not_used() {
    let dir = library();
    let d = dir.path();
    std::fs::create_dir_all(d.join("cache")).unwrap();
    let db = rusqlite::Connection::open(d.join("cache/results.sqlite3")).unwrap();
    db.execute_batch(
        "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO photos (name) VALUES ('cat.jpg');",
    )
    .unwrap();
    drop(db);
    recovers_from(d, "another program's database");
}

#[test]
fn a_database_of_a_newer_layout_is_set_aside_not_used() {
    let dir = library();
    let d = dir.path();
    cached(d, &["music"]);
    let db = rusqlite::Connection::open(d.join("cache/results.sqlite3")).unwrap();
    db.pragma_update(None, "user_version", 2).unwrap();
    db.pragma_update(None, "journal_mode", "DELETE").unwrap();
    drop(db);
    recovers_from(d, "a newer layout");
}

#[test]
fn a_cache_that_cannot_be_opened_costs_one_warning() {
    let dir = library();
    let d = dir.path();
    // Under a regular file, no database can be created, whatever the user's rights.
    std::fs::write(d.join("file"), "not a folder").unwrap();
    let db = d.join("file/results.sqlite3");
    let out = ok(&["--cache", db.to_str().unwrap(), "--stats", "music"], d);
    let stderr = text(&out.stderr);
    assert_eq!(stderr.matches("warning: results cache").count(), 1, "{stderr}");
    assert!(stderr.contains("measuring without it"), "{stderr}");
    assert_eq!(from_cache(&out), None, "no cache, no count");
    assert_eq!(text(&out.stdout), text(&uncached(d, &["music"])));
}

#[test]
fn runs_at_once_share_one_cache() {
    let dir = library();
    let d = dir.path();
    let reference = text(&uncached(d, &["music"]));
    std::fs::create_dir_all(d.join("cache")).unwrap();
    let db = cache_arg(d);
    // First on a new database (both create it), then on a full one (both read while one
    // writes again after a touch).
    for round in 0..2 {
        if round == 1 {
            let wav = d.join("music/Other/wav-f32.wav");
            let file = std::fs::File::options().write(true).open(&wav).unwrap();
            file.set_modified(SystemTime::now()).unwrap();
        }
        let children: Vec<_> = (0..4)
            .map(|_| {
                command(&["--cache", &db, "--serial", "music"], d)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "round {round}: {}", text(&out.stderr));
            assert!(
                !text(&out.stderr).contains("warning"),
                "round {round}: {}",
                text(&out.stderr)
            );
            assert_eq!(text(&out.stdout), reference, "round {round}");
        }
    }
    assert_eq!(from_cache(&cached(d, &["music"])), Some(FILES));
    assert!(set_aside(d).is_empty());
}

#[cfg(target_os = "linux")]
#[test]
fn the_default_cache_is_in_the_xdg_cache_folder_and_no_cache_writes_nothing() {
    let dir = library();
    let d = dir.path();
    let home = tempfile::tempdir().unwrap();
    let xdg = home.path().join("xdg-cache");
    let run = |args: &[&str]| {
        let out = command(args, d)
            .env("HOME", home.path())
            .env("XDG_CACHE_HOME", &xdg)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        out
    };
    let everything_in = |folder: &Path| -> Vec<PathBuf> {
        let mut all = Vec::new();
        let mut pending = vec![folder.to_path_buf()];
        while let Some(folder) = pending.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path.clone());
                }
                all.push(path);
            }
        }
        all
    };
    let library_before = everything_in(d);
    run(&["--no-cache", "music"]);
    run(&["--no-cache", "--stats", "--format", "json", "music"]);
    assert!(
        everything_in(home.path()).is_empty(),
        "{:?}",
        everything_in(home.path())
    );
    assert_eq!(everything_in(d), library_before);

    let first = run(&["--stats", "music"]);
    assert_eq!(from_cache(&first), Some(0));
    assert!(xdg.join("macinmeter/results.sqlite3").is_file());
    assert_eq!(from_cache(&run(&["--stats", "music"])), Some(FILES));
    assert_eq!(everything_in(d), library_before, "nothing is written beside the music");
}

/// The `warning:` lines of a run's standard error.
fn warnings(out: &Output) -> Vec<String> {
    text(&out.stderr)
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_reused_result_warns_as_its_measurement_did() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A float WAV with a NaN sample, and an MP3 with a stretch of its frames overwritten.
    let mut wav = std::fs::read(fixtures().join("formats/wav-f32.wav")).unwrap();
    let data = wav.windows(4).position(|w| w == b"data").unwrap() + 8;
    wav[data + 4000..data + 4004].copy_from_slice(&f32::NAN.to_le_bytes());
    std::fs::write(d.join("nan.wav"), wav).unwrap();
    let mut mp3 = std::fs::read(fixtures().join("formats/mp3-cbr192.mp3")).unwrap();
    let middle = mp3.len() / 2;
    mp3[middle..middle + 3000].fill(0x55);
    std::fs::write(d.join("damaged.mp3"), mp3).unwrap();

    let reference = macinmeter(&["--no-cache", "nan.wav", "damaged.mp3"], d);
    let expected = warnings(&reference);
    assert!(
        expected
            .iter()
            .any(|w| w.starts_with("warning: nan.wav: 1 samples are NaN"))
            && expected.iter().any(|w| w.starts_with("warning: damaged.mp3: ")),
        "{expected:?}"
    );
    let first = cached(d, &["nan.wav", "damaged.mp3"]);
    let again = cached(d, &["nan.wav", "damaged.mp3"]);
    assert_eq!(from_cache(&again), Some(2));
    assert_eq!(warnings(&first), expected);
    assert_eq!(warnings(&again), expected);
    assert_eq!(again.stdout, reference.stdout);
}
