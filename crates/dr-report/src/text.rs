//! The text logs of LOG_FORMAT.md: 80-column, `\n` line ends.

use std::fmt::Write as _;

use crate::group::{failures_outside_sections, sections, Section, SectionKind};
use crate::model::{LogHeader, Report, ReportTrack};
use crate::text_format::{db_text, duration_text, fixed2, one_line, row_name, statistics_name};

const RULE: &str = "--------------------------------------------------------------------------------";
const DOUBLE_RULE: &str = "================================================================================";
/// The album table's header; a row's fields end under the end of each word.
const ALBUM_TABLE_HEADER: &str = "DR         Peak         RMS     Duration Track";
/// Footer labels are padded so that values start in column 19, after "Official DR value: ".
const LABEL_WIDTH: usize = 19;
/// The last line of an interrupted run's album log.
const INTERRUPTED_LINE: &str = "Interrupted: not every file was analyzed.";

fn line(out: &mut String, text: &str) {
    out.push_str(text);
    out.push('\n');
}

fn labelled(out: &mut String, label: &str, value: &str) {
    // Writing to a String cannot fail.
    let _ = writeln!(out, "{label:<LABEL_WIDTH$}{value}");
}

fn log_head(out: &mut String, header: &LogHeader) {
    line(out, &one_line(&format!("{} {}", header.product, header.version)));
    line(out, &format!("log date: {}", header.date));
    line(out, "");
}

fn dr_text(official_dr: Option<i32>) -> String {
    official_dr.map_or_else(|| "-".to_string(), |dr| dr.to_string())
}

/// One album-table row: `DR%-2d`, `%10.2f dB`, `%8.2f dB`, the duration right-aligned
/// to end under "Duration" (column 40), then the name.
pub fn album_row(track: &ReportTrack) -> String {
    let result = &track.result;
    format!(
        "DR{:<2} {:>10} dB {:>8} dB{:>10} {}",
        dr_text(result.official_dr),
        db_text(result.peak()),
        db_text(result.mean_rms()),
        duration_text(result.frames, result.sample_rate),
        row_name(&track.meta)
    )
}

/// The values of `values` in order of first appearance, without repeats.
fn distinct<T: PartialEq>(values: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = Vec::new();
    for value in values {
        if !seen.contains(&value) {
            seen.push(value);
        }
    }
    seen
}

fn joined_or_dash(values: Vec<String>) -> String {
    if values.is_empty() {
        "-".to_string()
    } else {
        values.join(", ")
    }
}

/// The average bitrate of the tracks that report one, weighted by duration, i.e. the
/// bitrate of the tracks taken as one file; a plain mean when no duration is known.
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
    // Within u32's range by construction; `as` saturates regardless.
    Some(mean.round() as u64)
}

/// Samplerate .. Codec lines: one value when all tracks share it, else the distinct
/// values in order of first appearance joined by ", ". Lossy tracks have no bit depth
/// and are left out of "Bits per sample" ("-" when none has one); "Bitrate" is the
/// duration-weighted average (a list of per-file bitrates would say little).
fn technical_footer(out: &mut String, tracks: &[&ReportTrack]) {
    let rates = distinct(tracks.iter().map(|t| t.meta.sample_rate));
    let channels = distinct(tracks.iter().map(|t| t.meta.channels));
    let bits = distinct(tracks.iter().filter_map(|t| t.meta.bits_per_sample));
    let codecs = distinct(
        tracks
            .iter()
            .map(|t| one_line(t.meta.codec.trim()))
            .filter(|c| !c.is_empty()),
    );
    labelled(
        out,
        "Samplerate:",
        &joined_or_dash(rates.iter().map(|r| format!("{r} Hz")).collect()),
    );
    labelled(
        out,
        "Channels:",
        &joined_or_dash(channels.iter().map(u16::to_string).collect()),
    );
    labelled(
        out,
        "Bits per sample:",
        &joined_or_dash(bits.iter().map(u32::to_string).collect()),
    );
    labelled(
        out,
        "Bitrate:",
        &average_bitrate_kbps(tracks).map_or_else(|| "-".to_string(), |k| format!("{k} kbps")),
    );
    labelled(out, "Codec:", &joined_or_dash(codecs));
}

/// One section, from its first rule to its `=` rule and failure lines.
fn write_section(out: &mut String, section: &Section<'_>) {
    line(out, RULE);
    let heading = one_line(&section.heading());
    match section.kind {
        SectionKind::Album { .. } => line(out, &format!("Analyzed: {heading}")),
        SectionKind::Folder => line(out, &format!("Analyzed folder: {heading}")),
    }
    line(out, RULE);
    line(out, "");
    line(out, ALBUM_TABLE_HEADER);
    line(out, RULE);
    for track in &section.tracks {
        line(out, &album_row(track));
    }
    line(out, RULE);
    line(out, "");
    labelled(out, "Number of tracks:", &section.tracks.len().to_string());
    let album = section.album_result();
    labelled(out, "Official DR value:", &format!("DR{}", dr_text(album.official_dr)));
    line(out, "");
    technical_footer(out, &section.tracks);
    line(out, DOUBLE_RULE);
    for failure in &section.failures {
        failed_line(out, failure);
    }
}

