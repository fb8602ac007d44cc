//! `--format csv`: one row per track with its album's DR, or one row per album with
//! `--summary` (LOG_FORMAT.md, "CSV"). Values are printed as the logs print them.

use crate::model::{tag, LineEnds, LogOptions, Report, ReportTrack};
use crate::summary::{albums, AlbumEntry, AlbumOrder};
use crate::text_format::{db_text, duration_text, fixed2};

/// The header of [`tracks_csv`].
pub const TRACK_COLUMNS: [&str; 21] = [
    "path",
    "artist",
    "album_artist",
    "album",
    "title",
    "track_number",
    "disc_number",
    "official_dr",
    "dr",
    "peak_db",
    "rms_db",
    "duration",
    "frames",
    "sample_rate",
    "channels",
    "bits",
    "bitrate_kbps",
    "codec",
    "album_official_dr",
    "album_dr",
    "album_folder",
];

/// The header of [`albums_csv`].
pub const ALBUM_COLUMNS: [&str; 7] = ["official_dr", "dr", "tracks", "artist", "album", "folder", "kind"];

fn optional<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

fn track_row(track: &ReportTrack, album: &AlbumEntry<'_>) -> [String; 21] {
    let meta = &track.meta;
    let result = &track.result;
    let text = |value: &Option<String>| tag(value).unwrap_or_default().to_string();
    [
        meta.path.clone(),
        text(&meta.artist),
        text(&meta.album_artist),
        text(&meta.album),
        text(&meta.title),
        text(&meta.track_number),
        text(&meta.disc_number),
        result.official_dr.to_string(),
        fixed2(f64::from(result.dr)),
        db_text(result.peak_db()),
        db_text(result.rms_db()),
        duration_text(result.rounded_seconds()),
        result.frames.to_string(),
        meta.sample_rate.to_string(),
        meta.channels.to_string(),
        optional(meta.bits_per_sample),
        optional(meta.rounded_bitrate_kbps()),
        meta.codec.trim().to_string(),
        album.result.official_dr.to_string(),
        fixed2(f64::from(album.result.dr)),
        album.section.folder.clone(),
    ]
}

fn album_row(album: &AlbumEntry<'_>) -> [String; 7] {
    [
        album.result.official_dr.to_string(),
        fixed2(f64::from(album.result.dr)),
        album.section.tracks.len().to_string(),
        album.artist.clone(),
        album.album.clone(),
        album.section.folder.clone(),
        album.section.kind.name().to_string(),
    ]
}

/// Header and rows as CSV (RFC 4180 quoting: a field holding a comma, a quote or a line
/// break is quoted, quotes doubled), each record ended as `line_ends` says.
fn write_csv<const N: usize>(
    header: [&str; N],
    rows: impl Iterator<Item = [String; N]>,
    line_ends: LineEnds,
) -> String {
    let terminator = match line_ends {
        LineEnds::Lf => ::csv::Terminator::Any(b'\n'),
        LineEnds::CrLf => ::csv::Terminator::CRLF,
    };
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(terminator)
        .from_writer(Vec::new());
    // Writing to memory fails only on a record of another length, which these
    // fixed-size arrays cannot be.
    let _ = writer.write_record(header);
    for row in rows {
        let _ = writer.write_record(&row);
    }
    let bytes = writer
        .into_inner()
        .unwrap_or_else(|unflushed| unflushed.into_inner().get_ref().clone());
    // Every field is a String, so the bytes are UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// One row per measured track: the header [`TRACK_COLUMNS`], then the albums of
/// [`albums`] in `order`, each album's tracks in run order. Failed files have no row.
pub fn tracks_csv(report: &Report, order: AlbumOrder, options: &LogOptions) -> String {
    let albums = albums(report, order, options);
    let rows = albums
        .iter()
        .flat_map(|album| album.section.tracks.iter().map(move |track| track_row(track, album)));
    write_csv(TRACK_COLUMNS, rows, options.line_ends)
}

/// One row per album, the `--summary` of CSV: the header [`ALBUM_COLUMNS`], then the
/// albums of [`albums`] in `order`.
pub fn albums_csv(report: &Report, order: AlbumOrder, options: &LogOptions) -> String {
    let albums = albums(report, order, options);
    write_csv(ALBUM_COLUMNS, albums.iter().map(album_row), options.line_ends)
}
