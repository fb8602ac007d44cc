//! A second, deliberately naive implementation of ALGORITHM.md (DR Meter 1.0.8's rules),
//! written from the text for the tests: whole channels in Vecs, windows as slices, lists of
//! window keys sorted instead of a histogram, the two peaks picked by sorting windows by
//! (key descending, window index ascending) instead of the sequential two-slot update.
//! Integer input only, so its window sums are exact (u128) and results can be compared bit
//! for bit. Logarithms and powers go through `libm`, as the spec requires of every published
//! value (the platform's log10 may differ in the last bit).

#![allow(dead_code)]

/// §1: the window constant, from its published bits.
pub const WINDOW_SECONDS_BITS: u64 = 0x4008_085b_f376_12cf;

/// §1: `trunc(rate * 3.0040816326530613)` in f64.
pub fn window_len(rate: u32) -> usize {
    (f64::from(rate) * f64::from_bits(WINDOW_SECONDS_BITS)).trunc() as usize
}

/// §2: `lround(2000 * log10(x))`.
pub fn key(x: f64) -> i32 {
    (2000.0 * libm::log10(x)).round() as i32
}

/// §3: the power a histogram bin stands for, as the spec writes it.
pub fn bin_power(bin: i32) -> f64 {
    libm::pow(10.0, (f64::from(bin) * 0.01 - 100.0) / 10.0)
}

/// §3: the loud RMS of the non-zero window RMS keys (already clamped) of a channel of
/// `windows` windows: whole groups of equal keys from the loudest down until `target`.
pub fn loud_rms(mut keys: Vec<i32>, windows: usize) -> f64 {
    let target = (windows / 5).max(1);
    keys.sort_unstable_by(|a, b| b.cmp(a));
    let (mut taken, mut power) = (0usize, 0.0f64);
    let mut i = 0;
    while i < keys.len() && taken < target {
        let count = keys[i..].iter().take_while(|&&k| k == keys[i]).count();
        taken += count;
        power += count as f64 * bin_power(keys[i] + 10_000);
        i += count;
    }
    if taken == 0 {
        0.0
    } else {
        (power / taken as f64).sqrt()
    }
}

/// §4: the DR of a channel from its loud RMS and its two ranked peaks (amplitudes).
pub fn channel_dr(loud: f64, primary: f64, secondary: f64) -> f64 {
    let selected = if secondary > 0.0 { secondary } else { primary };
    if selected > 0.0 && loud != 0.0 {
        let dr = -20.0 * libm::log10(loud / selected);
        if dr < 0.0 {
            (-20.0 * libm::log10(loud / primary)).max(0.0)
        } else {
            dr
        }
    } else {
        0.0
    }
}

pub struct RefChannel {
    pub windows: usize,
    pub loud_rms: f64,
    pub primary: f64,
    pub secondary: f64,
    pub dr: f64,
    pub rms: f64,
}

/// One channel of `bits`-bit integers.
pub fn reference_channel(samples: &[i32], rate: u32, bits: u32) -> RefChannel {
    let scale = 1.0 / (1u64 << (bits - 1)) as f64;
    let limit = 1i64 << (bits - 1);
    let mut rms_keys = Vec::new();
    let mut peaks = Vec::new(); // (key, index, amplitude)
    let mut rms2_sum = 0.0;
    let windows: Vec<&[i32]> = samples.chunks(window_len(rate)).collect();
    for (index, window) in windows.iter().enumerate() {
        let magnitude = |v: i32| i64::from(v).abs().min(limit) as u128;
        let sum: u128 = window.iter().map(|&v| magnitude(v) * magnitude(v)).sum();
        let rms2 = 2.0 * (sum as f64 * (scale * scale)) / window.len() as f64;
        rms2_sum += rms2;
        let rms = rms2.sqrt();
        if rms != 0.0 {
            rms_keys.push(key(rms).clamp(-10_000, 0));
        }
        let peak = window.iter().map(|&v| magnitude(v)).max().unwrap_or(0) as f64 * scale;
        if peak > 0.0 {
            peaks.push((key(peak), index, peak));
        }
    }
    peaks.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let primary = peaks.first().map_or(0.0, |p| p.2);
    let secondary = peaks.get(1).map_or(0.0, |p| p.2);
    let loud = loud_rms(rms_keys, windows.len());
    RefChannel {
        windows: windows.len(),
        loud_rms: loud,
        primary,
        secondary,
        dr: channel_dr(loud, primary, secondary),
        rms: if windows.is_empty() {
            0.0
        } else {
            (rms2_sum / windows.len() as f64).sqrt()
        },
    }
}

pub fn interleave(channels: &[Vec<i32>]) -> Vec<i32> {
    let frames = channels[0].len();
    (0..frames * channels.len())
        .map(|i| channels[i % channels.len()][i / channels.len()])
        .collect()
}

pub fn deinterleave<T: Copy>(samples: &[T], channels: usize) -> Vec<Vec<T>> {
    (0..channels)
        .map(|c| samples.iter().skip(c).step_by(channels).copied().collect())
        .collect()
}

/// xorshift: deterministic noise without a dependency.
pub struct Noise(pub u64);
impl Noise {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in [-amplitude, amplitude].
    pub fn int(&mut self, amplitude: i32) -> i32 {
        (self.next_u64() % (2 * amplitude as u64 + 1)) as i32 - amplitude
    }
}
