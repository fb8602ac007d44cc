//! The per-sample hot loops: Σx² and max|x| over runs of frames that lie inside one window.
//!
//! Float sums are f64 in `LANE_FRAMES` lanes per channel. A sample's lane is its frame's
//! position in its window modulo `LANE_FRAMES`, never its position in a chunk, so every
//! lane adds the same samples in the same order however the audio is cut into chunks:
//! results are bit-identical for any chunking. The lanes are summed in lane order when
//! the window closes.
//!
//! Integer sums are exact (u64 lanes folded into u128), so their order does not matter.
//!
//! The loops are plain Rust that LLVM vectorises; on x86-64 the same source is compiled
//! a second time with AVX2 enabled and chosen at run time. Rust never fuses a multiply
//! and an add, so both versions produce identical bits.

use crate::spec::MAX_CHANNELS;

/// Frames per lane group: 8 frames x channels independent accumulators.
pub(crate) const LANE_FRAMES: usize = 8;
const MAX_LANES: usize = LANE_FRAMES * MAX_CHANNELS;

/// A float sample type the analyser accepts.
pub(crate) trait FloatSample: Copy {
    fn to_f64(self) -> f64;
}
impl FloatSample for f32 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}
impl FloatSample for f64 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
}

/// An integer sample type the analyser accepts.
pub(crate) trait IntSample: Copy {
    fn to_i32(self) -> i32;
}
impl IntSample for i16 {
    #[inline(always)]
    fn to_i32(self) -> i32 {
        i32::from(self)
    }
}
impl IntSample for i32 {
    #[inline(always)]
    fn to_i32(self) -> i32 {
        self
    }
}

/// One channel's statistics for the window in progress.
#[derive(Clone, Debug, Default)]
pub(crate) struct WindowAcc {
    pub lanes: [f64; LANE_FRAMES],
    pub peak: f64,
    pub int_sum: u128,
    pub int_peak: u32,
}

impl WindowAcc {
    /// The float Σx² of the window: lanes added in lane order.
    pub fn lane_sum(&self) -> f64 {
        self.lanes.iter().fold(0.0, |sum, lane| sum + lane)
    }
}

#[inline(always)]
fn add_float<T: FloatSample>(sq: &mut f64, pk: &mut f64, x: T) {
    let v = x.to_f64();
    *sq += v * v;
    let a = v.abs();
    if a > *pk {
        *pk = a;
    }
}

/// Like `add_float`, but skips a non-finite sample and says so.
#[inline(always)]
fn add_float_checked<T: FloatSample>(sq: &mut f64, pk: &mut f64, x: T) -> bool {
    let finite = x.to_f64().is_finite();
    if finite {
        add_float(sq, pk, x);
    }
    finite
}

#[inline(always)]
fn add_int<T: IntSample>(sq: &mut u64, pk: &mut u32, x: T, limit: u32) {
    let a = x.to_i32().unsigned_abs().min(limit);
    *sq = sq.wrapping_add(u64::from(a) * u64::from(a));
    if a > *pk {
        *pk = a;
    }
}

// ---- whole blocks of `lanes.len()` samples: the vectorised part ----

#[inline(always)]
fn float_blocks_n<T: FloatSample, const N: usize>(sq: &mut [f64], pk: &mut [f64], data: &[T]) {
    let (Some(sq), Some(pk)) = (sq.first_chunk_mut::<N>(), pk.first_chunk_mut::<N>()) else {
        return;
    };
    let (mut s, mut p) = (*sq, *pk);
    for block in data.as_chunks::<N>().0 {
        for i in 0..N {
            add_float(&mut s[i], &mut p[i], block[i]);
        }
    }
    (*sq, *pk) = (s, p);
}

#[inline(always)]
fn float_blocks_dyn<T: FloatSample>(sq: &mut [f64], pk: &mut [f64], data: &[T]) {
    for block in data.chunks_exact(sq.len()) {
        for ((s, p), &x) in sq.iter_mut().zip(pk.iter_mut()).zip(block) {
            add_float(s, p, x);
        }
    }
}

#[inline(always)]
fn int_blocks_n<T: IntSample, const N: usize>(sq: &mut [u64], pk: &mut [u32], data: &[T], limit: u32) {
    let (Some(sq), Some(pk)) = (sq.first_chunk_mut::<N>(), pk.first_chunk_mut::<N>()) else {
        return;
    };
    let (mut s, mut p) = (*sq, *pk);
    for block in data.as_chunks::<N>().0 {
        for i in 0..N {
            add_int(&mut s[i], &mut p[i], block[i], limit);
        }
    }
    (*sq, *pk) = (s, p);
}

#[inline(always)]
fn int_blocks_dyn<T: IntSample>(sq: &mut [u64], pk: &mut [u32], data: &[T], limit: u32) {
    for block in data.chunks_exact(sq.len()) {
        for ((s, p), &x) in sq.iter_mut().zip(pk.iter_mut()).zip(block) {
            add_int(s, p, x, limit);
        }
    }
}

