//! The hand cases of ALGORITHM.md §10 and the rules of §1-§8, each with its expected values
//! worked out here from the rules (the arithmetic is in the test, never copied from the
//! analyser's output). Keys written as literals were computed by hand from
//! `2000 * log10(x)`; the test recomputes them to show the literal is right.
//!
//! Most signals are at 100 Hz, where a window is trunc(100 * 3.0040816326530613) = 300
//! frames, and are made of powers of two, so every sum of squares is exact.

mod common;

use common::{bin_power, key};
use dr_core::{album, window_frames, AlbumWeighting, Analyzer, ChannelWeighting, Error, Options, TrackResult};

const RATE: u32 = 100;
const W: usize = 300;

fn run_f32(rate: u32, channels: usize, samples: &[f32]) -> TrackResult {
    run_with(rate, channels, samples, Options::default())
}

fn run_with(rate: u32, channels: usize, samples: &[f32], options: Options) -> TrackResult {
    let mut a = Analyzer::with_options(rate, channels, options).unwrap();
    a.add_interleaved_f32(samples).unwrap();
    a.finish().unwrap()
}

/// A window of `W` frames of DC `level` whose first sample is `spike` instead (if any).
fn window(level: f32, spike: Option<f32>) -> Vec<f32> {
    let mut w = vec![level; W];
    if let Some(s) = spike {
        w[0] = s;
    }
    w
}

/// §2: rms of a window of n frames with Σx² = sum.
fn rms(sum: f64, n: f64) -> f64 {
    (2.0 * sum / n).sqrt()
}

/// §3: the loud RMS of bins (key, count) taken whole from the top, as the spec adds them.
fn loud(bins: &[(i32, u32)]) -> f64 {
    let power: f64 = bins.iter().map(|&(k, n)| f64::from(n) * bin_power(k + 10_000)).sum();
    let taken: u32 = bins.iter().map(|b| b.1).sum();
    (power / f64::from(taken)).sqrt()
}

/// §4: -20 * log10(loud / peak).
fn dr(loud: f64, peak: f64) -> f64 {
    -20.0 * libm::log10(loud / peak)
}

/// §8: how foobar prints a dB value: %.2f, and (-0.01, 0.01) as 0.00.
fn printed(db: f32) -> String {
    if db > -0.01 && db < 0.01 {
        "0.00".into()
    } else {
        format!("{:.2}", f64::from(db))
    }
}

fn printed_db(linear: Option<f32>) -> String {
    linear.map_or("-inf".into(), printed)
}

#[test]
fn window_length_is_the_f64_product_truncated_for_every_rate() {
    for rate in 1..=768_000u32 {
        let f64_rule = (f64::from(rate) * f64::from_bits(0x4008_085b_f376_12cf)).trunc() as u64;
        assert_eq!(window_frames(rate), f64_rule, "rate {rate}");
        // The integer formula rate * 736 / 245 (the constant is the double nearest 736/245,
        // 4.9e-17 above it) agrees at every one of these rates too.
        assert_eq!(u64::from(rate) * 736 / 245, f64_rule, "rate {rate}");
    }
    // §1's named lengths: 44100 * 736 / 245 = 132480 exactly, 48000 * 736 / 245 = 144195.9.
    let named = [
        (8_000, 24_032),
        (44_100, 132_480),
        (48_000, 144_195),
        (88_200, 264_960),
        (96_000, 288_391),
        (176_400, 529_920),
        (192_000, 576_783),
        (RATE, W as u64),
    ];
    for (rate, frames) in named {
        assert_eq!(window_frames(rate), frames, "rate {rate}");
    }
}

