//! Status codes, the thread-local last-error message, the panic guard every entry point
//! runs in, and the checks that turn C pointers and lengths into Rust references.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What every `mm_` function that can fail returns. `MM_OK` is 0; every other value is a
/// failure whose message `mm_last_error()` gives on the same thread. New codes may be
/// added in later versions (the ABI version says when): treat an unknown non-zero value
/// as a failure.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mm_status {
    /// Success.
    MM_OK = 0,
    /// An argument is out of range: a channel count of 0 or above 32, a sample rate
    /// of 0, a bit depth outside 1..=32, a length whose byte size overflows, a misaligned
    /// buffer, a string that is not UTF-8, a format the decoder reported that cannot be
    /// analysed...
    MM_INVALID_ARGUMENT = 1,
    /// A required pointer (handle, buffer with a non-zero length, out-parameter) is NULL.
    MM_NULL_POINTER = 2,
    /// A buffer the library allocates (a batch read buffer, a rendered log) could not
    /// be allocated.
    MM_OUT_OF_MEMORY = 3,
    /// The batch (or one track of it) was cancelled through the cancel token, the
    /// progress callback, or by the open callback returning `MM_CANCELLED`.
    MM_CANCELLED = 4,
    /// A decode callback reported an error (open returned non-zero, read returned a
    /// negative count); the message includes the callback's own text.
    MM_DECODE_ERROR = 5,
    /// A bug in the library (a caught Rust panic, a failed internal invariant). The
    /// object the call was made on is unusable afterwards (its calls return
    /// `MM_INVALID_STATE`) but may and must still be freed.
    MM_INTERNAL_ERROR = 6,
    /// The call does not fit the object's state: pushing to or finishing an analyser
    /// that was already finished (or broken by an earlier `MM_INTERNAL_ERROR`), a
    /// single-track log for a builder that does not hold exactly one track, mixing
    /// float and integer samples (or two integer bit depths) in one track.
    MM_INVALID_STATE = 7,
    /// The sample rate, channel count or sample type changed in the middle of a track
    /// (batch API); the track is not measured.
    MM_FORMAT_CHANGED = 8,
}

pub use mm_status::*;

/// A failure on its way to the caller: the status and the message for `mm_last_error()`.
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: mm_status,
    pub message: String,
}

impl Failure {
    pub fn new(status: mm_status, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(MM_INVALID_ARGUMENT, message)
    }
    pub fn null(what: &str) -> Self {
        Self::new(MM_NULL_POINTER, format!("{what} is NULL"))
    }
    pub fn state(message: impl Into<String>) -> Self {
        Self::new(MM_INVALID_STATE, message)
    }
}

pub(crate) type Outcome<T = ()> = Result<T, Failure>;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Stores `message` as this thread's last error (interior NULs become spaces).
pub(crate) fn set_last_error(message: &str) {
    let text = if message.is_empty() { "unknown error" } else { message };
    let c = CString::new(text.replace('\0', " ")).unwrap_or_default();
    // `try_with`: during thread teardown the slot may be gone; the status still reports.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = c);
}

/// The pointer `mm_last_error` returns: this thread's message, valid until the next failing
/// call on this thread.
pub(crate) fn last_error_ptr() -> *const c_char {
    LAST_ERROR
        .try_with(|slot| slot.borrow().as_ptr())
        .unwrap_or(c"".as_ptr())
}

/// The text of a caught panic's payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with no message".to_owned()
    }
}

/// Runs one entry point's body: a returned failure or a panic becomes a status and this
/// thread's last error. Nothing unwinds past this function.
pub(crate) fn guard(body: impl FnOnce() -> Outcome) -> mm_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => MM_OK,
        Ok(Err(failure)) => {
            set_last_error(&failure.message);
            failure.status
        }
        Err(payload) => {
            set_last_error(&format!(
                "internal error (a bug in libmacinmeter): {}",
                panic_message(&*payload)
            ));
            MM_INTERNAL_ERROR
        }
    }
}

/// Runs a body that cannot fail but must not unwind (free functions, getters); a panic
/// gives `fallback`.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// A shared reference to a caller's object, or `MM_NULL_POINTER`.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` that no other thread mutates during the call.
pub(crate) unsafe fn check_ref<'a, T>(ptr: *const T, what: &str) -> Outcome<&'a T> {
    // SAFETY: the caller guarantees that a non-NULL `ptr` points to a live, unaliased-for-writes T.
    unsafe { ptr.as_ref() }.ok_or_else(|| Failure::null(what))
}

/// An exclusive reference to a caller's object, or `MM_NULL_POINTER`.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` that nothing else uses during the call.
pub(crate) unsafe fn check_mut<'a, T>(ptr: *mut T, what: &str) -> Outcome<&'a mut T> {
    // SAFETY: the caller guarantees that a non-NULL `ptr` points to a live T used by no one else.
    unsafe { ptr.as_mut() }.ok_or_else(|| Failure::null(what))
}

