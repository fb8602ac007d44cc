//! What tells a file's content apart cheaply: its size and modification time. Taken once per
//! input before measuring; the results cache keys stored results on it, and tagging
//! refuses a file whose stamp moved since (it may no longer be the file measured).

use std::path::Path;
use std::time::UNIX_EPOCH;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub size: u64,
    /// Nanoseconds since the Unix epoch (negative before it).
    pub mtime_ns: i64,
}

impl FileStamp {
    pub fn of(path: &Path) -> std::io::Result<FileStamp> {
        let meta = std::fs::metadata(path)?;
        let modified = meta.modified()?;
        let mtime_ns = match modified.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_nanos()),
            Err(before) => i64::try_from(before.duration().as_nanos()).map(|ns| -ns),
        }
        .map_err(|_| std::io::Error::other("modification time out of range"))?;
        Ok(FileStamp {
            size: meta.len(),
            mtime_ns,
        })
    }
}
