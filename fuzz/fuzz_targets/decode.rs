//! Arbitrary bytes decoded and analysed by dr-decode's in-memory entry point. See
//! `harness/decode.rs`.
#![no_main]

#[path = "../harness/decode.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