/// W frames (frame 0 = 1.0, the rest 1/16) and the same plus a 1-frame tail of 0.5.
#[test]
fn w_and_w_plus_one_frames_at_44k1_and_48k() {
    for (rate, w, rms_key) in [(44_100u32, 132_480usize, -2106), (48_000, 144_195, -2106)] {
        let mut samples = vec![1.0f32 / 16.0; w];
        samples[0] = 1.0;
        // Σx² = 1 + (W-1)/256; for 132480: rms = 0.0885, 2000*log10 = -2106.37 -> -2106;
        // for 144195: -2106.44 -> -2106.
        let sum = 1.0 + (w - 1) as f64 / 256.0;
        let rms_window = rms(sum, w as f64);
        assert_eq!(key(rms_window), rms_key);

        // W frames: one window; no secondary peak, so the DR is against the primary, 1.0.
        let t = run_f32(rate, 1, &samples);
        let c = t.channels[0];
        assert_eq!((t.windows, t.frames), (1, w as u64));
        let expected = dr(loud(&[(rms_key, 1)]), 1.0); // 21.06 dB
        assert_eq!(c.dr, expected as f32);
        assert_eq!(printed(c.dr), "21.06");
        assert_eq!(c.rms, rms_window as f32);
        assert_eq!(t.official_dr, 21);

        // W + 1 frames: the tail is a window of its own, normalised by its 1 frame:
        // rms = sqrt(2 * 0.25) = 0.7071, key 1000*log10(0.5) = -301.03 -> -301.
        samples.push(0.5);
        let t = run_f32(rate, 1, &samples);
        let c = t.channels[0];
        assert_eq!((t.windows, t.frames), (2, w as u64 + 1));
        assert_eq!(key(rms(0.25, 1.0)), -301);
        // N = 2, target 1: only the tail's bin. Peaks: primary 1.0 (key 0, window 0),
        // secondary 0.5 (key -602, the tail). Against 0.5: -20*log10(0.7071/0.5) = -3.01 < 0,
        // so the fallback: against the primary, 3.01 dB.
        let loud_rms = loud(&[(-301, 1)]);
        assert!(dr(loud_rms, 0.5) < 0.0);
        assert_eq!(c.dr, dr(loud_rms, 1.0) as f32);
        assert_eq!(printed(c.dr), "3.01");
        assert_eq!(c.dr_peak, 1.0);
        // §5: the quadratic mean of the two windows' RMS, each window weight 1.
        let channel_rms = ((2.0 * sum / w as f64 + 0.5) / 2.0).sqrt();
        assert_eq!(c.rms, channel_rms as f32);
        assert_eq!(printed_db(c.rms_db()), "-5.95"); // sqrt((0.0157 + 0.5) / 2) = 0.5039
        assert_eq!(t.official_dr, 3);
    }
}

#[test]
fn one_frame_of_half_scale() {
    let t = run_f32(44_100, 1, &[0.5]);
    let c = t.channels[0];
    assert_eq!((t.windows, t.frames, t.rounded_seconds()), (1, 1, 0));
    // Peak 20*log10(0.5) = -6.0206; RMS sqrt(2 * 0.25) = 0.7071 -> -3.0103 dBFS.
    assert_eq!(printed_db(t.peak_db()), "-6.02");
    assert_eq!(printed_db(t.rms_db()), "-3.01");
    assert_eq!(c.rms, 0.5f64.sqrt() as f32);
    // The loud RMS (bin -301, 0.7071) is above the only peak (0.5): -3.01, clamped to 0.
    assert_eq!((c.dr, t.dr, t.official_dr), (0.0, 0.0, 0));
}

/// Window levels for the loud-RMS count: one DC 1/8 window (key -1505), three DC 1/16
/// windows (key -2107, tied), quiet DC 1/64 windows, two of which carry the peaks 1.0 and
/// 0.5 at their first frame.
fn loud_count_signal(quiet: usize) -> Vec<f32> {
    let mut s = window(0.125, None);
    for _ in 0..3 {
        s.extend(window(1.0 / 16.0, None));
    }
    s.extend(window(1.0 / 64.0, Some(1.0)));
    s.extend(window(1.0 / 64.0, Some(0.5)));
    for _ in 0..quiet {
        s.extend(window(1.0 / 64.0, None));
    }
    s
}

