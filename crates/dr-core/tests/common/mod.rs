//! A second, deliberately naive implementation of ALGORITHM.md, written from the text
//! for the tests: whole channels in Vecs, windows as slices, a list of window RMS values,
//! a sort instead of the histogram walk where the spec allows. Integer input only, so
//! its sums are exact (Python-style big integers via u128) and results can be compared
//! bit for bit.

#![allow(dead_code)]

pub struct RefChannel {
    pub windows: usize,
    pub rms20: f64,
    pub p1: f64,
    pub p2: f64,
    pub peak_selected: f64,
    pub dr: f64,
    pub silent: bool,
    pub peak: f64,
    pub rms: f64,
}

pub fn window_len(rate: u32) -> usize {
    // 3.0040816326530613 s = 736/245 s
    (rate as u64 * 736 / 245) as usize
}

/// `samples[c]` is channel c, `bits`-bit integers.
pub fn reference_channel(samples: &[i32], rate: u32, bits: u32) -> RefChannel {
    let w = window_len(rate);
    let scale = 1.0 / (1u64 << (bits - 1)) as f64;
    let mut rms_list = Vec::new();
    let mut peaks = Vec::new();
    let mut start = 0;
    while start < samples.len() {
        let end = (start + w).min(samples.len());
        let win = &samples[start..end];
        if win.len() >= 2 {
            let sum: u128 = win.iter().map(|&v| (v as i128 * v as i128) as u128).sum();
            let sum_f = sum as f64 * (scale * scale);
            rms_list.push((2.0 * sum_f / win.len() as f64).sqrt());
            peaks.push(win.iter().map(|v| v.unsigned_abs()).max().unwrap() as f64 * scale);
        }
        start = end;
    }
    // Histogram: truncated bins, loudest first.
    let mut bins: Vec<u64> = rms_list.iter().map(|&r| ((10000.0 * r) as u64).min(10000)).collect();
    bins.sort_unstable_by(|a, b| b.cmp(a));
    let n = bins.len();
    let k = std::cmp::max(1, (0.2 * n as f64) as usize);
    let mut sum = 0.0;
    for &b in bins.iter().take(k) {
        sum += (b * b) as f64 * 1e-8;
    }
    let rms20 = (sum / k as f64).sqrt();
    let mut sorted = peaks.clone();
    sorted.sort_by(|a, b| b.partial_cmp(a).unwrap());
    let p1 = sorted.first().copied().unwrap_or(0.0);
    let p2 = if sorted.len() >= 2 { sorted[1] } else { p1 };
    let peak_selected = if p2 > 0.0 { p2 } else { p1 };
    let dr = if peak_selected > 0.0 && rms20 > 0.0 {
        20.0 * (peak_selected / rms20).log10()
    } else {
        0.0
    };
    let total: u128 = samples.iter().map(|&v| (v as i128 * v as i128) as u128).sum();
    let rms = if samples.is_empty() {
        0.0
    } else {
        (2.0 * total as f64 * scale * scale / samples.len() as f64).sqrt()
    };
    RefChannel {
        windows: n,
        rms20,
        p1,
        p2,
        peak_selected,
        dr,
        silent: peak_selected <= 1e-12 || rms20 <= 1e-12,
        peak: samples.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0) as f64 * scale,
        rms,
    }
}

pub fn interleave(channels: &[Vec<i32>]) -> Vec<i32> {
    let frames = channels[0].len();
    (0..frames * channels.len())
        .map(|i| channels[i % channels.len()][i / channels.len()])
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
