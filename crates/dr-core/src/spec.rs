//! Every constant and elementary rule of the measurement, in one place. Each names the
//! section of `docs/ALGORITHM.md` it comes from.
//!
//! Logarithms and powers go through the pure-Rust `libm` crate, never `f64::log10` or
//! `f64::powf`: those call the platform's C library, and glibc and the Windows C runtime
//! differ in the last bit for about a fifth of inputs, which can move a 0.01 dB key and so
//! a published value. `sqrt` and `round` are exactly rounded everywhere and stay native.

/// §1: window length in seconds, as the f64 constant DR Meter 1.0.8 multiplies the sample
/// rate by (bits 0x4008085bf37612cf; 44.1 kHz -> 132480 frames, 48 kHz -> 144195).
pub const WINDOW_SECONDS: f64 = 3.0040816326530613;
/// §2: rms = sqrt(RMS_FACTOR * Σx² / n); the 2 makes a full-scale sine read 0 dB.
pub const RMS_FACTOR: f64 = 2.0;
/// §2: keys are `lround(KEY_SCALE * log10(x))`, i.e. dB in 0.01 dB steps (centi-dB).
pub const KEY_SCALE: f64 = 2000.0;
/// §2: the key of an empty peak slot, below every real key.
pub const EMPTY_PEAK_KEY: i32 = -100_000;
/// §2: RMS keys are clamped to [RMS_KEY_MIN, 0] (-100.00 dB .. 0.00 dB).
pub const RMS_KEY_MIN: i32 = -10_000;
/// §2: histogram bins 0..=10000, bin = key - RMS_KEY_MIN.
pub const HISTOGRAM_BINS: usize = (-RMS_KEY_MIN) as usize + 1;
/// §3: the loudest 20 % of windows: target = max(1, N / 5).
pub const LOUDEST_FRACTION_DIVISOR: u64 = 5;
/// Channel counts 1..=MAX_CHANNELS are accepted (7.1.4 and beyond fit).
pub const MAX_CHANNELS: usize = 32;

/// §1: the window length in frames for a sample rate: `trunc(rate * WINDOW_SECONDS)`
/// computed in f64 (the product is below 2^53, so the conversion truncates exactly).
pub fn window_frames(sample_rate: u32) -> u64 {
    (f64::from(sample_rate) * WINDOW_SECONDS) as u64
}

/// §2: a positive amplitude's key in centi-dB: `lround(2000 * log10(x))` (halves away from
/// zero). `as` saturates, so even a non-finite input gives a defined key.
pub fn centi_db_key(amplitude: f64) -> i32 {
    (KEY_SCALE * libm::log10(amplitude)).round() as i32
}

/// §2: the histogram bin of a non-zero window RMS: its key clamped to [-10000, 0], + 10000.
pub fn histogram_bin(rms: f64) -> usize {
    (centi_db_key(rms).clamp(RMS_KEY_MIN, 0) - RMS_KEY_MIN) as usize
}

/// §3: the power a window of bin `bin` stands for: 10^((bin * 0.01 - 100) / 10).
pub fn bin_power(bin: usize) -> f64 {
    libm::pow(10.0, (bin as f64 * 0.01 - 100.0) / 10.0)
}

/// §3: how many of `windows` windows are "the loudest 20 %".
pub fn loudest_target(windows: u64) -> u64 {
    (windows / LOUDEST_FRACTION_DIVISOR).max(1)
}

/// §4: DR in dB of a loud RMS against a peak: -20 * log10(loud_rms / peak).
pub fn dr_db(loud_rms: f64, peak: f64) -> f64 {
    -20.0 * libm::log10(loud_rms / peak)
}

/// §6: the displayed integer DR of a published (f32) DR: trunc(x + 0.5).
pub fn official_dr(dr: f32) -> i32 {
    (f64::from(dr) + 0.5).trunc() as i32
}

/// §8: a published linear value in dBFS, narrowed to f32 as foobar prints it; `None` for 0
/// (printed `-inf`, JSON null).
pub fn published_db(linear: f64) -> Option<f32> {
    (linear > 0.0).then(|| (20.0 * libm::log10(linear)) as f32)
}

/// Linear amplitude to dB in full f64 precision (for diagnostics and JSON detail fields);
/// 0 gives -inf.
pub fn to_db(linear: f64) -> f64 {
    20.0 * libm::log10(linear)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_constant_has_the_published_bits() {
        assert_eq!(WINDOW_SECONDS.to_bits(), 0x4008_085b_f376_12cf);
    }

    #[test]
    fn official_dr_is_trunc_of_x_plus_half() {
        assert_eq!(official_dr(12.499), 12);
        assert_eq!(official_dr(10.5), 11);
        assert_eq!(official_dr(0.0), 0);
    }

    #[test]
    fn keys_round_halves_away_from_zero() {
        // 10^(-0.00025) is a key of exactly -0.5 in exact arithmetic; whichever way its
        // f64 falls, 1.0 and 0.5 are exact: 0 and lround(2000 * -0.30103) = -602.
        assert_eq!(centi_db_key(1.0), 0);
        assert_eq!(centi_db_key(0.5), -602);
        assert_eq!(histogram_bin(2.0), 10_000); // above 0 dB: clamped into the top bin
        assert_eq!(histogram_bin(1e-6), 0); // -120 dB: clamped into bin 0
    }
}
