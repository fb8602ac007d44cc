//! The run's one byte budget for audio data in flight: compressed packets read and not yet
//! decoded (read-ahead included) and the decoders' output buffers with their integer
//! copies, over every file of a run and every thread of the pool.
//!
//! Every such byte is reserved here before it exists (a packet: its file's largest packet
//! so far, or an estimate from the stream's parameters, before it is read; a decoder: its
//! buffers' size before it is made) and given back when it is freed. A reservation that
//! does not fit waits (see `parallel.rs` and `sequential.rs` for how without deadlock), so
//! the gauge never passes the budget, with two exceptions that keep oversized data working
//! alone instead of deadlocking: a file's first reservation larger than the whole budget
//! goes ahead once nothing else is reserved, and a packet or decoded buffer larger than its
//! stream's parameters said (a damaged or hostile file) is counted as it is, over the budget
//! if need be, one at a time per file.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::open::OpenedTrack;
use super::options::Control;

/// How long a file waiting for room sleeps when no pool job is runnable.
const ROOM_WAIT: Duration = Duration::from_millis(1);

/// Frames per packet assumed where the stream does not state its largest packet.
const UNSTATED_FRAMES_PER_PACKET: u64 = 8192;

/// Bytes of a packet beyond its samples, at most: frame and subframe headers, CRCs.
const PACKET_OVERHEAD_BYTES: u64 = 64;

/// Bytes of one decoder's output buffer plus the integer copy made of it, per sample: an
/// `i32` sample and its `i32` copy, or an `f64` sample (floats are not copied).
const DECODED_BYTES_PER_SAMPLE: u64 = 8;

/// What one file's data needs, as its stream's parameters state it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FileNeeds {
    /// The largest packet: its largest frame count stored uncompressed, plus headers (a
    /// lossless encoder never does worse; lossy packets are far smaller).
    pub(crate) packet: u64,
    /// One decoder's output buffer for its largest packet, plus the integer copy.
    pub(crate) decoder: u64,
}

impl FileNeeds {
    pub(crate) fn of(opened: &OpenedTrack<'_>) -> Self {
        let frames = opened
            .params
            .max_frames_per_packet
            .filter(|&frames| frames > 0)
            .unwrap_or(UNSTATED_FRAMES_PER_PACKET);
        let samples = frames.saturating_mul(opened.info.channels.max(1) as u64);
        let sample_bytes = u64::from(opened.info.bits_per_sample.unwrap_or(32).clamp(8, 64).div_ceil(8));
        FileNeeds {
            packet: samples
                .saturating_mul(sample_bytes)
                .saturating_add(PACKET_OVERHEAD_BYTES),
            decoder: samples.saturating_mul(DECODED_BYTES_PER_SAMPLE),
        }
    }

    /// A file's floor: one decoder and one packet, so it can always go on alone.
    pub(crate) fn floor(&self) -> u64 {
        self.decoder.saturating_add(self.packet)
    }
}

/// The bytes a run may reserve, what is reserved now and the most ever reserved at once.
#[derive(Debug)]
pub(crate) struct MemoryBudget {
    capacity: u64,
    used: AtomicU64,
    peak: AtomicU64,
}

impl MemoryBudget {
    pub(crate) fn new(capacity: usize) -> Self {
        MemoryBudget {
            capacity: capacity as u64,
            used: AtomicU64::new(0),
            peak: AtomicU64::new(0),
        }
    }

    pub(crate) fn capacity(&self) -> u64 {
        self.capacity
    }

