//! Album sections of a report (LOG_FORMAT.md, "Album log").

use std::collections::HashMap;

use crate::model::{tag, Failure, Report, ReportTrack};
use crate::text_format::{file_name_of, folder_of, is_separator};

/// What a section is grouped by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SectionKind {
    /// Tracks sharing (album artist, else artist) and album tags.
    Album { artist: String, album: String },
    /// Tracks lacking those tags, grouped by their folder.
    Folder,
}

impl SectionKind {
    /// "album" or "folder", as JSON and CSV name the kind.
    pub fn name(&self) -> &'static str {
        match self {
            SectionKind::Album { .. } => "album",
            SectionKind::Folder => "folder",
        }
    }
}

/// One section of the album log: one `foo_dr.txt` when logs are saved per folder.
/// Every section has at least one track.
#[derive(Debug, Clone, PartialEq)]
pub struct Section<'a> {
    pub kind: SectionKind,
    /// Where the section's log belongs: the deepest folder holding all its tracks (a
    /// tagged album spread over `Album/CD1` and `Album/CD2` belongs in `Album`). A
    /// folder that names no folder by itself ("", ".", "..") is given as the real one
    /// when the report has a [`Report::working_folder`].
    pub folder: String,
    /// The real name of that folder (its last component), never "." or "..", unless
    /// the report lacks the working folder needed to know it.
    pub folder_name: String,
    pub tracks: Vec<&'a ReportTrack>,
    /// Indices of `tracks` in `Report::tracks`.
    pub track_indices: Vec<usize>,
    pub failures: Vec<&'a Failure>,
    /// Indices of `failures` in `Report::failures`.
    pub failure_indices: Vec<usize>,
}

/// What a log prints for a missing artist or album, as DR Meter does.
pub const MISSING_TAG: &str = "?";

impl Section<'_> {
    /// The section's artist: its tag, or for a folder section the artist its tracks
    /// share; `?` when there is none.
    pub fn artist(&self) -> String {
        match &self.kind {
            SectionKind::Album { artist, .. } => artist.clone(),
            SectionKind::Folder => {
                let mut artists = self.tracks.iter().map(|t| t.meta.section_artist());
                let first = artists.next().flatten();
                let shared = first.filter(|a| artists.all(|other| other == Some(a)));
                shared.unwrap_or(MISSING_TAG).to_string()
            }
        }
    }

    /// The section's album tag; `?` for a folder section.
    pub fn album(&self) -> String {
        match &self.kind {
            SectionKind::Album { album, .. } => album.clone(),
            SectionKind::Folder => MISSING_TAG.to_string(),
        }
    }

    /// The text after "Analyzed: ": `<artist> / <album>`.
    pub fn heading(&self) -> String {
        format!("{} / {}", self.artist(), self.album())
    }

    /// ALGORITHM.md §7, through dr_core.
    pub fn album_result(&self, weighting: dr_core::AlbumWeighting) -> dr_core::AlbumResult {
        dr_core::album(self.tracks.iter().map(|t| &t.result), weighting)
    }
}

#[derive(PartialEq, Eq, Hash)]
enum GroupKey {
    Album(String, String),
    Folder(String),
}

/// The section a track joins, and its (artist, album) when it is tagged as an album.
fn group_key(track: &ReportTrack) -> (GroupKey, Option<(String, String)>) {
    let tagged = tag(&track.meta.album).map(|album| {
        let artist = track.meta.section_artist().unwrap_or(MISSING_TAG);
        (artist.to_string(), album.to_string())
    });
    let key = match &tagged {
        Some((artist, album)) => GroupKey::Album(artist.clone(), album.clone()),
        None => GroupKey::Folder(folder_of(&track.meta.path).to_string()),
    };
    (key, tagged)
}

