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
//! // Peak 0.5; every window's RMS is sqrt(2·0.25) = 0.7071 (key -301): the loud RMS is
//! // the bin centre 10^(-3.01/20), above the peak, so the DR clamps at 0.
//! assert_eq!(track.official_dr, 0);
//! ```
//!
//! The rules and constants are those of the project's `docs/ALGORITHM.md`; each constant
//! and elementary rule is in [`spec`].

mod analyzer;
mod error;
mod kernel;
mod result;
mod segment;
pub mod spec;

pub use analyzer::{Analyzer, Options};
pub use error::{Error, Result, SampleKind};
pub use result::{album, AlbumResult, AlbumWeighting, ChannelResult, ChannelWeighting, TrackResult};
pub use segment::{Geometry, Segment};
pub use spec::{official_dr, published_db, to_db, window_frames, MAX_CHANNELS};

/// This crate's version: part of the key under which the CLI caches results.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
