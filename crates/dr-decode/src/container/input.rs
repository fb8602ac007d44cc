//! Where a track's bytes come from (a file or memory), and the fresh readers over them that
//! the walks use.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::{Path, PathBuf};

/// Where a track's bytes come from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Input<'a> {
    Path(&'a Path),
    Memory {
        bytes: &'a [u8],
        extension: Option<&'a str>,
    },
}

impl Input<'_> {
    /// The name errors and results carry.
    pub(crate) fn display_path(&self) -> PathBuf {
        match self {
            Input::Path(path) => path.to_path_buf(),
            Input::Memory { .. } => PathBuf::from("<memory>"),
        }
    }

    /// A fresh reader over the whole input, for the walks over a file's own structure that
    /// symphonia does not expose (tags, edit lists, box sizes, frame headers). Buffered:
    /// they read a few bytes at a time.
    pub(crate) fn reopen(&self) -> std::io::Result<Box<dyn Source + '_>> {
        match self {
            Input::Path(path) => Ok(Box::new(BufReader::new(File::open(path)?))),
            Input::Memory { bytes, .. } => Ok(Box::new(Cursor::new(*bytes))),
        }
    }

    pub(crate) fn extension(&self) -> Option<String> {
        match self {
            Input::Path(path) => path.extension().map(|e| e.to_string_lossy().to_lowercase()),
            Input::Memory { extension, .. } => extension.map(|e| e.trim_start_matches('.').to_lowercase()),
        }
    }
}

/// What `Input::reopen` gives: a file or the bytes in memory, from their start.
pub(crate) trait Source: Read + Seek {}
impl<T: Read + Seek> Source for T {}
