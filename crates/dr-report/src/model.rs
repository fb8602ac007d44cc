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
    pub reason: String,
}

/// Everything one run produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// In the order the caller gives (sections follow their first appearance).
    pub tracks: Vec<ReportTrack>,
    pub failures: Vec<Failure>,
    /// The run was stopped before every file was analysed.
    pub interrupted: bool,
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

/// The first lines of every text log: `<product> <version>` and `log date: <date>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogHeader {
    /// "MacinMeter".
    pub product: String,
    pub version: String,
    pub date: LogDate,
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
}
