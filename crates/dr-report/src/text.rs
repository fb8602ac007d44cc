//! The text logs of LOG_FORMAT.md: DR Meter 1.0.8's section layout, and our detailed
//! single-track layout. Built with `\n`; [`LineEnds::CrLf`] converts at the end (tag
//! text never holds a line break: `one_line` replaces control characters).

use std::fmt::Write as _;

use crate::channels::{track_labels, ChannelLabel};
use crate::group::{failures_outside_sections, sections, Section};
use crate::model::{Failure, LineEnds, LogHeader, LogOptions, Report, ReportTrack};
use crate::text_format::{db_text, duration_text, fixed2, official_dr_text, one_line, row_name, statistics_name};

const RULE: &str = "--------------------------------------------------------------------------------";
const DOUBLE_RULE: &str = "================================================================================";
/// Footer lines are `%-19s%s`: values start after "Official DR value: ".
const LABEL_WIDTH: usize = 19;
/// With channel columns the track name is `%-35s`; a longer one keeps this many
/// characters and then `(…)`.
const NAME_WIDTH: usize = 35;
const NAME_KEPT: usize = 32;
const NAME_CUT_MARK: &str = "(\u{2026})";
/// Every channel cell (`%10.2f dB`, `%8s dBFS`, its header `%13s`) is this wide.
const CELL_WIDTH: usize = 13;
/// The last line of an interrupted run's log.
pub(crate) const INTERRUPTED_LINE: &str = "Interrupted: not every file was analyzed.";

fn line(out: &mut String, text: &str) {
    out.push_str(text);
    out.push('\n');
}

fn labelled(out: &mut String, label: &str, value: &str) {
    // Writing to a String cannot fail.
    let _ = writeln!(out, "{label:<LABEL_WIDTH$}{value}");
}

fn log_head(out: &mut String, header: &LogHeader) {
    line(out, &one_line(&header.product_line()));
    line(out, &format!("log date: {}", header.date));
    line(out, "");
}

pub(crate) fn with_line_ends(text: String, line_ends: LineEnds) -> String {
    match line_ends {
        LineEnds::Lf => text,
        LineEnds::CrLf => text.replace('\n', "\r\n"),
    }
}

/// The per-channel columns of a section: none for mono-only sections or stereo ones
/// unless asked; else the union of the tracks' channel labels in speaker order.
fn section_columns(tracks: &[&ReportTrack], options: &LogOptions) -> Vec<ChannelLabel> {
    let widest = tracks.iter().map(|t| t.result.channels.len()).max().unwrap_or(0);
    let wanted = widest > 2 || (widest == 2 && options.channel_columns_for_stereo);
    if !wanted {
        return Vec::new();
    }
    let mut columns: Vec<ChannelLabel> = tracks.iter().flat_map(|t| track_labels(&t.meta)).collect();
    columns.sort();
    columns.dedup();
    columns
}

fn table_header(columns: &[ChannelLabel]) -> String {
    let mut text = format!("{:<5}{:>10}{:>14}{:>15} ", "DR", "Peak", "RMS", "Duration");
    if columns.is_empty() {
        text.push_str("Track");
        return text;
    }
    let _ = write!(text, "{:<NAME_WIDTH$}", "Track");
    for kind in ["DR", "RMS"] {
        for label in columns {
            let _ = write!(text, "{:>CELL_WIDTH$}", format!("{kind} ({label})"));
        }
    }
    text
}

/// The name in a row with columns: padded to 35 characters, or cut to 32 + `(…)`.
fn column_name(name: &str) -> String {
    if name.chars().count() > NAME_WIDTH {
        let kept: String = name.chars().take(NAME_KEPT).collect();
        format!("{kept}{NAME_CUT_MARK}")
    } else {
        format!("{name:<NAME_WIDTH$}")
    }
}

