//! A 10-hour stereo 96 kHz stream through the analyser, in constant memory, to results
//! computed by hand from the signal. Slow (seconds in release, minutes in debug), so
//! ignored by default:
//!
//! ```sh
//! cargo test --release -p dr-core --test long_run -- --ignored --nocapture
//! ```
//!
//! `bench/long-run.sh` runs it with its memory sampled from outside; the numbers are in
//! `bench/LONG_RUNS.md`.
//!
//! The signal: a 1 kHz square wave (every sample is ±A) whose amplitude is 2047/32768 in
//! every window whose index is a multiple of 5 and 1023/32768 in the others, plus four
//! one-sample spikes in quiet windows: left 0.875 and 0.75, right 0.625 and 0.5. Every
//! window RMS, peak and sum follows from those numbers.

use dr_core::{spec, Analyzer};

const RATE: u32 = 96_000;
const HOURS: u64 = 10;
const LOUD: i16 = 2047;
const QUIET: i16 = 1023;
/// (channel, window index, value): each in a quiet window, at the window's frame 1000.
const SPIKES: [(usize, u64, i16); 4] = [
    (0, 101, 28_672),
    (0, 7_001, 24_576),
    (1, 2_002, 20_480),
    (1, 9_003, 16_384),
];
const SPIKE_OFFSET: u64 = 1000;
const FULL_SCALE: f64 = 32_768.0;

fn is_loud(window: u64) -> bool {
    window.is_multiple_of(5)
}

/// The resident memory of this process, KiB.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line["VmRSS:".len()..].trim().trim_end_matches("kB").trim().parse().ok()
}

#[test]
#[ignore = "10 hours of audio: run in release with --ignored"]
fn ten_hours_at_96k_in_constant_memory() {
    let frames = HOURS * 3600 * u64::from(RATE);
    let window = spec::window_frames(RATE);
    assert_eq!(window, 288_391, "ALGORITHM.md §1 names 288391 frames at 96 kHz");

    let mut analyzer = Analyzer::new(RATE, 2).expect("analyser");
    let chunk_frames = 4096u64;
    let mut chunk: Vec<i16> = Vec::with_capacity(chunk_frames as usize * 2);
    let mut rss_after_first_minute = None;
    let mut rss_by_hour = Vec::new();
    let mut frame = 0u64;
    while frame < frames {
        let end = (frame + chunk_frames).min(frames);
        chunk.clear();
        for f in frame..end {
            let index = f / window;
            let amplitude = if is_loud(index) { LOUD } else { QUIET };
            // A square wave of 96-frame period: 1 kHz.
            let square = if (f / 48) % 2 == 0 { amplitude } else { -amplitude };
            for channel in 0..2 {
                let spike = SPIKES
                    .iter()
                    .find(|&&(c, w, _)| c == channel && f == w * window + SPIKE_OFFSET)
                    .map(|&(_, _, value)| value);
                chunk.push(spike.unwrap_or(square));
            }
        }
        analyzer.add_interleaved_i16(&chunk).expect("samples");
        frame = end;
        if rss_after_first_minute.is_none() && frame >= 60 * u64::from(RATE) {
            rss_after_first_minute = resident_kib();
        }
        if frame.is_multiple_of(3600 * u64::from(RATE)) {
            rss_by_hour.push(resident_kib());
        }
    }
    let rss_before_finish = resident_kib();
    let result = analyzer.finish().expect("result");
    println!("VmRSS after the first minute: {rss_after_first_minute:?} KiB; at each hour: {rss_by_hour:?}; at the end: {rss_before_finish:?}");

    // Windows: the full ones and a tail of at least 2 frames (§1).
    let tail = frames % window;
    assert!(tail >= spec::MIN_TAIL_FRAMES);
    let windows = frames / window + 1;
    assert_eq!((windows, tail), (11_984, 210_647));
    assert_eq!(result.frames, frames);
    assert_eq!(result.windows, windows);

    // §3: k = trunc(N / 5) loudest windows; the loud ones (index % 5 == 0) are at least k,
    // so rms20 is the loud windows' bin: rms_w = sqrt(2 * A^2) = A * sqrt(2).
    let k = windows / 5;
    let loud_windows = (0..windows).filter(|&w| is_loud(w)).count() as u64;
    assert!(loud_windows >= k);
    let loud_bin = (10_000.0 * f64::from(LOUD) / FULL_SCALE * 2f64.sqrt()).trunc();
    assert_eq!(loud_bin, 883.0); // 10000 * sqrt(2) * 2047 / 32768 = 883.45
    let rms20 = (loud_bin * loud_bin * 1e-8).sqrt();

    // §8: sums of squares, exact in integers: every frame ±A, the spikes replacing a quiet sample.
    let frames_in = |w: u64| if w == windows - 1 { tail } else { window };
    let loud_frames: u64 = (0..windows).filter(|&w| is_loud(w)).map(frames_in).sum();
    let quiet_frames = frames - loud_frames;
    for channel in 0..2 {
        let spikes: Vec<f64> = SPIKES
            .iter()
            .filter(|s| s.0 == channel)
            .map(|s| f64::from(s.2) / FULL_SCALE)
            .collect();
        let (p1, p2) = (spikes[0], spikes[1]);
        let mut sum_squares =
            u128::from(loud_frames) * (LOUD as u128).pow(2) + u128::from(quiet_frames) * (QUIET as u128).pow(2);
        for &(c, _, value) in &SPIKES {
            if c == channel {
                sum_squares = sum_squares + (value as u128).pow(2) - (QUIET as u128).pow(2);
            }
        }
        let rms = (2.0 * sum_squares as f64 / (FULL_SCALE * FULL_SCALE) / frames as f64).sqrt();
        let got = &result.channels[channel];
        assert_eq!(got.peak, p1, "channel {channel}: sample peak");
        assert_eq!((got.peak_first, got.peak_second, got.peak_selected), (p1, p2, p2));
        assert!(
            (got.rms20 - rms20).abs() < 1e-15,
            "channel {channel}: rms20 {}",
            got.rms20
        );
        assert!(
            (got.rms - rms).abs() < 1e-12 * rms,
            "channel {channel}: rms {} vs {rms}",
            got.rms
        );
        let dr = 20.0 * (p2 / rms20).log10();
        assert!((got.dr - dr).abs() < 1e-9, "channel {channel}: DR {} vs {dr}", got.dr);
    }
    // Left 20·log10(0.75 / 0.0883) = 18.58 dB, right 20·log10(0.5 / 0.0883) = 15.06 dB.
    let mean = (20.0 * (0.75 / rms20).log10() + 20.0 * (0.5 / rms20).log10()) / 2.0;
    assert!((result.precise_dr.expect("a DR") - mean).abs() < 1e-9);
    assert_eq!(result.official_dr, Some(17));

    // Constant memory: nothing grows with the length (a little allocator slack allowed).
    if let (Some(first), Some(last)) = (rss_after_first_minute, rss_before_finish) {
        assert!(last <= first + 256, "VmRSS grew from {first} KiB to {last} KiB");
    } else {
        println!("note: no /proc/self/status: memory not checked");
    }
}
