//! `--save-logs`: which `foo_dr.txt` each folder gets, and when one is written at all.
//!
//! * A section's log goes into the deepest folder holding all its tracks (a multi-disc
//!   album in `Album/CD1` and `Album/CD2` gets `Album/foo_dr.txt`); sections whose logs
//!   fall in the same folder share one file.
//! * A log is written only for a finished folder: when the run was stopped before a file
//!   in one of its folders was measured, it is not written (an existing one stays).
//! * An existing `foo_dr.txt` (perhaps foobar2000's own) is never replaced silently: it
//!   is kept, with a note, unless `--overwrite` is given, and even then it is kept when
//!   some file of the folder could not be measured.

use std::collections::HashSet;
use std::path::Path;

use dr_report::{LogHeader, LogOptions, Report};

/// The log one folder would get.
pub struct FolderLog {
    pub folder: String,
    pub log: String,
    /// A file in one of its folders did not finish (the run was interrupted).
    pub unfinished: bool,
    /// A file in one of its folders could not be measured.
    pub some_failed: bool,
}

pub enum Decision {
    Write,
    /// Not written; why, for a note.
    Skip(&'static str),
}

pub fn decide(log: &FolderLog, exists: bool, overwrite: bool) -> Decision {
    if log.unfinished {
        Decision::Skip("not saved: the run was stopped before every file in its folder was measured")
    } else if exists && log.some_failed {
        Decision::Skip("kept as it was: some files in its folder could not be measured")
    } else if exists && !overwrite {
        Decision::Skip("kept as it was: it already exists (--overwrite replaces it)")
    } else {
        Decision::Write
    }
}

fn folder_of(path: &str) -> &str {
    Path::new(path).parent().and_then(|p| p.to_str()).unwrap_or("")
}

/// Every folder's log, for the sections with measured tracks. `unfinished` are the
/// files that were not finished.
pub fn folder_logs(report: &Report, header: &LogHeader, options: &LogOptions, unfinished: &[&Path]) -> Vec<FolderLog> {
    let mut folders: Vec<(String, Report, HashSet<String>)> = Vec::new();
    for section in dr_report::sections(report) {
        let at = match folders.iter().position(|(folder, ..)| *folder == section.folder) {
            Some(at) => at,
            None => {
                let subset = Report {
                    working_folder: report.working_folder.clone(),
                    ..Report::default()
                };
                let own = HashSet::from([section.folder.clone()]);
                folders.push((section.folder.clone(), subset, own));
                folders.len() - 1
            }
        };
        let (_, subset, track_folders) = &mut folders[at];
        for track in &section.tracks {
            track_folders.insert(folder_of(&track.meta.path).to_string());
            subset.tracks.push((*track).clone());
        }
        subset.failures.extend(section.failures.iter().map(|&f| f.clone()));
    }
    folders
        .into_iter()
        .map(|(folder, subset, track_folders)| {
            let in_its_folders = |path: &str| track_folders.contains(folder_of(path));
            FolderLog {
                unfinished: unfinished.iter().any(|path| in_its_folders(&path.to_string_lossy())),
                some_failed: report.failures.iter().any(|f| in_its_folders(&f.path)),
                log: dr_report::album_log(&subset, header, options),
                folder,
            }
        })
        .collect()
}