/// One row of a section's table: `%-5s%10s dBFS%9s dBFS%10s %s`, then the channel cells.
fn table_row(track: &ReportTrack, columns: &[ChannelLabel]) -> String {
    let result = &track.result;
    let mut text = format!(
        "{:<5}{:>10} dBFS{:>9} dBFS{:>10} ",
        official_dr_text(result.official_dr),
        db_text(result.peak_db()),
        db_text(result.rms_db()),
        duration_text(result.rounded_seconds()),
    );
    let name = row_name(&track.meta);
    if columns.is_empty() {
        text.push_str(&name);
        return text;
    }
    text.push_str(&column_name(&name));
    let labels = track_labels(&track.meta);
    let channel_of = |label: &ChannelLabel| {
        labels
            .iter()
            .position(|l| l == label)
            .and_then(|i| result.channels.get(i))
    };
    for label in columns {
        match channel_of(label) {
            Some(channel) => {
                let _ = write!(text, "{:>10} dB", fixed2(f64::from(channel.dr)));
            }
            None => text.push_str(&" ".repeat(CELL_WIDTH)),
        }
    }
    for label in columns {
        match channel_of(label) {
            Some(channel) => {
                let _ = write!(text, "{:>8} dBFS", db_text(channel.rms_db()));
            }
            None => text.push_str(&" ".repeat(CELL_WIDTH)),
        }
    }
    text
}

/// The distinct values, sorted, joined by ", "; "-" when there are none.
fn sorted_list<T: Ord>(values: impl IntoIterator<Item = T>, show: impl Fn(&T) -> String) -> String {
    let mut values: Vec<T> = values.into_iter().collect();
    values.sort();
    values.dedup();
    if values.is_empty() {
        return "-".to_string();
    }
    values.iter().map(show).collect::<Vec<_>>().join(", ")
}

/// The tracks' bitrates weighted by duration, i.e. the bitrate of the tracks taken as one
/// file, rounded to nearest; a plain mean when no track has a duration.
fn average_bitrate_kbps(tracks: &[&ReportTrack]) -> Option<u64> {
    let rated: Vec<(f64, f64)> = tracks
        .iter()
        .filter_map(|t| {
            let seconds = t.result.duration_seconds();
            let weight = if seconds.is_finite() { seconds } else { 0.0 };
            t.meta.bitrate_kbps.filter(|k| k.is_finite()).map(|kbps| (kbps, weight))
        })
        .collect();
    if rated.is_empty() {
        return None;
    }
    let total_weight: f64 = rated.iter().map(|&(_, w)| w).sum();
    let mean = if total_weight > 0.0 {
        rated.iter().map(|&(kbps, w)| kbps * w).sum::<f64>() / total_weight
    } else {
        rated.iter().map(|&(kbps, _)| kbps).sum::<f64>() / rated.len() as f64
    };
    // `as` saturates: no overflow whatever the input.
    Some(mean.round() as u64)
}

/// Samplerate .. Codec: each the sorted distinct values of the tracks. Lossy tracks have
/// no bit depth and are left out of "Bits per sample" ("-" when none has one).
fn technical_footer(out: &mut String, tracks: &[&ReportTrack]) {
    // "8000, 44100, 48000 Hz": the unit once, after the list.
    let rates = sorted_list(tracks.iter().map(|t| t.meta.sample_rate), u32::to_string);
    labelled(out, "Samplerate:", &format!("{rates} Hz"));
    labelled(
        out,
        "Channels:",
        &sorted_list(tracks.iter().map(|t| t.meta.channels), u16::to_string),
    );
    labelled(
        out,
        "Bits per sample:",
        &sorted_list(tracks.iter().filter_map(|t| t.meta.bits_per_sample), u32::to_string),
    );
    labelled(
        out,
        "Bitrate:",
        &average_bitrate_kbps(tracks).map_or_else(|| "-".to_string(), |k| format!("{k} kbps")),
    );
    let codecs = tracks
        .iter()
        .map(|t| one_line(t.meta.codec.trim()))
        .filter(|c| !c.is_empty());
    labelled(out, "Codec:", &sorted_list(codecs, String::clone));
}