#[test]
fn nine_windows_take_one_ten_take_the_whole_tied_bin() {
    // DC v: rms = v * sqrt(2); key = 1000 * log10(2 v²).
    assert_eq!(key(rms(300.0 / 64.0, 300.0)), -1505); // 1/8: -1505.15
    assert_eq!(key(rms(300.0 / 256.0, 300.0)), -2107); // 1/16: -2107.21
    assert_eq!(key(rms(300.0 / 4096.0, 300.0)), -3311); // 1/64: -3311.33
                                                        // The spike windows are quieter than the 1/16 ones: -2145.49 and -2666.89.
    assert_eq!(key(rms(299.0 / 4096.0 + 1.0, 300.0)), -2145);
    assert_eq!(key(rms(299.0 / 4096.0 + 0.25, 300.0)), -2667);

    // N = 9: target = max(1, 9 / 5) = 1: only the 1/8 window's bin.
    let t = run_f32(RATE, 1, &loud_count_signal(3));
    let c = t.channels[0];
    assert_eq!(t.windows, 9);
    assert_eq!(c.loud_rms, loud(&[(-1505, 1)]));
    // Peaks: primary 1.0, secondary 0.5: 20*log10(0.5 / 0.1768) = 9.03 dB.
    assert_eq!(c.dr, dr(c.loud_rms, 0.5) as f32);
    assert_eq!(printed(c.dr), "9.03");

    // N = 10: target 2. The 1/8 bin gives 1, the next bin holds 3 windows: all 3 are
    // taken, divisor 4: sqrt((10^-3.01 + 3 * 10^-4.21) / 4) = 0.1169 -> 12.62 dB
    // (taking exactly 2 windows would give 11.09).
    let t = run_f32(RATE, 1, &loud_count_signal(4));
    let c = t.channels[0];
    assert_eq!(t.windows, 10);
    assert_eq!(c.loud_rms, loud(&[(-1505, 1), (-2107, 3)]));
    assert_eq!(c.dr, dr(c.loud_rms, 0.5) as f32);
    assert_eq!(printed(c.dr), "12.62");
    assert_eq!(t.official_dr, 13);
}

#[test]
fn equal_peak_keys_keep_arrival_order_and_raw_amplitudes() {
    // 0.5 and 0.50005 (as f32): 2000*log10 = -602.06 and -601.97, both key -602.
    let (a, b) = (0.5f32, 0.50005f32);
    assert_ne!(a, b);
    assert_eq!((key(a.into()), key(b.into())), (-602, -602));
    for (first, second) in [(a, b), (b, a)] {
        // Two DC 1/16 windows, each with its peak at frame 0.
        let mut s = window(1.0 / 16.0, Some(first));
        s.extend(window(1.0 / 16.0, Some(second)));
        let t = run_f32(RATE, 1, &s);
        let c = t.channels[0];
        // The later window does not beat the earlier one (strict >): the earlier is the
        // primary, the later the secondary, and the DR is against the later's raw peak.
        assert_eq!(c.peak, first);
        assert_eq!(c.dr_peak, f64::from(second));
        let keys: Vec<i32> = [first, second]
            .iter()
            .map(|&p| key(rms(299.0 / 256.0 + f64::from(p) * f64::from(p), 300.0)))
            .collect();
        // Both windows' RMS keys: 2000*log10(sqrt(2 (299/256 + p²) / 300)) = -2024.42 and
        // -2024.41: both -2024, one bin of 2.
        assert_eq!(keys, [-2024, -2024]);
        assert_eq!(c.loud_rms, loud(&[(-2024, 2)]));
        assert_eq!(c.dr, dr(c.loud_rms, f64::from(second)) as f32);
    }
}

