//! The results cache: what earlier runs measured, in one SQLite database, so a re-scan
//! measures only the files that changed.
//!
//! A file's kept result is reused when its absolute path (exact bytes), its size, its
//! modification time (ns) and the [`AnalyserVersion`] are all unchanged; anything else is
//! measured again and its entry replaced. Failures are never kept.
//!
//! Several runs may share the database: WAL mode and a busy timeout let them read and write
//! at once. A file that is not our database (damaged, random bytes, another program's, a
//! schema this build does not know) is renamed to `*.broken-<unix seconds>` with a warning,
//! never deleted, and a new one is started. A cache that cannot be used at all costs one
//! warning and the run goes on measuring everything.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::stamp::FileStamp;

use dr_core::{ChannelResult, TrackResult};
use dr_report::{ReportTrack, TrackMeta};
use rusqlite::{params, Connection, ErrorCode, OptionalExtension};
use serde::{Deserialize, Serialize};

/// Bump when a change could alter any result for an unchanged file and unchanged options
/// without changing dr-core's or dr-decode's version: the algorithm, decoding, tag reading,
/// or how the CLI turns a measured track into a [`ReportTrack`] (main.rs `report_track`),
/// or the layout of [`Record`] (an old blob then counts as a miss, not as an error).
const ANALYSER_REVISION: u32 = 2;

/// Everything that decides a file's result besides the file itself. Its text is stored
/// with each entry; an entry with another text is measured again. Options that never
/// change results (threads, files at once, batch size: results are bit-identical) are
/// not part of it; options that do are: add any new one here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalyserVersion {
    pub exclude_lfe: bool,
    pub weight_by_loudness: bool,
}

impl AnalyserVersion {
    /// The version of results measured with `options`.
    pub fn of(options: &dr_decode::DecodeOptions) -> AnalyserVersion {
        AnalyserVersion {
            exclude_lfe: options.exclude_lfe,
            weight_by_loudness: options.channel_weighting == dr_core::ChannelWeighting::Loudness,
        }
    }

    fn text(&self) -> String {
        format!(
            "revision {ANALYSER_REVISION}; dr-core {}; dr-decode {}; exclude-lfe {}; weight-by-loudness {}",
            dr_core::VERSION,
            dr_decode::VERSION,
            self.exclude_lfe,
            self.weight_by_loudness
        )
    }
}

/// Marks the database as ours (SQLite's `PRAGMA application_id`): "MMDR".
const APPLICATION_ID: i32 = 0x4D4D_4452;
/// The table layout (`PRAGMA user_version`). A database with another one is set aside.
const SCHEMA_VERSION: i32 = 1;
/// How long a run waits for another run's write before giving up on that statement.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS results (
    path BLOB PRIMARY KEY NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    analyser TEXT NOT NULL,
    record TEXT NOT NULL
)";

/// `MACINMETER_NO_CACHE` set and not empty: as `--no-cache`. The repository's
/// .cargo/config.toml sets it for what cargo runs (tests, `cargo run`), so the golden and
/// conformance tests measure and are never answered by results an older build stored.
fn off_by_environment() -> bool {
    std::env::var_os("MACINMETER_NO_CACHE").is_some_and(|value| !value.is_empty())
}

/// The default database: `<the platform's cache folder>/macinmeter/results.sqlite3`.
fn default_path() -> Option<PathBuf> {
    let base = directories::BaseDirs::new()?;
    Some(base.cache_dir().join("macinmeter").join("results.sqlite3"))
}

/// A result as the report needs it, with the decoder's warnings (printed again when it is
/// reused).
#[derive(Debug, Clone, PartialEq)]
pub struct KeptTrack {
    pub track: ReportTrack,
    pub warnings: Vec<String>,
}

/// A run's files split by the cache (indices into the run's list of files).
#[derive(Default)]
pub struct Split {
    /// The results reused.
    pub kept: Vec<(usize, KeptTrack)>,
    /// The files to measure, each with the stamp to store its result under.
    pub to_measure: Vec<(usize, Option<FileStamp>)>,
}

/// Which of `files` need measuring (their `stamps` taken before): all of them without a
/// cache.
pub fn split(cache: Option<&Cache>, files: &[PathBuf], stamps: &[Option<FileStamp>]) -> Split {
    match cache {
        Some(cache) => cache.look_up(files, stamps),
        None => Split {
            kept: Vec::new(),
            to_measure: stamps.iter().copied().enumerate().collect(),
        },
    }
}

