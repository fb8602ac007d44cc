//! Files are replaced whole or not at all: written (or edited copies) as a temporary
//! file beside the target, flushed to disk, then renamed over it. Beside it, because a
//! rename is atomic only within one file system.

use std::fs::File;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    replace_with(path, |tmp| {
        let mut file = File::create(tmp)?;
        file.write_all(contents)?;
        Ok(file)
    })
}

/// Replaces `path` with an edited copy of itself: the file is read into memory, `edit`
/// changes that copy, and it is written beside the original with its permissions,
/// flushed and renamed over it. On any error the original is as it was and no temporary
/// file is left. In memory, so the temporary file is written once, whole (a tag library
/// editing a file on disk moves everything after a growing tag in many small steps).
/// The file must fit in memory: a music track does.
pub fn edit_copy_atomically<E: From<std::io::Error>>(
    path: &Path,
    edit: impl FnOnce(&mut Cursor<Vec<u8>>) -> Result<(), E>,
) -> Result<(), E> {
    let permissions = std::fs::metadata(path)?.permissions();
    let mut copy = Cursor::new(std::fs::read(path)?);
    edit(&mut copy)?;
    replace_with(path, |tmp| {
        let mut file = File::create(tmp)?;
        file.set_permissions(permissions)?;
        file.write_all(copy.get_ref())?;
        Ok(file)
    })
}

/// The one replacing step: `fill` makes the temporary file and returns it open; it is
/// synced, renamed over `path`, and the folder synced so the rename itself survives a crash.
fn replace_with<E: From<std::io::Error>>(path: &Path, fill: impl FnOnce(&Path) -> Result<File, E>) -> Result<(), E> {
    let dir = folder_of(path);
    let tmp = temporary_beside(path);
    let result = (|| {
        let file = fill(&tmp)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        sync_folder(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn temporary_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    folder_of(path).join(format!(".{name}.{}.tmp", std::process::id()))
}

/// Best effort: a folder cannot be opened for syncing everywhere (Windows), and the
/// rename has already happened.
fn sync_folder(dir: &Path) {
    if cfg!(unix) {
        if let Ok(folder) = File::open(dir) {
            let _ = folder.sync_all();
        }
    }
}

/// Whether `path` can take a log, found out before any measuring: it is not a folder,
/// and its folder exists and lets a file be created in it (tried with a temporary file,
/// removed at once). The reason, in the words `io_reason` gives, when not.
pub fn check_writable(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err("Is a directory".to_string());
    }
    let probe = folder_of(path).join(format!(".macinmeter-probe.{}.tmp", std::process::id()));
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

#[cfg(all(test, unix))]
mod edit_tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn an_edited_copy_keeps_the_permissions_and_a_failed_edit_changes_nothing() {
        use std::io::{Seek, SeekFrom, Write};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("song.flac");
        std::fs::write(&path, b"audio").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();

        super::edit_copy_atomically(&path, |file| {
            file.seek(SeekFrom::End(0))?;
            file.write_all(b" and tags")
        })
        .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"audio and tags");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);

        let failed = super::edit_copy_atomically(&path, |file| {
            file.write_all(b"half")?;
            Err(std::io::Error::other("the tag library gave up"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"audio and tags");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