/// Splits a report into sections; no section is without tracks.
///
/// * A track with an album tag joins the section of its (album artist, else artist,
///   else `?`; album) pair; tags compare exactly after trimming. A track without an
///   album tag joins the section of its folder.
/// * Sections are in the order of their first track.
/// * A failure is listed in the first section holding a track from its folder. A
///   failure whose folder has no measured track is in no section: see
///   [`failures_outside_sections`].
pub fn sections(report: &Report) -> Vec<Section<'_>> {
    let mut sections: Vec<Section<'_>> = Vec::new();
    let mut by_key: HashMap<GroupKey, usize> = HashMap::new();
    let by_folder = first_section_of_each_folder(report);

    for (index, track) in report.tracks.iter().enumerate() {
        let (key, tagged) = group_key(track);
        let section_index = *by_key.entry(key).or_insert_with(|| {
            sections.push(Section {
                kind: match tagged {
                    Some((artist, album)) => SectionKind::Album { artist, album },
                    None => SectionKind::Folder,
                },
                folder: String::new(),
                folder_name: String::new(),
                tracks: Vec::new(),
                track_indices: Vec::new(),
                failures: Vec::new(),
                failure_indices: Vec::new(),
            });
            sections.len() - 1
        });
        if let Some(section) = sections.get_mut(section_index) {
            section.tracks.push(track);
            section.track_indices.push(index);
        }
    }

    for (index, failure) in report.failures.iter().enumerate() {
        if let Some(section) = by_folder
            .get(folder_of(&failure.path))
            .and_then(|&at| sections.get_mut(at))
        {
            section.failures.push(failure);
            section.failure_indices.push(index);
        }
    }

    for section in &mut sections {
        let common = common_folder(section.tracks.iter().map(|t| folder_of(&t.meta.path)));
        section.folder = real_folder(common, report.working_folder.as_deref());
        section.folder_name = real_folder_name(&section.folder);
    }
    sections
}

/// Indices in `Report::failures` of the failures no section lists: those whose folder
/// has no measured track (a file or folder that failed entirely). The album log lists
/// them after the sections.
pub fn failures_outside_sections(report: &Report) -> Vec<usize> {
    let by_folder = first_section_of_each_folder(report);
    report
        .failures
        .iter()
        .enumerate()
        .filter(|(_, failure)| !by_folder.contains_key(folder_of(&failure.path)))
        .map(|(index, _)| index)
        .collect()
}

/// For each folder holding a measured track, the index of the first section holding
/// one of its tracks (where the folder's failures are listed). Sections are numbered in
/// the order of their first track, as [`sections`] makes them.
fn first_section_of_each_folder(report: &Report) -> HashMap<&str, usize> {
    let mut section_of_key: HashMap<GroupKey, usize> = HashMap::new();
    let mut by_folder: HashMap<&str, usize> = HashMap::new();
    for track in &report.tracks {
        let next = section_of_key.len();
        let section = *section_of_key.entry(group_key(track).0).or_insert(next);
        by_folder.entry(folder_of(&track.meta.path)).or_insert(section);
    }
    by_folder
}

/// The parts of a folder that name something: "." and empty parts left out.
fn parts(folder: &str) -> impl Iterator<Item = (usize, &str)> {
    folder
        .split(is_separator)
        .scan(0, |start, part| {
            let at = *start;
            *start += part.len() + 1;
            Some((at, part))
        })
        .filter(|(_, part)| !part.is_empty() && *part != ".")
}

/// The deepest folder holding all of `folders`, as the first one writes it ("" when
/// they share nothing, the root when they share only that).
fn common_folder<'a>(folders: impl Iterator<Item = &'a str>) -> &'a str {
    let mut common: Option<&'a str> = None;
    for folder in folders {
        let Some(so_far) = common else {
            common = Some(folder);
            continue;
        };
        let shared = parts(so_far).zip(parts(folder)).take_while(|((_, a), (_, b))| a == b);
        let end = shared.last().map(|((at, part), _)| at + part.len());
        let rooted = so_far.starts_with(is_separator) && folder.starts_with(is_separator);
        common = Some(match end {
            Some(end) => &so_far[..end],
            None if rooted => &so_far[..1],
            None => "",
        });
    }
    common.unwrap_or("")
}

