//! dr-core's analyser fed arbitrary samples and chunkings: every way of feeding a track
//! gives the bit-identical result of a one-chunk run. See `harness/analyzer.rs`.
#![no_main]

#[path = "../harness/analyzer.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