#[test]
fn stereo_with_a_silent_channel_is_half_the_other() {
    let left = loud_count_signal(3); // 9 windows, DR 9.03 (above)
    let samples: Vec<f32> = left.iter().flat_map(|&x| [x, 0.0]).collect();
    let t = run_f32(RATE, 2, &samples);
    let (l, r) = (t.channels[0], t.channels[1]);
    let left_dr = dr(loud(&[(-1505, 1)]), 0.5);
    assert_eq!(l.dr_unrounded, left_dr);
    assert_eq!((r.dr, r.rms, r.peak), (0.0, 0.0, 0.0));
    assert_eq!(printed_db(r.rms_db()), "-inf");
    // §6: the silent channel counts with DR 0: the left is 15.05 - 6.0206 = 9.0294 dB
    // (bin -1505 against 0.5), so (9.0294 + 0) / 2 = 4.5147 -> DR5.
    assert_eq!(t.dr, ((left_dr + 0.0) / 2.0) as f32);
    assert_eq!(printed(t.dr), "4.51");
    assert_eq!(t.official_dr, 5);
    // §8: track RMS = sqrt((f32(rms_l)² + 0) / 2), the square in f32.
    let rms_l = l.rms;
    assert_eq!(t.rms, (f64::from(rms_l * rms_l) / 2.0).sqrt());
}

#[test]
fn zero_rms_windows_count_in_n_but_enter_no_bin() {
    // Two DC 1/16 windows with spikes 1.0 and 0.5, then 8 windows of digital silence.
    let mut s = window(1.0 / 16.0, Some(1.0));
    s.extend(window(1.0 / 16.0, Some(0.5)));
    s.extend(vec![0.0; 8 * W]);
    let (k1, k2) = (
        key(rms(299.0 / 256.0 + 1.0, 300.0)),
        key(rms(299.0 / 256.0 + 0.25, 300.0)),
    );
    assert_eq!((k1, k2), (-1840, -2024)); // -1840.04, -2024.42
    let t = run_f32(RATE, 1, &s);
    let c = t.channels[0];
    // N = 10 -> target 2: both loud windows (with N = 2 it would be only the first).
    assert_eq!(t.windows, 10);
    assert_eq!(c.loud_rms, loud(&[(k1, 1), (k2, 1)]));
    assert_eq!(c.dr, dr(c.loud_rms, 0.5) as f32);
    // §5: the silent windows weigh in the channel RMS with 0.
    let rms2 = |sum: f64| 2.0 * sum / 300.0;
    let channel_rms = ((rms2(299.0 / 256.0 + 1.0) + rms2(299.0 / 256.0 + 0.25)) / 10.0).sqrt();
    assert_eq!(c.rms, channel_rms as f32);
}

#[test]
fn rms_below_minus_100_db_lands_in_bin_0() {
    // Two windows of DC 2^-20 with a 2^-14 spike: Σx² = 299 * 2^-40 + 2^-28,
    // rms = 5.2e-6, -105.7 dB (key -10574), clamped to -10000: bin 0, 10^(-100/20) = 1e-5.
    let (level, spike) = (2f32.powi(-20), 2f32.powi(-14));
    let sum = 299.0 * 2f64.powi(-40) + 2f64.powi(-28);
    assert_eq!(key(rms(sum, 300.0)), -10_574);
    let mut s = window(level, Some(spike));
    s.extend(window(level, Some(spike)));
    let c = run_f32(RATE, 1, &s).channels[0];
    assert_eq!(c.loud_rms, bin_power(0).sqrt());
    // 20*log10(2^-14 / 1e-5) = 15.71 dB: measured, not silent.
    assert_eq!(c.dr, dr(bin_power(0).sqrt(), f64::from(spike)) as f32);
    assert_eq!(printed(c.dr), "15.71");
}

#[test]
fn rms_above_0_db_lands_in_bin_10000() {
    // Float samples beyond full scale: DC 1.5 with a 2.0 spike, rms about 2.12 (+6.5 dB),
    // clamped to key 0: the loud RMS is 10^0 = 1.0; 20*log10(2 / 1) = 6.02 dB.
    let mut s = window(1.5, Some(2.0));
    s.extend(window(1.5, Some(2.0)));
    let c = run_f32(RATE, 1, &s).channels[0];
    assert_eq!(c.loud_rms, 1.0);
    assert_eq!(c.dr, dr(1.0, 2.0) as f32);
    assert_eq!(printed(c.dr), "6.02");
}

