//! Turns audio files into measured tracks: opens and recognises the file by its content,
//! reads its properties and tags, decodes it, and streams the PCM into a `dr-core`
//! analyser — in parallel on one thread pool, in bounded memory.
//!
//! Formats: FLAC, WAV (PCM 8/16/24/32-bit, float 32/64, WAVE_FORMAT_EXTENSIBLE), AIFF/AIFC,
//! MP3, AAC (ADTS and MP4/M4A), ALAC (M4A), Vorbis (Ogg), Opus (Ogg; libopus), and
//! Matroska/WebM and CAF holding those codecs. Anything else is refused with
//! "unsupported format: <what it is>".
//!
//! ```no_run
//! let pool = dr_decode::build_thread_pool(0).expect("thread pool");
//! let options = dr_decode::DecodeOptions::default();
//! let track = dr_decode::measure_file(
//!     std::path::Path::new("song.flac"),
//!     &pool,
//!     &options,
//!     dr_decode::Control::new(),
//! );
//! match track {
//!     Ok(track) => println!("{}: DR{}", track.info.path.display(), track.result.official_dr),
//!     Err(error) => eprintln!("Failed: {error}"),
//! }
//! ```
//!
//! One pool serves the whole process: the CLI and the C ABI build it once with
//! [`build_thread_pool`] and pass it to every call. Within it, files run in parallel with
//! each other ([`measure_files`]) and, for FLAC, ALAC and integer PCM, batches of packets of
//! one file run in parallel too (see `pipeline/parallel.rs` for the design and its memory
//! bound).
//!
//! The source shows three layers, each folder with its own top comment:
//! - `pipeline/`: one track from input to measurement (`measure` → `open` → `sequential` or
//!   `parallel` over `stream`), the run's memory budget and its options. It calls the
//!   layers below through one interface each.
//! - `codec/`: the decoders (symphonia's, libopus for Opus), how to read their samples, and
//!   their conversion for the analyser.
//! - `container/`: recognising a file by its bytes, and each container's walks over its own
//!   structure behind `ContainerFormat` (checks before decoding, explanations after a stop,
//!   damage the reader passed over); a new container touches only this folder: its
//!   walks, its magic in `sniff.rs` and one line in `format_of`.
//!
//! Beside them, `error.rs` and `track.rs` hold what every layer reports: errors, warnings,
//! and a measured track's properties and tags.

#![forbid(unsafe_code)]

mod codec;
mod container;
mod error;
mod pipeline;
mod track;

pub use container::Container;
pub use error::{format_duration, format_position, Cut, DecodeError, DecodeWarning, ErrorKind};
pub use pipeline::{
    build_thread_pool, Control, DecodeOptions, Progress, DEFAULT_BATCH_PACKETS, DEFAULT_MEMORY_BUDGET_BYTES,
    DEFAULT_STACK_BYTES,
};
pub use pipeline::{measure_bytes, measure_file, measure_files};
pub use track::{Codec, MeasuredTrack, Tags, TrackInfo};

/// This crate's version: part of the key under which the CLI caches results.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
