//! The library overview (`--summary`): one line per album, in the order the user asks.

use std::cmp::Ordering;

use unicode_width::UnicodeWidthStr;

use crate::group::{sections, Section};
use crate::model::{LogOptions, Report};
use crate::text::{with_line_ends, INTERRUPTED_LINE};
use crate::text_format::{official_dr_text, one_line};

/// The order albums are listed in by the overview and the CSV.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AlbumOrder {
    /// As the album log: in the order of each album's first track.
    #[default]
    Run,
    /// Official DR ascending (the most compressed albums first, the ones an audit looks
    /// for); equal values by name.
    Dr,
    /// By artist, then album, then folder, ignoring case.
    Name,
}

/// One album (a section of the album log) with its DR.
#[derive(Debug, Clone, PartialEq)]
pub struct AlbumEntry<'a> {
    pub section: Section<'a>,
    pub result: dr_core::AlbumResult,
    /// [`Section::artist`] and [`Section::album`], computed once for sorting and printing.
    pub artist: String,
    pub album: String,
}

/// Artist, album and folder ignoring case, then exactly (a total order, so a sort gives
/// one answer whatever the run order).
fn by_name(a: &AlbumEntry<'_>, b: &AlbumEntry<'_>) -> Ordering {
    let folded = |e: &AlbumEntry<'_>| {
        [
            e.artist.to_lowercase(),
            e.album.to_lowercase(),
            e.section.folder.to_lowercase(),
        ]
    };
    let exact = |e: &AlbumEntry<'_>| [e.artist.clone(), e.album.clone(), e.section.folder.clone()];
    folded(a).cmp(&folded(b)).then_with(|| exact(a).cmp(&exact(b)))
}

/// The report's albums (the sections of [`sections`], each with at least one measured
/// track) with their DR, in `order`.
pub fn albums<'a>(report: &'a Report, order: AlbumOrder, options: &LogOptions) -> Vec<AlbumEntry<'a>> {
    let mut albums: Vec<AlbumEntry<'_>> = sections(report)
        .into_iter()
        .filter(|section| !section.tracks.is_empty())
        .map(|section| AlbumEntry {
            result: section.album_result(options.album_weighting),
            artist: section.artist(),
            album: section.album(),
            section,
        })
        .collect();
    match order {
        AlbumOrder::Run => {}
        AlbumOrder::Dr => albums.sort_by(|a, b| {
            a.result
                .official_dr
                .cmp(&b.result.official_dr)
                .then_with(|| by_name(a, b))
        }),
        AlbumOrder::Name => albums.sort_by(by_name),
    }
    albums
}

/// How a column's cells are aligned.
#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

const COLUMNS: [(&str, Align); 5] = [
    ("DR", Align::Left),
    ("Tracks", Align::Right),
    ("Artist", Align::Left),
    ("Album", Align::Left),
    ("Folder", Align::Left),
];
const COLUMN_GAP: &str = "  ";

/// `text` padded to `width` terminal columns.
fn padded(text: &str, width: usize, align: Align) -> String {
    let fill = " ".repeat(width.saturating_sub(text.width()));
    match align {
        Align::Left => format!("{text}{fill}"),
        Align::Right => format!("{fill}{text}"),
    }
}

/// The overview: a header line, then one line per album of [`albums`] (`DR12`, its
/// number of measured tracks, artist, album, folder), columns aligned for a terminal
/// (by display width: a CJK character takes two columns); the last column is not padded,
/// so no line ends in spaces. An interrupted run ends with the album log's closing line.
pub fn summary(report: &Report, order: AlbumOrder, options: &LogOptions) -> String {
    let mut rows: Vec<[String; 5]> = vec![COLUMNS.map(|(name, _)| name.to_string())];
    rows.extend(albums(report, order, options).iter().map(|entry| {
        [
            official_dr_text(entry.result.official_dr),
            entry.section.tracks.len().to_string(),
            one_line(&entry.artist),
            one_line(&entry.album),
            one_line(&entry.section.folder),
        ]
    }));
    let mut widths = [0usize; 5];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let last = row.len() - 1;
        let cells: Vec<String> = row
            .iter()
            .zip(widths.iter().zip(COLUMNS))
            .enumerate()
            .map(|(index, (cell, (&width, (_, align))))| {
                if index == last {
                    cell.clone()
                } else {
                    padded(cell, width, align)
                }
            })
            .collect();
        out.push_str(&cells.join(COLUMN_GAP));
        out.push('\n');
    }
    if report.interrupted {
        out.push('\n');
        out.push_str(INTERRUPTED_LINE);
        out.push('\n');
    }
    with_line_ends(out, options.line_ends)
}