/// `folder` lexically resolved (".." takes away the part before it); `None` when it
/// climbs above where it starts.
fn resolved_parts(folder: &str) -> Option<Vec<&str>> {
    let mut out: Vec<&str> = Vec::new();
    for (_, part) in parts(folder) {
        if part == ".." {
            out.pop()?;
        } else {
            out.push(part);
        }
    }
    Some(out)
}

/// `folder` itself when it names a folder; otherwise ("", ".", "a/..", "..") that
/// folder found from `working_folder`.
fn real_folder(folder: &str, working_folder: Option<&str>) -> String {
    let names_itself = folder.starts_with(is_separator) || resolved_parts(folder).is_some_and(|p| !p.is_empty());
    match working_folder {
        Some(working) if !names_itself => {
            let separator = if working.contains('/') || !working.contains('\\') {
                '/'
            } else {
                '\\'
            };
            let joined = format!("{}{separator}{folder}", working.trim_end_matches(is_separator));
            let rooted = working.starts_with(is_separator);
            match resolved_parts(&joined) {
                Some(resolved) if rooted => format!("{separator}{}", resolved.join(&separator.to_string())),
                Some(resolved) if !resolved.is_empty() => resolved.join(&separator.to_string()),
                _ => working.to_string(),
            }
        }
        _ => folder.to_string(),
    }
}

/// The last named part of a folder; "." when it has none to show.
fn real_folder_name(folder: &str) -> String {
    match resolved_parts(folder).and_then(|parts| parts.last().copied()) {
        Some(name) => name.to_string(),
        None if folder.starts_with(is_separator) => folder[..1].to_string(),
        None if folder.is_empty() => ".".to_string(),
        None => file_name_of(folder).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_folder_is_the_deepest_holding_all() {
        let common = |folders: &[&'static str]| common_folder(folders.iter().copied());
        assert_eq!(common(&["/m/Album/CD1", "/m/Album/CD2"]), "/m/Album");
        assert_eq!(common(&["Album/CD1", "Album/CD1"]), "Album/CD1");
        assert_eq!(common(&["Album/CD1", "Album"]), "Album");
        assert_eq!(common(&["A/x", "B/y"]), "");
        assert_eq!(common(&["/A", "/B"]), "/");
        assert_eq!(common(&[r"C:\m\Album\CD1", r"C:\m\Album\CD2"]), r"C:\m\Album");
        // "CD1" is not a prefix of "CD10": parts compare whole.
        assert_eq!(common(&["Album/CD1", "Album/CD10"]), "Album");
        // Both in the current folder: "" (which real_folder resolves).
        assert_eq!(common(&["./CD1", "./CD2"]), "");
    }

    #[test]
    fn folders_that_do_not_name_themselves_are_found_from_the_working_folder() {
        let work = Some("/home/u/My Album");
        assert_eq!(real_folder("", work), "/home/u/My Album");
        assert_eq!(real_folder(".", work), "/home/u/My Album");
        assert_eq!(real_folder("..", work), "/home/u");
        assert_eq!(real_folder("CD1/..", work), "/home/u/My Album");
        assert_eq!(real_folder("CD1", work), "CD1");
        assert_eq!(real_folder("/m/A", work), "/m/A");
        assert_eq!(real_folder(".", None), ".");
        assert_eq!(real_folder(".", Some(r"C:\Music\Album")), r"C:\Music\Album");
        assert_eq!(real_folder_name("/home/u/My Album"), "My Album");
        assert_eq!(real_folder_name("CD1/./"), "CD1");
        assert_eq!(real_folder_name("/"), "/");
        assert_eq!(real_folder_name(""), ".");
    }
}