    /// The most bytes reserved at any one moment so far.
    pub(crate) fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    /// `bytes` if they fit now.
    pub(crate) fn try_take(&self, bytes: u64) -> Option<Reserved<'_>> {
        let before = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|&total| total <= self.capacity)
            })
            .ok()?;
        self.peak.fetch_max(before + bytes, Ordering::Relaxed);
        Some(Reserved { budget: self, bytes })
    }

    /// A file's first reservation: waits for room (running pool work meanwhile), or, when
    /// `bytes` exceed the whole budget, for nothing else to be reserved. `None` when the run
    /// is cancelled while waiting.
    pub(crate) fn take_when_room(&self, bytes: u64, control: &Control<'_>) -> Option<Reserved<'_>> {
        loop {
            if let Some(reserved) = self.try_take(bytes) {
                return Some(reserved);
            }
            if bytes > self.capacity
                && self
                    .used
                    .compare_exchange(0, bytes, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
            {
                self.peak.fetch_max(bytes, Ordering::Relaxed);
                return Some(Reserved { budget: self, bytes });
            }
            if control.is_cancelled() {
                return None;
            }
            // Others' work frees room: run it rather than block a pool thread.
            if rayon::yield_now() != Some(rayon::Yield::Executed) {
                std::thread::sleep(ROOM_WAIT);
            }
        }
    }

    /// Nothing: a reservation to grow later.
    pub(crate) fn none(&self) -> Reserved<'_> {
        Reserved { budget: self, bytes: 0 }
    }

    fn add(&self, bytes: u64) {
        let now = self.used.fetch_add(bytes, Ordering::AcqRel) + bytes;
        self.peak.fetch_max(now, Ordering::Relaxed);
    }

    fn release(&self, bytes: u64) {
        self.used.fetch_sub(bytes, Ordering::AcqRel);
    }
}

/// Bytes reserved in a [`MemoryBudget`] until this is dropped.
#[derive(Debug)]
#[must_use = "the bytes are given back when this is dropped"]
pub(crate) struct Reserved<'b> {
    budget: &'b MemoryBudget,
    bytes: u64,
}

impl<'b> Reserved<'b> {
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Gives back all but `bytes` (no effect if it holds less).
    pub(crate) fn shrink_to(&mut self, bytes: u64) {
        if bytes < self.bytes {
            self.budget.release(self.bytes - bytes);
            self.bytes = bytes;
        }
    }

    /// Holds at least `bytes`, counting the difference whether or not it fits: only for
    /// data that already exists and is larger than its stream said it could be.
    pub(crate) fn grow_to(&mut self, bytes: u64) {
        if bytes > self.bytes {
            self.budget.add(bytes - self.bytes);
            self.bytes = bytes;
        }
    }

    /// Holds exactly `bytes`: gives back the rest, or counts the difference as
    /// [`Reserved::grow_to`] does.
    pub(crate) fn settle(&mut self, bytes: u64) {
        self.shrink_to(bytes);
        self.grow_to(bytes);
    }

    /// Moves `bytes` of this reservation (at most all of it) into a new one.
    pub(crate) fn split_off(&mut self, bytes: u64) -> Reserved<'b> {
        let moved = bytes.min(self.bytes);
        self.bytes -= moved;
        Reserved {
            budget: self.budget,
            bytes: moved,
        }
    }

    /// Takes over another reservation's bytes (of the same budget).
    pub(crate) fn absorb(&mut self, mut other: Reserved<'_>) {
        debug_assert!(std::ptr::eq(self.budget, other.budget));
        self.bytes += std::mem::take(&mut other.bytes);
    }
}

impl Drop for Reserved<'_> {
    fn drop(&mut self) {
        if self.bytes > 0 {
            self.budget.release(self.bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_fit_the_capacity_and_are_given_back() {
        let budget = MemoryBudget::new(100);
        let a = budget.try_take(60).expect("fits");
        assert!(budget.try_take(41).is_none());
        let mut b = budget.try_take(40).expect("fits exactly");
        assert_eq!(budget.peak(), 100);
        b.shrink_to(10);
        let c = budget.try_take(30).expect("room given back");
        drop((a, b, c));
        assert_eq!(budget.used.load(Ordering::Relaxed), 0);
        assert_eq!(budget.peak(), 100);
    }

    #[test]
    fn growing_counts_past_the_capacity_and_absorbing_moves_bytes() {
        let budget = MemoryBudget::new(10);
        let mut a = budget.try_take(8).expect("fits");
        a.grow_to(15);
        assert_eq!(budget.peak(), 15);
        let mut none = budget.none();
        none.absorb(a);
        assert_eq!(none.bytes(), 15);
        drop(none);
        assert_eq!(budget.used.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn an_oversized_first_reservation_goes_ahead_alone() {
        let budget = MemoryBudget::new(10);
        let big = budget.take_when_room(25, &Control::new()).expect("alone");
        assert_eq!(big.bytes(), 25);
        assert!(budget.try_take(1).is_none());
        drop(big);
        assert!(budget.try_take(10).is_some());
    }
}
