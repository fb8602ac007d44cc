//! foobar2000 DR Meter style logs and JSON for MacinMeter results
//! (`shared/docs/LOG_FORMAT.md`).
//!
//! Every renderer is a pure function of the results, their metadata and a clock value
//! supplied by the caller: no I/O, no threads. The CLI and the C ABI (foobar2000
//! component) call the same functions, so their logs are the same bytes.
//!
//! ```
//! use dr_report::{album_log, LogDate, LogHeader, Report};
//! let header = LogHeader {
//!     product: "MacinMeter".into(),
//!     version: "0.1.0".into(),
//!     date: LogDate { year: 2026, month: 11, day: 21, hour: 14, minute: 3, second: 7 },
//! };
//! let log = album_log(&Report::default(), &header);
//! assert_eq!(log, "MacinMeter 0.1.0\nlog date: 2026-11-21 14:03:07\n\n");
//! ```
//!
//! DR values come from `dr_core` (`TrackResult`, `dr_core::album`); this crate only
//! formats them.

mod group;
mod json;
mod model;
mod text;
mod text_format;

/// The product name every log and JSON document carries (CLI and C ABI alike).
pub const PRODUCT: &str = "MacinMeter";

pub use group::{failures_outside_sections, sections, Section, SectionKind};
pub use json::{json, JSON_SCHEMA};
pub use model::{Failure, LogDate, LogHeader, Report, ReportTrack, ToolInfo, TrackMeta};
pub use text::{album_log, album_row, album_section_log, track_log};
pub use text_format::{duration_text, fixed2};
