//! The cases of ALGORITHM.md §10, §1 and §5-§7, with the expected values worked out
//! here from the rules (never copied from the analyser's output).

mod common;

use dr_core::{album, window_frames, Analyzer, Error, Options, TrackResult};

const W44: usize = 132_480;

fn run_f32(rate: u32, channels: usize, samples: &[f32]) -> TrackResult {
    let mut a = Analyzer::new(rate, channels).unwrap();
    a.add_interleaved_f32(samples).unwrap();
    a.finish().unwrap()
}

fn mono_f32(rate: u32, samples: &[f32]) -> TrackResult {
    run_f32(rate, 1, samples)
}

#[test]
fn window_lengths_follow_736_over_245() {
    // floor(rate * 736 / 245), worked out by hand:
    // 44100*736 = 32457600; /245 = 132480 exactly.
    assert_eq!(window_frames(44_100), 132_480);
    // 48000*736 = 35328000; /245 = 144195.918...
    assert_eq!(window_frames(48_000), 144_195);
    assert_eq!(window_frames(88_200), 264_960);
    // 96000*736 = 70656000; /245 = 288391.836...
    assert_eq!(window_frames(96_000), 288_391);
    assert_eq!(window_frames(176_400), 529_920);
    // 192000*736 = 141312000; /245 = 576783.673...
    assert_eq!(window_frames(192_000), 576_783);
}