#[test]
fn negative_dr_falls_back_to_the_primary_peak_and_clamps_at_0() {
    // Window 0: DC 1/16 with a 1.0 spike (peak key 0); window 1: DC 0.5 (rms 0.7071, key
    // -301; peak 0.5, key -602). Target 1: loud = bin -301. Against the secondary 0.5 it is
    // -3.01 dB; against the primary 1.0: +3.01.
    let mut s = window(1.0 / 16.0, Some(1.0));
    s.extend(window(0.5, None));
    let c = run_f32(RATE, 1, &s).channels[0];
    let loud_rms = loud(&[(-301, 1)]);
    assert!(dr(loud_rms, 0.5) < 0.0);
    assert_eq!((c.dr, c.dr_peak), (dr(loud_rms, 1.0) as f32, 1.0));
    assert_eq!(printed(c.dr), "3.01");
    // DC 0.5 alone: both peaks 0.5, -3.01 against either: clamped at 0.
    let c = run_f32(RATE, 1, &[window(0.5, None), window(0.5, None)].concat()).channels[0];
    assert_eq!(c.dr, 0.0);
}

#[test]
fn all_silent_is_dr0_and_so_is_an_empty_track() {
    let t = run_f32(RATE, 2, &vec![0.0f32; 2 * 3 * W]);
    assert_eq!(t.windows, 3);
    assert_eq!((t.dr, t.official_dr), (0.0, 0));
    assert!(t.channels.iter().all(|c| c.dr == 0.0 && c.rms == 0.0 && c.peak == 0.0));
    assert_eq!(
        (printed_db(t.peak_db()), printed_db(t.rms_db())),
        ("-inf".into(), "-inf".into())
    );
    let empty = Analyzer::new(44_100, 2).unwrap().finish().unwrap();
    assert_eq!((empty.frames, empty.windows, empty.official_dr), (0, 0, 0));
    assert_eq!(empty.channels[0].rms, 0.0);
}

/// Three channels: the 9-window loud-count signal (DR 9.03), DC 1/16 and 1/64 windows with
/// the peaks 1.0 and 0.5 (DR 12.38), and digital silence (DR 0).
#[test]
fn loudness_weighting_for_more_than_two_channels() {
    let first = loud_count_signal(3);
    let third: Vec<f32> = vec![0.0; first.len()];
    // Channel 1: DC 1/16 windows with spikes 1.0 and 0.5 as in the zero-RMS case: 9 windows.
    let mut second = window(1.0 / 16.0, Some(1.0));
    second.extend(window(1.0 / 16.0, Some(0.5)));
    second.extend(vec![1.0f32 / 64.0; 7 * W]);
    let interleaved: Vec<f32> = (0..first.len()).flat_map(|i| [first[i], second[i], third[i]]).collect();

    // Channel DRs by hand: 0: 9.03 (above); 1: target 1 of 9 windows: bin -1840, peak 0.5.
    let dr0 = dr(loud(&[(-1505, 1)]), 0.5);
    let dr1 = dr(loud(&[(-1840, 1)]), 0.5);
    // Channel RMS (§5) by hand, per window rms² = 2 Σx² / 300.
    let rms2 = |sum: f64| 2.0 * sum / 300.0;
    let rms0 = ((rms2(300.0 / 64.0)
        + 3.0 * rms2(300.0 / 256.0)
        + rms2(299.0 / 4096.0 + 1.0)
        + rms2(299.0 / 4096.0 + 0.25)
        + 3.0 * rms2(300.0 / 4096.0))
        / 9.0)
        .sqrt();
    let rms1 = ((rms2(299.0 / 256.0 + 1.0) + rms2(299.0 / 256.0 + 0.25) + 7.0 * rms2(300.0 / 4096.0)) / 9.0).sqrt();

    let equal = run_f32(RATE, 3, &interleaved);
    assert_eq!(equal.dr, ((dr0 + dr1 + 0.0) / 3.0) as f32);
    let loudness = Options {
        channel_weighting: ChannelWeighting::Loudness,
        ..Options::default()
    };
    let weighted = run_with(RATE, 3, &interleaved, loudness);
    let c = &weighted.channels;
    // The sums of a window of 8 lanes need not round like the test's one sum: within 1e-15.
    assert!((c[0].rms_unrounded - rms0).abs() < 1e-15 && (c[1].rms_unrounded - rms1).abs() < 1e-15);
    let expected =
        (c[0].rms_unrounded * dr0 + c[1].rms_unrounded * dr1 + 0.0) / (c[0].rms_unrounded + c[1].rms_unrounded + 0.0);
    assert_eq!(weighted.dr, expected as f32);
    assert!(weighted.dr > equal.dr + 1.0); // the silent channel no longer pulls it down
    assert_eq!(weighted.official_dr, dr_core::official_dr(expected as f32));

    // Two channels: the plain mean whatever the option says.
    let two: Vec<f32> = (0..first.len()).flat_map(|i| [first[i], second[i]]).collect();
    assert_eq!(run_with(RATE, 2, &two, loudness).dr, ((dr0 + dr1) / 2.0) as f32);
}