pub struct Cache {
    connection: Connection,
    path: PathBuf,
    analyser: String,
    /// Set after the first failed write: one warning, then no more writes.
    writes_failed: bool,
}

impl Cache {
    /// The run's cache: `None` with `--no-cache` (`no_cache`) or `MACINMETER_NO_CACHE`, or
    /// when it cannot be used (after one warning on standard error); else the database at
    /// `explicit` or the default place, for results measured with `options`.
    pub fn for_run(no_cache: bool, explicit: Option<&Path>, options: &dr_decode::DecodeOptions) -> Option<Cache> {
        if no_cache || off_by_environment() {
            return None;
        }
        Cache::open(explicit, AnalyserVersion::of(options))
    }

    fn open(explicit: Option<&Path>, analyser: AnalyserVersion) -> Option<Cache> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => {
                let Some(path) = default_path() else {
                    eprintln!("warning: no cache folder is known for this user; measuring without the results cache");
                    return None;
                };
                if let Some(folder) = path.parent() {
                    if let Err(e) = std::fs::create_dir_all(folder) {
                        warn_unusable(&path, &crate::walk::io_reason(&e));
                        return None;
                    }
                }
                path
            }
        };
        let connection = match open_checked(&path) {
            Ok(connection) => connection,
            Err(Problem::Unusable(reason)) => {
                warn_unusable(&path, &reason);
                return None;
            }
            Err(Problem::Foreign(reason)) => match open_checked(&path) {
                // Another run set it aside and started anew meanwhile: use that one.
                Ok(connection) => connection,
                Err(_) => start_anew(&path, &reason)?,
            },
        };
        Some(Cache {
            connection,
            path,
            analyser: analyser.text(),
            writes_failed: false,
        })
    }

    /// Each file's kept result, or what to store its new one under. A file the cache
    /// cannot answer for (unreadable stamp, a query error, an unreadable record) is measured.
    fn look_up(&self, files: &[PathBuf], stamps: &[Option<FileStamp>]) -> Split {
        // One read transaction: one snapshot, and no lock taken per file.
        let transaction = self.connection.unchecked_transaction().ok();
        let mut statement = self
            .connection
            .prepare("SELECT size, mtime_ns, analyser, record FROM results WHERE path = ?1")
            .ok();
        let mut split = Split::default();
        for (index, (path, &stamp)) in files.iter().zip(stamps).enumerate() {
            let kept = match (&mut statement, stamp, key(path)) {
                (Some(statement), Some(stamp), Some(key)) => self.kept(statement, path, stamp, &key),
                _ => None,
            };
            match kept {
                Some(kept) => split.kept.push((index, kept)),
                None => split.to_measure.push((index, stamp)),
            }
        }
        drop(statement);
        if let Some(transaction) = transaction {
            let _ = transaction.finish();
        }
        split
    }

    fn kept(
        &self,
        statement: &mut rusqlite::Statement,
        path: &Path,
        stamp: FileStamp,
        key: &[u8],
    ) -> Option<KeptTrack> {
        let (size, mtime_ns, analyser, record): (i64, i64, String, String) = statement
            .query_row(params![key], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .optional()
            .ok()??;
        let unchanged = u64::try_from(size).ok() == Some(stamp.size) && mtime_ns == stamp.mtime_ns;
        if !unchanged || analyser != self.analyser {
            return None;
        }
        let record: Record = serde_json::from_str(&record).ok()?;
        Some(record.into_kept(path))
    }

    /// Keeps a file's new result (replacing any older entry). A failed write is warned
    /// about once; the run goes on.
    pub fn store(&mut self, path: &Path, stamp: Option<FileStamp>, kept: &KeptTrack) {
        let (Some(stamp), Some(key)) = (stamp, key(path)) else {
            return;
        };
        if self.writes_failed {
            return;
        }
        let Ok(size) = i64::try_from(stamp.size) else { return };
        let record = match serde_json::to_string(&Record::from_kept(kept)) {
            Ok(record) => record,
            Err(_) => return,
        };
        let written = self.connection.execute(
            "INSERT OR REPLACE INTO results (path, size, mtime_ns, analyser, record) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![key, size, stamp.mtime_ns, self.analyser, record],
        );
        if let Err(e) = written {
            self.writes_failed = true;
            eprintln!(
                "warning: results cache {}: cannot store results ({e}); files measured now will be measured again next time",
                self.path.display()
            );
        }
    }
}

