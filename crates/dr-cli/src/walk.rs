//! Which files a run measures: the paths as given, folders walked in natural order.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Extensions of the files a folder walk picks up. Formats we cannot decode (WavPack,
/// APE, DSD...) are picked up too, so that the run says it could not measure them
/// instead of skipping part of a library in silence.
const AUDIO_EXTENSIONS: &[&str] = &[
    "flac", "fla", "wav", "wave", "rf64", "w64", "aif", "aiff", "aifc", "afc", "mp3", "mp2", "mp1", "m4a", "m4b",
    "mp4", "aac", "adts", "alac", "ogg", "oga", "opus", "mka", "mkv", "webm", "caf", "wv", "ape", "dsf", "dff", "wma",
    "tak", "tta", "mpc", "ofr", "shn", "au", "snd",
];

/// A file a walk found, or a place it could not look into.
#[derive(Debug, PartialEq, Eq)]
pub enum Entry {
    File(PathBuf),
    Unreadable { path: PathBuf, reason: String },
}

pub fn is_audio_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(e)))
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// Expands the command line's paths: files as given (whatever their extension),
/// folders into their audio files, recursively unless `recursive` is false.
pub fn collect(paths: &[PathBuf], recursive: bool) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut visited = HashSet::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk_dir(path, recursive, &mut visited, &mut out),
            Ok(_) => out.push(Entry::File(path.clone())),
            Err(e) => out.push(Entry::Unreadable {
                path: path.clone(),
                reason: format!("cannot open: {}", io_reason(&e)),
            }),
        }
    }
    out
}

fn walk_dir(dir: &Path, recursive: bool, visited: &mut HashSet<PathBuf>, out: &mut Vec<Entry>) {
    // A symlink loop leads back to a folder already walked: its canonical path repeats.
    if let Ok(canonical) = std::fs::canonicalize(dir) {
        if !visited.insert(canonical) {
            return;
        }
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            out.push(Entry::Unreadable {
                path: dir.to_path_buf(),
                reason: format!("cannot list folder: {}", io_reason(&e)),
            });
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort_by(|a, b| natural_cmp_os(a, b));
    for child in children {
        if is_hidden(&child) {
            continue;
        }
        // metadata() follows links: a link to a folder is walked (once), to a file is a file.
        match std::fs::metadata(&child) {
            Ok(meta) if meta.is_dir() => {
                if recursive {
                    walk_dir(&child, recursive, visited, out);
                }
            }
            Ok(_) if is_audio_name(&child) => out.push(Entry::File(child)),
            Ok(_) => {}
            // A dangling link or a file gone since listing: say so only if it looked like audio.
            Err(e) if is_audio_name(&child) => out.push(Entry::Unreadable {
                path: child,
                reason: format!("cannot open: {}", io_reason(&e)),
            }),
            Err(_) => {}
        }
    }
}

fn natural_cmp_os(a: &Path, b: &Path) -> Ordering {
    let name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    natural_cmp(&name(a), &name(b)).then_with(|| a.cmp(b))
}

/// Natural order: digit runs compare as numbers ("track 2" before "track 10"), the
/// rest case-insensitively; only names equal in that sense fall back to plain order.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    natural_cmp_folded(a, b).then_with(|| a.cmp(b))
}

fn natural_cmp_folded(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (a.peek().copied(), b.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let (da, db) = (take_digits(&mut a), take_digits(&mut b));
                let (ta, tb) = (da.trim_start_matches('0'), db.trim_start_matches('0'));
                let ord = ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb));
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            (Some(x), Some(y)) => {
                let ord = x.to_lowercase().cmp(y.to_lowercase());
                if ord != Ordering::Equal {
                    return ord;
                }
                a.next();
                b.next();
            }
        }
    }
}

fn take_digits(it: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut s = String::new();
    while let Some(c) = it.peek().copied().filter(char::is_ascii_digit) {
        s.push(c);
        it.next();
    }
    s
}

/// An I/O error as a person reads it: the system's words without Rust's "(os error 2)"
/// suffix, the wording the decoder's errors use too ("No such file or directory",
/// "Permission denied"), so every message reads alike.
pub fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_puts_2_before_10() {
        let mut names = vec![
            "track 10.flac",
            "Track 2.flac",
            "track 1.flac",
            "track 02.flac",
            "a.flac",
            "b10",
            "b9",
        ];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            vec![
                "a.flac",
                "b9",
                "b10",
                "track 1.flac",
                "Track 2.flac",
                "track 02.flac",
                "track 10.flac"
            ]
        );
    }

    #[test]
    fn walk_skips_hidden_and_non_audio_and_survives_link_loops() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("Album/CD1")).unwrap();
        for name in [
            "Album/10 x.flac",
            "Album/2 x.flac",
            "Album/cover.jpg",
            "Album/.hidden.flac",
            "Album/CD1/1 y.mp3",
        ] {
            std::fs::write(root.join(name), b"x").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("Album"), root.join("Album/CD1/loop")).unwrap();
        let found = collect(&[root.join("Album")], true);
        let names: Vec<String> = found
            .iter()
            .map(|e| match e {
                Entry::File(p) => p.strip_prefix(root).unwrap().to_string_lossy().into_owned(),
                Entry::Unreadable { path, reason } => format!("!{} {reason}", path.display()),
            })
            .collect();
        assert_eq!(names, vec!["Album/2 x.flac", "Album/10 x.flac", "Album/CD1/1 y.mp3"]);
        let flat = collect(&[root.join("Album")], false);
        assert_eq!(flat.len(), 2);
        // A file named explicitly is taken whatever its name.
        assert_eq!(collect(&[root.join("Album/cover.jpg")], true).len(), 1);
        assert!(
            matches!(&collect(&[root.join("nope")], true)[0], Entry::Unreadable { reason, .. } if reason == "cannot open: No such file or directory")
        );
    }
}