/// An out-parameter: NULL is `MM_NULL_POINTER`; otherwise it is reset to `empty` at once,
/// so a failing call leaves a defined value behind.
///
/// # Safety
/// `ptr` is NULL or valid for writing one `T` (its old value is not read).
pub(crate) unsafe fn check_out<'a, T>(ptr: *mut T, empty: T, what: &str) -> Outcome<&'a mut T> {
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    if !ptr.is_aligned() {
        return Err(Failure::invalid(format!("{what} is misaligned")));
    }
    // SAFETY: non-NULL, aligned, and writable for one T by the caller's guarantee; `write`
    // does not read (or drop) the possibly uninitialised old value.
    unsafe {
        ptr.write(empty);
        Ok(&mut *ptr)
    }
}

/// `count` elements at `ptr`: NULL is allowed only for `count == 0`; alignment and the
/// byte size are checked before the slice is made.
///
/// # Safety
/// A non-NULL `ptr` is readable for `count` elements of `T` for the duration of the call.
pub(crate) unsafe fn check_slice<'a, T>(ptr: *const T, count: usize, what: &str) -> Outcome<&'a [T]> {
    if count == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    if !ptr.is_aligned() {
        return Err(Failure::invalid(format!(
            "{what} is not aligned to {} bytes",
            std::mem::align_of::<T>()
        )));
    }
    match count.checked_mul(std::mem::size_of::<T>()) {
        Some(bytes) if bytes <= isize::MAX as usize => {}
        _ => {
            return Err(Failure::invalid(format!(
                "{what}: {count} elements overflow the address space"
            )))
        }
    }
    // SAFETY: non-NULL, aligned, size within isize::MAX; readable for `count` elements by
    // the caller's guarantee.
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

/// `frames` interleaved frames of `channels` samples: the sample count is checked for
/// overflow before anything is read.
///
/// # Safety
/// As [`check_slice`] for `frames * channels` elements.
pub(crate) unsafe fn check_frames<'a, T>(
    ptr: *const T,
    frames: usize,
    channels: usize,
    what: &str,
) -> Outcome<&'a [T]> {
    let samples = frames.checked_mul(channels).ok_or_else(|| {
        Failure::invalid(format!(
            "{frames} frames of {channels} channels overflow the sample count"
        ))
    })?;
    // SAFETY: forwarded guarantee.
    unsafe { check_slice(ptr, samples, what) }
}

/// A UTF-8 C string; NULL gives `None`.
///
/// # Safety
/// A non-NULL `ptr` points to a NUL-terminated string that lives for the call.
pub(crate) unsafe fn check_str<'a>(ptr: *const c_char, what: &str) -> Outcome<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's guarantee.
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str()
        .map(Some)
        .map_err(|e| Failure::invalid(format!("{what} is not valid UTF-8 ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_error() -> String {
        // SAFETY: the pointer is this thread's NUL-terminated message, read at once.
        unsafe { CStr::from_ptr(last_error_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_an_internal_error_with_its_message() {
        let status = guard(|| panic!("boom {}", 42));
        assert_eq!(status, MM_INTERNAL_ERROR);
        assert!(last_error().contains("boom 42"), "{}", last_error());
        assert_eq!(guard_value(7, || panic!("again")), 7);
    }

    #[test]
    fn failures_set_the_message_and_successes_keep_it() {
        assert_eq!(guard(|| Err(Failure::invalid("bad thing"))), MM_INVALID_ARGUMENT);
        assert_eq!(last_error(), "bad thing");
        assert_eq!(guard(|| Ok(())), MM_OK);
        assert_eq!(last_error(), "bad thing");
        assert_eq!(guard(|| Err(Failure::invalid("nul\0inside"))), MM_INVALID_ARGUMENT);
        assert_eq!(last_error(), "nul inside");
    }

    #[test]
    fn slices_are_checked_before_they_are_made() {
        let data = [1.0f64, 2.0, 3.0, 4.0];
        // SAFETY: valid pointers for the counts given, or counts that are refused first.
        unsafe {
            assert_eq!(check_frames(data.as_ptr(), 2, 2, "x").unwrap(), &data);
            assert!(check_frames::<f64>(std::ptr::null(), 0, 2, "x").unwrap().is_empty());
            assert_eq!(
                check_frames::<f64>(std::ptr::null(), 1, 2, "x").unwrap_err().status,
                MM_NULL_POINTER
            );
            assert_eq!(
                check_frames(data.as_ptr(), usize::MAX, 2, "x").unwrap_err().status,
                MM_INVALID_ARGUMENT
            );
            assert_eq!(
                check_slice(data.as_ptr(), usize::MAX / 4, "x").unwrap_err().status,
                MM_INVALID_ARGUMENT
            );
            let misaligned = data.as_ptr().cast::<u8>().add(1).cast::<f64>();
            assert_eq!(check_slice(misaligned, 1, "x").unwrap_err().status, MM_INVALID_ARGUMENT);
        }
    }
}