/// Sets the file at `path` aside (with a warning saying why) and opens a new database there.
fn start_anew(path: &Path, reason: &str) -> Option<Connection> {
    let aside = match set_aside(path) {
        Ok(aside) => aside,
        Err(e) => {
            warn_unusable(path, &format!("{reason}, and it cannot be set aside: {e}"));
            return None;
        }
    };
    eprintln!(
        "warning: results cache {}: {reason}; set aside as {} and started anew",
        path.display(),
        aside.display()
    );
    match open_checked(path) {
        Ok(connection) => Some(connection),
        Err(Problem::Unusable(reason) | Problem::Foreign(reason)) => {
            warn_unusable(path, &reason);
            None
        }
    }
}

fn warn_unusable(path: &Path, reason: &str) {
    eprintln!(
        "warning: results cache {}: {reason}; measuring without it",
        path.display()
    );
}

/// The key of a file: its absolute path's exact bytes (the OS's encoding), so the same
/// relative path from another folder is another file.
fn key(path: &Path) -> Option<Vec<u8>> {
    let absolute = std::path::absolute(path).ok()?;
    Some(absolute.into_os_string().into_encoded_bytes())
}

enum Problem {
    /// Cannot be opened, read or written now (permissions, a full disk, a lock held too
    /// long): the run goes on without it, the file is left as it is.
    Unusable(String),
    /// Not a database of ours that we can use: it is set aside and a new one started.
    Foreign(String),
}

impl From<rusqlite::Error> for Problem {
    fn from(e: rusqlite::Error) -> Problem {
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                Problem::Foreign(format!("the file is damaged or not a database ({e})"))
            }
            _ => Problem::Unusable(e.to_string()),
        }
    }
}

/// Opens the database, creating it when the file is new or empty, and checks it is ours,
/// of this schema, and not damaged.
fn open_checked(path: &Path) -> Result<Connection, Problem> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    let tables: i64 = connection.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))?;
    if tables == 0 {
        create(&connection)?;
    }
    let application_id: i32 = connection.query_row("PRAGMA application_id", [], |row| row.get(0))?;
    let schema: i32 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if application_id != APPLICATION_ID {
        return Err(Problem::Foreign("the file is another program's database".into()));
    }
    if schema != SCHEMA_VERSION {
        return Err(Problem::Foreign(format!(
            "the database has layout {schema}, this macinmeter uses layout {SCHEMA_VERSION}"
        )));
    }
    let check: String = connection.query_row("PRAGMA quick_check", [], |row| row.get(0))?;
    if check != "ok" {
        return Err(Problem::Foreign(format!("the database is damaged ({check})")));
    }
    // WAL keeps readers and a writer from blocking each other (set again here in case
    // another program turned it off; it is kept in the file). NORMAL syncs at checkpoints
    // only: a power cut may lose the last results, never damage the file.
    let _mode: String = connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(connection)
}

/// Lays out a new database. Another run may be doing the same at once: the write lock
/// orders them, and every statement is idempotent.
fn create(connection: &Connection) -> Result<(), Problem> {
    connection.execute_batch(&format!(
        "BEGIN IMMEDIATE;
         {CREATE_TABLE};
         PRAGMA application_id = {APPLICATION_ID};
         PRAGMA user_version = {SCHEMA_VERSION};
         COMMIT;"
    ))?;
    Ok(())
}

/// Renames the database (and its WAL and shared-memory files, which belong to it) to
/// `<name>.broken-<unix seconds>`, with `-2`, `-3`... when that name is taken.
fn set_aside(path: &Path) -> std::io::Result<PathBuf> {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".broken-{seconds}"));
    let mut aside = PathBuf::from(&name);
    let mut n = 1;
    while aside.exists() {
        n += 1;
        let mut numbered = name.clone();
        numbered.push(format!("-{n}"));
        aside = PathBuf::from(numbered);
    }
    std::fs::rename(path, &aside)?;
    for companion in ["-wal", "-shm"] {
        let mut from = path.as_os_str().to_owned();
        from.push(companion);
        let mut to = aside.as_os_str().to_owned();
        to.push(companion);
        if Path::new(&from).exists() {
            let _ = std::fs::rename(&from, &to);
        }
    }
    Ok(aside)
}