/// Picks the fixed-size loop for 1..=8 channels (the common layouts), else the dynamic one.
macro_rules! by_lane_count {
    ($lanes:expr, $fixed:ident, $dynamic:ident, $($arg:expr),*) => {
        match $lanes {
            8 => $fixed::<_, 8>($($arg),*),
            16 => $fixed::<_, 16>($($arg),*),
            24 => $fixed::<_, 24>($($arg),*),
            32 => $fixed::<_, 32>($($arg),*),
            40 => $fixed::<_, 40>($($arg),*),
            48 => $fixed::<_, 48>($($arg),*),
            56 => $fixed::<_, 56>($($arg),*),
            64 => $fixed::<_, 64>($($arg),*),
            _ => $dynamic($($arg),*),
        }
    };
}

#[inline(always)]
fn float_blocks_portable<T: FloatSample>(sq: &mut [f64], pk: &mut [f64], data: &[T]) {
    by_lane_count!(sq.len(), float_blocks_n, float_blocks_dyn, sq, pk, data)
}

#[inline(always)]
fn int_blocks_portable<T: IntSample>(sq: &mut [u64], pk: &mut [u32], data: &[T], limit: u32) {
    by_lane_count!(sq.len(), int_blocks_n, int_blocks_dyn, sq, pk, data, limit)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn float_blocks_avx2<T: FloatSample>(sq: &mut [f64], pk: &mut [f64], data: &[T]) {
    float_blocks_portable(sq, pk, data)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn int_blocks_avx2<T: IntSample>(sq: &mut [u64], pk: &mut [u32], data: &[T], limit: u32) {
    int_blocks_portable(sq, pk, data, limit)
}

/// Whether the AVX2 versions may run; `MACINMETER_NO_AVX2` forces the portable ones
/// (benchmarks compare the two; results are identical either way).
#[cfg(target_arch = "x86_64")]
fn use_avx2() -> bool {
    use std::sync::OnceLock;
    static USE: OnceLock<bool> = OnceLock::new();
    *USE.get_or_init(|| std::arch::is_x86_feature_detected!("avx2") && std::env::var_os("MACINMETER_NO_AVX2").is_none())
}

/// Σx² and max|x| over whole blocks of `sq.len()` samples; a trailing partial block is ignored.
fn float_blocks<T: FloatSample>(sq: &mut [f64], pk: &mut [f64], data: &[T]) {
    #[cfg(target_arch = "x86_64")]
    if use_avx2() {
        // SAFETY: use_avx2() checked at run time that this CPU supports AVX2.
        unsafe { float_blocks_avx2(sq, pk, data) };
        return;
    }
    float_blocks_portable(sq, pk, data)
}

fn int_blocks<T: IntSample>(sq: &mut [u64], pk: &mut [u32], data: &[T], limit: u32) {
    #[cfg(target_arch = "x86_64")]
    if use_avx2() {
        // SAFETY: use_avx2() checked at run time that this CPU supports AVX2.
        unsafe { int_blocks_avx2(sq, pk, data, limit) };
        return;
    }
    int_blocks_portable(sq, pk, data, limit)
}

// ---- runs: whole frames inside one window, starting at a given frame phase ----

/// Adds interleaved whole frames to the channels' window accumulators. `phase` is the
/// position in the window of the first frame, modulo LANE_FRAMES. Returns how many
/// non-finite samples were skipped.
pub(crate) fn float_run_interleaved<T: FloatSample>(acc: &mut [WindowAcc], phase: usize, data: &[T]) -> u64 {
    let ch = acc.len();
    let lanes = LANE_FRAMES * ch;
    let mut sq = [0.0f64; MAX_LANES];
    let mut pk = [0.0f64; MAX_LANES];
    let (sq, pk) = (&mut sq[..lanes], &mut pk[..lanes]);
    let load = |sq: &mut [f64]| {
        for (c, a) in acc.iter().enumerate() {
            for (k, &lane) in a.lanes.iter().enumerate() {
                sq[k * ch + c] = lane;
            }
        }
    };
    load(sq);
    let frames = data.len() / ch;
    let head = ((LANE_FRAMES - phase) % LANE_FRAMES).min(frames);
    for (f, frame) in data[..head * ch].chunks_exact(ch).enumerate() {
        let base = (phase + f) % LANE_FRAMES * ch;
        for (c, &x) in frame.iter().enumerate() {
            add_float(&mut sq[base + c], &mut pk[base + c], x);
        }
    }
    let body_frames = (frames - head) / LANE_FRAMES * LANE_FRAMES;
    let body_end = (head + body_frames) * ch;
    float_blocks(sq, pk, &data[head * ch..body_end]);
    for (f, frame) in data[body_end..].chunks_exact(ch).enumerate() {
        for (c, &x) in frame.iter().enumerate() {
            add_float(&mut sq[f * ch + c], &mut pk[f * ch + c], x);
        }
    }

    let mut nonfinite = 0;
    if !sq.iter().all(|s| s.is_finite()) {
        // Rare: NaN or ±inf in the input. Redo the run, skipping and counting them; the
        // finite samples take exactly the same lanes and order as above.
        load(sq);
        pk.fill(0.0);
        for (f, frame) in data.chunks_exact(ch).enumerate() {
            let base = (phase + f) % LANE_FRAMES * ch;
            for (c, &x) in frame.iter().enumerate() {
                nonfinite += u64::from(!add_float_checked(&mut sq[base + c], &mut pk[base + c], x));
            }
        }
    }
    for (c, a) in acc.iter_mut().enumerate() {
        for k in 0..LANE_FRAMES {
            a.lanes[k] = sq[k * ch + c];
            a.peak = a.peak.max(pk[k * ch + c]);
        }
    }
    nonfinite
}

/// Adds one channel's planar samples to its window accumulator (see `float_run_interleaved`).
pub(crate) fn float_run_planar<T: FloatSample>(acc: &mut WindowAcc, phase: usize, data: &[T]) -> u64 {
    let mut sq = acc.lanes;
    let mut pk = [0.0f64; LANE_FRAMES];
    let head = ((LANE_FRAMES - phase) % LANE_FRAMES).min(data.len());
    for (f, &x) in data[..head].iter().enumerate() {
        let k = (phase + f) % LANE_FRAMES;
        add_float(&mut sq[k], &mut pk[k], x);
    }
    let body_end = head + (data.len() - head) / LANE_FRAMES * LANE_FRAMES;
    float_blocks(&mut sq, &mut pk, &data[head..body_end]);
    for (k, &x) in data[body_end..].iter().enumerate() {
        add_float(&mut sq[k], &mut pk[k], x);
    }
    let mut nonfinite = 0;
    if !sq.iter().all(|s| s.is_finite()) {
        sq = acc.lanes;
        pk = [0.0; LANE_FRAMES];
        for (f, &x) in data.iter().enumerate() {
            let k = (phase + f) % LANE_FRAMES;
            nonfinite += u64::from(!add_float_checked(&mut sq[k], &mut pk[k], x));
        }
    }
    acc.lanes = sq;
    acc.peak = pk.iter().fold(acc.peak, |m, &p| m.max(p));
    nonfinite
}

/// The longest run whose u64 lanes cannot overflow for samples of magnitude <= `limit`.
pub(crate) fn max_int_run_frames(limit: u32) -> usize {
    let square = u64::from(limit) * u64::from(limit);
    let per_lane = (u64::MAX / square.max(1)).saturating_sub(1);
    let frames = per_lane.saturating_mul(LANE_FRAMES as u64).min(1 << 20);
    frames.max(1) as usize
}

/// Adds interleaved whole integer frames (at most `max_int_run_frames`) to the window accumulators.
pub(crate) fn int_run_interleaved<T: IntSample>(acc: &mut [WindowAcc], data: &[T], limit: u32) {
    let ch = acc.len();
    let lanes = LANE_FRAMES * ch;
    let mut sq = [0u64; MAX_LANES];
    let mut pk = [0u32; MAX_LANES];
    let (sq, pk) = (&mut sq[..lanes], &mut pk[..lanes]);
    let body_end = data.len() / lanes * lanes;
    int_blocks(sq, pk, &data[..body_end], limit);
    // The order of exact integer sums is free: the remainder takes the first lanes.
    for (i, &x) in data[body_end..].iter().enumerate() {
        add_int(&mut sq[i], &mut pk[i], x, limit);
    }
    for (c, a) in acc.iter_mut().enumerate() {
        for k in 0..LANE_FRAMES {
            a.int_sum += u128::from(sq[k * ch + c]);
            a.int_peak = a.int_peak.max(pk[k * ch + c]);
        }
    }
}

/// Adds one channel's planar integer samples (at most `max_int_run_frames`) to its accumulator.
pub(crate) fn int_run_planar<T: IntSample>(acc: &mut WindowAcc, data: &[T], limit: u32) {
    let mut sq = [0u64; LANE_FRAMES];
    let mut pk = [0u32; LANE_FRAMES];
    let body_end = data.len() / LANE_FRAMES * LANE_FRAMES;
    int_blocks(&mut sq, &mut pk, &data[..body_end], limit);
    for (k, &x) in data[body_end..].iter().enumerate() {
        add_int(&mut sq[k], &mut pk[k], x, limit);
    }
    acc.int_sum += sq.iter().map(|&s| u128::from(s)).sum::<u128>();
    acc.int_peak = pk.iter().fold(acc.int_peak, |m, &p| m.max(p));
}