fn failure_lines(out: &mut String, failures: &[&Failure]) {
    for failure in failures {
        line(out, &one_line(&format!("Failed: {}: {}", failure.path, failure.reason)));
    }
}

/// One section, from its first rule to its `=` rule, then its failures. A section with
/// no measured track prints only its failures: no table, no DR.
fn write_section(out: &mut String, section: &Section<'_>, options: &LogOptions) {
    if section.tracks.is_empty() {
        failure_lines(out, &section.failures);
        return;
    }
    let columns = section_columns(&section.tracks, options);
    line(out, RULE);
    line(out, &one_line(&format!("Analyzed: {}", section.heading())));
    line(out, RULE);
    line(out, "");
    line(out, &table_header(&columns));
    line(out, RULE);
    for track in &section.tracks {
        line(out, &table_row(track, &columns));
    }
    line(out, RULE);
    line(out, "");
    labelled(out, "Number of tracks:", &section.tracks.len().to_string());
    let album = section.album_result(options.album_weighting);
    labelled(out, "Official DR value:", &official_dr_text(album.official_dr));
    line(out, "");
    technical_footer(out, &section.tracks);
    line(out, DOUBLE_RULE);
    failure_lines(out, &section.failures);
}

/// The log of a whole run: the head, then every section of [`sections`] separated by
/// an empty line, then the failures no section lists (files and folders that failed
/// entirely), then a closing line if the run was interrupted.
pub fn album_log(report: &Report, header: &LogHeader, options: &LogOptions) -> String {
    let mut out = String::new();
    log_head(&mut out, header);
    let sections = sections(report);
    for (index, section) in sections.iter().enumerate() {
        if index > 0 {
            line(&mut out, "");
        }
        write_section(&mut out, section, options);
    }
    let outside = failures_outside_sections(report);
    if !sections.is_empty() && !outside.is_empty() {
        line(&mut out, "");
    }
    let outside: Vec<&Failure> = outside.iter().filter_map(|&index| report.failures.get(index)).collect();
    failure_lines(&mut out, &outside);
    if report.interrupted {
        if !report.tracks.is_empty() || !report.failures.is_empty() {
            line(&mut out, "");
        }
        line(&mut out, INTERRUPTED_LINE);
    }
    with_line_ends(out, options.line_ends)
}

/// One section with the head: the `foo_dr.txt` of the section's folder.
pub fn album_section_log(section: &Section<'_>, header: &LogHeader, options: &LogOptions) -> String {
    let mut out = String::new();
    log_head(&mut out, header);
    write_section(&mut out, section, options);
    with_line_ends(out, options.line_ends)
}

/// Label column of the per-channel table; numbers end in column 21.
const CHANNEL_LABEL_WIDTH: usize = 12;
const FIRST_VALUE_WIDTH: usize = 9;
/// After "   ---": the second number ends in column 40.
const SECOND_VALUE_WIDTH: usize = 10;

/// One number of a channel, as the detailed table prints it.
type ChannelValue = fn(&dr_core::ChannelResult) -> String;

const CHANNEL_VALUES: [(&str, ChannelValue); 3] = [
    ("Peak Value:", |c| db_text(c.peak_db())),
    ("Avg RMS:", |c| db_text(c.rms_db())),
    ("DR channel:", |c| fixed2(f64::from(c.dr))),
];

