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

    // §1: every non-empty tail is a window: 3456000000 = 11983 * 288391 + 210647.
    let tail = frames % window;
    let windows = frames / window + 1;
    assert_eq!((windows, tail), (11_984, 210_647));
    assert_eq!(result.frames, frames);
    assert_eq!(result.windows, windows);

    // §3: target = 11984 / 5 = 2396. The loud windows (index % 5 == 0, the tail's index
    // 11983 is quiet) are 2397, all of one RMS: A * sqrt(2) / 32768 = 0.08835, key
    // 2000 * log10(0.08835) = -2107.63 -> -2108. The quiet ones are lower (-2710), so the
    // walk stops in that bin, taken whole: 2397 windows.
    let loud_windows = (0..windows).filter(|&w| is_loud(w)).count() as u64;
    assert_eq!(loud_windows, 2397);
    assert!(loud_windows >= windows / 5);
    let loud_key = (2000.0 * libm::log10(f64::from(LOUD) * 2f64.sqrt() / FULL_SCALE)).round();
    assert_eq!(loud_key, -2108.0);
    let bin_power = libm::pow(10.0, ((loud_key + 10_000.0) * 0.01 - 100.0) / 10.0);
    let loud_rms = (loud_windows as f64 * bin_power / loud_windows as f64).sqrt();

    // §5: the channel RMS is the quadratic mean of the window RMS values. Every sample is
    // ±A, so a window's rms² is 2A² whatever its length, except the two windows with a spike.
    let rms2 = |sum_squares: f64, n: u64| 2.0 * sum_squares / (FULL_SCALE * FULL_SCALE) / n as f64;
    let quiet_windows = windows - loud_windows;
    let mut drs = Vec::new();
    for channel in 0..2 {
        let spikes: Vec<i16> = SPIKES.iter().filter(|s| s.0 == channel).map(|s| s.2).collect();
        let (p1, p2) = (f64::from(spikes[0]) / FULL_SCALE, f64::from(spikes[1]) / FULL_SCALE);
        let quiet2 = f64::from(QUIET).powi(2);
        let spike_windows: f64 = spikes
            .iter()
            .map(|&s| rms2((window - 1) as f64 * quiet2 + f64::from(s).powi(2), window))
            .sum();
        let sum = loud_windows as f64 * rms2(f64::from(LOUD).powi(2), 1)
            + (quiet_windows - 2) as f64 * rms2(quiet2, 1)
            + spike_windows;
        let rms = (sum / windows as f64).sqrt();
        let got = &result.channels[channel];
        // §2/§4: the spikes are the two highest peak keys: primary p1, DR against p2.
        assert_eq!(got.peak, p1 as f32, "channel {channel}: primary peak");
        assert_eq!(got.dr_peak, p2, "channel {channel}: the peak the DR uses");
        assert_eq!(got.loud_rms, loud_rms, "channel {channel}: loud RMS");
        assert!(
            (got.rms_unrounded - rms).abs() < 1e-12 * rms,
            "channel {channel}: rms {} vs {rms}",
            got.rms_unrounded
        );
        let dr = -20.0 * libm::log10(loud_rms / p2);
        assert_eq!(got.dr_unrounded, dr, "channel {channel}");
        drs.push(dr);
    }
    // Left 20·log10(0.75 / 0.08831) = 18.58 dB, right 20·log10(0.5 / 0.08831) = 15.06 dB;
    // the track: f32 of the mean, 16.82 -> DR17.
    assert_eq!(result.dr, ((drs[0] + drs[1]) / 2.0) as f32);
    assert_eq!(result.official_dr, 17);

    // Constant memory: nothing grows with the length (a little allocator slack allowed).
    if let (Some(first), Some(last)) = (rss_after_first_minute, rss_before_finish) {
        assert!(last <= first + 256, "VmRSS grew from {first} KiB to {last} KiB");
    } else {
        println!("note: no /proc/self/status: memory not checked");
    }
}
