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

/// A linear value in dBFS with 2 decimals; 0 prints `-inf` (ALGORITHM.md §8).
pub(crate) fn db_text(linear: f64) -> String {
    fixed2(dr_core::to_db(linear))
}

/// Whole seconds of `frames` at `sample_rate`, rounded half up; 0 for a zero rate.
/// Integer arithmetic, so 59.5 s is exactly a tie and goes to 60.
pub(crate) fn rounded_seconds(frames: u64, sample_rate: u32) -> u64 {
    if sample_rate == 0 {
        return 0;
    }
    let rate = u128::from(sample_rate);
    let seconds = (u128::from(frames) * 2 + rate) / (2 * rate);
    u64::try_from(seconds).unwrap_or(u64::MAX)
}

/// `M:SS` under one hour, `H:MM:SS` from one hour. The seconds are rounded before
/// they are split, so 59.6 s is "1:00" and 3599.5 s is "1:00:00".
pub fn duration_text(frames: u64, sample_rate: u32) -> String {
    let total = rounded_seconds(frames, sample_rate);
    let (hours, minutes, seconds) = (total / 3600, total % 3600 / 60, total % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{seconds:02}")
    } else {
        format!("{minutes}:{seconds:02}")
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

/// The album row's name: `NN-Title` when both tags exist, else the file name.
pub(crate) fn row_name(meta: &TrackMeta) -> String {
    let numbered = meta
        .track_number
        .as_deref()
        .and_then(track_number_text)
        .zip(tag(&meta.title));
    match numbered {
        Some((number, title)) => one_line(&format!("{number}-{title}")),
        None => one_line(file_name_of(&meta.path)),
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
    fn rounding_of_seconds() {
        // 59.5 s at 2 Hz is 119 frames: an exact tie, rounded up.
        assert_eq!(rounded_seconds(119, 2), 60);
        assert_eq!(rounded_seconds(117, 2), 59); // 58.5 -> 59
        assert_eq!(rounded_seconds(u64::MAX, 1), u64::MAX);
        assert_eq!(rounded_seconds(1000, 0), 0);
    }
}