#[test]
fn album_mean_and_length_weighting() {
    // Track A: 1 frame of 0.5 (DR 0, 0.01 s at 100 Hz); track B: 9 windows of the loud-count
    // signal (DR 9.03, 27 s).
    let a = run_f32(RATE, 1, &[0.5]);
    let b = run_f32(RATE, 1, &loud_count_signal(3));
    let dr_b = dr(loud(&[(-1505, 1)]), 0.5) as f32;
    assert_eq!((a.dr, b.dr), (0.0, dr_b));
    // §7: the mean of the f32 track DRs, DR0 tracks included: 4.5147 -> DR5.
    let plain = album([&a, &b], AlbumWeighting::Equal);
    assert_eq!(plain.dr, ((0.0 + f64::from(dr_b)) / 2.0) as f32);
    assert_eq!((plain.tracks, plain.official_dr), (2, 5));
    // By length: (0 * 0.01 + 9.03 * 27) / 27.01 = 9.027 -> DR9.
    let by_length = album([&a, &b], AlbumWeighting::Length);
    let (da, db) = (1.0 / 100.0, 2700.0 / 100.0);
    assert_eq!(by_length.dr, ((0.0 * da + f64::from(dr_b) * db) / (da + db)) as f32);
    assert_eq!(by_length.official_dr, 9);
}

#[test]
fn published_dr_is_f32_and_shown_as_trunc_of_x_plus_half() {
    // trunc(x + 0.5), not round-half-away on an f64 mean: 12.499 -> 12, 10.50 -> 11.
    assert_eq!(dr_core::official_dr(12.499), 12);
    assert_eq!(dr_core::official_dr(10.5), 11);
    // The f32 just below 12.5 is 12.4999990: DR12; an f64 mean of 12.49999999 narrows to
    // 12.5 exactly: DR13.
    assert_eq!(dr_core::official_dr(f32::from_bits(12.5f32.to_bits() - 1)), 12);
    assert_eq!(12.499_999_99f64 as f32, 12.5);
    assert_eq!(dr_core::official_dr(12.499_999_99f64 as f32), 13);
    // On a track: DR = f32 of the f64 mean, official from that f32.
    let t = run_f32(RATE, 1, &loud_count_signal(3));
    assert_eq!(t.dr, t.channels[0].dr_unrounded as f32);
    assert_eq!(t.official_dr, (f64::from(t.dr) + 0.5).trunc() as i32);
}

#[test]
fn invalid_parameters_are_errors() {
    assert_eq!(Analyzer::new(44_100, 0).err(), Some(Error::NoChannels));
    assert_eq!(Analyzer::new(44_100, 33).err(), Some(Error::TooManyChannels(33)));
    assert_eq!(Analyzer::new(0, 2).err(), Some(Error::ZeroSampleRate));
    assert!(Analyzer::new(44_100, 32).is_ok());
    let exclude_third = Options {
        excluded_channel: Some(2),
        ..Options::default()
    };
    assert_eq!(
        Analyzer::with_options(44_100, 2, exclude_third).err(),
        Some(Error::ExcludedChannelOutOfRange { index: 2, channels: 2 })
    );
    let mut a = Analyzer::new(44_100, 2).unwrap();
    assert_eq!(a.add_interleaved_i32(&[1, 2], 0), Err(Error::InvalidBitDepth(0)));
    assert_eq!(a.add_interleaved_i32(&[1, 2], 33), Err(Error::InvalidBitDepth(33)));
    assert_eq!(
        a.add_planar_f32(&[vec![0.0f32; 3]]),
        Err(Error::ChannelCountMismatch { got: 1, expected: 2 })
    );
    assert_eq!(
        a.add_planar_f32(&[vec![0.0f32; 3], vec![0.0; 2]]),
        Err(Error::ChannelLengthMismatch)
    );
    let g = a.geometry();
    assert_eq!(
        g.segment_interleaved_i16(0, &[1, 2, 3]).err(),
        Some(Error::PartialFrame {
            samples: 3,
            channels: 2
        })
    );
}

