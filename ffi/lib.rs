//! The C ABI of MacinMeter: `libmacinmeter` (cdylib and staticlib) and its header
//! `include/macinmeter.h`, which `build.rs` generates from this crate with cbindgen.
//!
//! Every entry point checks its pointers and lengths, runs inside `catch_unwind` (no
//! panic crosses the boundary) and reports failures as an `mm_status` plus a
//! thread-local message (`mm_last_error`). `unsafe` code lives only in this crate, each
//! block with the reason it is sound.
// The C names (`mm_status`, `MM_OK`, ...) are the contract; Rust follows them.
#![allow(non_camel_case_types)]

// Declared in the order the header presents them.
pub mod analyzer;
pub mod batch;
pub mod log;
pub mod result;
pub mod status;

use std::ffi::{c_char, CString};

pub use analyzer::*;
pub use batch::*;
pub use log::*;
pub use result::*;
pub use status::mm_status;
pub use status::mm_status::*;
use status::{guard_value, last_error_ptr};

/// The ABI version this header describes. It grows by one with every change that breaks
/// binary compatibility (a struct's layout, a function's signature or meaning). Compare
/// it with `mm_abi_version()` at run time.
///
/// Version 2 (DR Meter 1.0.8's numbers and log): the result structs carry the published
/// float values (`dr`, `peak`, `rms`, their dB) instead of version 1's double `precise_dr`
/// and 1e-4 histogram values; `MM_DR_NONE` and `has_dr` are gone (an all-silent track is
/// DR0, see `mm_track_summary.all_silent`); options gained `channel_weighting`; failures
/// carry a kind; text logs have CRLF line ends and a host on the first line.
pub const MM_ABI_VERSION: u32 = 2;

/// The library's version, e.g. "0.1.0": a static NUL-terminated string (never free it).
#[no_mangle]
pub extern "C" fn mm_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The ABI version of the loaded library: `MM_ABI_VERSION` of the header it was built with.
#[no_mangle]
pub extern "C" fn mm_abi_version() -> u32 {
    MM_ABI_VERSION
}

/// The message of the latest call on THIS thread that did not return `MM_OK` (UTF-8,
/// never NULL; "" before any failure). Owned by the library: valid until the next failing
/// `mm_` call on this thread; copy it to keep it. Successful calls leave it alone.
#[no_mangle]
pub extern "C" fn mm_last_error() -> *const c_char {
    guard_value(c"".as_ptr(), last_error_ptr)
}

/// The name of a status code ("MM_OK", "MM_CANCELLED", ... or "unknown status"): a static
/// string (never free it). Accepts any integer.
#[no_mangle]
pub extern "C" fn mm_status_name(status: i32) -> *const c_char {
    let name = match status {
        0 => c"MM_OK",
        1 => c"MM_INVALID_ARGUMENT",
        2 => c"MM_NULL_POINTER",
        3 => c"MM_OUT_OF_MEMORY",
        4 => c"MM_CANCELLED",
        5 => c"MM_DECODE_ERROR",
        6 => c"MM_INTERNAL_ERROR",
        7 => c"MM_INVALID_STATE",
        8 => c"MM_FORMAT_CHANGED",
        _ => c"unknown status",
    };
    name.as_ptr()
}

/// Frees a string that the library allocated and handed over (a rendered log, an
/// outcome's `error`). NULL is ignored. Never pass other strings (`mm_version`,
/// `mm_last_error`, `mm_status_name`, or the caller's own).
///
/// # Safety
/// `s` is NULL or a string the library handed over and that was not freed yet.
#[no_mangle]
pub unsafe extern "C" fn mm_string_free(s: *mut c_char) {
    guard_value((), || {
        if !s.is_null() {
            // SAFETY: made by CString::into_raw in this library, freed once (caller contract).
            drop(unsafe { CString::from_raw(s) });
        }
    })
}
