//! Album sections of a report (LOG_FORMAT.md, "Album log").

use std::collections::HashMap;

use crate::model::{tag, Failure, Report, ReportTrack};
use crate::text_format::{folder_name_of, folder_of};

/// What a section is grouped by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SectionKind {
    /// Tracks sharing (album artist, else artist) and album tags.
    Album { artist: String, album: String },
    /// Tracks lacking those tags, grouped by their folder (or, for a folder where
    /// every file failed, only failures).
    Folder,
}

/// One section of the album log: one `foo_dr.txt` when logs are saved per folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Section<'a> {
    pub kind: SectionKind,
    /// Where the section's log belongs: the folder of its first track (a tagged album
    /// spread over CD1/CD2 folders uses the first one), or of its first failure.
    pub folder: String,
    /// The folder's last component, shown as "Analyzed folder: <folder_name>".
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

/// Splits a report into sections.
///
/// * A track with an album tag joins the section of its (album artist, else artist,
///   else `?`; album) pair; tags compare exactly after trimming. A track without an
///   album tag joins the section of its folder.
/// * Sections are in the order of their first track.
/// * A failure is listed in the first section holding a track from its folder. A
///   failure whose folder has no measured track gets a folder section with no tracks;
///   such sections follow all others, in the order of their first failure.
pub fn sections(report: &Report) -> Vec<Section<'_>> {
    let mut sections: Vec<Section<'_>> = Vec::new();
    let mut by_key: HashMap<GroupKey, usize> = HashMap::new();
    // The first section holding a track from each folder, where its failures go.
    let mut by_folder: HashMap<&str, usize> = HashMap::new();

    for (index, track) in report.tracks.iter().enumerate() {
        let folder = folder_of(&track.meta.path);
        let tagged = tag(&track.meta.album).map(|album| {
            let artist = track.meta.section_artist().unwrap_or(MISSING_TAG);
            (artist.to_string(), album.to_string())
        });
        let key = match &tagged {
            Some((artist, album)) => GroupKey::Album(artist.clone(), album.clone()),
            None => GroupKey::Folder(folder.to_string()),
        };
        let section_index = *by_key.entry(key).or_insert_with(|| {
            sections.push(new_section(
                match tagged {
                    Some((artist, album)) => SectionKind::Album { artist, album },
                    None => SectionKind::Folder,
                },
                folder,
            ));
            sections.len() - 1
        });
        by_folder.entry(folder).or_insert(section_index);
        if let Some(section) = sections.get_mut(section_index) {
            section.tracks.push(track);
            section.track_indices.push(index);
        }
    }

    for (index, failure) in report.failures.iter().enumerate() {
        let folder = folder_of(&failure.path);
        let section_index = *by_folder.entry(folder).or_insert_with(|| {
            sections.push(new_section(SectionKind::Folder, folder));
            sections.len() - 1
        });
        if let Some(section) = sections.get_mut(section_index) {
            section.failures.push(failure);
            section.failure_indices.push(index);
        }
    }
    sections
}

fn new_section<'a>(kind: SectionKind, folder: &str) -> Section<'a> {
    Section {
        kind,
        folder: folder.to_string(),
        folder_name: folder_name_of(folder).to_string(),
        tracks: Vec::new(),
        track_indices: Vec::new(),
        failures: Vec::new(),
        failure_indices: Vec::new(),
    }
}
