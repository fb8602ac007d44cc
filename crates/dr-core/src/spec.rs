//! Every constant of the measurement, in one place. Each names the rule of
//! `shared/docs/ALGORITHM.md` it comes from.

/// §1: window length = floor(sample_rate * 736 / 245) frames (3.0040816... s).
/// Integer arithmetic, so 44.1 kHz gives exactly 132480 with no float rounding.
pub const WINDOW_RATIO_NUMERATOR: u64 = 736;
/// §1: see [`WINDOW_RATIO_NUMERATOR`].
pub const WINDOW_RATIO_DENOMINATOR: u64 = 245;
/// §1: a partial last window counts only when it holds at least this many frames.
pub const MIN_TAIL_FRAMES: u64 = 2;
/// §2: rms = sqrt(RMS_FACTOR * Σx² / n); the 2 makes a sine's RMS equal its peak.
pub const RMS_FACTOR: f64 = 2.0;
/// §3: histogram bins 0..=10000.
pub const HISTOGRAM_BINS: usize = 10_001;
/// §3: bin = trunc(BIN_SCALE * rms), clamped to the last bin.
pub const BIN_SCALE: f64 = 10_000.0;
/// §3: the loudest 20 % of windows: k = max(1, trunc(N / 5)).
/// (trunc(0.2 * N) equals N / 5 in integers for every N: 0.2 as f64 is above 1/5.)
pub const LOUDEST_FRACTION_DIVISOR: u64 = 5;
/// §3: each histogram bin contributes bin² * BIN_SQUARE_TO_POWER to the sum.
pub const BIN_SQUARE_TO_POWER: f64 = 1e-8;
/// §5: a channel whose selected peak or rms20 is at or below this is silent.
pub const SILENCE_THRESHOLD: f64 = 1e-12;
/// Channel counts 1..=MAX_CHANNELS are accepted (7.1.4 and beyond fit).
pub const MAX_CHANNELS: usize = 32;

/// §1: the window length in frames for a sample rate.
pub fn window_frames(sample_rate: u32) -> u64 {
    u64::from(sample_rate) * WINDOW_RATIO_NUMERATOR / WINDOW_RATIO_DENOMINATOR
}

/// §3: the histogram bin of a window RMS; `None` for non-finite values, which are not counted.
pub(crate) fn histogram_bin(rms: f64) -> Option<usize> {
    if !rms.is_finite() {
        return None;
    }
    // `as` truncates toward zero and saturates, which is the rule (negative cannot occur).
    Some(((BIN_SCALE * rms) as usize).min(HISTOGRAM_BINS - 1))
}

/// §3: how many of `windows` windows are "the loudest 20 %".
pub(crate) fn loudest_count(windows: u64) -> u64 {
    (windows / LOUDEST_FRACTION_DIVISOR).max(1)
}

/// §6: Official DR = Precise DR rounded half away from zero.
pub fn official_dr(precise_dr: f64) -> i32 {
    precise_dr.round() as i32
}

/// Linear amplitude to dBFS; 0 gives -inf (logs print it as `-inf dB`).
pub fn to_db(linear: f64) -> f64 {
    20.0 * linear.log10()
}