/// Mono and stereo: one column per channel.
fn channel_columns(out: &mut String, track: &ReportTrack) {
    let channels = &track.result.channels;
    let names: &[&str] = if channels.len() == 1 {
        &["Mono"]
    } else {
        &["Left", "Right"]
    };
    let mut heading = format!("{:>width$}", names[0], width = CHANNEL_LABEL_WIDTH + FIRST_VALUE_WIDTH);
    if let Some(second) = names.get(1) {
        // "   ---" then the value: "Right" ends where the value does.
        let _ = write!(heading, "{second:>width$}", width = 3 + 6 + SECOND_VALUE_WIDTH);
    }
    line(out, &heading);
    line(out, "");
    for (label, value) in CHANNEL_VALUES {
        let mut text = String::new();
        for (index, channel) in channels.iter().enumerate() {
            let number = value(channel);
            if index == 0 {
                let _ = write!(text, "{label:<CHANNEL_LABEL_WIDTH$}{number:>FIRST_VALUE_WIDTH$} dB");
            } else {
                let _ = write!(text, "   ---{number:>SECOND_VALUE_WIDTH$} dB");
            }
        }
        line(out, &text);
    }
}

/// Three or more channels: one row per channel
/// (`Channel 3 (FC)   Peak -0.52 dB   RMS -17.10 dB   DR 11.84 dB`), marks after one space.
fn channel_rows(out: &mut String, track: &ReportTrack) {
    let result = &track.result;
    let labels = track_labels(&track.meta);
    for (index, channel) in result.channels.iter().enumerate() {
        let name = match labels.get(index) {
            Some(label @ ChannelLabel::Speaker(_)) => format!("Channel {} ({label})", index + 1),
            _ => format!("Channel {}", index + 1),
        };
        let mut text = format!(
            "{name}   Peak {} dB   RMS {} dB   DR {} dB",
            db_text(channel.peak_db()),
            db_text(channel.rms_db()),
            fixed2(f64::from(channel.dr))
        );
        for (applies, mark) in [
            (track.meta.lfe_channel == Some(index), "[LFE]"),
            (channel.silent, "[silent]"),
            (result.excluded_channel == Some(index), "[excluded]"),
        ] {
            if applies {
                text.push(' ');
                text.push_str(mark);
            }
        }
        line(out, &text);
    }
}

/// The detailed log of one track (our own layout, `--log track`). Mono and stereo print
/// columns; other channel counts print one row per channel with `[LFE]`, `[silent]`
/// (DR 0 by rule) and `[excluded]` (left out of the mean by option) marks.
pub fn track_log(track: &ReportTrack, header: &LogHeader, options: &LogOptions) -> String {
    let result = &track.result;
    let mut out = String::new();
    log_head(&mut out, header);
    line(&mut out, RULE);
    line(&mut out, &format!("Statistics for: {}", statistics_name(&track.meta)));
    line(&mut out, &format!("Number of samples: {}", result.frames));
    line(
        &mut out,
        &format!("Duration: {}", duration_text(result.rounded_seconds())),
    );
    line(&mut out, RULE);
    line(&mut out, "");
    match result.channels.len() {
        1 | 2 => channel_columns(&mut out, track),
        _ => channel_rows(&mut out, track),
    }
    line(&mut out, RULE);
    line(&mut out, "");
    line(
        &mut out,
        &format!("Official DR Value: {}", official_dr_text(result.official_dr)),
    );
    line(
        &mut out,
        &format!("Precise DR Value: {} dB", fixed2(f64::from(result.dr))),
    );
    line(&mut out, "");
    technical_footer(&mut out, &[track]);
    line(&mut out, DOUBLE_RULE);
    with_line_ends(out, options.line_ends)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_widths_follow_the_printf_formats() {
        // "%-5s%10s%14s%15s %s" of DR, Peak, RMS, Duration, Track, counted by hand.
        assert_eq!(table_header(&[]), "DR         Peak           RMS       Duration Track");
        let name = "x".repeat(36);
        let cut = column_name(&name);
        assert_eq!(cut.chars().count(), 35);
        assert_eq!(cut, format!("{}(\u{2026})", "x".repeat(32)));
        assert_eq!(column_name("ab"), format!("ab{}", " ".repeat(33)));
    }
}