/// A kept result as stored: JSON whose floats are their IEEE bits, so every value (-inf,
/// NaN payloads, subnormals) comes back exactly. The path is not stored in it: a reused
/// result is reported under the path this run was given.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    /// The metadata, without path and bitrate (see `bitrate_kbps_bits`).
    meta: TrackMeta,
    bitrate_kbps_bits: Option<u64>,
    result: StoredResult,
    warnings: Vec<String>,
}

impl Record {
    fn from_kept(kept: &KeptTrack) -> Record {
        let meta = TrackMeta {
            path: String::new(),
            path_bytes: None,
            bitrate_kbps: None,
            ..kept.track.meta.clone()
        };
        Record {
            meta,
            bitrate_kbps_bits: kept.track.meta.bitrate_kbps.map(f64::to_bits),
            result: StoredResult::from(&kept.track.result),
            warnings: kept.warnings.clone(),
        }
    }

    fn into_kept(self, path: &Path) -> KeptTrack {
        let meta = TrackMeta {
            path: crate::display_path(path),
            path_bytes: crate::exact_path_bytes(path),
            bitrate_kbps: self.bitrate_kbps_bits.map(f64::from_bits),
            ..self.meta
        };
        KeptTrack {
            track: ReportTrack {
                meta,
                result: self.result.into(),
            },
            warnings: self.warnings,
        }
    }
}

