//! Files are replaced whole or not at all: written to a temporary file beside the
//! target, flushed, then renamed over it.

use std::io::Write;
use std::path::Path;

pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Whether `path` can take a log, found out before any measuring: it is not a folder,
/// and its folder exists and lets a file be created in it (tried with a temporary file,
/// removed at once). The reason, in the words `io_reason` gives, when not.
pub fn check_writable(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err("Is a directory".to_string());
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let probe = dir.join(format!(".macinmeter-probe.{}.tmp", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(file) => {
            drop(file);
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(crate::walk::io_reason(&e)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_whole_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("foo_dr.txt");
        std::fs::write(&target, "old contents that are longer").unwrap();
        super::write_atomically(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(super::write_atomically(&dir.path().join("missing/foo_dr.txt"), b"x").is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_log_destination_is_checked_without_leaving_anything() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(super::check_writable(&dir.path().join("log.txt")), Ok(()));
        assert_eq!(super::check_writable(dir.path()), Err("Is a directory".to_string()));
        assert_eq!(
            super::check_writable(&dir.path().join("missing/log.txt")),
            Err("No such file or directory".to_string())
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
