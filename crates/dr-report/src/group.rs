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

impl Section<'_> {
    /// The text after "Analyzed: " / "Analyzed folder: ".
    pub fn heading(&self) -> String {
        match &self.kind {
            SectionKind::Album { artist, album } => format!("{artist} / {album}"),
            SectionKind::Folder => self.folder_name.clone(),
        }
    }

    /// ALGORITHM.md §7, through dr_core.
    pub fn album_result(&self) -> dr_core::AlbumResult {
        dr_core::album(self.tracks.iter().map(|t| &t.result))
    }
}

#[derive(PartialEq, Eq, Hash)]
enum GroupKey {
    Album(String, String),
    Folder(String),
}

/// Splits a report into sections.
///
/// * A track with an album tag and an album artist or artist tag joins the section of
///   that (album artist, else artist, album) pair; tags compare exactly after
///   trimming. Any other track joins the section of its folder.
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
        let tagged = track
            .meta
            .section_artist()
            .zip(tag(&track.meta.album))
            .map(|(artist, album)| (artist.to_string(), album.to_string()));
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
