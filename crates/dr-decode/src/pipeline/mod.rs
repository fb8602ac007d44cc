//! The pipeline: one track from its input to its measurement, and many tracks on one pool.
//!
//! `measure` drives it: `open` reads the container (`container::read`) and opens the
//! decoder (`codec::open_decoder`); `sequential` or `parallel` decodes the packets `stream`
//! reads into the analyser (the two share `decoded`, below both); then the container's
//! walks (`ContainerFormat`, carried by the opened track) explain a stop and find damage
//! the reader passed over. `budget` bounds the bytes in flight over the whole run;
//! `options` is how a caller steers it.

mod budget;
mod decoded;
mod measure;
mod open;
mod options;
mod parallel;
mod sequential;
mod stream;

pub use measure::{measure_bytes, measure_file, measure_files};
pub use options::{
    build_thread_pool, Control, DecodeOptions, Progress, DEFAULT_BATCH_PACKETS, DEFAULT_MEMORY_BUDGET_BYTES,
    DEFAULT_STACK_BYTES,
};
