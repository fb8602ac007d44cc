//! Sequences of C ABI calls with arbitrary arguments. See `harness/c_abi.rs`.
#![no_main]

#[path = "../harness/c_abi.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
