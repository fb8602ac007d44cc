//! The signals of the conformance files, built from their published construction recipes
//! (SakuzyPeng/MacinMeter-DynamicRange-Tool, `reference/tools/generate_foo_dr_meter_108_*`,
//! MIT). Every value is computed in f64 in the recipes' order of operations: the published
//! hashes pin the bits, so `a * b * c / 2.0` stays in that order.
//!
//! The basic shape is one "shaped window": a first sample at the peak, then a square wave of
//! alternating sign whose level makes the window's factor-2 RMS the requested one. "v1"
//! recipes narrow the peak and the level to f32 while building; "v2" ones keep f64 and the
//! file's format narrows (f32) or keeps (f64) them.
//!
//! `10^x` goes through `f64::powf`, the platform's `pow`; on glibc it is the `pow` behind the
//! published files (Python's `**`), and every byte agrees (tests/hashes.rs). Not every `pow`
//! does: the `libm` crate's gives other last bits for 3 of the recipes' 26 inputs
//! (10^(-1.0148/20), 10^(-9/20), 10^(-15/20); glibc's are the correctly rounded ones, checked
//! with 60-digit decimals), and the first changes file 420. The hash test catches such a pow.

/// Window length at 8 kHz: trunc(8000 * 3.0040816326530613).
const W8: usize = 24032;

/// The window-length rule of DR Meter 1.0.8 (trunc of rate times this constant, in f64).
const WINDOW_SECONDS: f64 = 3.0040816326530613;

fn window_frames(rate: u32) -> usize {
    (f64::from(rate) * WINDOW_SECONDS).floor() as usize
}

fn f32_round(v: f64) -> f64 {
    f64::from(v as f32)
}

