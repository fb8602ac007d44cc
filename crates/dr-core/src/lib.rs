//! The Dynamic Range measurement of foobar2000's DR Meter, streaming, exact, and in
//! constant memory per channel. No I/O, no threads: feed PCM, get a [`TrackResult`].
//!
//! ```
//! let mut analyzer = dr_core::Analyzer::new(44_100, 2).unwrap();
//! let square: Vec<f32> = (0..44_100 * 30 * 2).map(|i| if (i / 2) % 100 < 50 { 0.5 } else { -0.5 }).collect();
//! for chunk in square.chunks(4096 * 2) {
//!     analyzer.add_interleaved_f32(chunk).unwrap();
//! }
//! let track = analyzer.finish().unwrap();
//! assert_eq!(track.official_dr, Some(-3)); // peak 0.5, window RMS sqrt(2·0.25)
//! ```
//!
//! The rules and constants are those of `shared/docs/ALGORITHM.md`; each constant is in
//! [`spec`].

mod analyzer;
mod error;
mod kernel;
mod result;
mod segment;
pub mod spec;

pub use analyzer::{Analyzer, Options};
pub use error::{Error, Result, SampleKind};
pub use result::{album, db_or_none, AlbumResult, ChannelResult, TrackResult};
pub use segment::{Geometry, Segment};
pub use spec::{official_dr, to_db, window_frames, MAX_CHANNELS};
