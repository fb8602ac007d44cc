//! Invariants of ALGORITHM.md §9, as property tests, and agreement with the naive
//! second implementation in `common`.

mod common;

use dr_core::{Analyzer, TrackResult};
use proptest::prelude::*;

/// Low sample rates make windows short (100 Hz -> 300 frames), so a few thousand
/// frames cover many windows, tails and chunk boundaries.
const RATES: [u32; 3] = [100, 101, 163];

fn cut_points(len: usize, cuts: &[usize]) -> Vec<usize> {
    let mut points: Vec<usize> = cuts.iter().map(|&c| c % (len + 1)).collect();
    points.push(0);
    points.push(len);
    points.sort_unstable();
    points
}

/// Feeds `data` in the chunks that `cuts` define (chunks may end mid-frame).
fn chunked<T>(data: &[T], cuts: &[usize], mut add: impl FnMut(&[T])) {
    for pair in cut_points(data.len(), cuts).windows(2) {
        add(&data[pair[0]..pair[1]]);
    }
}

fn finish(a: Analyzer) -> TrackResult {
    a.finish().unwrap()
}

fn signal_strategy() -> impl Strategy<Value = (u32, usize, Vec<i32>, Vec<usize>)> {
    (
        0..RATES.len(),
        1usize..=8,
        0usize..3000,
        proptest::collection::vec(any::<usize>(), 0..40),
        any::<u64>(),
    )
        .prop_map(|(r, ch, frames, cuts, seed)| {
            let mut noise = common::Noise(seed | 1);
            // Windows of varied loudness so the histogram has several bins.
            let samples = (0..frames * ch)
                .map(|i| {
                    let loud = 1 + (i / ch / 97) as i32 % 7;
                    noise.int(4000 * loud)
                })
                .collect();
            (RATES[r], ch, samples, cuts)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn float_chunking_is_bit_identical((rate, ch, ints, cuts) in signal_strategy()) {
        let f32s: Vec<f32> = ints.iter().map(|&v| v as f32 / 32768.0 * 1.37).collect();
        let f64s: Vec<f64> = ints.iter().map(|&v| v as f64 / 32768.0 * 1.37).collect();
        let mut whole = Analyzer::new(rate, ch).unwrap();
        whole.add_interleaved_f32(&f32s).unwrap();
        let whole = finish(whole);
        let mut parts = Analyzer::new(rate, ch).unwrap();
        chunked(&f32s, &cuts, |c| parts.add_interleaved_f32(c).unwrap());
        prop_assert_eq!(&finish(parts), &whole);

        let mut whole64 = Analyzer::new(rate, ch).unwrap();
        whole64.add_interleaved_f64(&f64s).unwrap();
        let whole64 = finish(whole64);
        let mut parts64 = Analyzer::new(rate, ch).unwrap();
        chunked(&f64s, &cuts, |c| parts64.add_interleaved_f64(c).unwrap());
        prop_assert_eq!(&finish(parts64), &whole64);

        // Planar input, cut at frame boundaries, adds the same lanes in the same order.
        let frames = f32s.len() / ch;
        let planar: Vec<Vec<f32>> = (0..ch).map(|c| (0..frames).map(|f| f32s[f * ch + c]).collect()).collect();
        let mut p = Analyzer::new(rate, ch).unwrap();
        for pair in cut_points(frames, &cuts).windows(2) {
            let slices: Vec<&[f32]> = planar.iter().map(|v| &v[pair[0]..pair[1]]).collect();
            p.add_planar_f32(&slices).unwrap();
        }
        prop_assert_eq!(&finish(p), &whole);
    }

    #[test]
    fn integer_input_matches_the_naive_reference_exactly((rate, ch, ints, cuts) in signal_strategy()) {
        let as_i16: Vec<i16> = ints.iter().map(|&v| v as i16).collect();
        let mut a = Analyzer::new(rate, ch).unwrap();
        chunked(&as_i16, &cuts, |c| a.add_interleaved_i16(c).unwrap());
        let t = finish(a);
        // 24-bit container, same values scaled by 2^8: the same DR (all linear values equal).
        let as_i24: Vec<i32> = ints.iter().map(|&v| v << 8).collect();
        let mut b = Analyzer::new(rate, ch).unwrap();
        chunked(&as_i24, &cuts, |c| b.add_interleaved_i32(c, 24).unwrap());
        prop_assert_eq!(&finish(b), &t);

        for c in 0..ch {
            let channel: Vec<i32> = ints.iter().skip(c).step_by(ch).copied().collect();
            let r = common::reference_channel(&channel, rate, 16);
            let got = t.channels[c];
            prop_assert_eq!(t.windows as usize, r.windows);
            prop_assert_eq!(got.rms20, r.rms20);
            prop_assert_eq!((got.peak_first, got.peak_second, got.peak_selected), (r.p1, r.p2, r.peak_selected));
            prop_assert_eq!(got.dr, r.dr);
            prop_assert_eq!(got.silent, r.silent);
            prop_assert_eq!(got.peak, r.peak);
            prop_assert_eq!(got.rms, r.rms);
        }
    }

    #[test]
    fn sixteen_bit_pcm_as_integers_or_floats_gives_the_same_dr((rate, ch, ints, cuts) in signal_strategy()) {
        let as_i16: Vec<i16> = ints.iter().map(|&v| v as i16).collect();
        let mut a = Analyzer::new(rate, ch).unwrap();
        a.add_interleaved_i16(&as_i16).unwrap();
        let int = finish(a);
        let f32s: Vec<f32> = ints.iter().map(|&v| v as f32 / 32768.0).collect();
        let f64s: Vec<f64> = ints.iter().map(|&v| v as f64 / 32768.0).collect();
        let mut b = Analyzer::new(rate, ch).unwrap();
        chunked(&f32s, &cuts, |c| b.add_interleaved_f32(c).unwrap());
        let mut d = Analyzer::new(rate, ch).unwrap();
        chunked(&f64s, &cuts, |c| d.add_interleaved_f64(c).unwrap());
        for float in [finish(b), finish(d)] {
            prop_assert_eq!(float.windows, int.windows);
            prop_assert_eq!(float.official_dr, int.official_dr);
            for (f, i) in float.channels.iter().zip(&int.channels) {
                prop_assert!((f.dr - i.dr).abs() <= 1e-9, "{} vs {}", f.dr, i.dr);
                prop_assert!((f.rms - i.rms).abs() <= 1e-12 * i.rms.max(1e-300));
                prop_assert_eq!(f.peak, i.peak);
                prop_assert_eq!(f.silent, i.silent);
            }
        }
    }

    #[test]
    fn segments_in_any_order_equal_sequential_feeding(
        (rate, ch, ints, cuts) in signal_strategy(),
        order_seed in any::<u64>(),
    ) {
        let frames = ints.len() / ch;
        let mut seq = Analyzer::new(rate, ch).unwrap();
        seq.add_interleaved_i32(&ints, 16).unwrap();
        let expected = finish(seq);

        let planar: Vec<Vec<i32>> = (0..ch).map(|c| ints.iter().skip(c).step_by(ch).copied().collect()).collect();
        let mut a = Analyzer::new(rate, ch).unwrap();
        let g = a.geometry();
        let mut segments: Vec<_> = cut_points(frames, &cuts)
            .windows(2)
            .enumerate()
            .map(|(i, p)| {
                if i % 2 == 0 {
                    g.segment_interleaved_i32(p[0] as u64, &ints[p[0] * ch..p[1] * ch], 16).unwrap()
                } else {
                    let slices: Vec<&[i32]> = planar.iter().map(|v| &v[p[0]..p[1]]).collect();
                    g.segment_planar_i32(p[0] as u64, &slices, 16).unwrap()
                }
            })
            .collect();
        // Shuffle deterministically.
        let mut noise = common::Noise(order_seed | 1);
        for i in (1..segments.len()).rev() {
            segments.swap(i, (noise.next_u64() % (i as u64 + 1)) as usize);
        }
        for s in segments {
            a.merge(s).unwrap();
        }
        prop_assert_eq!(&finish(a), &expected);
    }
}

#[test]
fn segments_with_a_gap_or_overlap_are_errors() {
    let ints: Vec<i16> = (0..2000).map(|i| (i % 300) as i16).collect();
    let mut a = Analyzer::new(100, 1).unwrap();
    let g = a.geometry();
    a.merge(g.segment_interleaved_i16(0, &ints[..500]).unwrap()).unwrap();
    a.merge(g.segment_interleaved_i16(900, &ints[900..]).unwrap()).unwrap();
    assert_eq!(
        a.finish().err(),
        Some(dr_core::Error::MissingFrames { start: 500, end: 900 })
    );
    let mut b = Analyzer::new(100, 1).unwrap();
    b.merge(g.segment_interleaved_i16(0, &ints[..500]).unwrap()).unwrap();
    assert!(matches!(
        b.merge(g.segment_interleaved_i16(400, &ints[400..600]).unwrap()),
        Err(dr_core::Error::OverlappingFrames { .. })
    ));
    let other = Analyzer::new(101, 1).unwrap().geometry();
    assert_eq!(
        b.merge(other.segment_interleaved_i16(500, &ints[..10]).unwrap()).err(),
        Some(dr_core::Error::GeometryMismatch)
    );
}

#[test]
fn thirty_two_bit_integers_are_exact_too() {
    // Full-scale 32-bit values stress the u64 lanes (each square is up to 2^62).
    let mut noise = common::Noise(11);
    let ints: Vec<i32> = (0..2 * 5000).map(|_| (noise.next_u64() >> 32) as i32).collect();
    let mut a = Analyzer::new(163, 2).unwrap();
    for c in ints.chunks(333) {
        a.add_interleaved_i32(c, 32).unwrap();
    }
    let t = a.finish().unwrap();
    for c in 0..2 {
        let channel: Vec<i32> = ints.iter().skip(c).step_by(2).copied().collect();
        let r = common::reference_channel(&channel, 163, 32);
        assert_eq!(t.channels[c].rms20, r.rms20);
        assert_eq!(t.channels[c].dr, r.dr);
        assert_eq!(t.channels[c].rms, r.rms);
    }
}