#[test]
fn excluded_channel_is_measured_but_left_out_of_the_mean() {
    let left = loud_count_signal(3);
    let samples: Vec<f32> = left.iter().flat_map(|&x| [x, 0.0]).collect();
    let options = Options {
        excluded_channel: Some(1),
        ..Options::default()
    };
    let t = run_with(RATE, 2, &samples, options);
    // Without the silent channel the mean is the left channel's DR alone: 9.03, not 4.51.
    assert_eq!(t.dr, dr(loud(&[(-1505, 1)]), 0.5) as f32);
    assert_eq!(t.excluded_channel, Some(1));
    assert_eq!(t.channels.len(), 2);
}

#[test]
fn sample_kind_cannot_change_within_a_track() {
    let mut a = Analyzer::new(44_100, 1).unwrap();
    a.add_interleaved_f32(&[0.1, 0.2]).unwrap();
    a.add_interleaved_f64(&[0.1, 0.2]).unwrap(); // float and float mix
    assert!(matches!(
        a.add_interleaved_i16(&[1]),
        Err(Error::SampleFormatChanged { .. })
    ));
    let mut b = Analyzer::new(44_100, 1).unwrap();
    b.add_interleaved_i32(&[1], 24).unwrap();
    assert!(matches!(
        b.add_interleaved_i32(&[1], 16),
        Err(Error::SampleFormatChanged { .. })
    ));
}

#[test]
fn a_frame_left_unfinished_is_an_error() {
    let mut a = Analyzer::new(44_100, 2).unwrap();
    a.add_interleaved_f32(&[0.1, 0.2, 0.3]).unwrap();
    assert_eq!(
        a.finish().err(),
        Some(Error::IncompleteFrame {
            leftover: 1,
            channels: 2
        })
    );
}

#[test]
fn nonfinite_samples_are_skipped_and_counted() {
    let mut noise = common::Noise(3);
    let clean: Vec<f64> = (0..2 * 10 * W).map(|_| noise.int(20000) as f64 / 32768.0).collect();
    let mut dirty = clean.clone();
    let mut zeroed = clean.clone();
    for (n, &i) in [5usize, 77, 2 * W + 3, 5 * W + 1].iter().enumerate() {
        dirty[i] = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::NAN][n];
        zeroed[i] = 0.0;
    }
    let run = |s: &[f64]| {
        let mut a = Analyzer::new(RATE, 2).unwrap();
        for chunk in s.chunks(97) {
            a.add_interleaved_f64(chunk).unwrap();
        }
        a.finish().unwrap()
    };
    let d = run(&dirty);
    // A skipped sample adds nothing to a sum and cannot be a peak: like a 0.
    let z = run(&zeroed);
    assert_eq!(d.nonfinite_samples, 4);
    assert_eq!(d.channels, z.channels);
    assert!(d.dr.is_finite() && d.dr > 0.0);
}

#[test]
fn integer_values_beyond_bit_depth_are_clamped() {
    let mut a = Analyzer::new(44_100, 1).unwrap();
    a.add_interleaved_i32(&[i32::MAX, i32::MIN, 5], 8).unwrap();
    let c = a.finish().unwrap().channels[0];
    // Clamped to 2^7 = 128 -> 1.0 full scale.
    assert_eq!(c.peak, 1.0);
}
