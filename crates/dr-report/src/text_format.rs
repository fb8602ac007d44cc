//! Small formatting rules shared by the layouts: numbers as C's printf prints them,
//! durations, paths and names.

use crate::model::{tag, TrackMeta};

/// `printf("%.2f", value)` as glibc prints it.
///
/// For finite values Rust's `{:.2}` already agrees: both round the exact binary value
/// and break exact ties to even (0.125 -> "0.12", 0.375 -> "0.38"), and both keep the
/// sign of negative zero ("-0.00"). They differ only on non-finite values, where
/// Rust writes "inf"/"NaN" and glibc "inf"/"-inf"/"nan"/"-nan".
pub fn fixed2(value: f64) -> String {
    if value.is_nan() {
        if value.is_sign_negative() { "-nan" } else { "nan" }.to_string()
    } else if value.is_infinite() {
        if value < 0.0 { "-inf" } else { "inf" }.to_string()
    } else {
        format!("{value:.2}")
    }
}

/// A published dB value (ALGORITHM.md §8) with 2 decimals; `None` prints `-inf`. A value
/// strictly between -0.01 and 0.01 prints `0.00` (never `-0.00`), as DR Meter prints.
pub fn db_text(db: Option<f32>) -> String {
    match db {
        None => "-inf".to_string(),
        Some(db) if db.abs() < 0.01 => "0.00".to_string(),
        Some(db) => fixed2(f64::from(db)),
    }
}

/// An Official DR value as the logs print it: `DR12`.
pub fn official_dr_text(official_dr: i32) -> String {
    format!("DR{official_dr}")
}

/// ALGORITHM.md §8: whole seconds as `m:ss` below an hour, `h:mm:ss` below a day,
/// `Dd h:mm:ss` below a week, `Wwk Dd h:mm:ss` from a week.
pub fn duration_text(seconds: u64) -> String {
    let (minutes, secs) = (seconds / 60, seconds % 60);
    let (hours, minutes) = (minutes / 60, minutes % 60);
    let (days, hours) = (hours / 24, hours % 24);
    let (weeks, days) = (days / 7, days % 7);
    if weeks > 0 {
        format!("{weeks}wk {days}d {hours}:{minutes:02}:{secs:02}")
    } else if days > 0 {
        format!("{days}d {hours}:{minutes:02}:{secs:02}")
    } else if hours > 0 {
        format!("{hours}:{minutes:02}:{secs:02}")
    } else {
        format!("{minutes}:{secs:02}")
    }
}

pub(crate) fn is_separator(c: char) -> bool {
    c == '/' || c == '\\'
}

/// The folder part of a path: "" when there is none, the root itself for "/x".
pub(crate) fn folder_of(path: &str) -> &str {
    // Separators are ASCII, so these byte indices are char boundaries.
    match path.rfind(is_separator) {
        Some(0) => &path[..1],
        Some(index) => &path[..index],
        None => "",
    }
}

/// The last component of a path (the whole path if it has no last component).
pub(crate) fn file_name_of(path: &str) -> &str {
    let trimmed = path.trim_end_matches(is_separator);
    match trimmed.rfind(is_separator) {
        Some(index) if index + 1 < trimmed.len() => &trimmed[index + 1..],
        Some(_) => path,
        None if trimmed.is_empty() => path,
        None => trimmed,
    }
}

/// Tag text put on one log line: control characters (a newline in a title) would
/// break the fixed layout, so each becomes a space.
pub(crate) fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The track number as the log shows it: the part before '/', zero-padded to 2 when
/// it is a number ("3/12" -> "03"), kept as written otherwise ("A1").
fn track_number_text(raw: &str) -> Option<String> {
    let number = raw.split('/').next().unwrap_or("").trim();
    if number.is_empty() {
        None
    } else if number.bytes().all(|b| b.is_ascii_digit()) {
        Some(match number.parse::<u64>() {
            Ok(n) => format!("{n:02}"),
            // Too many digits for u64: already wider than 2, print as written.
            Err(_) => number.to_string(),
        })
    } else {
        Some(number.to_string())
    }
}

/// The album row's name, as DR Meter's `%tracknumber%-%title%`: the track number
/// (2 digits) or `?`, then the title or the file's name without its extension.
pub(crate) fn row_name(meta: &TrackMeta) -> String {
    let number = meta
        .track_number
        .as_deref()
        .and_then(track_number_text)
        .unwrap_or_else(|| "?".to_string());
    let title = tag(&meta.title).map_or_else(|| file_stem_of(&meta.path).to_string(), str::to_string);
    one_line(&format!("{number}-{title}"))
}

/// A file name without its extension ("01 Song.flac" -> "01 Song"; ".flac" stays).
pub(crate) fn file_stem_of(path: &str) -> &str {
    let name = file_name_of(path);
    match name.rfind('.') {
        Some(dot) if dot > 0 => &name[..dot],
        _ => name,
    }
}

/// The single-track head's name: `Artist - Title` (artist, else album artist) when
/// both exist, else the file name.
pub(crate) fn statistics_name(meta: &TrackMeta) -> String {
    let artist = tag(&meta.artist).or_else(|| tag(&meta.album_artist));
    match artist.zip(tag(&meta.title)) {
        Some((artist, title)) => one_line(&format!("{artist} - {title}")),
        None => one_line(file_name_of(&meta.path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_on_both_separators() {
        assert_eq!(folder_of("/m/Album/01.flac"), "/m/Album");
        assert_eq!(folder_of(r"C:\Music\Album\01.flac"), r"C:\Music\Album");
        assert_eq!(folder_of("/01.flac"), "/");
        assert_eq!(folder_of("01.flac"), "");
        assert_eq!(file_name_of(r"C:\Music\Album\01.flac"), "01.flac");
        assert_eq!(file_name_of("01.flac"), "01.flac");
        assert_eq!(file_name_of("/"), "/");
        assert_eq!(file_name_of(""), "");
    }

    #[test]
    fn track_numbers() {
        assert_eq!(track_number_text("3/12").as_deref(), Some("03"));
        assert_eq!(track_number_text(" 7 ").as_deref(), Some("07"));
        assert_eq!(track_number_text("123").as_deref(), Some("123"));
        assert_eq!(track_number_text("A1").as_deref(), Some("A1"));
        assert_eq!(track_number_text("/12"), None);
        assert_eq!(track_number_text(""), None);
    }

    #[test]
    fn db_values_never_print_negative_zero() {
        assert_eq!(db_text(Some(-0.004)), "0.00");
        assert_eq!(db_text(Some(-0.009)), "0.00");
        assert_eq!(db_text(Some(-0.01)), "-0.01");
        assert_eq!(db_text(None), "-inf");
    }
}