/// Amplitude of a level in dB (20 dB per decade).
fn db_to_amplitude(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// A window of `frames` frames: `peak`, then alternating `-level`, `+level`, ...
/// (odd positions positive).
fn square_after_peak(frames: usize, peak: f64, level: f64) -> Vec<f64> {
    let mut w = Vec::with_capacity(frames);
    w.push(peak);
    w.extend((1..frames).map(|i| if i % 2 == 1 { level } else { -level }));
    w
}

/// The level that gives the window factor-2 RMS `rms` with one sample at `peak`.
fn level_for(frames: usize, rms: f64, peak: f64) -> f64 {
    let remaining = rms * rms * frames as f64 / 2.0 - peak * peak;
    assert!(remaining >= 0.0, "recipe: rms {rms} too low for peak {peak}");
    (remaining / (frames - 1) as f64).sqrt()
}

/// v1 window: peak and level narrowed to f32 while building.
fn v1_shaped(frames: usize, rms: f64, peak: f64) -> Vec<f64> {
    let peak = f32_round(peak);
    let level = f32_round(level_for(frames, rms, peak));
    square_after_peak(frames, peak, level)
}

/// v2 window: all in f64.
fn shaped(frames: usize, rms: f64, peak: f64) -> Vec<f64> {
    square_after_peak(frames, peak, level_for(frames, rms, peak))
}

fn repeat(window: &[f64], times: usize) -> Vec<f64> {
    window.repeat(times)
}

fn concat(parts: &[Vec<f64>]) -> Vec<f64> {
    parts.concat()
}

/// Five v1 windows at -14.5 dB RMS whose peaks are `first_db`, `second_db`, then three at
/// -3.098 dB: the two first share a centi-dB key or not, by the order of arrival.
fn v1_peak_order(first_db: f64, second_db: f64) -> Vec<f64> {
    let rms = db_to_amplitude(-14.5);
    let peaks_db = [
        first_db,
        second_db,
        -3.0980391997148637,
        -3.0980391997148637,
        -3.0980391997148637,
    ];
    peaks_db
        .iter()
        .flat_map(|&db| v1_shaped(W8, rms, db_to_amplitude(db)))
        .collect()
}

/// The f64 values half-way between `v`'s nearest f32 and its two f32 neighbours (v > 0).
fn f32_cell(v: f64) -> (f64, f64) {
    let r = v as f32;
    let below = f64::from(f32::from_bits(r.to_bits() - 1));
    let above = f64::from(f32::from_bits(r.to_bits() + 1));
    let r = f64::from(r);
    ((below + r) / 2.0, (r + above) / 2.0)
}

/// Two f64 values on either side of `v`, 60 % of the way to the edges of its f32 cell: both
/// narrow to the same f32.
fn straddle_in_f32_cell(v: f64) -> (f64, f64) {
    let (low_edge, high_edge) = f32_cell(v);
    let margin = (v - low_edge).min(high_edge - v);
    let (low, high) = (v - margin * 0.6, v + margin * 0.6);
    assert_eq!(low as f32, high as f32);
    (low, high)
}

/// Files 410/411: windows whose factor-2 RMS sits half a centi-dB below -8.00 dB, one built
/// with a level just below and one just above the f64 level (same f32).
fn rms_half_windows() -> (Vec<f64>, Vec<f64>) {
    let target = db_to_amplitude(-(800.0 + 0.5) / 100.0);
    let required = target * target * W8 as f64 / 2.0 - 1.0;
    let level = (required / (W8 - 1) as f64).sqrt();
    assert_eq!(level.to_bits(), 0x3fd2006561536d66, "recipe 410: level bits");
    let (low, high) = straddle_in_f32_cell(level);
    (square_after_peak(W8, 1.0, low), square_after_peak(W8, 1.0, high))
}

/// Files 420/421: two peaks straddling the -1.005 dB key boundary (keys -101 and -100) and
/// a control peak 0.0048 dB below key -101.
fn peak_half_values() -> (f64, f64, f64) {
    let threshold = db_to_amplitude(-(100.0 + 0.5) / 100.0);
    let (low, high) = straddle_in_f32_cell(threshold);
    const LOW_KEY: f64 = -101.0; // the centi-dB key of `low`, as the recipe states and checks
    let control = db_to_amplitude(LOW_KEY / 100.0 - 0.0048);
    (low, high, control)
}

fn peak_channel(test_peak: f64, control: f64) -> Vec<f64> {
    concat(&[
        shaped(W8, 0.1, 1.0),
        shaped(W8, 0.1, control),
        shaped(W8, 0.1, test_peak),
        shaped(W8, 0.1, 0.5),
        shaped(W8, 0.1, 0.4),
    ])
}

/// Two windows at 0.1 RMS with the peak that gives DR `target_dr`, on `channels` channels.
fn dr_signal(target_dr: f64, channels: usize, negative_peak: bool) -> Vec<Vec<f64>> {
    let peak = 0.1 * db_to_amplitude(target_dr);
    let mut w = shaped(W8, 0.1, peak);
    if negative_peak {
        w[0] = -w[0];
    }
    vec![repeat(&w, 2); channels]
}

/// Ten v1 windows of peak 1.0 and RMS `-db` dB.
fn ten_windows_at(db: f64) -> Vec<f64> {
    repeat(&v1_shaped(W8, db_to_amplitude(-db), 1.0), 10)
}

/// The channels of case `id`, as f64 before the file's quantisation.
pub(crate) fn channels(id: &str) -> Vec<Vec<f64>> {
    match id {
        "101" => vec![v1_shaped(W8 - 1, 0.25, 1.0)],
        "102" => vec![v1_shaped(W8, 0.25, 1.0)],
        "103" => vec![concat(&[v1_shaped(W8, 0.1, 1.0), v1_shaped(W8, 0.09, 0.9)])],
        "104" => vec![concat(&[v1_shaped(W8, 0.1, 1.0), v1_shaped(W8, 0.09, 0.9), vec![0.5]])],
        "105" => vec![concat(&[v1_shaped(W8, 0.8, 1.0), v1_shaped(W8, 0.05, 0.1)])],
        "120" => vec![v1_peak_order(-2.0035, -1.9965)],
        "201" => vec![vec![0.5]],
        "202" => vec![vec![0.5, 0.5]],
        "203" => vec![vec![0.0; 2 * W8]],
        "301" => vec![ten_windows_at(12.0), vec![0.0; 10 * W8]],
        "302" => [10.0, 20.0, 30.0].map(ten_windows_at).to_vec(),
        "303" => [6.0, 9.0, 12.0, 30.0, 15.0, 18.0].map(ten_windows_at).to_vec(),
        "402" => {
            let mut parts = vec![shaped(W8, 0.20, 0.5), shaped(W8, 0.10, 0.5)];
            parts.extend(std::iter::repeat_n(shaped(W8, 0.02, 0.5), 7));
            vec![concat(&parts)]
        }
        "410" | "411" => {
            let (low, high) = rms_half_windows();
            vec![repeat(&low, 2), repeat(&high, 2)]
        }
        "420" | "421" => {
            let (low, high, control) = peak_half_values();
            vec![peak_channel(low, control), peak_channel(high, control)]
        }
        "501" => vec![shaped(window_frames(44100) - 1, 0.25, 1.0)],
        "502" => vec![concat(&[shaped(window_frames(44100), 0.10, 1.0), vec![0.5]])],
        "503" => vec![shaped(window_frames(48000) - 1, 0.25, 1.0)],
        "601" => {
            let dr_db = [4.0, 8.0, 12.0, 16.0, 20.0, 24.0, 28.0, 32.0];
            let peaks = [0.95, 0.85, 0.75, 0.65, 0.55, 0.45, 0.35, 0.25];
            dr_db
                .iter()
                .zip(peaks)
                .map(|(&dr, peak)| repeat(&shaped(W8, peak / db_to_amplitude(dr), peak), 2))
                .collect()
        }
        "701" => dr_signal(10.49, 1, false),
        "702" => dr_signal(10.49, 1, true),
        "703" => dr_signal(11.49, 1, false),
        "610" => dr_signal(12.499, 3, false),
        "801" | "802" | "803" | "804" | "805" | "806" => {
            // Values every format holds exactly (multiples of 1/128), one per format.
            vec![repeat(&square_after_peak(W8, 127.0 / 128.0, 32.0 / 128.0), 2)]
        }
        _ => panic!("no recipe for conformance case {id}"),
    }
}