/// [`TrackResult`] with its floats as bits. Built by destructuring, so a field added to
/// dr-core's result fails to compile here until it is stored too.
#[derive(Debug, Serialize, Deserialize)]
struct StoredResult {
    sample_rate: u32,
    frames: u64,
    windows: u64,
    channels: Vec<StoredChannel>,
    dr: u32,
    official_dr: i32,
    peak: u32,
    rms: u64,
    excluded_channel: Option<usize>,
    nonfinite_samples: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredChannel {
    dr: u32,
    dr_unrounded: u64,
    rms: u32,
    rms_unrounded: u64,
    peak: u32,
    dr_peak: u64,
    loud_rms: u64,
    windows: u64,
    silent: bool,
}

impl From<&TrackResult> for StoredResult {
    fn from(result: &TrackResult) -> StoredResult {
        let TrackResult {
            sample_rate,
            frames,
            windows,
            channels,
            dr,
            official_dr,
            peak,
            rms,
            excluded_channel,
            nonfinite_samples,
        } = result;
        StoredResult {
            sample_rate: *sample_rate,
            frames: *frames,
            windows: *windows,
            channels: channels.iter().map(StoredChannel::from).collect(),
            dr: dr.to_bits(),
            official_dr: *official_dr,
            peak: peak.to_bits(),
            rms: rms.to_bits(),
            excluded_channel: *excluded_channel,
            nonfinite_samples: *nonfinite_samples,
        }
    }
}

impl From<StoredResult> for TrackResult {
    fn from(stored: StoredResult) -> TrackResult {
        TrackResult {
            sample_rate: stored.sample_rate,
            frames: stored.frames,
            windows: stored.windows,
            channels: stored.channels.into_iter().map(ChannelResult::from).collect(),
            dr: f32::from_bits(stored.dr),
            official_dr: stored.official_dr,
            peak: f32::from_bits(stored.peak),
            rms: f64::from_bits(stored.rms),
            excluded_channel: stored.excluded_channel,
            nonfinite_samples: stored.nonfinite_samples,
        }
    }
}

impl From<&ChannelResult> for StoredChannel {
    fn from(channel: &ChannelResult) -> StoredChannel {
        let ChannelResult {
            dr,
            dr_unrounded,
            rms,
            rms_unrounded,
            peak,
            dr_peak,
            loud_rms,
            windows,
            silent,
        } = *channel;
        StoredChannel {
            dr: dr.to_bits(),
            dr_unrounded: dr_unrounded.to_bits(),
            rms: rms.to_bits(),
            rms_unrounded: rms_unrounded.to_bits(),
            peak: peak.to_bits(),
            dr_peak: dr_peak.to_bits(),
            loud_rms: loud_rms.to_bits(),
            windows,
            silent,
        }
    }
}

impl From<StoredChannel> for ChannelResult {
    fn from(stored: StoredChannel) -> ChannelResult {
        ChannelResult {
            dr: f32::from_bits(stored.dr),
            dr_unrounded: f64::from_bits(stored.dr_unrounded),
            rms: f32::from_bits(stored.rms),
            rms_unrounded: f64::from_bits(stored.rms_unrounded),
            peak: f32::from_bits(stored.peak),
            dr_peak: f64::from_bits(stored.dr_peak),
            loud_rms: f64::from_bits(stored.loud_rms),
            windows: stored.windows,
            silent: stored.silent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every float's bits, in field order: equal lists mean an exact round trip (unlike
    /// `==`, which NaN fails and -0.0 passes).
    fn float_bits(track: &ReportTrack) -> Vec<u64> {
        let r = &track.result;
        let mut bits = vec![
            u64::from(r.dr.to_bits()),
            u64::from(r.peak.to_bits()),
            r.rms.to_bits(),
            track.meta.bitrate_kbps.map_or(u64::MAX, f64::to_bits),
        ];
        for c in &r.channels {
            bits.extend([
                u64::from(c.dr.to_bits()),
                c.dr_unrounded.to_bits(),
                u64::from(c.rms.to_bits()),
                c.rms_unrounded.to_bits(),
                u64::from(c.peak.to_bits()),
                c.dr_peak.to_bits(),
                c.loud_rms.to_bits(),
            ]);
        }
        bits
    }

    #[test]
    fn a_record_keeps_every_bit() {
        let channel = ChannelResult {
            dr: 13.25,
            dr_unrounded: 13.249_999_999_999_998,
            rms: f32::from_bits(1), // the smallest subnormal
            rms_unrounded: f64::NEG_INFINITY,
            peak: -0.0,
            dr_peak: f64::from_bits(0x7FF8_0000_0000_0ABC), // a NaN with a payload
            loud_rms: 0.1 + 0.2,
            windows: 42,
            silent: false,
        };
        let silent = ChannelResult {
            silent: true,
            dr: 0.0,
            dr_peak: f64::INFINITY,
            ..channel
        };
        let track = ReportTrack {
            meta: TrackMeta {
                path: "/music/a.flac".into(),
                artist: Some("Ärtist".into()),
                album: Some("Album".into()),
                track_number: Some("3/12".into()),
                codec: "FLAC".into(),
                sample_rate: 44100,
                bits_per_sample: Some(24),
                channels: 2,
                channel_names: vec!["FL".into(), "FR".into()],
                bitrate_kbps: Some(f64::from_bits(0x3FF0_0000_0000_0001)),
                ..Default::default()
            },
            result: TrackResult {
                sample_rate: 44100,
                frames: 123_456_789,
                windows: 4000,
                channels: vec![channel, silent],
                dr: f32::from_bits(0x4150_0001),
                official_dr: 13,
                peak: f32::MIN_POSITIVE,
                rms: std::f64::consts::PI,
                excluded_channel: Some(1),
                nonfinite_samples: 7,
            },
        };
        let kept = KeptTrack {
            track,
            warnings: vec!["skipped 1 damaged packet".into()],
        };
        let text = serde_json::to_string(&Record::from_kept(&kept)).unwrap();
        assert!(!text.contains("a.flac"), "the path is the key, not part of the record");
        let back = serde_json::from_str::<Record>(&text)
            .unwrap()
            .into_kept(Path::new("/music/a.flac"));
        assert_eq!(float_bits(&back.track), float_bits(&kept.track));
        // NaN aside, everything else compares with ==.
        let without_nan = |k: &KeptTrack| {
            let mut k = k.clone();
            k.track.result.channels[0].dr_peak = 0.0;
            k
        };
        assert_eq!(without_nan(&back), without_nan(&kept));
    }

    #[test]
    fn the_analyser_version_names_each_option_that_changes_results() {
        let plain = AnalyserVersion {
            exclude_lfe: false,
            weight_by_loudness: false,
        };
        let texts = [
            plain,
            AnalyserVersion {
                exclude_lfe: true,
                ..plain
            },
            AnalyserVersion {
                weight_by_loudness: true,
                ..plain
            },
        ]
        .map(|v| v.text());
        assert_ne!(texts[0], texts[1]);
        assert_ne!(texts[0], texts[2]);
        assert_ne!(texts[1], texts[2]);
        assert!(texts[0].contains(&format!("dr-core {}", dr_core::VERSION)));
    }
}
