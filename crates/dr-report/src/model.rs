//! What the renderers are given: results, the metadata both front ends can supply, and
//! the caller's clock value.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What the logs show about one file besides its measurement. The CLI fills it from
/// the decoder, the foobar2000 component from the host's strings, so every field is
/// plain data. Tags that are absent, empty or only whitespace count as absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrackMeta {
    /// As the caller names the file; '/' and '\\' both separate folders (so a Windows
    /// path from foobar2000 groups the same on every platform).
    pub path: String,
    /// The path's exact bytes when it is not valid UTF-8 (`path` then holds a lossy
    /// rendering): the OS's own encoding (Unix bytes; Windows WTF-8).
    pub path_bytes: Option<Vec<u8>>,
    pub artist: Option<String>,
    pub album_artist: Option<String>,
    pub album: Option<String>,
    pub title: Option<String>,
    /// As tagged, e.g. "3" or "3/12"; the log shows the part before '/'.
    pub track_number: Option<String>,
    pub disc_number: Option<String>,
    /// The codec's common name: "FLAC", "MP3", "AAC", "PCM", ...
    pub codec: String,
    pub sample_rate: u32,
    /// `None` for lossy codecs, which have no bit depth.
    pub bits_per_sample: Option<u32>,
    pub channels: u16,
    /// Speaker names in channel order ("FL", "FR", "FC", "LFE", ...); empty when the
    /// layout is unknown.
    pub channel_names: Vec<String>,
    /// Index of the LFE channel, when the layout names one.
    pub lfe_channel: Option<usize>,
    /// LOG_FORMAT.md: size*8/duration for compressed files, rate*bits*channels/1000 for PCM.
    /// Not rounded: an album's bitrate is the duration-weighted mean, rounded once.
    pub bitrate_kbps: Option<f64>,
}

/// One measured file.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportTrack {
    pub meta: TrackMeta,
    pub result: dr_core::TrackResult,
}

/// A file that could not be measured; logs list it as `Failed: <path>: <reason>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub path: String,
    /// As [`TrackMeta::path_bytes`].
    pub path_bytes: Option<Vec<u8>>,
    pub reason: String,
    /// Why, for programs: one of [`FAILURE_KINDS`].
    pub kind: String,
}

/// The failure kinds a [`Failure`] can carry (the JSON schema lists the same).
pub const FAILURE_KINDS: [&str; 10] = [
    "open",
    "unsupported",
    "invalid_parameters",
    "malformed",
    "truncated",
    "corrupt",
    "stream_changed",
    "cancelled",
    "analysis",
    "internal",
];

/// Everything one run produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// In the order the caller gives (sections follow their first appearance).
    pub tracks: Vec<ReportTrack>,
    pub failures: Vec<Failure>,
    /// The run was stopped before every file was analysed.
    pub interrupted: bool,
    /// The folder relative paths start from (the CLI's current folder), to name a
    /// section whose folder is "." or ".." by the real folder. `None`: left as written.
    pub working_folder: Option<String>,
}

/// A local wall-clock time, supplied by the caller so that rendering stays a pure
/// function (and tests can pin it). Values are printed as given, not validated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogDate {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl fmt::Display for LogDate {
    /// `YYYY-MM-DD HH:MM:SS`, the log head's format.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

impl std::str::FromStr for LogDate {
    type Err = String;

    /// Exactly "YYYY-MM-DD HH:MM:SS" with every field in range (the CLI's
    /// `MACINMETER_LOG_DATE` and the C ABI's date argument).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("log date \"{text}\" is not \"YYYY-MM-DD HH:MM:SS\"");
        let b = text.as_bytes();
        let shape_ok = b.len() == 19
            && b.iter().enumerate().all(|(i, &c)| match i {
                4 | 7 => c == b'-',
                10 => c == b' ',
                13 | 16 => c == b':',
                _ => c.is_ascii_digit(),
            });
        if !shape_ok {
            return Err(bad());
        }
        // Two-digit fields are at most 99: they fit a u8.
        let num = |range: std::ops::Range<usize>| text[range].parse::<u16>().map_err(|_| bad());
        let date = LogDate {
            year: num(0..4)?,
            month: num(5..7)? as u8,
            day: num(8..10)? as u8,
            hour: num(11..13)? as u8,
            minute: num(14..16)? as u8,
            second: num(17..19)? as u8,
        };
        let in_range = (1..=12).contains(&date.month)
            && (1..=31).contains(&date.day)
            && date.hour < 24
            && date.minute < 60
            && date.second < 61;
        in_range.then_some(date).ok_or_else(bad)
    }
}

impl LogDate {
    /// The local wall-clock time now (the only clock read in this crate; rendering
    /// itself stays a pure function of the date it is given).
    pub fn now_local() -> Self {
        use chrono::{Datelike, Timelike};
        let now = chrono::Local::now();
        LogDate {
            year: now.year().clamp(0, 9999) as u16,
            month: now.month() as u8,
            day: now.day() as u8,
            hour: now.hour() as u8,
            minute: now.minute() as u8,
            second: now.second() as u8,
        }
    }
}

/// The first lines of every text log: the product line and `log date: <date>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogHeader {
    /// The host the log was made in, e.g. "foobar2000 v2.25.10"; `None` in the CLI.
    pub host: Option<String>,
    /// MacinMeter's version.
    pub version: String,
    pub date: LogDate,
}

impl LogHeader {
    /// `foobar2000 v2.25.10 / MacinMeter v0.1.0` in a host, `MacinMeter v0.1.0` alone.
    pub fn product_line(&self) -> String {
        let product = format!("{} v{}", crate::PRODUCT, self.version);
        match self.host.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
            Some(host) => format!("{host} / {product}"),
            None => product,
        }
    }
}

/// Line ends of a text log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LineEnds {
    /// `\n`: the CLI.
    #[default]
    Lf,
    /// `\r\n`, as DR Meter writes: the foobar2000 component and the C ABI.
    CrLf,
}

/// How a log is laid out and computed beyond the results themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// Per-channel DR and RMS columns for sections whose widest track is stereo (more
    /// than 2 channels always get them, mono never).
    pub channel_columns_for_stereo: bool,
    pub line_ends: LineEnds,
    /// How a section's DR is made of its tracks' (ALGORITHM.md §7).
    pub album_weighting: dr_core::AlbumWeighting,
}

/// The `tool` object of the JSON document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

/// A tag's text if it says anything.
pub(crate) fn tag(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl TrackMeta {
    /// The album section's artist: album artist, else artist.
    pub(crate) fn section_artist(&self) -> Option<&str> {
        tag(&self.album_artist).or_else(|| tag(&self.artist))
    }

    /// The bitrate as a track's own value is printed: rounded to nearest (a bitrate is a
    /// property, not a measurement).
    pub(crate) fn rounded_bitrate_kbps(&self) -> Option<u32> {
        // `as` saturates: no overflow whatever the value.
        self.bitrate_kbps.filter(|k| k.is_finite()).map(|k| k.round() as u32)
    }
}