#[test]
fn dc_and_square_of_half_amplitude_give_minus_3_01() {
    let frames = 30 * 44_100;
    // rms_w = sqrt(2 * 0.25) = 0.70710678 -> bin trunc(7071.0678) = 7071 for every window.
    // 30 s = 9 full windows + a 130680-frame tail -> N = 10, k = 2; rms20 = 0.7071.
    let rms20 = (7071.0f64 * 7071.0 * 1e-8).sqrt();
    let expected_dr = 20.0 * (0.5 / rms20).log10(); // -3.0103 dB
    assert!((expected_dr + 3.0103).abs() < 1e-4);
    let dc = vec![0.5f32; frames];
    let square: Vec<f32> = (0..frames).map(|i| if i % 100 < 50 { 0.5 } else { -0.5 }).collect();
    for signal in [dc, square] {
        let t = mono_f32(44_100, &signal);
        assert_eq!(t.windows, 10);
        let c = t.channels[0];
        assert!((c.rms20 - rms20).abs() < 1e-12, "{}", c.rms20);
        assert_eq!(c.peak_selected, 0.5);
        assert!((c.dr - expected_dr).abs() < 1e-9, "{}", c.dr);
        assert_eq!(t.official_dr, Some(-3));
        // §8: whole-track RMS with the factor 2: sqrt(2 * 0.25).
        assert!((c.rms - 0.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(c.peak, 0.5);
    }
}

#[test]
fn sine_of_half_amplitude_with_crests_gives_about_zero() {
    // 441 Hz at 44.1 kHz: exactly 100 samples a period, sample 25 of each is the crest
    // sin(pi/2) = 1, so every window holds the peak 0.5; rms_w ~ 0.5 -> bin 4999 or 5000.
    let frames = 30 * 44_100;
    let signal: Vec<f32> = (0..frames)
        .map(|i| (0.5 * (std::f64::consts::TAU * (i % 100) as f64 / 100.0).sin()) as f32)
        .collect();
    let t = mono_f32(44_100, &signal);
    let c = t.channels[0];
    assert_eq!(c.peak_selected, 0.5);
    assert!(c.rms20 == 0.4999 || c.rms20 == 0.5, "rms20 {}", c.rms20);
    assert!((0.0..=0.002).contains(&c.dr), "dr {}", c.dr);
}

#[test]
fn second_largest_window_peak_is_used() {
    // 10 windows of low noise; a 0.9 spike in window 3 and 0.6 in window 7.
    let mut noise = common::Noise(7);
    let mut signal: Vec<f32> = (0..10 * W44).map(|_| noise.int(100) as f32 / 32768.0).collect();
    signal[3 * W44 + 1000] = 0.9;
    signal[7 * W44 + 5] = -0.6;
    let c = mono_f32(44_100, &signal).channels[0];
    assert_eq!(c.peak_first, 0.9f32 as f64);
    assert_eq!(c.peak_second, 0.6f32 as f64);
    assert_eq!(c.peak_selected, 0.6f32 as f64);
    assert_eq!(c.peak, 0.9f32 as f64);
}

#[test]
fn equal_window_peaks_count_twice() {
    let mut signal = vec![0.01f32; 3 * W44];
    signal[10] = 0.7;
    signal[W44 + 10] = 0.7;
    let c = mono_f32(44_100, &signal).channels[0];
    assert_eq!((c.peak_first, c.peak_second), (0.7f32 as f64, 0.7f32 as f64));
}

#[test]
fn one_window_uses_its_own_peak() {
    let c = mono_f32(44_100, &vec![0.25f32; 1000]).channels[0];
    assert_eq!((c.peak_first, c.peak_second, c.peak_selected), (0.25, 0.25, 0.25));
}

#[test]
fn tail_rule_one_frame_dropped_two_counted() {
    for (frames, windows) in [(2 * W44, 2), (2 * W44 + 1, 2), (2 * W44 + 2, 3)] {
        let t = mono_f32(44_100, &vec![0.1f32; frames]);
        assert_eq!(t.windows, windows, "{frames} frames");
        // The dropped frame still counts in the track's frame total.
        assert_eq!(t.frames, frames as u64);
    }
}

#[test]
fn dropped_one_frame_tail_still_counts_for_track_peak() {
    let mut s = vec![0.1f32; W44 + 1];
    s[W44] = 0.8;
    let c = mono_f32(44_100, &s).channels[0];
    assert_eq!(c.peak, 0.8f32 as f64);
    assert_eq!(c.peak_selected, 0.1f32 as f64);
}

/// N windows whose RMS bins are all different: rms20 reveals how many (k) were taken.
#[test]
fn loudest_fifth_count_k() {
    let rate = 100; // W = 300 frames: many windows, little data.
    let w = window_frames(rate) as usize;
    for (n, k) in [(5usize, 1usize), (9, 1), (10, 2), (14, 2), (15, 3)] {
        // Window j is DC of v_j = 1000 * (j + 1) (16-bit): rms = sqrt(2) * v / 32768.
        let levels: Vec<i32> = (0..n as i32).map(|j| 1000 * (j + 1)).collect();
        let samples: Vec<i16> = levels.iter().flat_map(|&v| vec![v as i16; w]).collect();
        let mut a = Analyzer::new(rate, 1).unwrap();
        a.add_interleaved_i16(&samples).unwrap();
        let t = a.finish().unwrap();
        let mut bins: Vec<u64> = levels
            .iter()
            .map(|&v| (10000.0 * (2.0 * (v * v) as f64 / (1u64 << 30) as f64).sqrt()) as u64)
            .collect();
        bins.sort_unstable_by(|a, b| b.cmp(a));
        let sum: f64 = bins[..k].iter().map(|&b| (b * b) as f64 * 1e-8).sum();
        let expected = (sum / k as f64).sqrt();
        assert_eq!(t.windows, n as u64);
        assert!(
            (t.channels[0].rms20 - expected).abs() < 1e-12,
            "N={n}: {} vs {expected}",
            t.channels[0].rms20
        );
    }
}

#[test]
fn tail_window_counts_for_every_channel_count() {
    // Quiet full windows, then a loud 2-frame tail: if the tail counts, it is the
    // loudest window (k = 1 of N = 3): DC 0.8 -> rms sqrt(2 * 0.64) = 1.13 -> bin 10000 -> rms20 = 1.0.
    for channels in [2usize, 3, 6, 8, 12] {
        let mut samples = vec![0.01f32; 2 * W44 * channels];
        samples.extend(std::iter::repeat_n(0.8f32, 2 * channels));
        let t = run_f32(44_100, channels, &samples);
        assert_eq!(t.windows, 3, "{channels} channels");
        for c in &t.channels {
            assert_eq!(c.rms20, 1.0, "{channels} channels");
            assert_eq!(c.peak_first, 0.8f32 as f64);
        }
    }
}

#[test]
fn silent_channel_left_out_of_mean() {
    // Left: DC 0.5 (dr -3.0103); right: digital silence.
    let frames = 4 * W44;
    let samples: Vec<f32> = (0..2 * frames).map(|i| if i % 2 == 0 { 0.5 } else { 0.0 }).collect();
    let t = run_f32(44_100, 2, &samples);
    assert!(!t.channels[0].silent);
    assert!(t.channels[1].silent);
    assert_eq!(t.precise_dr, Some(t.channels[0].dr));
}

#[test]
fn all_silent_gives_no_dr_not_dr0() {
    let t = run_f32(44_100, 2, &vec![0.0f32; 2 * 3 * W44]);
    assert!(t.channels.iter().all(|c| c.silent));
    assert_eq!((t.precise_dr, t.official_dr), (None, None));
}

#[test]
fn below_minus_80_db_rms_is_silent() {
    // DC 3e-5: rms = sqrt(2) * 3e-5 = 4.2e-5 -> bin trunc(0.42) = 0 -> rms20 = 0 -> silent,
    // though its peak is not 0.
    let t = mono_f32(44_100, &vec![3e-5f32; 3 * W44]);
    let c = t.channels[0];
    assert_eq!(c.rms20, 0.0);
    assert!(c.peak_selected > 0.0);
    assert!(c.silent);
    assert_eq!(t.precise_dr, None);
}

#[test]
fn empty_track_has_no_dr() {
    let t = Analyzer::new(44_100, 2).unwrap().finish().unwrap();
    assert_eq!((t.frames, t.windows, t.precise_dr), (0, 0, None));
}

#[test]
fn excluded_channel_is_measured_but_left_out() {
    // Channel 0: DC 0.5 (-3.01 dB); channel 1: square 0.5 with one loud spike (higher DR).
    let frames = 3 * W44;
    let mut samples: Vec<f32> = vec![0.5; 2 * frames];
    samples[2 * 1000 + 1] = 1.0;
    samples[2 * (W44 + 1000) + 1] = 1.0;
    let mut a = Analyzer::with_options(
        44_100,
        2,
        Options {
            excluded_channel: Some(1),
        },
    )
    .unwrap();
    a.add_interleaved_f32(&samples).unwrap();
    let t = a.finish().unwrap();
    assert!(t.channels[1].dr > t.channels[0].dr + 1.0);
    assert_eq!(t.precise_dr, Some(t.channels[0].dr));
    assert_eq!(t.excluded_channel, Some(1));
}

#[test]
fn official_dr_rounds_half_away_from_zero() {
    assert_eq!(dr_core::official_dr(10.5), 11);
    assert_eq!(dr_core::official_dr(10.49), 10);
    assert_eq!(dr_core::official_dr(-2.5), -3);
}

fn track_with_precise(precise: Option<f64>) -> TrackResult {
    TrackResult {
        sample_rate: 44_100,
        frames: 0,
        windows: 0,
        channels: vec![],
        precise_dr: precise,
        official_dr: precise.map(dr_core::official_dr),
        excluded_channel: None,
        nonfinite_samples: 0,
    }
}

#[test]
fn album_is_mean_of_precise_values() {
    // Official DRs 10 and 11 would average 10.5 -> 11; precise 10.4 and 11.2 average 10.8 -> 11;
    // precise 10.4 and 10.45 average 10.425 -> 10 although the second alone rounds to 10 too.
    let a = album(&[track_with_precise(Some(10.4)), track_with_precise(Some(11.2))]);
    assert_eq!(a.official_dr, Some(11));
    assert!((a.precise_dr.unwrap() - 10.8).abs() < 1e-12);
    let b = album(&[
        track_with_precise(Some(9.6)),
        track_with_precise(Some(10.3)),
        track_with_precise(None),
    ]);
    // (9.6 + 10.3) / 2 = 9.95 -> 10; the silent track is left out, not counted as 0.
    assert_eq!((b.tracks_with_dr, b.official_dr), (2, Some(10)));
    assert_eq!(album(&[track_with_precise(None)]).official_dr, None);
}

#[test]
fn invalid_parameters_are_errors() {
    assert_eq!(Analyzer::new(44_100, 0).err(), Some(Error::NoChannels));
    assert_eq!(Analyzer::new(44_100, 33).err(), Some(Error::TooManyChannels(33)));
    assert_eq!(Analyzer::new(0, 2).err(), Some(Error::ZeroSampleRate));
    assert!(Analyzer::new(44_100, 32).is_ok());
    assert_eq!(
        Analyzer::with_options(
            44_100,
            2,
            Options {
                excluded_channel: Some(2)
            }
        )
        .err(),
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
    // Segments must be whole frames.
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
    let clean: Vec<f64> = (0..2 * 3 * W44).map(|_| noise.int(20000) as f64 / 32768.0).collect();
    let mut dirty = clean.clone();
    let mut zeroed = clean.clone();
    for (n, &i) in [5usize, 77, 2 * W44 + 3, 5 * W44 + 1].iter().enumerate() {
        dirty[i] = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::NAN][n];
        zeroed[i] = 0.0;
    }
    let run = |s: &[f64]| {
        let mut a = Analyzer::new(44_100, 2).unwrap();
        for chunk in s.chunks(4097) {
            a.add_interleaved_f64(chunk).unwrap();
        }
        a.finish().unwrap()
    };
    let d = run(&dirty);
    // A skipped sample adds nothing to a sum and cannot be a peak: like a 0.
    let z = run(&zeroed);
    assert_eq!(d.nonfinite_samples, 4);
    assert_eq!(d.channels, z.channels);
    assert!(d.precise_dr.unwrap().is_finite());
}

#[test]
fn integer_values_beyond_bit_depth_are_clamped() {
    let mut a = Analyzer::new(44_100, 1).unwrap();
    a.add_interleaved_i32(&[i32::MAX, i32::MIN, 5], 8).unwrap();
    let c = a.finish().unwrap().channels[0];
    // Clamped to 2^7 = 128 -> 1.0 full scale.
    assert_eq!(c.peak, 1.0);
}