fn failed_line(out: &mut String, failure: &crate::model::Failure) {
    line(out, &one_line(&format!("Failed: {}: {}", failure.path, failure.reason)));
}

/// The album log of a whole run: the head, then every section of [`sections`]
/// separated by an empty line, then the failures no section lists (files and folders
/// that failed entirely), then a closing line if the run was interrupted.
pub fn album_log(report: &Report, header: &LogHeader) -> String {
    let mut out = String::new();
    log_head(&mut out, header);
    let sections = sections(report);
    for (index, section) in sections.iter().enumerate() {
        if index > 0 {
            line(&mut out, "");
        }
        write_section(&mut out, section);
    }
    let outside = failures_outside_sections(report);
    if !sections.is_empty() && !outside.is_empty() {
        line(&mut out, "");
    }
    for failure in outside.iter().filter_map(|&index| report.failures.get(index)) {
        failed_line(&mut out, failure);
    }
    if report.interrupted {
        if !report.tracks.is_empty() || !report.failures.is_empty() {
            line(&mut out, "");
        }
        line(&mut out, INTERRUPTED_LINE);
    }
    out
}

/// One section with the head: the `foo_dr.txt` of the section's folder.
pub fn album_section_log(section: &Section<'_>, header: &LogHeader) -> String {
    let mut out = String::new();
    log_head(&mut out, header);
    write_section(&mut out, section);
    out
}

/// Label column of the per-channel table; numbers end in column 21.
const CHANNEL_LABEL_WIDTH: usize = 12;
const FIRST_VALUE_WIDTH: usize = 9;
/// After "   ---": the second number ends in column 40.
const SECOND_VALUE_WIDTH: usize = 10;

/// One number of a channel, as the table prints it.
type ChannelValue = fn(&dr_core::ChannelResult) -> String;

/// Mono and stereo: one column per channel, as foobar2000 prints them.
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
    let rows: [(&str, ChannelValue); 3] = [
        ("Peak Value:", |c| db_text(c.peak)),
        ("Avg RMS:", |c| db_text(c.rms)),
        ("DR channel:", |c| fixed2(c.dr)),
    ];
    for (label, value) in rows {
        let mut text = String::new();
        for (index, channel) in channels.iter().enumerate() {
            if index == 0 {
                let _ = write!(
                    text,
                    "{label:<CHANNEL_LABEL_WIDTH$}{:>FIRST_VALUE_WIDTH$} dB",
                    value(channel)
                );
            } else {
                let _ = write!(text, "   ---{:>SECOND_VALUE_WIDTH$} dB", value(channel));
            }
        }
        line(out, &text);
    }
}

/// Three or more channels: one row per channel, exactly in the layout of LOG_FORMAT.md's
/// example (`Channel 3 (FC)   Peak -0.52 dB   RMS -17.10 dB   DR 11.84 dB`), marks after
/// one space.
fn channel_rows(out: &mut String, track: &ReportTrack) {
    let result = &track.result;
    for (index, channel) in result.channels.iter().enumerate() {
        let name = match track.meta.channel_names.get(index).map(|n| n.trim()) {
            Some(known) if !known.is_empty() => format!("Channel {} ({})", index + 1, one_line(known)),
            _ => format!("Channel {}", index + 1),
        };
        let mut text = format!(
            "{name}   Peak {} dB   RMS {} dB   DR {} dB",
            db_text(channel.peak),
            db_text(channel.rms),
            fixed2(channel.dr)
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

/// The detailed log of one track. Mono and stereo print columns (numbers only: a
/// silent channel shows as `-inf` peak); other channel counts print one row per
/// channel with `[LFE]`, `[silent]` and `[excluded]` (left out of the mean by option)
/// marks. The `Precise DR Value:` line is printed for two or more channels (for mono
/// it is the DR channel value above it).
pub fn track_log(track: &ReportTrack, header: &LogHeader) -> String {
    let result = &track.result;
    let mut out = String::new();
    log_head(&mut out, header);
    line(&mut out, RULE);
    line(&mut out, &format!("Statistics for: {}", statistics_name(&track.meta)));
    line(&mut out, &format!("Number of samples: {}", result.frames));
    line(
        &mut out,
        &format!("Duration: {}", duration_text(result.frames, result.sample_rate)),
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
        &format!("Official DR Value: DR{}", dr_text(result.official_dr)),
    );
    if result.channels.len() >= 2 {
        let precise = result
            .precise_dr
            .map_or_else(|| "-".to_string(), |dr| format!("{} dB", fixed2(dr)));
        line(&mut out, &format!("Precise DR Value: {precise}"));
    }
    line(&mut out, "");
    technical_footer(&mut out, &[track]);
    line(&mut out, DOUBLE_RULE);
    out
}
