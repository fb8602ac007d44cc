//! foobar2000 DR Meter 1.0.8's logs, JSON, CSV and a one-line-per-album summary for
//! MacinMeter results (the project's `docs/LOG_FORMAT.md`).
//!
//! Every renderer is a pure function of the results, their metadata and a clock value
//! supplied by the caller: no I/O, no threads. The CLI and the C ABI (foobar2000
//! component) call the same functions, so their logs are the same bytes.
//!
//! ```
//! use dr_report::{album_log, LineEnds, LogDate, LogHeader, LogOptions, Report};
//! let header = LogHeader {
//!     host: Some("foobar2000 v2.25.10".into()),
//!     version: "0.1.0".into(),
//!     date: LogDate { year: 2026, month: 11, day: 21, hour: 14, minute: 3, second: 7 },
//! };
//! let options = LogOptions { line_ends: LineEnds::CrLf, ..LogOptions::default() };
//! let log = album_log(&Report::default(), &header, &options);
//! assert_eq!(log, "foobar2000 v2.25.10 / MacinMeter v0.1.0\r\nlog date: 2026-11-21 14:03:07\r\n\r\n");
//! ```
//!
//! DR values come from `dr_core` (`TrackResult`, `dr_core::album`); this crate only
//! formats them.

mod channels;
mod csv;
mod group;
mod json;
mod model;
mod summary;
mod text;
mod text_format;

/// The product name every log and JSON document carries (CLI and C ABI alike).
pub const PRODUCT: &str = "MacinMeter";

pub use self::csv::{albums_csv, tracks_csv, ALBUM_COLUMNS, TRACK_COLUMNS};
pub use channels::{names_from_mask, track_labels, ChannelLabel, SPEAKER_LABELS};
pub use group::{failures_outside_sections, sections, Section, SectionKind, MISSING_TAG};
pub use json::{json, JSON_SCHEMA};
pub use model::{
    Failure, LineEnds, LogDate, LogHeader, LogOptions, Report, ReportTrack, ToolInfo, TrackMeta, FAILURE_KINDS,
};
pub use summary::{albums, summary, AlbumEntry, AlbumOrder};
pub use text::{album_log, album_section_log, track_log};
pub use text_format::{db_text, duration_text, fixed2, official_dr_text};
